"""The demo county gets stations and a year of handled alerts, and a second run adds nothing."""

from __future__ import annotations

import pytest
from django.db import transaction

from governance.demo import demo_seed
from governance.models import Region
from stations.demo import HISTORY_ALERTS, REPEAT_CALL_SHARE, VILLAGE_FIRST, seed_demo_history
from stations.models import Alert, ClockBreach, DispatchOrder, DutyShift, Station, Summons

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        demo_seed(seed=2026)
        summary = seed_demo_history(seed=2026)
        yield summary
        transaction.set_rollback(True)


def test_demo_has_a_station_per_police_station_and_a_year_of_alerts(seeded):
    villages = Region.objects.filter(level=Region.Level.VILLAGE).exclude(boundary=None).count()
    # A third of the villages have a quarrel that came back as a second 110 call.
    repeats = 2 * round(villages * REPEAT_CALL_SHARE)
    assert (
        seeded
        == f"Stations: 6 joint-duty stations, {HISTORY_ALERTS + repeats} past alerts over a year, 4 open today, "
        f"29 whistles, {len(VILLAGE_FIRST)} alerts settled by the village."
    )
    assert Station.objects.count() == 6
    assert Alert.objects.count() == HISTORY_ALERTS + repeats + 4 + len(VILLAGE_FIRST)
    again = Alert.objects.filter(category="dispute", repeat_count__gt=0)
    assert again.values("village").distinct().count() >= repeats // 2
    assert not again.filter(dispute_id__isnull=False).exists()  # two calls open no dispute case
    # The demo cadre's village settled a few before the police came (村里先处置).
    settled = DispatchOrder.objects.filter(status="by_village")
    assert settled.count() == len(VILLAGE_FIRST)
    assert {o.village_reported_by.username for o in settled} == {"village_cadre"}
    assert DispatchOrder.objects.filter(status="followed_up").count() == HISTORY_ALERTS + repeats
    assert DispatchOrder.objects.filter(status="dispatched").count() == 4
    # Some clocks passed in the history, so the on-time statistics are not trivially 100 %.
    assert 0 < ClockBreach.objects.count() < HISTORY_ALERTS
    # Today's open orders are at the demo officer's station, and each station has today's duty.
    first = Station.objects.order_by("pk").first()
    assert DispatchOrder.objects.filter(status="dispatched", station=first).count() == 4
    assert DutyShift.objects.count() == 12
    # Whistles: past ones answered and verified, one open today for the demo grid worker's village.
    assert Summons.objects.filter(status="verified", order__isnull=False).count() == 28
    open_whistle = Summons.objects.get(status="open")
    assert open_whistle.targets.get().agency.memberships.filter(user__username="grid_worker").exists()
    span = Alert.objects.order_by("reported_at")
    assert (span.last().reported_at - span.first().reported_at).days > 300


def test_second_run_adds_nothing(seeded):
    assert seed_demo_history(seed=2026) is None
    assert Station.objects.count() == 6
