"""The demo county's peace index: a year of scores whose villages tell different stories."""

from __future__ import annotations

import pytest
from django.db import transaction

from governance.demo import COUNTY_CODE, demo_seed
from governance.months import add_months, current_month
from peace_index.demo import seed_demo_history
from peace_index.models import CriminalCase, MethodVersion, TownshipReview, VillageScore

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        demo_seed(seed=2026)
        summary = seed_demo_history(seed=2026)
        yield summary
        transaction.set_rollback(True)


def test_thirteen_months_of_every_village_under_a_published_version(seeded):
    version = MethodVersion.objects.get(county__code=COUNTY_CODE)
    assert version.status == "published"
    months = sorted(set(VillageScore.objects.values_list("month", flat=True)))
    assert months[0] == add_months(current_month(), -12) and months[-1] == current_month()
    assert seeded.startswith(
        f"Peace index: methodology v1, 250 villages scored for 13 months ({250 * 13} scores)"
    )


def test_the_villages_fall_in_different_bands(seeded):
    bands = set(VillageScore.objects.filter(month=current_month()).values_list("band", flat=True))
    assert {"excellent", "safe", "attention"} <= bands


def test_the_homicide_caps_its_village(seeded):
    case = CriminalCase.objects.get(veto="homicide")
    now = VillageScore.objects.get(village_id=case.village_id, month=current_month())
    assert now.veto is True and now.band == "attention"


def test_a_village_slides_and_another_improves_over_the_year(seeded):
    scores = VillageScore.objects.filter(month__in=[add_months(current_month(), -12), current_month()])
    by_village: dict[int, dict] = {}
    for s in scores:
        by_village.setdefault(s.village_id, {})[s.month] = s.score
    changes = [
        v[current_month()] - v[add_months(current_month(), -12)] for v in by_village.values() if len(v) == 2
    ]
    assert min(changes) < -15 and max(changes) > 10


def test_earlier_months_are_approved_and_the_last_two_await_the_official(seeded):
    approved = set(TownshipReview.objects.filter(status="approved").values_list("month", flat=True))
    assert add_months(current_month(), -2) in approved
    assert add_months(current_month(), -1) not in approved and current_month() not in approved
