"""Reads of the peace index: who may see, review and manage what, the township ranking with its
trend arrows (a constant number of queries whatever the number of villages), a village's
portrait and the cases behind its bonus, penalty and veto."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from disputes.models import Dispute
from disputes.selectors import early_village_resolutions
from governance.actors import Actor
from governance.errors import NotFound, ValidationFailed
from governance.models import Region
from governance.models.regions import path_ancestors
from governance.months import add_months, current_month
from governance.selectors import jurisdiction_for, user_may
from peace_index.compute import bands_under, parse_month, window
from peace_index.method import significant_change
from peace_index.models import (
    Band,
    CriminalCase,
    DataCoverage,
    DataSource,
    MethodVersion,
    Petition,
    RecomputeRun,
    SurveyResult,
    TownshipReview,
    VillageScore,
)
from stations.models import DispatchOrder
from stations.selectors import orders_settled_by_village


def county_of(region: Region) -> Region:
    if region.level == Region.Level.COUNTY:
        return region
    county = Region.objects.filter(level=Region.Level.COUNTY, path__in=path_ancestors(region.path)).first()
    if county is None:
        raise NotFound(_("This region lies under no county."))
    return county


def published_version(county: Region) -> MethodVersion | None:
    return MethodVersion.objects.filter(county=county, status=MethodVersion.Status.PUBLISHED).first()


def user_may_view(user: Actor, region: Region) -> bool:
    return user_may(user, "peace.view", region)


def user_may_review(user: Actor, township: Region) -> bool:
    return user_may(user, "peace.review", township)


def user_may_manage(user: Actor, county: Region) -> bool:
    return user_may(user, "peace.manage", county)


def user_may_see_inputs(user: Actor, village: Region) -> bool:
    """The rows behind a village's counts (case and petition numbers, survey returns) are for
    those who review the township or manage the county, not for every reader of the portrait."""
    return user_may(user, "peace.review", village) or user_may(user, "peace.manage", village)


def user_uses_index(user: Actor) -> bool:
    if user is None or not user.is_authenticated:
        return False
    j = jurisdiction_for(user)
    return j.is_superuser or bool(j.paths("peace.view"))


def regions_in_view(user: Actor, level: int) -> QuerySet[Region]:
    """Regions of ``level`` under the user's peace-index jurisdiction."""
    condition = jurisdiction_for(user).region_filter("peace.view")
    if condition is None:
        return Region.objects.none()
    return Region.objects.filter(condition, level=level).order_by("code")


@dataclass
class RankingRow:
    village: Region
    score: VillageScore | None
    last_month: VillageScore | None
    last_year: VillageScore | None
    trend_month: int = 0
    trend_year: int = 0

    @property
    def change_month(self) -> float | None:
        return _delta(self.score, self.last_month)

    @property
    def change_year(self) -> float | None:
        return _delta(self.score, self.last_year)


def _delta(now: VillageScore | None, before: VillageScore | None) -> float | None:
    if now is None or before is None or now.score is None or before.score is None:
        return None
    return round(now.score - before.score, 1)


@dataclass
class Ranking:
    township: Region
    month: date
    version: MethodVersion | None
    rows: list[RankingRow]
    review: TownshipReview | None
    months: list[date] = field(default_factory=list)

    @property
    def frozen(self) -> bool:
        return self.review is not None and self.review.status == TownshipReview.Status.APPROVED

    @property
    def reward_villages(self) -> list[RankingRow]:
        return [r for r in self.rows if r.score is not None and r.score.band == "excellent"]

    @property
    def band_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.rows:
            if r.score is not None:
                counts[r.score.band] = counts.get(r.score.band, 0) + 1
        return counts


def township_ranking(township: Region, month: date) -> Ranking:
    """Every village of the township by this month's score, with last month's and last year's
    and the arrows that are larger than noise. Five queries whatever the number of villages."""
    county = county_of(township)
    version = published_version(county)
    villages = list(Region.objects.filter(parent=township, level=Region.Level.VILLAGE).order_by("code"))
    wanted = [month, add_months(month, -1), add_months(month, -12)]
    scores: dict[tuple[int, date], VillageScore] = {}
    months: list[date] = []
    review = None
    if version is not None:
        for s in VillageScore.objects.filter(township=township, version=version, month__in=wanted).defer(
            "decomposition"
        ):
            scores[(s.village_id, s.month)] = s
        review = TownshipReview.objects.filter(township=township, month=month, version=version).first()
        months = sorted(
            set(
                VillageScore.objects.filter(township=township, version=version).values_list(
                    "month", flat=True
                )
            ),
            reverse=True,
        )
    rows = []
    for v in villages:
        now, prev, year = (scores.get((v.pk, m)) for m in wanted)
        row = RankingRow(village=v, score=now, last_month=prev, last_year=year)
        if now is not None:
            for attr, before in (("trend_month", prev), ("trend_year", year)):
                if before is not None:
                    setattr(row, attr, significant_change(now.score, now.se, before.score, before.se))
        rows.append(row)
    rows.sort(key=lambda r: (r.score is None or r.score.score is None, -(_num(r.score)), r.village.code))
    return Ranking(township=township, month=month, version=version, rows=rows, review=review, months=months)


def _num(score: VillageScore | None) -> float:
    return score.score if score is not None and score.score is not None else 0.0


@dataclass
class IndicatorChange:
    indicator: str
    dimension: str
    now: dict[str, Any]
    before: dict[str, Any] | None

    @property
    def points_change(self) -> float | None:
        if self.before is None:
            return None
        return round((self.now.get("contributed") or 0) - (self.before.get("contributed") or 0), 2)


@dataclass
class Portrait:
    village: Region
    month: date
    version: MethodVersion | None
    score: VillageScore | None
    previous: VillageScore | None
    trend: list[VillageScore]
    changes: list[IndicatorChange]
    bonus_cases: list[Dispute]
    bonus_orders: list[DispatchOrder]  # alerts the village settled (village-first response)
    penalty_cases: list[CriminalCase]
    veto_cases: list[CriminalCase]


def village_portrait(village: Region, month: date) -> Portrait:
    """The safety portrait (平安画像) of a village: the month's score and its decomposition, the
    twelve months before it, what moved since last month indicator by indicator, and the cases
    behind the bonus, penalty and veto."""
    county = county_of(village)
    version = published_version(county)
    trend: list[VillageScore] = []
    if version is not None:
        trend = list(
            VillageScore.objects.filter(
                village=village, version=version, month__gte=add_months(month, -12), month__lte=month
            ).order_by("month")
        )
    by_month = {s.month: s for s in trend}
    score, previous = by_month.get(month), by_month.get(add_months(month, -1))
    changes = []
    if score is not None:
        before = {
            i["indicator"]: i for i in (previous.decomposition.get("indicators", []) if previous else [])
        }
        changes = [
            IndicatorChange(
                indicator=i["indicator"], dimension=i["dimension"], now=i, before=before.get(i["indicator"])
            )
            for i in score.decomposition.get("indicators", [])
        ]
    bonus_cases: list[Dispute] = []
    bonus_orders: list[DispatchOrder] = []
    penalty_cases: list[CriminalCase] = []
    veto_cases: list[CriminalCase] = []
    if version is not None and score is not None:
        params = version.params
        since, until = window(month, int(params["window_months"]))
        villages = Region.objects.filter(pk=village.pk)
        bonus_cases = list(
            early_village_resolutions(
                villages=villages, since=since, until=until, early_days=int(params["bonus"]["early_days"])
            ).order_by("-resolved_at")[:50]
        )
        if params["bonus"].get("village_settled"):
            bonus_orders = list(
                orders_settled_by_village(villages=villages, since=since, until=until)
                .select_related("alert")
                .order_by("-village_settled_at")[:50]
            )
        penalty_cases = list(
            CriminalCase.objects.filter(
                village=village,
                month__gte=since.date(),
                month__lte=month,
                reported_late=True,
                severity__in=["serious", "major"],
            )[:50]
        )
        veto_cases = list(
            CriminalCase.objects.filter(
                village=village,
                month__gte=add_months(month, 1 - int(params["veto"]["months"])),
                month__lte=month,
            ).exclude(veto="")[:50]
        )
    return Portrait(
        village=village, month=month, version=version, score=score, previous=previous, trend=trend,
        changes=changes, bonus_cases=bonus_cases, bonus_orders=bonus_orders, penalty_cases=penalty_cases,
        veto_cases=veto_cases,
    )  # fmt: skip


def month_asked(text: str | None, region: Region) -> date:
    """The month a reader asked for (``YYYY-MM``), or the region's latest scored month when he
    asked for none. A month written wrong is refused, never answered with another month."""
    if not (text or "").strip():
        return latest_scored_month(region)
    month = parse_month(text)
    if month is None:
        message = _("Write the month as YYYY-MM, for example 2026-10.")
        raise ValidationFailed(message, fields={"month": [message]})
    return month


def latest_scored_month(region: Region) -> date:
    """The latest month with scores under the region (this month when none)."""
    county = county_of(region)
    version = published_version(county)
    if version is None:
        return current_month()
    if region.level == Region.Level.VILLAGE:
        qs = VillageScore.objects.filter(village=region, version=version)
    elif region.level == Region.Level.TOWNSHIP:
        qs = VillageScore.objects.filter(township=region, version=version)
    else:
        qs = VillageScore.objects.filter(version=version)
    latest = qs.order_by("-month").values_list("month", flat=True).first()
    return latest or current_month()


def versions_of(county: Region) -> QuerySet[MethodVersion]:
    return MethodVersion.objects.filter(county=county).order_by("-number")


def runs_of(county: Region) -> QuerySet[RecomputeRun]:
    return RecomputeRun.objects.filter(county=county).select_related("version", "started_by").order_by("-id")


@dataclass
class BandPreview:
    """How the bands of the last scored month would change under a draft."""

    month: date
    version: MethodVersion | None  # the version in force, whose bands are "now"
    counts: list[tuple[str, Any, int, int]]  # (band, label, villages now, villages under the draft)
    changes: list[tuple[Region, str, str]]  # (village, band now, band under the draft)


def version_preview(draft: MethodVersion) -> BandPreview:
    """The draft's bands for the county's last scored month beside the bands in force, computed
    by the same code as a recomputation (``compute.bands_under``), nothing stored."""
    county = draft.county
    month = latest_scored_month(county)
    current = published_version(county)
    now = dict(
        VillageScore.objects.filter(version=current, month=month).values_list("village_id", "band")
        if current is not None
        else []
    )
    draft_bands = bands_under(county=county, month=month, params=draft.params)
    counts = [
        (
            band,
            label,
            sum(1 for b in now.values() if b == band),
            sum(1 for b in draft_bands.values() if b == band),
        )
        for band, label in Band.choices
    ]
    moved = {vid: (now.get(vid, ""), b) for vid, b in draft_bands.items() if now.get(vid, "") != b}
    villages = Region.objects.in_bulk(list(moved))
    changes = sorted(
        ((villages[vid], old, new) for vid, (old, new) in moved.items() if vid in villages),
        key=lambda c: c[0].code,
    )
    return BandPreview(month=month, version=current, counts=counts, changes=changes)


# The rows shown per source on a portrait: a village's year is rarely more; the count says if so.
INPUT_ROWS_SHOWN = 100


@dataclass
class CoverageMonth:
    month: date
    delivered: dict[str, bool]  # source -> whether it delivered this month


@dataclass
class CaseInput:
    case: CriminalCase
    weight: float  # its severity's weight in the count (0 when its month was not delivered)
    penalised: bool  # a serious or major case concealed or reported late
    counts: bool  # its month was delivered (a delivery replaces its months whole)


@dataclass
class PetitionInput:
    petition: Petition
    counts: bool  # skip-level, repeat or collective, in a month delivered; first petitions never


@dataclass
class PortraitInputs:
    """What a portrait's counts are made of, over the score's window: the months each source
    delivered (a month missing is missing, not zero), the criminal cases with their severity's
    weight, the petitions with their kind, the survey returns."""

    since: date
    sources: list[tuple[str, str]]
    coverage: list[CoverageMonth]
    cases: list[CaseInput]
    cases_total: int
    cases_weighted: float
    petitions: list[PetitionInput]
    petitions_total: int
    petitions_counted: int
    surveys: list[SurveyResult]
    respondents: int
    feel_safe: int


def village_inputs(village: Region, month: date, version: MethodVersion) -> PortraitInputs:
    """The inputs behind a village's counts for ``month`` under ``version`` (a few queries)."""
    params = version.params
    months = int(params["window_months"])
    since = add_months(month, 1 - months)
    county = county_of(village)
    in_window = {"month__gte": since, "month__lte": month}
    delivered = {
        (c.source, c.month)
        for c in DataCoverage.objects.filter(county=county, **in_window).only("source", "month")
    }
    sources = [(str(v), str(label)) for v, label in DataSource.choices]
    coverage = [
        CoverageMonth(month=m, delivered={src: (src, m) in delivered for src, _label in sources})
        for m in (add_months(since, k) for k in range(months))
    ]
    weights = {k: float(v) for k, v in params["severity_weights"].items()}
    cases_qs = CriminalCase.objects.filter(village=village, **in_window).order_by("-occurred_on", "id")
    all_cases = list(
        cases_qs.only("external_ref", "month", "occurred_on", "severity", "veto", "reported_late")
    )
    cases_delivered = {m for src, m in delivered if src == DataSource.CASES}
    cases = [
        CaseInput(
            case=c,
            weight=weights.get(c.severity, 0.0) if c.month in cases_delivered else 0.0,
            penalised=c.reported_late and c.severity in ("serious", "major"),
            counts=c.month in cases_delivered,
        )
        for c in all_cases
    ]
    petitions_all = list(
        Petition.objects.filter(village=village, **in_window)
        .only("external_ref", "month", "received_on", "kind")
        .order_by("-received_on", "id")
    )
    petitions_delivered = {m for src, m in delivered if src == DataSource.PETITIONS}
    petitions = [
        PetitionInput(petition=p, counts=p.kind in Petition.COUNTED and p.month in petitions_delivered)
        for p in petitions_all
    ]
    surveys = list(SurveyResult.objects.filter(village=village, **in_window).order_by("-month"))
    return PortraitInputs(
        since=since, sources=sources, coverage=coverage,
        cases=cases[:INPUT_ROWS_SHOWN], cases_total=len(cases),
        cases_weighted=sum(c.weight for c in cases),
        petitions=petitions[:INPUT_ROWS_SHOWN], petitions_total=len(petitions),
        petitions_counted=sum(1 for p in petitions if p.counts),
        surveys=surveys, respondents=sum(s.respondents for s in surveys),
        feel_safe=sum(s.feel_safe for s in surveys),
    )  # fmt: skip
