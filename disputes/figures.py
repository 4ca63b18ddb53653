"""The disputes' figures (DESIGN.md section 6, KPIs): resolution rate, share resolved at village
level, time to resolution by category, agreements performed, follow-up satisfaction, and the
disputes by season and category that next season's screening is planned from.

A handful of aggregate queries over the cases the user may see, whatever their number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from disputes.models import Category, Dispute, FollowUp, Obligation, Tier
from disputes.selectors import disputes_visible_to
from governance.actors import Actor

SEASONS = ("spring", "summer", "autumn", "winter")
# Meteorological seasons, as the seasonal screening campaigns (四季排查) use them.
SEASON_OF_MONTH = {3: "spring", 4: "spring", 5: "spring", 6: "summer", 7: "summer", 8: "summer",
                   9: "autumn", 10: "autumn", 11: "autumn", 12: "winter", 1: "winter", 2: "winter"}  # fmt: skip


@dataclass
class CategoryRow:
    category: str
    label: str
    registered: int = 0
    resolved: int = 0
    mean_days: float | None = None
    by_season: dict[str, int] = field(default_factory=dict)

    @property
    def resolution_rate(self) -> float | None:
        return self.resolved / self.registered if self.registered else None


@dataclass
class DisputeFigures:
    since: date
    until: date  # exclusive
    registered: int
    accepted: int
    resolved: int
    resolved_at_village: int
    closed: int
    key_cases: int
    escalated: int
    obligations_performed: int
    obligations_breached: int
    follow_ups: int
    mean_satisfaction: float | None
    satisfied: int  # satisfaction 4 or 5
    mean_days: float | None
    categories: list[CategoryRow]
    season_totals: dict[str, int]

    @property
    def resolution_rate(self) -> float | None:
        return self.resolved / self.accepted if self.accepted else None

    @property
    def village_share(self) -> float | None:
        return self.resolved_at_village / self.resolved if self.resolved else None

    @property
    def performance_rate(self) -> float | None:
        done = self.obligations_performed + self.obligations_breached
        return self.obligations_performed / done if done else None

    @property
    def satisfied_share(self) -> float | None:
        return self.satisfied / self.follow_ups if self.follow_ups else None


def _days(value: timedelta | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 86400, 1)
    return round(float(value) / 86_400_000_000, 1)  # some backends give microseconds


def _bounds(since: date, until: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(since, time.min, tz), datetime.combine(until, time.min, tz)


def dispute_figures(
    user: Actor, *, since: date, until: date, cases: QuerySet[Dispute] | None = None
) -> DisputeFigures:
    """Figures of the cases registered in [since, until) that the user may see."""
    start, end = _bounds(since, until)
    qs = (cases if cases is not None else disputes_visible_to(user)).filter(
        registered_at__gte=start, registered_at__lt=end
    )
    to_resolution = ExpressionWrapper(F("resolved_at") - F("registered_at"), output_field=DurationField())
    totals = qs.aggregate(
        registered=Count("pk"),
        accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        village=Count("pk", filter=Q(resolved_tier=Tier.VILLAGE)),
        closed=Count("pk", filter=Q(status=Dispute.Status.CLOSED)),
        key=Count("pk", filter=Q(key_case=True)),
        escalated=Count("pk", filter=Q(escalations__gt=0)),
        mean=Avg(to_resolution, filter=Q(resolved_at__isnull=False)),
    )
    rows = {c.value: CategoryRow(c.value, str(c.label)) for c in Category}
    for row in qs.values("category").annotate(
        n=Count("pk"),
        resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        mean=Avg(to_resolution, filter=Q(resolved_at__isnull=False)),
    ):
        target = rows[row["category"]]
        target.registered, target.resolved, target.mean_days = row["n"], row["resolved"], _days(row["mean"])
    seasons = dict.fromkeys(SEASONS, 0)
    for row in (
        qs.annotate(month=ExtractMonth("registered_at")).values("category", "month").annotate(n=Count("pk"))
    ):
        season = SEASON_OF_MONTH[row["month"]]
        by_season = rows[row["category"]].by_season
        by_season[season] = by_season.get(season, 0) + row["n"]
        seasons[season] += row["n"]
    obligations = Obligation.objects.filter(agreement__dispute__in=qs.values("pk")).aggregate(
        performed=Count("pk", filter=Q(status=Obligation.Status.PERFORMED)),
        breached=Count("pk", filter=Q(status=Obligation.Status.BREACHED)),
    )
    visits = FollowUp.objects.filter(dispute__in=qs.values("pk")).aggregate(
        n=Count("pk"), mean=Avg("satisfaction"), satisfied=Count("pk", filter=Q(satisfaction__gte=4))
    )
    return DisputeFigures(
        since=since,
        until=until,
        registered=totals["registered"],
        accepted=totals["accepted"],
        resolved=totals["resolved"],
        resolved_at_village=totals["village"],
        closed=totals["closed"],
        key_cases=totals["key"],
        escalated=totals["escalated"],
        obligations_performed=obligations["performed"],
        obligations_breached=obligations["breached"],
        follow_ups=visits["n"],
        mean_satisfaction=round(visits["mean"], 2) if visits["mean"] is not None else None,
        satisfied=visits["satisfied"],
        mean_days=_days(totals["mean"]),
        categories=[r for r in rows.values() if r.registered],
        season_totals=seasons,
    )
