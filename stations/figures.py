"""Monthly figures per station and per county: alerts by channel and category, the on-time rate
of each 1310 clock, disputes handled jointly, repeat calls, joint operations, whistles and the
report-in rate.

Set-based: three aggregate queries (alerts, clocks, whistles), each grouped by station, plus one
for the stations that make the rows, however many alerts the month holds. The county total is
the sum of the groups, so it needs no query of its own.

A month is a calendar month in the current time zone (Asia/Shanghai): 1 October 00:00 local
time is 30 September 16:00 UTC, and an alert received at that moment is October's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from governance.models import Region
from governance.months import add_months
from stations.models import Alert, ClockBreach, DispatchOrder, Station, Summons

CLOCKS = tuple(ClockBreach.Clock.values)  # accept, contact, on_scene
_DUE = {"accept": "accept_due", "contact": "contact_due", "on_scene": "on_scene_due"}
_DONE = {"accept": "accepted_at", "contact": "contacted_at", "on_scene": "on_scene_at"}


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first instant of the month and of the next one, in the current time zone."""
    tz = timezone.get_current_timezone()
    first = month.replace(day=1)
    following = add_months(first, 1)
    return (
        timezone.make_aware(datetime(first.year, first.month, 1), tz),
        timezone.make_aware(datetime(following.year, following.month, 1), tz),
    )


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class ClockFigures:
    """One clock over the month's P1/P2 orders. A clock counts as due once it has stopped (the
    step was taken) or has been breached; a clock still running at the end of the month, or on
    an order that left by another way (redirected, invalid) before it ran out, was never put to
    the test and counts for neither side."""

    due: int = 0
    breached: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return 1 - self.breached / self.due if self.due else None

    def __add__(self, other: ClockFigures) -> ClockFigures:
        return ClockFigures(self.due + other.due, self.breached + other.breached)


def _zeros(keys: Iterable[str]) -> dict[str, int]:
    return dict.fromkeys(keys, 0)


@dataclass(frozen=True)
class Figures:
    """The figures of one station (or of everything else, or of the total) for one month.
    Merged duplicates (a second call about the same event) are counted apart and left out of
    every other alert figure: the event is one alert."""

    alerts: int = 0
    by_channel: dict[str, int] = field(default_factory=lambda: _zeros(Alert.Channel.values))
    by_category: dict[str, int] = field(default_factory=lambda: _zeros(Alert.Category.values))
    clocks: dict[str, ClockFigures] = field(default_factory=lambda: {c: ClockFigures() for c in CLOCKS})
    disputes: int = 0
    # Dispute alerts whose order called in other agencies (a whistle) or was handed over to
    # joint mediation (transferred to a dispute case).
    disputes_joint: int = 0
    repeat_alerts: int = 0  # alerts with an earlier related alert in 30 days
    merged_duplicates: int = 0
    red_risk: int = 0
    # Alerts of the month (any category) whose order was transferred to a dispute case, i.e.
    # handed to joint mediation by the station and the mediators.
    joint_mediations: int = 0
    # Alerts of the month whose order the village settled before the police came (confirmed by
    # the station's call-back): village-first response.
    settled_by_village: int = 0
    whistles: int = 0  # summonses blown in the month
    summoned: int = 0  # agencies named by those whistles (one per whistle and agency)
    checked_in_on_time: int = 0
    late_check_ins: int = 0  # checked in after the deadline, or flagged for not checking in

    @property
    def dispute_joint_percent(self) -> float | None:
        return round(100 * self.disputes_joint / self.disputes, 1) if self.disputes else None

    @property
    def repeat_rate(self) -> float | None:
        return _rate(self.repeat_alerts, self.alerts)

    @property
    def report_in_rate(self) -> float | None:
        return _rate(self.checked_in_on_time, self.summoned)

    @property
    def joint_operations(self) -> int:
        """Joint law enforcement and joint mediation events of the month: each whistle (agencies
        called to act together on the spot) plus each order handed to joint mediation. A dispute
        that was both whistled and transferred counts twice: they are two operations."""
        return self.whistles + self.joint_mediations

    @property
    def is_empty(self) -> bool:
        return not (self.alerts or self.merged_duplicates or self.whistles) and not any(
            c.due for c in self.clocks.values()
        )

    def __add__(self, other: Figures) -> Figures:
        summed: dict[str, object] = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, dict):
                summed[f.name] = {k: mine[k] + theirs[k] for k in mine}
            else:
                summed[f.name] = mine + theirs
        return replace(self, **summed)  # type: ignore[arg-type]


@dataclass(frozen=True)
class StationFigures:
    station: Station
    figures: Figures


@dataclass(frozen=True)
class MonthlyFigures:
    month: date  # the first day of the month
    start: datetime
    end: datetime
    area: Region | None
    rows: list[StationFigures]
    # Alerts of the area that no station of the rows took (no station covers the village, or it
    # went to a station seated outside the area); None when there are none.
    other: Figures | None
    total: Figures


def _scope(
    *, stations: QuerySet[Station] | None, villages_under: Region | None, village: str, station: str
) -> Q:
    """Where the counted rows lie: the area's villages when an area is given (so alerts no
    station took are counted too), else the given stations' orders."""
    if villages_under is not None:
        return Q(**{f"{village}__path__startswith": villages_under.path})
    if stations is not None:
        return Q(**{f"{station}__in": stations})
    return Q()


def monthly_figures(
    *,
    stations: QuerySet[Station] | None,
    villages_under: Region | None,
    month: date,
) -> MonthlyFigures:
    """The figures of ``month`` for each station of ``stations`` and in total.

    - ``villages_under`` given: every alert of the villages under that region is counted; the
      rows are ``stations`` (default: the stations seated in the region) and whatever no row
      took is in ``other``.
    - only ``stations`` given: the orders of these stations; the total is the sum of the rows.
    - neither: the whole platform, a row per station.

    Four queries whatever the number of alerts, orders and whistles.
    """
    start, end = month_bounds(month)

    def scope(village: str, station: str) -> Q:
        return _scope(stations=stations, villages_under=villages_under, village=village, station=station)

    groups: dict[int | None, dict[str, object]] = {}

    def group(station_id: int | None) -> dict[str, object]:
        return groups.setdefault(station_id, {})

    # 1. Alerts received in the month, by the station their order went to.
    original = Q(duplicate_of__isnull=True)
    whistled = Exists(Summons.objects.filter(order_id=OuterRef("order__pk")))
    to_dispute = Q(order__transferred_to="dispute")
    counts = {
        "alerts": Count("pk", filter=original),
        "disputes": Count("pk", filter=original & Q(category=Alert.Category.DISPUTE)),
        "disputes_joint": Count(
            "pk", filter=original & Q(category=Alert.Category.DISPUTE) & (Q(whistled) | to_dispute)
        ),
        "repeat_alerts": Count("pk", filter=original & Q(repeat_count__gt=0)),
        "merged_duplicates": Count("pk", filter=Q(duplicate_of__isnull=False)),
        "red_risk": Count("pk", filter=original & Q(risk_level=Alert.Risk.RED)),
        "joint_mediations": Count("pk", filter=original & to_dispute),
        "settled_by_village": Count(
            "pk", filter=original & Q(order__status=DispatchOrder.Status.VILLAGE_SETTLED)
        ),
    }
    by_channel = {f"channel_{c}": Count("pk", filter=original & Q(channel=c)) for c in Alert.Channel.values}
    by_category = {
        f"category_{c}": Count("pk", filter=original & Q(category=c)) for c in Alert.Category.values
    }
    for row in (
        Alert.objects.filter(scope("village", "order__station"), received_at__gte=start, received_at__lt=end)
        .values("order__station")
        .annotate(**counts, **by_channel, **by_category)
        .order_by()
    ):
        g = group(row["order__station"])
        for key in counts:
            g[key] = row[key]
        g["by_channel"] = {c: row[f"channel_{c}"] for c in Alert.Channel.values}
        g["by_category"] = {c: row[f"category_{c}"] for c in Alert.Category.values}

    # 2. The 1310 clocks of the P1/P2 orders dispatched in the month. Joining the breaches may
    # repeat an order once per breached clock, hence the distinct counts of orders.
    clock_counts: dict[str, Count] = {}
    for clock in CLOCKS:
        due = Q(**{f"{_DUE[clock]}__isnull": False}) & (
            Q(**{f"{_DONE[clock]}__isnull": False}) | Q(breaches__clock=clock)
        )
        clock_counts[f"{clock}_due"] = Count("pk", filter=due, distinct=True)
        clock_counts[f"{clock}_breached"] = Count("breaches", filter=Q(breaches__clock=clock))
    for row in (
        DispatchOrder.objects.filter(
            scope("alert__village", "station"),
            dispatched_at__gte=start,
            dispatched_at__lt=end,
            priority__lte=2,
            alert__duplicate_of__isnull=True,
        )
        .values("station")
        .annotate(**clock_counts)
        .order_by()
    ):
        group(row["station"])["clocks"] = {
            c: ClockFigures(due=row[f"{c}_due"], breached=row[f"{c}_breached"]) for c in CLOCKS
        }

    # 3. Whistles blown in the month and how the agencies they named reported in. A whistle from
    # the grid has no order, hence no station: it counts for the area, not for a station row.
    on_time = Q(targets__checked_in_at__isnull=False, targets__check_in_late=False)
    for row in (
        Summons.objects.filter(scope("village", "order__station"), created_at__gte=start, created_at__lt=end)
        .values("order__station")
        .annotate(
            whistles=Count("pk", distinct=True),
            summoned=Count("targets"),
            checked_in_on_time=Count("targets", filter=on_time),
            late_check_ins=Count("targets", filter=Q(targets__check_in_late=True)),
        )
        .order_by()
    ):
        g = group(row["order__station"])
        for key in ("whistles", "summoned", "checked_in_on_time", "late_check_ins"):
            g[key] = row[key]

    # 4. The rows.
    if stations is None:
        stations = (
            Station.objects.filter(region__path__startswith=villages_under.path)
            if villages_under is not None
            else Station.objects.all()
        )
    figures = {pk: Figures(**values) for pk, values in groups.items()}  # type: ignore[arg-type]
    rows = [
        StationFigures(station, figures.pop(station.pk, Figures()))
        for station in stations.order_by("name")
        # An inactive station keeps its row only while it has figures.
        if station.active or station.pk in figures
    ]
    other = sum(figures.values(), Figures()) if figures else None
    total = sum((r.figures for r in rows), other or Figures())
    return MonthlyFigures(
        month=month.replace(day=1),
        start=start,
        end=end,
        area=villages_under,
        rows=rows,
        other=other,
        total=total,
    )
