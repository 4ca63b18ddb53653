"""The index's fairness properties, checked village by village on real shapes of data: the inputs
the database gives for every village of a county (``gather_inputs``), one event added to one
village at a time, the village's pool scored again.

Events are added to the inputs, not the database: what each event adds to the inputs is tested
against the database in test_compute.py (a dispute resolved early at village level adds one to
the three dispute shares and one bonus item; harms add to their counts; help calls, plain alerts
and first petitions add nothing), so what is left to check for every village is the method.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from peace_index.method import BAND_ORDER, DIMENSIONS, VillageInput, VillageResult, score_villages

BAND_RANK = {band: rank for rank, band in enumerate(("insufficient", *BAND_ORDER))}


def _add(v: VillageInput, name: str, count: float, exposure: float = 0.0) -> None:
    if name not in v.values:  # the source was not delivered: the event is not counted either
        return
    y, e = v.values[name]
    v.values[name] = (y + count, e + exposure)


def good_dispute(v: VillageInput, params: Mapping[str, Any]) -> None:
    """A dispute resolved at village level within the early days, followed up satisfied, its one
    term performed: a verified early village-level resolution."""
    for name in ("resolved_in_village", "followup_satisfied", "agreements_performed"):
        _add(v, name, 1.0, 1.0)
    v.bonus_items += 1


def escalated_dispute(v: VillageInput, params: Mapping[str, Any]) -> None:
    _add(v, "escalated_disputes", 1.0)


def minor_case(v: VillageInput, params: Mapping[str, Any]) -> None:
    _add(v, "criminal_cases", float(params["severity_weights"]["minor"]))


def repeat_petition(v: VillageInput, params: Mapping[str, Any]) -> None:
    _add(v, "petitions", 1.0)


GOOD: dict[str, Callable[[VillageInput, Mapping[str, Any]], None]] = {"good dispute": good_dispute}
HARMS: dict[str, Callable[[VillageInput, Mapping[str, Any]], None]] = {
    "escalated dispute": escalated_dispute,
    "minor criminal case": minor_case,
    "repeat petition": repeat_petition,
}


@dataclass
class Effect:
    """What one event did to each village it was added to."""

    deltas: list[float]
    wrong_way: list[int]  # villages whose score moved against the event
    band_wrong_way: list[int]


def effects(
    inputs: list[VillageInput],
    params: Mapping[str, Any],
    events: Mapping[str, Callable[..., None]],
    *,
    good: bool,
) -> dict[str, Effect]:
    params = copy.deepcopy(params)
    params["resample"]["draws"] = 0  # ranks play no part in the score
    pools: dict[str, list[VillageInput]] = {}
    for v in inputs:
        pools.setdefault(v.peer, []).append(v)
    before = {r.id: r for members in pools.values() for r in score_villages(members, params)}
    out: dict[str, Effect] = {}
    for label, event in events.items():
        effect = Effect([], [], [])
        for v in inputs:
            changed = copy.deepcopy(v)
            event(changed, params)
            pool = [changed if p.id == v.id else p for p in pools[v.peer]]
            after = next(r for r in score_villages(pool, params) if r.id == v.id)
            was = before[v.id]
            delta = (after.score or 0.0) - (was.score or 0.0)
            effect.deltas.append(delta)
            if (delta < -1e-9) if good else (delta > 1e-9):
                effect.wrong_way.append(v.id)
            rank_change = BAND_RANK[after.band] - BAND_RANK[was.band]
            if (rank_change < 0) if good else (rank_change > 0):
                effect.band_wrong_way.append(v.id)
        out[label] = effect
    return out


def spread(results: Iterable[VillageResult]) -> dict[str, tuple[float, float]]:
    """The 10th and 90th percentile of each dimension across the villages that have it."""
    results = list(results)
    out = {}
    for d in DIMENSIONS:
        values = [r.dimensions[d] for r in results if r.dimensions[d] is not None]
        out[d] = (float(np.percentile(values, 10)), float(np.percentile(values, 90)))
    return out


def report(
    title: str, first: Mapping[str, tuple[float, float]], now: Mapping[str, tuple[float, float]]
) -> str:
    rows = [f"{title}: dimension P10-P90, first method -> reporting-neutral"]
    rows += [
        f"  {d:10s} {first[d][0]:6.2f}-{first[d][1]:6.2f} -> {now[d][0]:6.2f}-{now[d][1]:6.2f}"
        for d in DIMENSIONS
    ]
    return "\n".join(rows)
