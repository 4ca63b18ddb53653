"""Team and station figures of the volunteer police: volunteers on the roll and those who served,
hours served by task type, how full the tasks were, the no-show rate, and the points earned,
redeemed, adjusted and expired, over a chosen period, for the teams the user manages.

A fixed handful of grouped aggregate queries, whatever the number of teams, tasks and claims.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.actors import Actor
from governance.errors import ValidationFailed
from volunteers.models import Claim, PointsEntry, Task, Team, Volunteer
from volunteers.selectors import teams_managed_by

C = Claim.Status
# Claims that came to the task: they count against the no-shows.
ATTENDED = (C.CHECKED_IN, C.CHECKED_OUT, C.VERIFIED)
LONGEST_PERIOD = timedelta(days=3 * 366)


@dataclass
class Row:
    """The figures of one team (``kind`` empty), or of one task type over every team shown."""

    label: str
    team_id: int | None = None
    kind: str = ""
    on_roll: int | None = None  # active volunteers now; not split by task type
    served: int = 0  # volunteers with at least one verified attendance
    tasks: int = 0
    offered: int = 0  # places offered by the published tasks
    taken: int = 0
    attended: int = 0
    no_shows: int = 0
    minutes: int = 0  # verified
    points: dict[str, int] = field(default_factory=dict)  # ledger kind -> sum; not split by type

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def fill_rate(self) -> float | None:
        return self.taken / self.offered if self.offered else None

    @property
    def no_show_rate(self) -> float | None:
        due = self.attended + self.no_shows
        return self.no_shows / due if due else None

    @property
    def earned(self) -> int:
        return self.points.get(PointsEntry.Kind.EARN, 0)

    @property
    def redeemed(self) -> int:
        """Net of refunds: a cancelled redemption gave its points back."""
        return -(self.points.get(PointsEntry.Kind.REDEEM, 0) + self.points.get(PointsEntry.Kind.REFUND, 0))

    @property
    def adjusted(self) -> int:
        return self.points.get(PointsEntry.Kind.ADJUST, 0)

    @property
    def expired(self) -> int:
        return -self.points.get(PointsEntry.Kind.EXPIRE, 0)

    def add(self, other: Row) -> None:
        self.on_roll = (self.on_roll or 0) + (other.on_roll or 0)
        for name in ("served", "tasks", "offered", "taken", "attended", "no_shows", "minutes"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for kind, amount in other.points.items():
            self.points[kind] = self.points.get(kind, 0) + amount


@dataclass
class VolunteerFigures:
    since: date
    until: date  # inclusive
    teams: list[Row]
    total: Row
    kinds: list[Row]


def parse_period(since: str | None, until: str | None, *, today: date | None = None) -> tuple[date, date]:
    """The period of the figures (dates, both included); by default the last 90 days. Errors are
    field-level: ``since``, ``until``."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    parsed: dict[str, date] = {}
    for name, value, default in (("since", since, today - timedelta(days=89)), ("until", until, today)):
        try:
            parsed[name] = date.fromisoformat(value.strip()) if value and value.strip() else default
        except ValueError:
            errors[name] = [_("Enter a date as YYYY-MM-DD, for example 2026-10-01.")]
    if not errors:
        if parsed["since"] > parsed["until"]:
            errors["until"] = [_("The end of the period must not come before its start.")]
        elif parsed["until"] - parsed["since"] > LONGEST_PERIOD:
            errors["until"] = [_("Choose a period of at most three years.")]
    if errors:
        raise ValidationFailed(_("The period is not valid."), fields=errors)
    return parsed["since"], parsed["until"]


def volunteer_figures(teams: Iterable[Team], *, since: date, until: date) -> VolunteerFigures:
    """Figures of ``teams`` for the tasks that start within [since, until] (local dates) and the
    points entries of that period. Callers pass the teams the user manages."""
    teams = list(teams)
    ids = [t.pk for t in teams]
    tz = timezone.get_current_timezone()
    start = datetime.combine(since, time.min, tz)
    end = datetime.combine(until + timedelta(days=1), time.min, tz)
    rows = {t.pk: Row(label=t.name, team_id=t.pk, on_roll=0) for t in teams}
    kinds = {k.value: Row(label=str(k.label), kind=k.value) for k in Task.Kind}

    for r in (
        Volunteer.objects.filter(team_id__in=ids, status=Volunteer.Status.ACTIVE)
        .values("team_id")
        .annotate(n=Count("pk"))
    ):
        rows[r["team_id"]].on_roll = r["n"]

    period_tasks = Task.objects.filter(team_id__in=ids, starts_at__gte=start, starts_at__lt=end)
    for r in (
        period_tasks.filter(status=Task.Status.PUBLISHED)
        .values("team_id", "kind")
        .annotate(n=Count("pk"), offered=Sum("capacity"), taken=Sum("taken"))
    ):
        for target in (rows[r["team_id"]], kinds[r["kind"]]):
            target.tasks += r["n"]
            target.offered += r["offered"] or 0
            target.taken += r["taken"] or 0

    claims = Claim.objects.filter(task__in=period_tasks)
    verified = Q(status=C.VERIFIED)
    for r in claims.values("task__team_id", "task__kind").annotate(
        attended=Count("pk", filter=Q(status__in=ATTENDED)),
        no_shows=Count("pk", filter=Q(status=C.NO_SHOW)),
        minutes=Sum("minutes", filter=verified),
        served=Count("volunteer_id", filter=verified, distinct=True),
    ):
        # A volunteer serves his own team only, so the served of a type add up over the teams.
        kinds[r["task__kind"]].served += r["served"]
        for target in (rows[r["task__team_id"]], kinds[r["task__kind"]]):
            target.attended += r["attended"]
            target.no_shows += r["no_shows"]
            target.minutes += r["minutes"] or 0
    for r in claims.filter(verified).values("task__team_id").annotate(n=Count("volunteer_id", distinct=True)):
        rows[r["task__team_id"]].served = r["n"]

    points: dict[int, dict[str, int]] = defaultdict(dict)
    for r in (
        PointsEntry.objects.filter(volunteer__team_id__in=ids, at__gte=start, at__lt=end)
        .values("volunteer__team_id", "kind")
        .annotate(s=Sum("amount"))
    ):
        points[r["volunteer__team_id"]][r["kind"]] = r["s"] or 0
    for team_id, by_kind in points.items():
        rows[team_id].points = by_kind

    total = Row(label=_("All teams"), on_roll=0)
    for row in rows.values():
        total.add(row)
    return VolunteerFigures(
        since=since,
        until=until,
        teams=list(rows.values()),
        total=total,
        kinds=[k for k in kinds.values() if k.tasks or k.attended or k.no_shows],
    )


def figures_for(user: Actor, params: Mapping[str, Any]) -> tuple[list[Team], VolunteerFigures]:
    """The teams the user may choose from and the figures of the chosen period and team (all of
    them by default). Raises ValidationFailed with field errors for a bad period or team."""
    teams = list(teams_managed_by(user).order_by("region__code", "name"))
    since, until = parse_period(params.get("since"), params.get("until"))
    chosen = teams
    team = (params.get("team") or "").strip()
    if team:
        chosen = [t for t in teams if str(t.pk) == team]
        if not chosen:
            raise ValidationFailed(
                _("The team is not valid."), fields={"team": [_("Choose one of your teams.")]}
            )
    return teams, volunteer_figures(chosen, since=since, until=until)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def export_table(figures: VolunteerFigures) -> list[list[object]]:
    """A header, then a row per team, the total, and a row per task type (over every team)."""
    header: list[object] = [
        _("Volunteer team"), _("Task type"), _("Active volunteers"), _("Volunteers who served"), _("Tasks"),
        _("Places offered"), _("Places taken"), _("Fill rate (%)"), _("Attended"), _("No-shows"),
        _("No-show rate (%)"), _("Hours served"), _("Points earned"), _("Points redeemed"),
        _("Points adjusted"), _("Points expired"),
    ]  # fmt: skip
    table: list[list[object]] = [header]
    every = _("All types")
    for row in [*figures.teams, figures.total]:
        table.append([
            row.label, every, row.on_roll, row.served, row.tasks, row.offered, row.taken,
            _percent(row.fill_rate), row.attended, row.no_shows, _percent(row.no_show_rate), row.hours,
            row.earned, row.redeemed, row.adjusted, row.expired,
        ])  # fmt: skip
    for row in figures.kinds:
        table.append([
            figures.total.label, row.label, None, row.served, row.tasks, row.offered, row.taken,
            _percent(row.fill_rate), row.attended, row.no_shows, _percent(row.no_show_rate), row.hours,
            None, None, None, None,
        ])  # fmt: skip
    return table
