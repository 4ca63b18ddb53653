"""Recomputing the scores of a county's villages for a month: a handful of aggregate queries (one
per source, whatever the number of villages), the method in memory, one bulk upsert.

The shrinkage of a village depends on its peer pool, so a county is the unit of recomputation,
for the full run as for the debounced one after an event.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from disputes.selectors import dispute_index_counts
from governance.models import Region
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
from stations.selectors import alert_harm_counts

VILLAGE = Region.Level.VILLAGE


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    out, m = [], month_start(first)
    while m <= last:
        out.append(m)
        m = add_months(m, 1)
    return out


def window(month: date, months: int) -> tuple[datetime, datetime]:
    """The trailing window of a month's score: the ``months`` months ending with it, local time."""
    tz = timezone.get_current_timezone()
    until = datetime.combine(add_months(month, 1), time.min, tzinfo=tz)
    since = datetime.combine(add_months(month, 1 - months), time.min, tzinfo=tz)
    return since, until


def current_month(now: datetime | None = None) -> date:
    return month_start(timezone.localtime(now or timezone.now()).date())


def villages_of(county: Region) -> QuerySet[Region]:
    return Region.objects.filter(level=VILLAGE, path__startswith=county.path)


def gather_inputs(
    *, county: Region, month: date, params: dict[str, Any]
) -> tuple[list[VillageInput], dict[int, dict[str, Any]]]:
    """Every indicator's count and exposure for the county's villages (one query per source)."""
    months = int(params["window_months"])
    since, until = window(month, months)
    window_months = months_between(since.date(), add_months(month, 0))
    villages_qs = villages_of(county)
    villages = list(villages_qs.values("id", "parent_id", "population", "urban_rural", "code", "name"))
    coverage = {
        source: DataCoverage.objects.filter(
            source=source, county=county, month__gte=window_months[0], month__lte=month
        ).values("month")
        for source in (DataSource.CASES, DataSource.PETITIONS)
    }
    covered = {source: qs.count() for source, qs in coverage.items()}
    replaced = CriminalCase.objects.filter(county=county, alert_id__isnull=False).values("alert_id")

    alerts = alert_harm_counts(villages=villages_qs, since=since, until=until, replaced_alert_ids=replaced)
    disputes = dispute_index_counts(
        villages=villages_qs, since=since, until=until, early_days=int(params["bonus"]["early_days"])
    )
    severity: dict[str, float] = params["severity_weights"]
    veto_since = add_months(month, 1 - int(params["veto"]["months"]))
    cases = {
        r["village_id"]: r
        for r in CriminalCase.objects.filter(county=county, month__in=coverage[DataSource.CASES])
        .values("village_id")
        .annotate(
            **{f"n_{k}": Count("id", filter=Q(severity=k)) for k in CriminalCase.Severity.values},
            late=Count("id", filter=Q(reported_late=True, severity__in=["serious", "major"])),
        )
    }
    vetoes = set(
        CriminalCase.objects.filter(county=county, month__gte=veto_since, month__lte=month)
        .exclude(veto="")
        .values_list("village_id", flat=True)
    )
    petitions = dict(
        Petition.objects.filter(
            county=county, month__in=coverage[DataSource.PETITIONS], kind__in=Petition.COUNTED
        )
        .values("village_id")
        .annotate(n=Count("id"))
        .values_list("village_id", "n")
    )
    surveys = {
        r["village_id"]: (r["safe"], r["asked"])
        for r in SurveyResult.objects.filter(county=county, month__gte=window_months[0], month__lte=month)
        .values("village_id")
        .annotate(safe=Sum("feel_safe"), asked=Sum("respondents"))
    }

    inputs, context = [], {}
    for v in villages:
        vid = v["id"]
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
        if covered[DataSource.CASES]:
            c = cases.get(vid, {})
            weighted = sum(float(severity[k]) * c.get(f"n_{k}", 0) for k in CriminalCase.Severity.values)
            values["criminal_cases"] = (weighted, person_years * covered[DataSource.CASES] / 12)
        if covered[DataSource.PETITIONS]:
            values["petitions"] = (
                float(petitions.get(vid, 0)),
                person_years * covered[DataSource.PETITIONS] / 12,
            )
        if vid in surveys:
            values["survey_safe"] = (float(surveys[vid][0]), float(surveys[vid][1]))
        peer = f"{county.pk}:{'urban' if (v['urban_rural'] or '').startswith('1') else 'rural'}"
        inputs.append(
            VillageInput(
                id=vid,
                peer=peer,
                values=values,
                bonus_items=d.get("early_verified", 0),
                penalty_items=cases.get(vid, {}).get("late", 0),
                veto=vid in vetoes,
            )
        )
        context[vid] = {"township_id": v["parent_id"]}
    return inputs, context


def decomposition(result: VillageResult) -> dict[str, Any]:
    return {
        "base": _r(result.base),
        "indicators": [
            {
                "indicator": i.indicator,
                "dimension": i.dimension,
                "kind": i.kind,
                "count": _r(i.count),
                "exposure": _r(i.exposure),
                "rate": _r(i.rate),
                "pool_mean": _r(i.pool_mean),
                "credibility": _r(i.credibility),
                "shrunk": _r(i.shrunk),
                "low": i.low,
                "high": i.high,
                "score": _r(i.score),
                "weight": i.weight,
                "share": _r(i.share),
                "contributed": _r(i.contributed),
                "lost": _r(i.lost),
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
    now = now or timezone.now()
    params = version.params
    inputs, context = gather_inputs(county=county, month=month, params=params)
    results = score_villages(inputs, params)
    frozen = set(
        TownshipReview.objects.filter(
            month=month, version=version, status=TownshipReview.Status.APPROVED
        ).values_list("township_id", flat=True)
    )
    rows = [
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
        for r in results
        if context[r.id]["township_id"] not in frozen
    ]
    with transaction.atomic():
        VillageScore.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["version", "village", "month"],
            update_fields=[
                "township", "score", "band", "se", "dimensions", "bonus", "penalty", "veto", "peer_rank",
                "rank_low", "rank_high", "peer_size", "decomposition", "computed_at",
            ],
        )  # fmt: skip
    return len(rows)
