"""The method of the village peace index (DESIGN.md section 7), as pure functions over numbers.

Nothing here touches the database: ``compute.py`` gathers the counts with a few aggregate queries
and hands them over, so the method can be checked on small hand-worked examples and gives the
same scores for the same inputs and version, to the last decimal.

Per indicator: a count ``y`` over an exposure ``e`` (thousands of resident person-years) for the
rates, where lower is better, or ``x`` successes of ``n`` for the shares (survey, satisfaction),
where higher is better. Each is shrunk towards its peer pool (county x urban/rural class) by
empirical Bayes, normalised between fixed goalposts, averaged within its dimension, and the
dimensions are combined by weight; bonus, penalty and veto follow.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

RATE = "rate"
SHARE = "share"
DIMENSIONS = ("incidents", "cases", "petitions", "sentiment")
BAND_ORDER = ("attention", "basic", "safe", "excellent")  # worst to best; "insufficient" apart
BAND_THRESHOLDS = ("excellent", "excellent_min_dimension", "safe", "basic")

# The default methodology. Goalposts are per 1,000 resident person-years for rates (L best,
# U worst) and proportions for shares (L worst, U best). Weights of indicators are relative
# within their dimension; weights of dimensions are DESIGN.md's 25/30/15/30.
DEFAULT_PARAMS: dict[str, Any] = {
    "window_months": 12,
    "dimensions": {"incidents": 25, "cases": 30, "petitions": 15, "sentiment": 30},
    "indicators": {
        # A dispute that turned into a public-order or criminal matter.
        # Rare harms: goalposts near the rates that occur, and a floor (min_cv) that lets one event
        # move its village (see "shrinkage" below).
        "escalated_disputes": {
            "dimension": "incidents",
            "kind": RATE,
            "weight": 1,
            "low": 0.0,
            "high": 0.5,
            "min_cv": 3.0,
        },
        # Repeat calls about the same unresolved dispute (never the raw call volume).
        "repeat_calls": {
            "dimension": "incidents",
            "kind": RATE,
            "weight": 1,
            "low": 0.0,
            "high": 1.0,
            "min_cv": 3.0,
        },
        # Criminal cases weighted by severity.
        "criminal_cases": {"dimension": "cases", "kind": RATE, "weight": 1, "low": 0.0, "high": 16.0},
        # Skip-level, repeat and collective petitions (first petitions are a right).
        "petitions": {"dimension": "petitions", "kind": RATE, "weight": 1, "low": 0.0, "high": 4.0},
        "survey_safe": {"dimension": "sentiment", "kind": SHARE, "weight": 2, "low": 0.7, "high": 0.98},
        "followup_satisfied": {
            "dimension": "sentiment",
            "kind": SHARE,
            "weight": 1,
            "low": 0.5,
            "high": 0.95,
        },
        "resolved_in_village": {
            "dimension": "sentiment",
            "kind": SHARE,
            "weight": 1,
            "low": 0.3,
            "high": 0.9,
        },
        "agreements_performed": {
            "dimension": "sentiment",
            "kind": SHARE,
            "weight": 1,
            "low": 0.6,
            "high": 1.0,
        },
    },
    "severity_weights": {"minor": 1, "ordinary": 2, "serious": 4, "major": 8},
    # Verified early village-level resolutions: resolved at village level within early_days of
    # registration, and a follow-up visit confirmed it did not recur.
    # ``village_settled``: an alert the village settled before the police came, confirmed by the
    # station's call-back (village-first response), is one such resolution too.
    "bonus": {"per_item": 0.5, "max": 5.0, "early_days": 15, "village_settled": True},
    # Serious events concealed or reported late.
    "penalty": {"per_item": 3.0, "max": 15.0},
    "veto": {"months": 12, "band_cap": "attention"},
    "bands": {"excellent": 90.0, "excellent_min_dimension": 75.0, "safe": 80.0, "basic": 70.0},
    # Rank intervals: resample dimension weights (Dirichlet around the published ones) and shift
    # goalposts by up to a tenth of their span; the 5th-95th percentile of the ranks is published.
    "resample": {"draws": 200, "concentration": 50.0, "goalpost_jitter": 0.1, "seed": 20260101},
    # The reporting-neutral rules (issue 16; README "The method"). ``no_events_at_prior``: a share
    # with no events in a village (no dispute followed up, no agreement due) is scored at its pool's
    # mean, with credibility 0, as it would be after one event of average outcome, instead of being
    # left out (which made a village's first dispute, resolved perfectly, cost it points). The
    # ``min_cv`` floors keep the between-village variance A at least (cv x m)^2 for rates and
    # (cv x min(p, 1-p))^2 for shares: a pool where chance explains all the spread seen still
    # believes villages differ that much, so rare harms and small samples move a village's score.
    # Versions published before these rules have no "shrinkage" part and keep the old arithmetic.
    # An indicator's own "min_cv" replaces the floor of its kind.
    "shrinkage": {"no_events_at_prior": True, "rate_min_cv": 0.5, "share_min_cv": 0.5},
}
LEGACY_SHRINKAGE: dict[str, Any] = {"no_events_at_prior": False, "rate_min_cv": 0.0, "share_min_cv": 0.0}


def shrinkage_rules(params: Mapping[str, Any]) -> dict[str, Any]:
    """The version's reporting-neutral rules, those of before them when it has none."""
    return {**LEGACY_SHRINKAGE, **(params.get("shrinkage") or {})}


def default_params() -> dict[str, Any]:
    return copy.deepcopy(DEFAULT_PARAMS)


def first_params() -> dict[str, Any]:
    """The method as first published (2026), before the reporting-neutral rules: no "shrinkage"
    part, the incidents' goalposts at 4 and 8 per 1,000 person-years, no floors. Versions
    published with it keep scoring so; the demo's first version is one."""
    params = default_params()
    del params["shrinkage"]
    del params["bonus"]["village_settled"]
    params["indicators"]["escalated_disputes"] |= {"high": 4.0}
    params["indicators"]["repeat_calls"] |= {"high": 8.0}
    for spec in params["indicators"].values():
        spec.pop("min_cv", None)
    return params


@dataclass
class VillageInput:
    id: int
    peer: str
    # indicator -> (y, e) for rates or (x, n) for shares; absent means no data for it.
    values: dict[str, tuple[float, float]]
    bonus_items: int = 0
    penalty_items: int = 0
    veto: bool = False


@dataclass
class IndicatorResult:
    indicator: str
    dimension: str
    kind: str
    count: float
    exposure: float
    rate: float | None
    pool_mean: float | None
    credibility: float | None
    shrunk: float | None
    low: float
    high: float
    score: float | None
    weight: float
    share: float = 0.0  # of the composite, after missing data is left out
    contributed: float = 0.0
    lost: float = 0.0
    pool: Pool | None = None
    at_prior: bool = False  # delivered but nothing to measure: scored at the pool's mean


@dataclass
class VillageResult:
    id: int
    peer: str
    score: float | None
    band: str
    se: float
    dimensions: dict[str, float | None]
    base: float | None
    bonus: float
    penalty: float
    veto: bool
    indicators: list[IndicatorResult] = field(default_factory=list)
    peer_rank: int | None = None
    rank_low: int | None = None
    rank_high: int | None = None
    peer_size: int = 0


def clamp(value: float, low: float = 0.0, high: float = 100.0) -> float:
    return min(high, max(low, value))


@dataclass(frozen=True)
class Pool:
    """The statistics of one indicator in one peer pool, shown beside each credibility: the mean
    m, the spread s2 of the villages' rates, the mean exposure, the between-village variance A
    estimated from them (before its floor) and the one used (after it)."""

    mean: float
    s2: float
    mean_exposure: float
    a_estimated: float
    a_used: float
    villages: int


def pool_rates(ys: Sequence[float], es: Sequence[float], *, min_cv: float = 0.0) -> tuple[Pool, list[float]]:
    """Empirical-Bayes credibility of each rate y/e in one pool (DESIGN.md section 7):
    m = sum(y)/sum(e); s2 = sum(e (r - m)^2)/sum(e); A = max(0, s2 - m/mean(e), (min_cv m)^2);
    w = A/(A + m/e). Returns the pool's statistics and [w]. A pool with no events at all has every
    village at its mean already: credibility 0 (nothing of the village's own is used)."""
    return _shrink(ys, es, noise=lambda m: m, floor=lambda m: (min_cv * m) ** 2)


def pool_shares(xs: Sequence[float], ns: Sequence[float], *, min_cv: float = 0.0) -> tuple[Pool, list[float]]:
    """Beta-binomial shrinkage of each share x/n by the method of moments: the same with the
    binomial noise p(1-p) in place of the Poisson noise m, and the floor (min_cv min(p, 1-p))^2."""
    return _shrink(xs, ns, noise=lambda p: p * (1 - p), floor=lambda p: (min_cv * min(p, 1 - p)) ** 2)


def _shrink(
    counts: Sequence[float],
    exposures: Sequence[float],
    *,
    noise: Callable[[float], float],
    floor: Callable[[float], float],
) -> tuple[Pool, list[float]]:
    y = np.asarray(counts, dtype=float)
    e = np.asarray(exposures, dtype=float)
    total = float(e.sum())
    if total <= 0:
        return Pool(0.0, 0.0, 0.0, 0.0, 0.0, len(y)), [0.0] * len(y)
    mean = float(y.sum()) / total
    mean_e = float(e.mean())
    chance = noise(mean)
    if chance == 0:
        # No events (or all successes): every village's rate is the pool's mean; credibility is
        # shown as 0, not as a 100% trust in a village of 800 residents (the score is the same).
        return Pool(mean, 0.0, mean_e, 0.0, 0.0, len(y)), [0.0] * len(y)
    s2 = float((e * (y / e - mean) ** 2).sum()) / total
    estimated = max(0.0, s2 - chance / mean_e)
    a = max(estimated, floor(mean))
    w = a / (a + chance / e)
    return Pool(mean, s2, mean_e, estimated, a, len(y)), [float(v) for v in w]


def goalpost_score(value: float, *, kind: str, low: float, high: float) -> float:
    """0-100 between fixed goalposts: for a rate, ``low`` scores 100 and ``high`` 0; for a share,
    ``high`` scores 100 and ``low`` 0."""
    if high == low:
        return 100.0
    if kind == RATE:
        return 100.0 * clamp((high - value) / (high - low), 0.0, 1.0)
    return 100.0 * clamp((value - low) / (high - low), 0.0, 1.0)


def band_for(
    score: float | None, dimensions: Mapping[str, float | None], *, veto: bool, params: Mapping[str, Any]
) -> str:
    missing = sum(1 for d in DIMENSIONS if dimensions.get(d) is None)
    if score is None or missing > 1:
        return "insufficient"
    bands = params["bands"]
    present = [v for v in dimensions.values() if v is not None]
    if score >= bands["excellent"] and not missing and min(present) >= bands["excellent_min_dimension"]:
        band = "excellent"
    elif score >= bands["safe"]:
        band = "safe"
    elif score >= bands["basic"]:
        band = "basic"
    else:
        band = "attention"
    if veto:
        cap = params["veto"]["band_cap"]
        band = BAND_ORDER[min(BAND_ORDER.index(band), BAND_ORDER.index(cap))]
    return band


def score_villages(villages: Sequence[VillageInput], params: Mapping[str, Any]) -> list[VillageResult]:
    """Scores of every village given, shrunk within their peer pools. Pass whole pools: the
    shrinkage of one village depends on its peers."""
    ordered = sorted(villages, key=lambda v: v.id)
    indicators: Mapping[str, Mapping[str, Any]] = params["indicators"]
    # Shrinkage per indicator and pool, over the villages that have data for it.
    rules = shrinkage_rules(params)
    shrink: dict[tuple[str, str], tuple[Pool, dict[int, float]]] = {}
    pools: dict[str, list[VillageInput]] = {}
    for v in ordered:
        pools.setdefault(v.peer, []).append(v)
    for name, spec in indicators.items():
        for peer, members in pools.items():
            have = [v for v in members if _has(v, name)]
            if not have:
                continue
            a = [v.values[name][0] for v in have]
            b = [v.values[name][1] for v in have]
            cv = float(spec.get("min_cv", rules["rate_min_cv" if spec["kind"] == RATE else "share_min_cv"]))
            if spec["kind"] == RATE:
                pool, weights = pool_rates(a, b, min_cv=cv)
            else:
                pool, weights = pool_shares(a, b, min_cv=cv)
            shrink[(name, peer)] = (pool, {v.id: w for v, w in zip(have, weights, strict=True)})
    results = [_score_one(v, params, shrink) for v in ordered]
    _rank(results, params)
    return results


def _has(v: VillageInput, name: str) -> bool:
    pair = v.values.get(name)
    return pair is not None and pair[1] > 0


def _score_one(
    v: VillageInput,
    params: Mapping[str, Any],
    shrink: Mapping[tuple[str, str], tuple[Pool, dict[int, float]]],
) -> VillageResult:
    indicators: Mapping[str, Mapping[str, Any]] = params["indicators"]
    at_prior = bool(shrinkage_rules(params)["no_events_at_prior"])
    rows: list[IndicatorResult] = []
    variance_terms: list[tuple[IndicatorResult, float]] = []
    for name, spec in indicators.items():
        kind, low, high = spec["kind"], float(spec["low"]), float(spec["high"])
        row = IndicatorResult(
            indicator=name, dimension=spec["dimension"], kind=kind, count=0.0, exposure=0.0, rate=None,
            pool_mean=None, credibility=None, shrunk=None, low=low, high=high, score=None,
            weight=float(spec["weight"]),
        )  # fmt: skip
        if _has(v, name):
            a, b = v.values[name]
            pool, weights = shrink[(name, v.peer)]
            w = weights[v.id]
            raw = a / b
            shrunk = w * raw + (1 - w) * pool.mean
            row.count, row.exposure, row.rate = a, b, raw
            row.pool = pool
            row.pool_mean, row.credibility, row.shrunk = pool.mean, w, shrunk
            row.score = goalpost_score(shrunk, kind=kind, low=low, high=high)
            sampling = shrunk / b if kind == RATE else shrunk * (1 - shrunk) / b
            variance_terms.append((row, (w**2) * sampling))
        elif name in v.values:
            row.count, row.exposure = v.values[name]
            if at_prior and (name, v.peer) in shrink:
                # Delivered, but nothing happened to measure: the pool's mean, credibility 0.
                pool = shrink[(name, v.peer)][0]
                row.pool, row.pool_mean, row.credibility, row.shrunk = pool, pool.mean, 0.0, pool.mean
                row.at_prior = True
                row.score = goalpost_score(pool.mean, kind=kind, low=low, high=high)
        rows.append(row)

    dimension_weights: Mapping[str, float] = params["dimensions"]
    dimensions: dict[str, float | None] = {}
    within: dict[str, float] = {}
    for d in DIMENSIONS:
        present = [r for r in rows if r.dimension == d and r.score is not None]
        total = sum(r.weight for r in present)
        within[d] = total
        dimensions[d] = sum(r.weight * (r.score or 0.0) for r in present) / total if total else None
    present_weight = sum(float(dimension_weights[d]) for d in DIMENSIONS if dimensions[d] is not None)
    base = None
    if present_weight:
        base = sum(
            float(dimension_weights[d]) * (dimensions[d] or 0.0)
            for d in DIMENSIONS
            if dimensions[d] is not None
        )
        base /= present_weight
        for r in rows:
            if r.score is not None:
                r.share = (
                    float(dimension_weights[r.dimension]) / present_weight * r.weight / within[r.dimension]
                )
                r.contributed = r.share * r.score
                r.lost = r.share * (100.0 - r.score)
    bonus = min(float(params["bonus"]["max"]), float(params["bonus"]["per_item"]) * v.bonus_items)
    penalty = min(float(params["penalty"]["max"]), float(params["penalty"]["per_item"]) * v.penalty_items)
    score = None if base is None else clamp(base + bonus - penalty)
    se = math.sqrt(
        sum((r.share * _slope(r)) ** 2 * variance for r, variance in variance_terms if r.shrunk is not None)
    )
    return VillageResult(
        id=v.id, peer=v.peer, score=score, band=band_for(score, dimensions, veto=v.veto, params=params),
        se=se, dimensions=dimensions, base=base, bonus=bonus, penalty=penalty, veto=v.veto, indicators=rows,
    )  # fmt: skip


def _slope(r: IndicatorResult) -> float:
    """How many score points one unit of the shrunk rate moves (zero outside the goalposts)."""
    if r.shrunk is None or r.high == r.low or not (min(r.low, r.high) < r.shrunk < max(r.low, r.high)):
        return 0.0
    return 100.0 / abs(r.high - r.low)


def _rank(results: list[VillageResult], params: Mapping[str, Any]) -> None:
    """Rank within each peer pool, and the 5th-95th percentile of the rank when the weights and
    goalposts are resampled (fixed seed: reproducible)."""
    spec = params["resample"]
    rng = np.random.default_rng(int(spec["seed"]))
    indicators = list(params["indicators"].items())
    dims = list(DIMENSIONS)
    base_weights = np.array([float(params["dimensions"][d]) for d in dims])
    draws = int(spec["draws"])
    conc = float(spec["concentration"])
    jitter = float(spec["goalpost_jitter"])
    # The same draws for every pool, so that pools are treated alike.
    dim_w = rng.dirichlet(conc * base_weights / base_weights.sum(), size=draws) if draws else np.empty((0, 4))
    shifts = rng.uniform(-jitter, jitter, size=(draws, len(indicators), 2))

    by_peer: dict[str, list[VillageResult]] = {}
    for r in results:
        if r.score is not None:
            by_peer.setdefault(r.peer, []).append(r)
    for members in by_peer.values():
        n = len(members)
        order = sorted(range(n), key=lambda i: (-(members[i].score or 0.0), members[i].id))
        for rank, i in enumerate(order, start=1):
            members[i].peer_rank = rank
            members[i].peer_size = n
        if n == 1 or not draws:
            for m in members:
                m.rank_low = m.rank_high = m.peer_rank
            continue
        shrunk = np.full((n, len(indicators)), np.nan)
        for j in range(len(indicators)):
            for i, m in enumerate(members):
                row = m.indicators[j]
                if row.shrunk is not None:
                    shrunk[i, j] = row.shrunk
        lows = np.array([float(s["low"]) for _, s in indicators])
        highs = np.array([float(s["high"]) for _, s in indicators])
        span = highs - lows
        kinds = np.array([s["kind"] == RATE for _, s in indicators])
        iw = np.array([float(s["weight"]) for _, s in indicators])
        dim_of = np.array([dims.index(s["dimension"]) for _, s in indicators])
        extra = np.array([m.bonus - m.penalty for m in members])
        ids = np.array([m.id for m in members])
        # All draws at once: (draws, villages, indicators) arrays, a few MB for a large pool.
        lo = lows[None, :] + shifts[:, :, 0] * span
        hi = highs[None, :] + shifts[:, :, 1] * span
        width = np.where(hi - lo == 0, 1.0, hi - lo)[:, None, :]
        x = shrunk[None, :, :]
        s = np.where(kinds[None, None, :], (hi[:, None, :] - x) / width, (x - lo[:, None, :]) / width)
        have = ~np.isnan(shrunk)  # missing data stays missing in every draw
        s0 = np.where(have[None], 100.0 * np.clip(s, 0.0, 1.0), 0.0)
        within = np.zeros((len(indicators), len(dims)))
        within[np.arange(len(indicators)), dim_of] = iw
        wsum = have.astype(float) @ within  # (villages, dimensions)
        dim_scores = (s0 @ within) / np.where(wsum > 0, wsum, 1.0)
        wd = dim_w[:, None, :] * (wsum > 0)[None]
        den = wd.sum(axis=2)
        total = np.clip((dim_scores * wd).sum(axis=2) / np.where(den > 0, den, 1.0) + extra[None], 0, 100)
        draw_order = np.lexsort((np.broadcast_to(ids, total.shape), -total), axis=-1)
        ranks = np.empty(total.shape)
        np.put_along_axis(
            ranks, draw_order, np.broadcast_to(np.arange(1, n + 1, dtype=float), total.shape), axis=1
        )
        low_q = np.percentile(ranks, 5, axis=0, method="nearest")
        high_q = np.percentile(ranks, 95, axis=0, method="nearest")
        for i, m in enumerate(members):
            m.rank_low = int(min(low_q[i], m.peer_rank or low_q[i]))
            m.rank_high = int(max(high_q[i], m.peer_rank or high_q[i]))


def significant_change(now: float | None, se_now: float, before: float | None, se_before: float) -> int:
    """+1 or -1 when the change is larger than noise (about two standard errors), else 0."""
    if now is None or before is None:
        return 0
    delta = now - before
    noise = 2.0 * math.sqrt(se_now**2 + se_before**2)
    if abs(delta) <= max(noise, 0.05):
        return 0
    return 1 if delta > 0 else -1


def validate_params(params: Any) -> dict[str, list[str]]:
    """Errors of a methodology's parameters by part ({} when they are sound): "dimensions",
    "indicators.<name>", "bands", "bonus", ... (the parts of ``validate_params_fields``)."""
    errors: dict[str, list[str]] = {}
    for key, messages in validate_params_fields(params).items():
        head = key.split(".")
        part = ".".join(head[:2]) if head[0] == "indicators" else head[0]
        errors.setdefault(part, []).extend(m for m in messages if m not in errors.get(part, []))
    return errors


def validate_params_fields(params: Any) -> dict[str, list[str]]:
    """Field-level errors of a methodology's parameters ({} when they are sound), keyed by the
    path of the value at fault where there is one: "dimensions.cases", "indicators.petitions.low",
    "bands.safe", "bonus.per_item"; else by the part ("bands"). The one place of these rules: the
    services refuse by them and the methodology editor shows them by its fields."""
    errors: dict[str, list[str]] = {}

    def bad(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if not isinstance(params, dict):
        return {"params": [_("Parameters must be a JSON object.")]}
    dims = params.get("dimensions")
    if not isinstance(dims, dict) or set(dims) != set(DIMENSIONS):
        bad("dimensions", _("Give a weight for each of: %(names)s.") % {"names": ", ".join(DIMENSIONS)})
    else:
        for d in DIMENSIONS:
            if not _number(dims[d]) or dims[d] < 0:
                bad(f"dimensions.{d}", _("Weights must be non-negative numbers, not all zero."))
        if not errors and not sum(dims.values()):
            bad("dimensions", _("Weights must be non-negative numbers, not all zero."))
    inds = params.get("indicators")
    if not isinstance(inds, dict) or set(inds) != set(DEFAULT_PARAMS["indicators"]):
        names = ", ".join(DEFAULT_PARAMS["indicators"])
        bad("indicators", _("Give every indicator: %(names)s.") % {"names": names})
    else:
        for name, spec in inds.items():
            if not isinstance(spec, dict):
                bad(f"indicators.{name}", _("Must be an object."))
                continue
            low, high, weight = spec.get("low"), spec.get("high"), spec.get("weight")
            if not (_number(low) and _number(high) and _number(weight)):
                bad(f"indicators.{name}", _("Goalposts and weight must be numbers."))
                continue
            if float(low) >= float(high):  # type: ignore[arg-type]
                bad(f"indicators.{name}.low", _("Goalposts need low < high."))
            if DEFAULT_PARAMS["indicators"][name]["kind"] == SHARE:
                # A share lies between 0 and 1: a goalpost outside can never be reached.
                for end, value in (("low", low), ("high", high)):
                    if not 0 <= float(value) <= 1:  # type: ignore[arg-type]
                        bad(f"indicators.{name}.{end}", _("A share's goalpost lies between 0 and 1."))
            elif float(low) < 0:  # type: ignore[arg-type]
                bad(f"indicators.{name}.low", _("A rate's goalpost is not negative."))
            if float(weight) <= 0:  # type: ignore[arg-type]
                bad(f"indicators.{name}.weight", _("The weight must be a positive number."))
            if spec.get("dimension") != DEFAULT_PARAMS["indicators"][name]["dimension"]:
                bad(f"indicators.{name}", _("The dimension of an indicator is fixed."))
            if spec.get("kind") != DEFAULT_PARAMS["indicators"][name]["kind"]:
                bad(f"indicators.{name}", _("The kind of an indicator is fixed."))
    bands = params.get("bands")
    if not isinstance(bands, dict) or not all(_number(bands.get(k)) for k in BAND_THRESHOLDS):
        bad("bands", _("Give excellent, excellent_min_dimension, safe and basic thresholds."))
    else:
        falling = _("Thresholds must fall: 100 >= excellent >= safe >= basic >= 0.")
        if not bands["excellent"] <= 100:
            bad("bands.excellent", falling)
        if not bands["excellent"] >= bands["safe"]:
            bad("bands.safe", falling)
        if not bands["safe"] >= bands["basic"] or not bands["basic"] >= 0:
            bad("bands.basic", falling)
    for key in ("bonus", "penalty"):
        part = params.get(key)
        if not isinstance(part, dict) or not (_number(part.get("per_item")) and _number(part.get("max"))):
            bad(key, _("Give per_item and max."))
            continue
        for sub in ("per_item", "max"):
            if part[sub] < 0:
                bad(f"{key}.{sub}", _("Must not be negative."))
    veto = params.get("veto")
    if (
        not isinstance(veto, dict)
        or veto.get("band_cap") not in BAND_ORDER
        or not _number(veto.get("months"))
    ):
        bad("veto", _("Give months and a band_cap among: %(bands)s.") % {"bands": ", ".join(BAND_ORDER)})
    sev = params.get("severity_weights")
    if not isinstance(sev, dict) or not all(
        _number(sev.get(k)) for k in ("minor", "ordinary", "serious", "major")
    ):
        bad("severity_weights", _("Give a weight for minor, ordinary, serious and major."))
    shrinkage = params.get("shrinkage")
    if shrinkage is not None:
        if not isinstance(shrinkage, dict):
            bad("shrinkage", _("Give no_events_at_prior, rate_min_cv and share_min_cv."))
        else:
            if not isinstance(shrinkage.get("no_events_at_prior", False), bool):
                bad("shrinkage.no_events_at_prior", _("Must be true or false."))
            for sub in ("rate_min_cv", "share_min_cv"):
                if not _floor_ok(shrinkage.get(sub, 0.0)):
                    bad(f"shrinkage.{sub}", _("A floor between 0 and 10."))
    if isinstance(inds, dict):
        for name, spec in inds.items():
            if isinstance(spec, dict) and "min_cv" in spec and not _floor_ok(spec["min_cv"]):
                bad(f"indicators.{name}.min_cv", _("A floor between 0 and 10."))
    resample = params.get("resample")
    if not isinstance(resample, dict) or not all(
        _number(resample.get(k)) for k in ("draws", "concentration", "goalpost_jitter", "seed")
    ):
        bad("resample", _("Give draws, concentration, goalpost_jitter and seed."))
    elif not (0 <= resample["draws"] <= 2000):
        bad("resample", _("Draws must be between 0 and 2000."))
    return errors


def _floor_ok(value: Any) -> bool:
    return _number(value) and 0 <= value <= 10


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
