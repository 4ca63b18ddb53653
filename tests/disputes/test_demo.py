"""The demo county gets a mediator pool, a year of disputes in every status, today's work for the
mediator persona and a screening campaign; a second run adds nothing."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from disputes.demo import GROUP_MEMBERS, HISTORY_CASES, seed_demo_history
from disputes.models import (
    Agreement,
    Assignment,
    Category,
    Dispute,
    DisputeEvent,
    MediationRoom,
    Mediator,
    MediatorTeam,
    Party,
    ScreeningCampaign,
    ScreeningVisit,
    TierPolicy,
)
from disputes.services import conflicts_of
from governance.demo import COUNTY_CODE, DEMO_PASSWORD, demo_seed
from governance.pii import pii_decrypt, validate_mobile, validate_resident_id

pytestmark = pytest.mark.django_db
S = Dispute.Status
TOWNSHIP_1 = f"{COUNTY_CODE}001000"
# The season each category peaks in (四季排查).
PEAKS = {
    Category.LAND: (3, 4, 5),
    Category.NEIGHBOUR: (6, 7, 8),
    Category.FAMILY: (9, 10, 11),
    Category.LENDING: (12, 1, 2),
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction rolled back at the end (as the governance
    and stations demo tests do): the whole history takes seconds, not each test."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_seed(seed=2026)
        summary = seed_demo_history(seed=2026)
        yield summary
        transaction.set_rollback(True)


def county_cases():
    return Dispute.objects.filter(county__code=COUNTY_CODE)


def test_the_summary_line_counts_what_was_built(seeded):
    total = county_cases().count()
    closed = county_cases().filter(status=S.CLOSED).count()

    assert seeded.startswith(f"Disputes: 12 mediators, {total} cases over a year ({closed} closed, ")
    assert f"a group dispute of {GROUP_MEMBERS} parties" in seeded
    assert HISTORY_CASES < total < HISTORY_CASES + 40


def test_a_year_of_history_reaches_every_status(seeded):
    statuses = Counter(county_cases().values_list("status", flat=True))
    span = county_cases().order_by("registered_at")

    assert set(statuses) == set(S.values)
    assert statuses[S.CLOSED] > statuses[S.TERMINATED] > 0
    assert (span.last().registered_at - span.first().registered_at).days > 330
    assert set(county_cases().values_list("channel", flat=True)) == set(Dispute.Channel.values)
    # Nothing happened in the future.
    assert not DisputeEvent.objects.filter(at__gt=timezone.now()).exists()


def test_each_season_brings_its_own_disputes(seeded):
    history = county_cases().filter(registered_at__lt=timezone.now() - timedelta(days=21))
    for category, months in PEAKS.items():
        in_season = Counter(
            history.filter(registered_at__month__in=months).values_list("category", flat=True)
        )
        rest = Counter(history.exclude(registered_at__month__in=months).values_list("category", flat=True))
        # At least twice as common in its season as in the rest of the year.
        assert in_season[category] / in_season.total() > 2 * rest[category] / rest.total(), category


def test_closed_cases_were_followed_up_and_most_resolved_at_the_village(seeded):
    closed = county_cases().filter(status=S.CLOSED)

    assert not closed.filter(follow_ups__isnull=True).exists()
    assert set(closed.values_list("follow_ups__satisfaction", flat=True)) <= {3, 4, 5}
    assert closed.filter(resolved_tier=1).count() > closed.count() / 2
    assert closed.exclude(resolved_tier=1).exists()


def test_cases_were_escalated_by_their_time_box_by_triggers_and_on_request(seeded):
    reasons = Counter(
        reason
        for data in DisputeEvent.objects.filter(verb="escalated").values_list("data", flat=True)
        for reason in data["reasons"]
    )

    assert reasons["time_box"] >= 10
    assert reasons["party_request"] >= 3
    assert {"red_risk", "group", "cross_village", "government_party"} <= set(reasons)
    assert county_cases().filter(key_case=True).count() >= 10
    assert county_cases().filter(tier=4, sector_agency__isnull=False).exists()


def test_side_exits_carry_their_reasons(seeded):
    not_accepted = county_cases().filter(status=S.NOT_ACCEPTED)
    referred = county_cases().filter(status=S.REFERRED_POLICE)
    terminated = county_cases().filter(status=S.TERMINATED)

    assert not not_accepted.filter(other_process="").exists()
    assert not referred.filter(advised_route="").exists()
    assert not terminated.filter(advised_route="").exists()
    assert DisputeEvent.objects.filter(verb="reopened").exists()
    assert DisputeEvent.objects.filter(verb="mediator_recused").exists()


def test_judicial_confirmation_was_confirmed_rejected_and_is_pending(seeded):
    answers = set(Agreement.objects.values_list("jc_status", flat=True))

    assert {"confirmed", "rejected", "pending"} <= answers


def test_parties_have_valid_id_numbers_and_phones(seeded):
    people = Party.objects.filter(kind=Party.Kind.PERSON).exclude(id_number_encrypted="")[:60]

    assert len(people) == 60
    for party in people:
        validate_resident_id(pii_decrypt(party.id_number_encrypted))
        validate_mobile(pii_decrypt(party.phone_encrypted))


def test_the_pool_has_the_four_teams_and_its_logins_use_the_demo_password(seeded):
    pool = Mediator.objects.select_related("user", "region")
    persona = pool.get(user__username="mediator")

    assert pool.count() == 12
    assert set(pool.values_list("team", flat=True)) == set(MediatorTeam.values)
    assert persona.team == MediatorTeam.PEOPLES
    assert persona.region.code == TOWNSHIP_1
    assert authenticate(username="mediator_02", password=DEMO_PASSWORD) is not None
    assert {p.tier: p.time_box_days for p in TierPolicy.objects.filter(county=None)} == {1: 7, 2: 14, 3: 30}
    assert MediationRoom.objects.count() == 14


def test_the_mediator_persona_has_work_today(seeded):
    persona = Mediator.objects.get(user__username="mediator")
    live = Assignment.objects.filter(mediator=persona, ended_at__isnull=True)
    statuses = set(live.values_list("dispute__status", flat=True))

    assert {S.IN_MEDIATION, S.AGREEMENT, S.FOLLOW_UP} <= statuses
    assert live.count() <= persona.max_load
    assert Assignment.objects.filter(mediator=persona, dispute__status=S.CLOSED).count() > 10


def test_a_case_with_the_persona_s_kin_shows_him_blocked(seeded):
    persona = Mediator.objects.get(user__username="mediator")
    waiting = county_cases().filter(status=S.ACCEPTED, village__parent__code=TOWNSHIP_1)

    assert any("kin" in " ".join(conflicts_of(persona, d)) for d in waiting)


def test_the_gym_group_dispute_has_forty_parties_and_their_progress(seeded):
    gym = county_cases().annotate(n=Count("parties")).get(is_group=True, n=GROUP_MEMBERS)
    progress = Counter(gym.parties.values_list("progress", flat=True))

    assert gym.status == S.IN_MEDIATION
    assert gym.key_case
    assert progress[Party.Progress.SETTLED] and progress[Party.Progress.AGREED]
    assert gym.assignments.filter(mediator__user__username="mediator", ended_at__isnull=True).exists()


def test_this_season_s_screening_campaign_is_in_the_grid_worker_s_village(seeded):
    campaign = ScreeningCampaign.objects.get(
        starts_on__lte=timezone.localdate(), ends_on__gte=timezone.localdate()
    )
    visits = ScreeningVisit.objects.filter(
        assignment__campaign=campaign, assignment__worker__username="grid_worker"
    )
    findings = visits.filter(result=ScreeningVisit.Result.FINDING)

    assert visits.count() >= 10
    assert findings.count() >= 2
    assert all(v.dispute.channel == Dispute.Channel.SCREENING for v in findings)
    assert ScreeningCampaign.objects.count() >= 4


def test_second_run_adds_nothing(seeded):
    before = (county_cases().count(), Mediator.objects.count(), DisputeEvent.objects.count())

    assert seed_demo_history(seed=2026) is None
    assert (county_cases().count(), Mediator.objects.count(), DisputeEvent.objects.count()) == before
