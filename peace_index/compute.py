"""Recomputing the scores of a county's villages for a month: a handful of aggregate queries (one
per source, whatever the number of villages), the method in memory, one bulk upsert.

The shrinkage of a village depends on its peer pool, so a county is the unit of recomputation,
for the full run as for the debounced one after an event.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from functools import reduce
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from disputes.selectors import dispute_index_counts
from governance.models import Region
from governance.months import add_months
from governance.replicas import replica_reads
from peace_index.method import VillageInput, VillageResult, score_villages
from peace_index.models import (
    CriminalCase,
    DataCoverage,
    DataSource,
    MethodVersion,
    Petition,
    SurveyResult,
    TownshipReview,
    VillageScore,
)
from stations.selectors import alert_harm_counts, village_settled_counts

VILLAGE = Region.Level.VILLAGE
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str | None) -> date | None:
    """A month written YYYY-MM, or None."""
    m = MONTH_RE.match((text or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        return None
    return date(int(m.group(1)), int(m.group(2)), 1)


def window(month: date, months: int) -> tuple[datetime, datetime]:
    """The trailing window of a month's score: the ``months`` months ending with it, local time."""
    tz = timezone.get_current_timezone()
    until = datetime.combine(add_months(month, 1), time.min, tzinfo=tz)
    since = datetime.combine(add_months(month, 1 - months), time.min, tzinfo=tz)
    return since, until


def villages_of(counties: Sequence[Region]) -> QuerySet[Region]:
    if not counties:
        return Region.objects.none()
    under = reduce(operator.or_, (Q(path__startswith=c.path) for c in counties))
    return Region.objects.filter(under, level=VILLAGE)


def gather_key(params: Mapping[str, Any]) -> str:
    """The parameters that change what is counted (not how it is scored): counties whose versions
    agree on them are gathered together."""
    return json.dumps(
        [
            params["window_months"],
            params["bonus"]["early_days"],
            params["severity_weights"],
            params["veto"]["months"],
            bool(params["bonus"].get("village_settled")),
        ],
        sort_keys=True,
    )


def gather_inputs(
    *, counties: Sequence[Region], month: date, params: Mapping[str, Any]
) -> tuple[list[VillageInput], dict[int, dict[str, Any]]]:
    """Every indicator's count and exposure for the villages of the counties: one aggregate query
    per source whatever the number of villages and counties."""
    months = int(params["window_months"])
    since, until = window(month, months)
    first = since.date()
    county_ids = [c.pk for c in counties]
    county_by_path = {c.path: c.pk for c in counties}
    villages_qs = villages_of(counties)
    villages = list(villages_qs.values("id", "parent_id", "population", "urban_rural", "path"))
    covered: dict[tuple[str, int], int] = {
        (r["source"], r["county_id"]): r["n"]
        for r in DataCoverage.objects.filter(county_id__in=county_ids, month__gte=first, month__lte=month)
        .values("source", "county_id")
        .annotate(n=Count("id"))
    }

    def delivered(source: str) -> Exists:
        # A row counts only in a month its source delivered (missing months are missing data).
        return Exists(
            DataCoverage.objects.filter(
                source=source, county_id=OuterRef("county_id"), month=OuterRef("month")
            )
        )

    replaced = CriminalCase.objects.filter(county_id__in=county_ids, alert_id__isnull=False).values(
        "alert_id"
    )
    alerts = alert_harm_counts(villages=villages_qs, since=since, until=until, replaced_alert_ids=replaced)
    disputes = dispute_index_counts(
        villages=villages_qs, since=since, until=until, early_days=int(params["bonus"]["early_days"])
    )
    # Village-first response: an alert the village settled, confirmed by the station's call-back,
    # is a verified early village-level resolution (in a version that says so).
    settled = (
        village_settled_counts(villages=villages_qs, since=since, until=until)
        if params["bonus"].get("village_settled")
        else {}
    )
    severity: Mapping[str, float] = params["severity_weights"]
    veto_since = add_months(month, 1 - int(params["veto"]["months"]))
    in_window = {"county_id__in": county_ids, "month__gte": first, "month__lte": month}
    cases = {
        r["village_id"]: r
        for r in CriminalCase.objects.filter(delivered(DataSource.CASES), **in_window)
        .values("village_id")
        .annotate(
            **{f"n_{k}": Count("id", filter=Q(severity=k)) for k in CriminalCase.Severity.values},
            late=Count("id", filter=Q(reported_late=True, severity__in=["serious", "major"])),
        )
    }
    vetoes = set(
        CriminalCase.objects.filter(county_id__in=county_ids, month__gte=veto_since, month__lte=month)
        .exclude(veto="")
        .values_list("village_id", flat=True)
    )
    petitions = dict(
        Petition.objects.filter(delivered(DataSource.PETITIONS), kind__in=Petition.COUNTED, **in_window)
        .values("village_id")
        .annotate(n=Count("id"))
        .values_list("village_id", "n")
    )
    surveys = {
        r["village_id"]: (r["safe"], r["asked"])
        for r in SurveyResult.objects.filter(**in_window)
        .values("village_id")
        .annotate(safe=Sum("feel_safe"), asked=Sum("respondents"))
    }

    inputs, context = [], {}
    for v in villages:
        vid = v["id"]
        county_id = next(pk for path, pk in county_by_path.items() if v["path"].startswith(path))
        person_years = v["population"] / 1000.0  # thousands of resident person-years per year
        d = disputes.get(vid, {})
        escalated, repeats = alerts.get(vid, (0, 0))
        values: dict[str, tuple[float, float]] = {
            "escalated_disputes": (
                float(escalated + d.get("referred_police", 0)),
                person_years * months / 12,
            ),
            "repeat_calls": (float(repeats), person_years * months / 12),
            "followup_satisfied": (float(d.get("satisfied", 0)), float(d.get("follow_ups", 0))),
            "resolved_in_village": (float(d.get("resolved_in_village", 0)), float(d.get("resolved", 0))),
            "agreements_performed": (
                float(d.get("performed", 0)),
                float(d.get("performed", 0) + d.get("breached", 0)),
            ),
        }
        # Missing police and petition data is missing, not zero: no exposure without coverage.
        if n := covered.get((DataSource.CASES, county_id)):
            c = cases.get(vid, {})
            weighted = sum(float(severity[k]) * c.get(f"n_{k}", 0) for k in CriminalCase.Severity.values)
            values["criminal_cases"] = (weighted, person_years * n / 12)
        if n := covered.get((DataSource.PETITIONS, county_id)):
            values["petitions"] = (float(petitions.get(vid, 0)), person_years * n / 12)
        if vid in surveys:
            values["survey_safe"] = (float(surveys[vid][0]), float(surveys[vid][1]))
        peer = f"{county_id}:{'urban' if (v['urban_rural'] or '').startswith('1') else 'rural'}"
        inputs.append(
            VillageInput(
                id=vid,
                peer=peer,
                values=values,
                bonus_items=d.get("early_verified", 0) + settled.get(vid, 0),
                penalty_items=cases.get(vid, {}).get("late", 0),
                veto=vid in vetoes,
            )
        )
        context[vid] = {"township_id": v["parent_id"], "county_id": county_id}
    return inputs, context


def decomposition(result: VillageResult) -> dict[str, Any]:
    """What explains the score, indicator by indicator (full precision: the page rounds)."""
    return {
        "base": result.base,
        "indicators": [
            {
                "indicator": i.indicator,
                "dimension": i.dimension,
                "kind": i.kind,
                "count": i.count,
                "exposure": i.exposure,
                "rate": i.rate,
                "pool_mean": i.pool_mean,
                "credibility": i.credibility,
                "shrunk": i.shrunk,
                "low": i.low,
                "high": i.high,
                "score": i.score,
                "weight": i.weight,
                "share": i.share,
                "contributed": i.contributed,
                "lost": i.lost,
                "at_prior": i.at_prior,
                "pool": None
                if i.pool is None
                else {
                    "mean": i.pool.mean,
                    "s2": i.pool.s2,
                    "mean_exposure": i.pool.mean_exposure,
                    "a_estimated": i.pool.a_estimated,
                    "a_used": i.pool.a_used,
                    "villages": i.pool.villages,
                },
            }
            for i in result.indicators
        ],
    }


def _r(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def scores_compute(
    *, county: Region, month: date, version: MethodVersion, now: datetime | None = None
) -> int:
    """Compute and store the month's scores of every village of the county under ``version``.
    Villages of a township whose month is approved are frozen and keep their stored scores.
    Returns the number of scores written."""
    return scores_compute_many(versions=[version], month=month, now=now, counties={version.pk: county})


def scores_compute_many(
    *,
    versions: Sequence[MethodVersion],
    month: date,
    now: datetime | None = None,
    counties: Mapping[int, Region] | None = None,
) -> int:
    """The month's scores of the villages of every county whose version is given (the full run:
    one gathering for all counties that count alike, then the method per county, one write)."""
    now = now or timezone.now()
    counties = counties or {v.pk: v.county for v in versions}
    groups: dict[str, list[MethodVersion]] = {}
    for version in versions:
        groups.setdefault(gather_key(version.params), []).append(version)
    rows: list[VillageScore] = []
    for members in groups.values():
        with replica_reads():  # the sources may lag a second; what decides the write does not
            inputs, context = gather_inputs(
                counties=[counties[v.pk] for v in members], month=month, params=members[0].params
            )
        for version in members:
            county_id = counties[version.pk].pk
            mine = [v for v in inputs if context[v.id]["county_id"] == county_id]
            frozen = set(
                TownshipReview.objects.filter(
                    month=month, version=version, status=TownshipReview.Status.APPROVED
                ).values_list("township_id", flat=True)
            )
            rows += [
                VillageScore(
                    village_id=r.id,
                    township_id=context[r.id]["township_id"],
                    month=month,
                    version=version,
                    score=_r(r.score, 4),
                    band=r.band,
                    se=round(r.se, 4),
                    dimensions={k: _r(v, 4) for k, v in r.dimensions.items()},
                    bonus=r.bonus,
                    penalty=r.penalty,
                    veto=r.veto,
                    peer_rank=r.peer_rank,
                    rank_low=r.rank_low,
                    rank_high=r.rank_high,
                    peer_size=r.peer_size,
                    decomposition=decomposition(r),
                    computed_at=now,
                )
                for r in score_villages(mine, version.params)
                if context[r.id]["township_id"] not in frozen
            ]
    _store(rows)
    return len(rows)


def bands_under(*, county: Region, month: date, params: Mapping[str, Any]) -> dict[int, str]:
    """The band each village of the county would have for the month under ``params``: the same
    gathering and method as ``scores_compute``, nothing stored (the preview of a draft)."""
    with replica_reads():
        inputs, _context = gather_inputs(counties=[county], month=month, params=params)
    return {r.id: r.band for r in score_villages(inputs, params)}


SCORE_FIELDS = [
    "village_id", "township_id", "month", "version_id", "score", "band", "se", "dimensions", "bonus", "penalty",
    "veto", "peer_rank", "rank_low", "rank_high", "peer_size", "decomposition", "computed_at",
]  # fmt: skip


def _store(rows: list[VillageScore]) -> None:
    """Upsert the scores. On PostgreSQL: COPY into a temporary table, then one INSERT ... ON
    CONFLICT (a bulk_create would spend most of the run quoting the decompositions' JSON)."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            VillageScore.objects.bulk_create(
                rows,
                batch_size=1000,
                update_conflicts=True,
                unique_fields=["version", "village", "month"],
                update_fields=[
                    f.removesuffix("_id")
                    for f in SCORE_FIELDS
                    if f not in ("village_id", "month", "version_id")
                ],
            )
        return
    table = VillageScore._meta.db_table
    columns = ", ".join(f'"{c}"' for c in SCORE_FIELDS)
    updates = ", ".join(
        f'"{c}" = EXCLUDED."{c}"' for c in SCORE_FIELDS if c not in ("village_id", "month", "version_id")
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # Table and column names come from the model, never from input.
        # Dropped at once after use, not at commit: an outer transaction (a test, the demo) may
        # store several months before it commits.
        cursor.execute("DROP TABLE IF EXISTS peace_scores_in")
        cursor.execute(
            f"CREATE TEMP TABLE peace_scores_in AS SELECT {columns} FROM {table} WITH NO DATA"  # noqa: S608
        )
        with cursor.cursor.copy(f"COPY peace_scores_in ({columns}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(
                    (
                        r.village_id, r.township_id, r.month, r.version_id, r.score, r.band, r.se,
                        json.dumps(r.dimensions), r.bonus, r.penalty, r.veto, r.peer_rank, r.rank_low, r.rank_high,
                        r.peer_size, json.dumps(r.decomposition), r.computed_at,
                    )
                )  # fmt: skip
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM peace_scores_in "  # noqa: S608
            f"ON CONFLICT (version_id, village_id, month) DO UPDATE SET {updates}"
        )
        cursor.execute("DROP TABLE peace_scores_in")
