"""The demo county's peace index: a year of scores whose villages tell different stories."""

from __future__ import annotations

import pytest
from django.db import transaction

from governance.demo import COUNTY_CODE, demo_seed
from governance.months import add_months, current_month
from peace_index.demo import seed_demo_history
from peace_index.method import default_params
from peace_index.models import CriminalCase, MethodVersion, TownshipReview, VillageScore

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        demo_seed(seed=2026)
        summary = seed_demo_history(seed=2026)
        yield summary
        transaction.set_rollback(True)


def scores():
    return VillageScore.objects.filter(version__status="published")


def test_thirteen_months_of_every_village_under_each_version(seeded):
    first, second = MethodVersion.objects.filter(county__code=COUNTY_CODE).order_by("number")
    # The first method, retired; the reporting-neutral one in force, with the same history.
    assert (first.status, second.status) == ("retired", "published")
    assert "shrinkage" not in first.params and second.params == default_params()
    for version in (first, second):
        months = sorted(set(VillageScore.objects.filter(version=version).values_list("month", flat=True)))
        assert months[0] == add_months(current_month(), -12) and months[-1] == current_month()
        assert VillageScore.objects.filter(version=version).count() == 250 * 13
    assert seeded.startswith(
        f"Peace index: methodology v2, 250 villages scored for 13 months ({250 * 13} scores)"
    )


def test_the_villages_fall_in_different_bands(seeded):
    bands = set(scores().filter(month=current_month()).values_list("band", flat=True))
    assert {"excellent", "safe", "attention"} <= bands


def test_the_homicide_caps_its_village(seeded):
    case = CriminalCase.objects.get(veto="homicide")
    now = scores().get(village_id=case.village_id, month=current_month())
    assert now.veto is True and now.band == "attention"


def test_a_village_slides_and_another_improves_over_the_year(seeded):
    months = scores().filter(month__in=[add_months(current_month(), -12), current_month()])
    by_village: dict[int, dict] = {}
    for s in months:
        by_village.setdefault(s.village_id, {})[s.month] = s.score
    changes = [
        v[current_month()] - v[add_months(current_month(), -12)] for v in by_village.values() if len(v) == 2
    ]
    assert min(changes) < -15 and max(changes) > 10


def test_earlier_months_are_approved_and_the_last_two_await_the_official(seeded):
    approved = set(TownshipReview.objects.filter(status="approved").values_list("month", flat=True))
    assert add_months(current_month(), -2) in approved
    assert add_months(current_month(), -1) not in approved and current_month() not in approved
