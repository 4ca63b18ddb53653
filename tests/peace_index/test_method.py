"""The method on small hand-worked examples: the expected numbers are worked out in the comments."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peace_index.method import (
    VillageInput,
    band_for,
    default_params,
    first_params,
    goalpost_score,
    pool_rates,
    pool_shares,
    score_villages,
    significant_change,
    validate_params,
)

approx = pytest.approx


def shrink_rates(ys, es, **floor):
    """(m, [w]) of a pool of rates: the numbers the hand-worked examples check."""
    pool, weights = pool_rates(ys, es, **floor)
    return pool.mean, weights


def shrink_shares(xs, ns, **floor):
    pool, weights = pool_shares(xs, ns, **floor)
    return pool.mean, weights


def test_rates_are_shrunk_towards_the_pool_mean_by_credibility():
    # y = (0, 12, 2), e = (1, 2, 1): m = 14/4 = 3.5; rates (0, 6, 2);
    # s2 = (1*3.5^2 + 2*2.5^2 + 1*1.5^2)/4 = (12.25 + 12.5 + 2.25)/4 = 6.75; mean(e) = 4/3;
    # A = 6.75 - 3.5/(4/3) = 6.75 - 2.625 = 4.125;
    # w1 = 4.125/(4.125 + 3.5/1) = 0.540984; w2 = 4.125/(4.125 + 3.5/2) = 0.702128.
    m, w = shrink_rates([0, 12, 2], [1, 2, 1])
    assert m == 3.5
    assert w == approx([4.125 / 7.625, 4.125 / 5.875, 4.125 / 7.625])
    # The first village's shrunk rate: 0.540984*0 + 0.459016*3.5 = 1.606557.
    assert w[0] * 0 + (1 - w[0]) * m == approx(1.606557, abs=1e-6)


def test_a_pool_without_more_spread_than_chance_is_shrunk_to_its_mean():
    # y = (1, 2), e = (1, 2): both rates are 1 = m, s2 = 0 < m/mean(e): A = 0, w = 0.
    m, w = shrink_rates([1, 2], [1, 2])
    assert (m, w) == (1.0, [0.0, 0.0])


def test_a_pool_with_no_events_has_every_village_at_its_mean():
    # Every rate is 0 = m: the score is the same whatever w, and w = 0 says so (not "100% trusted").
    assert shrink_rates([0, 0], [1, 3]) == (0.0, [0.0, 0.0])
    [r, _] = score_villages(
        [VillageInput(id=1, peer="p", values={"repeat_calls": (0.0, 0.867)}),
         VillageInput(id=2, peer="p", values={"repeat_calls": (0.0, 3.0)})],
        default_params(),
    )  # fmt: skip
    calls = next(i for i in r.indicators if i.indicator == "repeat_calls")
    assert (calls.credibility, calls.shrunk, calls.score) == (0.0, 0.0, 100.0)


def test_shares_are_shrunk_like_a_beta_binomial():
    # x = (2, 45), n = (10, 50): p = 47/60; shares (0.2, 0.9);
    # s2 = (10 (0.2 - p)^2 + 50 (0.9 - p)^2)/60 = 0.0680556; p(1-p) = 0.1697222; /mean(n)=30: 0.0056574;
    # A = 0.0623981; w1 = A/(A + 0.1697222/10) = 0.786164; w2 = A/(A + 0.1697222/50) = 0.948407.
    p, w = shrink_shares([2, 45], [10, 50])
    assert p == approx(47 / 60)
    assert w == approx([0.786164, 0.948407], abs=1e-6)


@pytest.mark.parametrize(
    ("value", "kind", "low", "high", "expected"),
    [
        (2.0, "rate", 0.0, 4.0, 50.0),  # halfway between the goalposts
        (0.0, "rate", 0.0, 4.0, 100.0),
        (5.0, "rate", 0.0, 4.0, 0.0),  # past the worst goalpost: clamped
        (0.84, "share", 0.7, 0.98, 50.0),
        (0.5, "share", 0.7, 0.98, 0.0),
        (1.0, "share", 0.7, 0.98, 100.0),
    ],
)
def test_goalposts_are_fixed_and_clamped(value, kind, low, high, expected):
    assert goalpost_score(value, kind=kind, low=low, high=high) == approx(expected)


def village(**overrides):
    values = {
        "escalated_disputes": (2.0, 1.0),  # rate 2 of 0-4: 50
        "repeat_calls": (0.0, 1.0),  # no events in the pool: 100
        "criminal_cases": (8.0, 1.0),  # 8 of 0-16: 50
        "petitions": (1.0, 1.0),  # 1 of 0-4: 75
        "survey_safe": (84.0, 100.0),  # 0.84 of 0.7-0.98: 50 (weight 2)
        "followup_satisfied": (9.0, 10.0),  # 0.9 of 0.5-0.95: 88.888...
        "resolved_in_village": (6.0, 10.0),  # 0.6 of 0.3-0.9: 50
        "agreements_performed": (8.0, 10.0),  # 0.8 of 0.6-1.0: 50
    }
    values.update(overrides.pop("values", {}))
    return VillageInput(
        id=overrides.pop("id", 1), peer=overrides.pop("peer", "p"), values=values, **overrides
    )


def test_the_composite_is_the_weighted_mean_of_the_dimensions():
    # Alone in its pool, a village's shrunk rates are its own rates.
    # incidents (50 + 100)/2 = 75; cases 50; petitions 75;
    # sentiment (2*50 + 88.889 + 50 + 50)/5 = 57.7778;
    # composite (25*75 + 30*50 + 15*75 + 30*57.7778)/100 = 62.3333.
    [r] = score_villages([village()], first_params())
    assert r.dimensions == approx(
        {"incidents": 75.0, "cases": 50.0, "petitions": 75.0, "sentiment": 57.777778}
    )
    assert r.score == approx(62.333333)
    assert r.band == "attention"
    # Points contributed add up to the score; points lost to its distance from 100.
    assert sum(i.contributed for i in r.indicators) == approx(62.333333)
    assert sum(i.lost for i in r.indicators) == approx(100 - 62.333333)
    cases = next(i for i in r.indicators if i.indicator == "criminal_cases")
    assert (cases.rate, cases.score, cases.share, cases.lost) == approx((8.0, 50.0, 0.3, 15.0))


def test_bonus_and_penalty_move_the_score_within_their_caps():
    # 2 verified early resolutions: +1.0; one concealed event: -3.0 -> 62.3333 + 1 - 3 = 60.3333.
    [r] = score_villages([village(bonus_items=2, penalty_items=1)], first_params())
    assert (r.bonus, r.penalty, r.score) == approx((1.0, 3.0, 60.333333))
    # 12 resolutions would be +6, capped at +5; 9 concealed events -27, capped at -15.
    [r] = score_villages([village(bonus_items=12, penalty_items=9)], first_params())
    assert (r.bonus, r.penalty) == (5.0, 15.0)


def test_missing_police_data_is_left_out_not_read_as_zero():
    # Without criminal-case data the cases dimension has no score (never 100 for "no cases"),
    # and the composite is over the other 70 points of weight: (25*75 + 15*75 + 30*57.7778)/70.
    params = first_params()
    [r] = score_villages([village(values={"criminal_cases": (0.0, 0.0)})], params)
    assert r.dimensions["cases"] is None
    assert r.score == approx((25 * 75 + 15 * 75 + 30 * 57.777778) / 70)
    assert r.band == "attention"  # one dimension missing: still banded, never 平安优质村
    [r] = score_villages([village(values={"criminal_cases": (0.0, 0.0), "petitions": (0.0, 0.0)})], params)
    assert r.band == "insufficient"


def test_bands_follow_the_thresholds_and_the_veto_caps_them():
    p = default_params()
    full = {"incidents": 95.0, "cases": 90.0, "petitions": 80.0, "sentiment": 92.0}
    assert band_for(91.0, full, veto=False, params=p) == "excellent"
    assert band_for(91.0, {**full, "petitions": 74.0}, veto=False, params=p) == "safe"  # one dimension < 75
    assert band_for(85.0, full, veto=False, params=p) == "safe"
    assert band_for(75.0, full, veto=False, params=p) == "basic"
    assert band_for(69.9, full, veto=False, params=p) == "attention"
    assert band_for(95.0, full, veto=True, params=p) == "attention"
    assert band_for(95.0, {**full, "cases": None, "petitions": None}, veto=False, params=p) == "insufficient"


def test_a_small_village_is_trusted_less_than_a_large_one():
    # Same rate (4 per 1,000 person-years), a village of 250 and one of 10,000 residents, in a pool
    # where the others differ a lot: the small one's credibility is lower.
    pool = [
        VillageInput(id=1, peer="p", values={"criminal_cases": (1.0, 0.25)}),
        VillageInput(id=2, peer="p", values={"criminal_cases": (40.0, 10.0)}),
        VillageInput(id=3, peer="p", values={"criminal_cases": (2.0, 8.0)}),
        VillageInput(id=4, peer="p", values={"criminal_cases": (90.0, 9.0)}),
    ]
    results = {r.id: r for r in score_villages(pool, first_params())}
    small = results[1].indicators[2]
    large = results[2].indicators[2]
    assert small.rate == large.rate == 4.0
    assert small.credibility < large.credibility


def test_the_same_inputs_give_the_same_scores_to_the_last_decimal():
    pool = [village(id=i, values={"criminal_cases": (float(i * 3), 1.0 + i / 10)}) for i in range(1, 12)]
    first = score_villages(pool, default_params())
    second = score_villages(list(reversed(pool)), default_params())
    assert [(r.id, r.score, r.se, r.rank_low, r.rank_high) for r in first] == [
        (r.id, r.score, r.se, r.rank_low, r.rank_high) for r in second
    ]


def test_the_rank_interval_holds_the_rank():
    pool = [village(id=i, values={"criminal_cases": (float(i), 1.0)}) for i in range(1, 9)]
    for r in score_villages(pool, default_params()):
        assert r.rank_low <= r.peer_rank <= r.rank_high
        assert r.peer_size == 8


def test_an_arrow_only_when_the_change_is_larger_than_noise():
    assert significant_change(80.0, 1.0, 75.0, 1.0) == 1  # 5 > 2*sqrt(2) = 2.83
    assert significant_change(80.0, 1.0, 78.0, 1.0) == 0  # 2 < 2.83
    assert significant_change(70.0, 0.5, 80.0, 0.5) == -1
    assert significant_change(None, 0.0, 80.0, 0.5) == 0


def test_unsound_parameters_are_refused_field_by_field():
    p = default_params()
    p["dimensions"]["cases"] = -1
    p["indicators"]["petitions"]["low"] = 9
    p["bands"]["safe"] = 95
    errors = validate_params(p)
    assert set(errors) == {"dimensions", "indicators.petitions", "bands"}
    assert validate_params(default_params()) == {}
    assert validate_params([1, 2]) == {"params": ["Parameters must be a JSON object."]}


pair = st.tuples(st.integers(0, 60), st.floats(0.05, 20))
share = st.integers(1, 80).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@st.composite
def villages(draw):
    n = draw(st.integers(1, 6))
    out = []
    for i in range(n):
        values = {
            "escalated_disputes": draw(pair), "repeat_calls": draw(pair), "criminal_cases": draw(pair),
            "petitions": draw(pair), "survey_safe": draw(share), "followup_satisfied": draw(share),
            "resolved_in_village": draw(share), "agreements_performed": draw(share),
        }  # fmt: skip
        values = {k: (float(a), float(b)) for k, (a, b) in values.items()}
        out.append(
            VillageInput(
                id=i + 1,
                peer=draw(st.sampled_from(["a", "b"])),
                values=values,
                bonus_items=draw(st.integers(0, 12)),
                penalty_items=draw(st.integers(0, 6)),
                veto=draw(st.booleans()),
            )
        )
    return out


@settings(max_examples=150, deadline=None)
@given(villages())
def test_scores_stay_between_0_and_100(pool):
    for r in score_villages(pool, default_params()):
        assert r.score is not None and 0.0 <= r.score <= 100.0
        for value in r.dimensions.values():
            assert value is None or 0.0 <= value <= 100.0


@settings(max_examples=150, deadline=None)
@given(villages(), st.data())
def test_a_dispute_resolved_early_at_village_level_never_lowers_a_score(pool, data):
    target = data.draw(st.sampled_from(pool))
    before = {r.id: r.score for r in score_villages(pool, default_params())}
    x, n = target.values["resolved_in_village"]
    target.values["resolved_in_village"] = (x + 1, n + 1)
    target.bonus_items += 1
    after = {r.id: r.score for r in score_villages(pool, default_params())}
    assert after[target.id] >= before[target.id] - 1e-9


# --- The reporting-neutral rules (issue 16) ---


def test_a_floor_on_the_variance_between_villages_keeps_rare_events_credible():
    # y = 1, 0, 0, 0 over e = 2 each: m = 1/8; s2 = (2*(0.5-0.125)^2 + 3*2*0.125^2)/8 = 0.046875,
    # below chance m/mean(e) = 0.0625, so A = 0 and every village is its pool's mean.
    assert shrink_rates([1, 0, 0, 0], [2, 2, 2, 2]) == (0.125, [0.0] * 4)
    # A floor of cv 2: A = (2 * 0.125)^2 = 0.0625; w = 0.0625 / (0.0625 + 0.125/2) = 0.5.
    assert shrink_rates([1, 0, 0, 0], [2, 2, 2, 2], min_cv=2.0) == (0.125, approx([0.5] * 4))
    # Shares: 1 of 2 each, p = 0.5, no spread; floor (0.5 * 0.5)^2 = 0.0625; noise 0.25/2:
    # w = 0.0625 / (0.0625 + 0.125) = 1/3.
    assert shrink_shares([1, 1], [2, 2], min_cv=0.5) == (0.5, approx([1 / 3, 1 / 3]))


def test_an_indicator_with_no_events_is_scored_at_its_pool_mean():
    # Village 1 has no dispute followed up; village 2 has 8 satisfied of 10: the pool mean 0.8
    # scores 100 * (0.8 - 0.5) / (0.95 - 0.5) = 66.667, credibility 0. The first method left it out.
    pool = [
        VillageInput(id=1, peer="p", values={"followup_satisfied": (0.0, 0.0)}),
        VillageInput(id=2, peer="p", values={"followup_satisfied": (8.0, 10.0)}),
    ]
    now = score_villages(pool, default_params())[0].indicators[5]
    assert now.indicator == "followup_satisfied" and now.at_prior
    assert (now.score, now.credibility, now.shrunk) == approx((66.666667, 0.0, 0.8))
    before = score_villages(pool, first_params())[0].indicators[5]
    assert before.score is None and not before.at_prior


def test_the_first_dispute_of_a_quiet_village_resolved_perfectly_costs_it_nothing():
    # The village: no disputes, a good survey; its first dispute resolved at village level,
    # followed up at 5/5, its term performed, a bonus case. Peers have disputes of average outcome.
    def quiet(first: bool) -> VillageInput:
        shares = (1.0, 1.0) if first else (0.0, 0.0)
        return VillageInput(
            id=1, peer="p", bonus_items=int(first),
            values={"survey_safe": (190.0, 200.0), "followup_satisfied": shares,
                    "resolved_in_village": shares, "agreements_performed": shares},
        )  # fmt: skip

    peers = [
        VillageInput(
            id=i,
            peer="p",
            values={
                "survey_safe": (170.0 + i, 200.0),
                "followup_satisfied": (6.0 + i % 3, 10.0),
                "resolved_in_village": (3.0 + i % 4, 10.0),
                "agreements_performed": (8.0 + i % 2, 10.0),
            },
        )
        for i in range(2, 12)
    ]
    for params, loses in ((first_params(), True), (default_params(), False)):
        before = score_villages([quiet(False), *peers], params)[0].score
        after = score_villages([quiet(True), *peers], params)[0].score
        assert (after < before) is loses, (params.get("shrinkage"), before, after)


def test_the_floors_are_checked_with_the_other_parameters():
    p = default_params()
    p["shrinkage"]["rate_min_cv"] = -1
    p["indicators"]["repeat_calls"]["min_cv"] = "a lot"
    p["shrinkage"]["no_events_at_prior"] = "yes"
    errors = validate_params(p)
    assert set(errors) == {"shrinkage", "indicators.repeat_calls"}
    # A version from before the rules (no "shrinkage" part, no floors) stays sound.
    assert validate_params(first_params()) == {}
