"""The index is fair on real shapes of data (issue 16): for every village of the demo county and
of the small generated city, one dispute resolved early at village level never lowers its score
or band, one harm never raises them, a rare harm still counts, and the dimensions spread the
villages. Each world is built in a transaction, its inputs gathered, and rolled back."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction

from governance.citygen import SCALES, city_generate
from governance.demo import COUNTY_CODE
from governance.models import Region
from governance.months import current_month
from peace_index.compute import gather_inputs
from peace_index.method import VillageInput, default_params, first_params, score_villages
from tests.peace_index.properties import GOOD, HARMS, effects, escalated_dispute, report, spread

pytestmark = pytest.mark.django_db


def _inputs(counties) -> list[VillageInput]:
    out: list[VillageInput] = []
    for county in counties:
        inputs, _ = gather_inputs(counties=[county], month=current_month(), params=default_params())
        out += inputs
    return out


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> list[VillageInput]:
    """The whole demo, as ``make run`` seeds it (alerts, disputes and their follow-ups included)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        inputs = _inputs(Region.objects.filter(code=COUNTY_CODE, level=Region.Level.COUNTY))
        transaction.set_rollback(True)
    return inputs


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker) -> list[VillageInput]:
    """``manage.py city_generate --scale small``: six counties, 2,000 villages."""
    with django_db_blocker.unblock(), transaction.atomic():
        city_generate(seed=1, size=SCALES["small"], scale="small")
        inputs = _inputs(Region.objects.filter(level=Region.Level.COUNTY))
        transaction.set_rollback(True)
    return inputs


WORLDS = ["demo", "city"]


@pytest.fixture(params=WORLDS)
def world(request) -> list[VillageInput]:
    return request.getfixturevalue(request.param)


def test_the_worlds_hold_every_village(demo, city):
    assert len(demo) == 250 and len(city) == 2000
    # Real shapes: villages with and without disputes, in urban and rural pools.
    for inputs in (demo, city):
        assert {v.peer.split(":")[1] for v in inputs} == {"urban", "rural"}
        followed = [v.values["followup_satisfied"][1] for v in inputs]
        assert min(followed) == 0 and max(followed) >= 3


def test_a_dispute_resolved_early_never_costs_a_village_a_point_or_a_band(world):
    [now] = effects(world, default_params(), GOOD, good=True).values()
    assert now.wrong_way == [] and now.band_wrong_way == []
    assert min(now.deltas) > 0  # it earns something everywhere (its bonus at least)


def test_the_first_method_took_points_for_it(demo):
    # The finding (93.53 -> 89.49 in a village with no disputes), reproduced: the reason
    # for the new version.
    [before] = effects(demo, first_params(), GOOD, good=True).values()
    assert len(before.wrong_way) > 20 and min(before.deltas) < -2


def test_a_harm_never_raises_a_score_or_a_band_and_a_rare_one_still_counts(world):
    now = effects(world, default_params(), HARMS, good=False)
    for effect in now.values():
        assert effect.wrong_way == [] and effect.band_wrong_way == []
    # A village's first escalated dispute costs it something that shows (the first method: < 0.01);
    # a further one still costs, less where the village is already near the worst goalpost (the
    # generated city, as its months move, has small villages with one already).
    deltas = now["escalated dispute"].deltas
    first = [d for v, d in zip(world, deltas, strict=True) if v.values["escalated_disputes"][0] == 0]
    assert len(first) > len(world) * 0.9 and max(first) < -0.3
    assert max(deltas) < -0.05
    before = effects(world, first_params(), {"escalated dispute": escalated_dispute}, good=False)
    assert max(before["escalated dispute"].deltas) > -0.05


def test_the_dimensions_spread_the_villages(demo, city):
    # Points between the 10th and the 90th percentile village, at least. The demo's incidents are
    # the exception: 8 harm events in 250 villages leave 90% of them at the pool's mean (README);
    # the small city's petitions are few (1,000 for 3 million residents).
    least = {
        "demo county, 250 villages": (demo, {"cases": 5, "petitions": 5, "sentiment": 5}),
        "small city, 2,000 villages": (city, {"incidents": 5, "cases": 5, "petitions": 1, "sentiment": 5}),
    }
    for title, (inputs, wanted) in least.items():
        first = spread(score_villages(inputs, first_params()))
        now = spread(score_villages(inputs, default_params()))
        print(report(title, first, now))
        for d, points in wanted.items():
            assert now[d][1] - now[d][0] > points, (title, d, now[d])
