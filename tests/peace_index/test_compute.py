"""Scores computed from the database: what counts, what does not, missing data, reproducibility,
the approval freeze."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from disputes.models import Dispute, FollowUp, Tier
from peace_index.compute import gather_inputs, scores_compute
from peace_index.method import first_params
from peace_index.models import DataSource, VillageScore
from peace_index.selectors import village_portrait
from peace_index.services import review_decide
from stations.services import alert_intake, order_step
from stations.services.village_first import order_village_report
from tests.disputes.factories import registered
from tests.peace_index.factories import NOW, THIS_MONTH, alert, deliver, peace_world
from tests.stations.factories import station_for

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore::RuntimeWarning")]


@pytest.fixture
def pw():
    with time_machine.travel(NOW, tick=False):
        yield peace_world()


def values_of(pw, village):
    inputs, _ = gather_inputs(counties=[pw.c.county], month=THIS_MONTH, params=pw.version.params)
    return next(v for v in inputs if v.id == village.pk).values


def score_of(pw, village, month=THIS_MONTH):
    return VillageScore.objects.get(village=village, month=month, version=pw.version)


def test_harm_counts_and_reporting_does_not(pw):
    a1 = pw.c.village_a1
    alert(a1, category="public_order", dispute_id=99)  # a dispute turned into a public-order matter
    alert(a1, category="dispute", repeats=2)  # a repeat call about the same dispute
    for _ in range(30):  # calls for help and traffic reports: reporting, never a penalty
        alert(a1, category="help")
    alert(a1, category="dispute", repeats=0)  # a first call about a dispute
    alert(a1, category="criminal", at=NOW - timedelta(days=400), dispute_id=98)  # outside the window
    values = values_of(pw, a1)
    assert values["escalated_disputes"] == (1.0, 3.0)  # 3,000 residents: 3 thousand person-years
    assert values["repeat_calls"] == (1.0, 3.0)


def test_more_help_calls_never_lower_a_score(pw):
    a1 = pw.c.village_a1
    alert(a1, category="public_order", dispute_id=99)
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    before = score_of(pw, a1).score
    for _ in range(40):
        alert(a1, category="help")
        alert(a1, category="traffic")
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    assert score_of(pw, a1).score == before


def test_without_a_delivery_police_cases_are_missing_not_zero(pw):
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    s = score_of(pw, pw.c.village_a1)
    assert s.dimensions["cases"] is None and s.dimensions["petitions"] is None
    assert s.band == "insufficient"


def test_a_delivered_month_without_cases_is_zero_cases(pw):
    deliver(pw, DataSource.CASES, [], recompute=False)
    deliver(pw, DataSource.PETITIONS, [], recompute=False)
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    s = score_of(pw, pw.c.village_a1)
    assert s.dimensions["cases"] == 100.0
    assert s.dimensions["petitions"] == 100.0
    assert s.band != "insufficient"


def test_cases_are_weighted_by_severity_and_first_petitions_are_not_counted(pw):
    a2 = pw.c.village_a2
    deliver(
        pw,
        DataSource.CASES,
        [
            {"ref": "A1", "village": a2.code, "date": "2026-10-03", "severity": "minor"},
            {"ref": "A2", "village": a2.code, "date": "2026-10-04", "severity": "严重"},
        ],
        recompute=False,
    )
    deliver(
        pw,
        DataSource.PETITIONS,
        [
            {"ref": "X1", "village": a2.code, "date": "2026-10-03", "kind": "初访"},
            {"ref": "X2", "village": a2.code, "date": "2026-10-05", "kind": "collective"},
        ],
        recompute=False,
    )
    values = values_of(pw, a2)
    # 1,200 residents; 11 months delivered (January to November): 1.2 * 11/12 = 1.1 thousand person-years.
    assert values["criminal_cases"] == (5.0, pytest.approx(1.1))  # minor 1 + serious 4
    assert values["petitions"] == (1.0, pytest.approx(1.1))


def test_sentiment_comes_from_the_disputes_and_the_survey(pw):
    a1 = pw.c.village_a1
    with time_machine.travel(NOW - timedelta(days=30), tick=False):
        d1 = registered(pw.w)
        d2 = registered(pw.w)
    Dispute.objects.filter(pk=d1.pk).update(resolved_at=NOW - timedelta(days=25), resolved_tier=Tier.VILLAGE)
    Dispute.objects.filter(pk=d2.pk).update(resolved_at=NOW - timedelta(days=2), resolved_tier=Tier.TOWNSHIP)
    FollowUp.objects.create(
        dispute=d1, visited_at=NOW - timedelta(days=10), visited_by=pw.w.officer, satisfaction=5
    )
    FollowUp.objects.create(
        dispute=d2, visited_at=NOW - timedelta(days=1), visited_by=pw.w.officer, satisfaction=2
    )
    deliver(
        pw,
        DataSource.SURVEYS,
        [{"village": a1.code, "month": "2026-09", "respondents": "40", "safe": "36"}],
        recompute=False,
    )
    values = values_of(pw, a1)
    assert values["resolved_in_village"] == (1.0, 2.0)
    assert values["followup_satisfied"] == (1.0, 2.0)
    assert values["survey_safe"] == (36.0, 40.0)
    inputs, _ = gather_inputs(counties=[pw.c.county], month=THIS_MONTH, params=pw.version.params)
    # d1: resolved at village level within 15 days of registration, confirmed at follow-up: a bonus.
    assert next(v for v in inputs if v.id == a1.pk).bonus_items == 1


def test_a_veto_event_caps_the_band_for_twelve_months(pw):
    b1 = pw.c.village_b1
    deliver(
        pw,
        DataSource.CASES,
        [{"ref": "H1", "village": b1.code, "date": "2026-03-02", "severity": "major", "veto": "命案"}],
        recompute=False,
    )
    deliver(pw, DataSource.PETITIONS, [], recompute=False)
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    s = score_of(pw, b1)
    assert s.veto is True
    assert s.band == "attention"
    assert score_of(pw, pw.c.village_a2).veto is False


def test_recomputing_the_same_inputs_gives_the_same_scores(pw):
    deliver(
        pw,
        DataSource.CASES,
        [{"ref": "A1", "village": pw.c.village_a2.code, "date": "2026-10-03", "severity": "ordinary"}],
        recompute=False,
    )
    alert(pw.c.village_a1, category="dispute", repeats=1)
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    first = list(
        VillageScore.objects.order_by("village_id").values(
            "village_id", "score", "se", "dimensions", "decomposition", "rank_low", "rank_high"
        )
    )
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW + timedelta(hours=1))
    second = list(
        VillageScore.objects.order_by("village_id").values(
            "village_id", "score", "se", "dimensions", "decomposition", "rank_low", "rank_high"
        )
    )
    assert first == second
    assert len(first) == 3


def test_an_approved_month_is_frozen(pw):
    deliver(pw, DataSource.CASES, [], recompute=False)
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    with time_machine.travel(NOW, tick=False):
        review_decide(actor=pw.w.township_official, township=pw.c.township_a, month=THIS_MONTH, approve=True)
    frozen = score_of(pw, pw.c.village_a1).score
    for _ in range(5):
        alert(pw.c.village_a1, category="public_order", dispute_id=7)
        alert(pw.c.village_b1, category="public_order", dispute_id=7)
    written = scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    assert written == 1  # only township B's village
    assert score_of(pw, pw.c.village_a1).score == frozen
    assert score_of(pw, pw.c.village_b1).dimensions["incidents"] < 100


def test_an_alert_the_village_settled_is_a_verified_early_resolution_where_the_version_says_so(pw):
    """Changshan's case: the police two minutes out, the village secretary calls to say it is
    settled; confirmed by the station's call-back, it earns the village the bonus, never a point
    less (DESIGN: a village never loses points for reporting)."""
    a1 = pw.c.village_a1
    station_for(pw.c)
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    before = score_of(pw, a1)
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        order = alert_intake(
            actor=None, channel="110", category="dispute", summary="邻里争吵", address="一村2组",
            village_code=a1.code,
        ).order  # fmt: skip
        order_village_report(actor=pw.cadre, order=order, note="村调委会已调解，双方和好")
        order_step(order=order, step="village_confirm", actor=pw.w.officer)

    inputs, _ = gather_inputs(counties=[pw.c.county], month=THIS_MONTH, params=pw.version.params)
    first, _ = gather_inputs(counties=[pw.c.county], month=THIS_MONTH, params=first_params())
    assert next(v for v in inputs if v.id == a1.pk).bonus_items == 1
    assert next(v for v in first if v.id == a1.pk).bonus_items == 0  # a version without the rule
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    after = score_of(pw, a1)
    assert after.bonus == before.bonus + 0.5 and after.score >= before.score
    portrait = village_portrait(a1, THIS_MONTH)
    assert [o.pk for o in portrait.bonus_orders] == [order.pk]
