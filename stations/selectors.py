"""Reads of the stations app, already filtered by who may see them."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When

from governance.actors import Actor
from governance.models import Agency, Membership, Region
from governance.models.regions import path_ancestors
from governance.selectors import jurisdiction_for, regions_under
from stations.models import Alert, ClockBreach, DispatchOrder, SlaProfile, Station

R = Membership.Role
STATION_ROLES = {R.OFFICER, R.AUXILIARY, R.COMMANDER}
# People of the grid: they report from it and answer whistles there.
GRID_ROLES = {R.GRID_WORKER, R.VILLAGE_CADRE, R.TOWNSHIP_OFFICIAL}


def stations_staffed_by(user: Actor) -> QuerySet[Station]:
    """Stations whose police agency (or a stationed agency) the user works for as station staff."""
    j = jurisdiction_for(user)
    agency_ids = {m.agency_id for m in j.memberships if m.role in STATION_ROLES}
    if not agency_ids:
        return Station.objects.none()
    ids = Station.objects.filter(
        Q(police_agency_id__in=agency_ids) | Q(stationed_agencies__in=agency_ids), active=True
    ).values("pk")
    return Station.objects.filter(pk__in=ids)


def stations_commanded_by(user: Actor) -> QuerySet[Station]:
    """Stations seated inside the area where the user is a shift commander."""
    condition = jurisdiction_for(user).region_filter("orders.command", prefix="region__")
    if condition is None:
        return Station.objects.none()
    return Station.objects.filter(condition)


def stations_of(user: Actor) -> QuerySet[Station]:
    """The stations whose dashboard and roster the user works on: staffed or commanded."""
    return (stations_staffed_by(user) | stations_commanded_by(user)).distinct()


def user_may_act_on(user: Actor, station: Station | None) -> bool:
    j = jurisdiction_for(user)
    if j.is_superuser:
        return True
    if station is None:
        return bool(j.paths("orders.command"))
    if stations_staffed_by(user).filter(pk=station.pk).exists():
        return True
    return j.covers("orders.command", station.region.path)


def orders_visible_to(user: Actor) -> QuerySet[DispatchOrder]:
    j = jurisdiction_for(user)
    base = DispatchOrder.objects.select_related("alert__village__parent", "station", "accepted_by")
    if j.is_superuser:
        return base
    condition = Q(station__in=stations_staffed_by(user))
    # The agency a non-police matter was handed to follows it to closure.
    owning = {m.agency_id for m in j.memberships if m.role != R.VOLUNTEER}
    if owning:
        condition |= Q(redirected_agency_id__in=owning)
    command = j.region_filter("orders.command", prefix="alert__village__")
    if command is not None:
        condition |= command
    return base.filter(condition)


def open_orders_for_station(station: Station) -> QuerySet[DispatchOrder]:
    """The station's open orders, oldest clock first, in one query (alert and village joined)."""
    return (
        DispatchOrder.objects.filter(station=station, status__in=DispatchOrder.OPEN)
        .select_related("alert__village", "accepted_by")
        .order_by("priority", "dispatched_at")
    )


def station_for_village(village: Region) -> Station | None:
    """The most specific active station covering the village (a village room before the township
    workstation that also covers it)."""
    paths = [*village.ancestor_paths(), village.path]
    candidates = (
        Station.objects.filter(active=True, covered_regions__path__in=paths)
        .select_related("region")
        .prefetch_related("covered_regions")
    )
    best: tuple[int, Station] | None = None
    for station in candidates:
        depth = max(len(r.path) for r in station.covered_regions.all() if r.path in paths)
        if best is None or depth > best[0]:
            best = (depth, station)
    return best[1] if best else None


def sla_profile_for(village: Region, priority: int) -> SlaProfile | None:
    """The county's profile for this priority, else the platform default."""
    county_path = village.ancestor_paths()[2] if len(village.ancestor_paths()) > 2 else None
    profiles = SlaProfile.objects.filter(priority=priority).select_related("county")
    chosen = None
    for profile in profiles:
        if profile.county is None and chosen is None:
            chosen = profile
        elif profile.county is not None and profile.county.path == county_path:
            return profile
    return chosen


def commanders_for(station: Station | None, village: Region) -> list[Membership]:
    """Active shift commanders whose area covers the village."""
    paths = [*village.ancestor_paths(), village.path]
    return list(
        Membership.objects.filter(
            Q(scope__path__in=paths) | Q(scope__isnull=True, agency__served_regions__path__in=paths),
            role=R.COMMANDER,
            active=True,
        )
        .select_related("user")
        .distinct()
    )


# Who answers for a village first: its cadres and grid workers (village-first response).
VILLAGE_ROLES = {R.VILLAGE_CADRE, R.GRID_WORKER}


def village_responders(village: Region) -> list[Membership]:
    """The active cadres and grid workers of the village itself (not of the township above)."""
    return list(
        Membership.objects.filter(
            Q(scope__path=village.path)
            | Q(scope__isnull=True, agency__served_regions__path=village.path)
            # An agency that names no served regions serves its own (as in the jurisdiction).
            | Q(scope__isnull=True, agency__served_regions__isnull=True, agency__region__path=village.path),
            role__in=VILLAGE_ROLES,
            active=True,
            agency__active=True,
        )
        .select_related("user")
        .distinct()
    )


def orders_for_village_reporters(user: Actor) -> QuerySet[DispatchOrder]:
    """The orders of the villages where ``user`` reports for the village (cadres, grid workers),
    of the kinds a village may settle itself (``Alert.village_may_settle``): those still open and
    those the village reported on, never the village's whole history of calls."""
    condition = jurisdiction_for(user).region_filter("orders.village_report", prefix="alert__village__")
    if condition is None:
        return DispatchOrder.objects.none()
    return DispatchOrder.objects.select_related("alert__village__parent", "station").filter(
        condition,
        Alert.VILLAGE_MAY_SETTLE_Q,
        Q(status__in=DispatchOrder.OPEN) | Q(village_reported_at__isnull=False),
        alert__duplicate_of__isnull=True,
    )


def orders_settled_by_village(
    *, villages: QuerySet[Region], since: datetime, until: datetime
) -> QuerySet[DispatchOrder]:
    """Orders the village settled before the police came, confirmed by the station's call-back
    within [since, until): for the peace index's bonus (verified early village-level resolution)."""
    return DispatchOrder.objects.filter(
        alert__village__in=villages,
        status=DispatchOrder.Status.VILLAGE_SETTLED,
        village_settled_at__gte=since,
        village_settled_at__lt=until,
    )


def village_settled_counts(*, villages: QuerySet[Region], since: datetime, until: datetime) -> dict[int, int]:
    """village id -> orders settled by the village in the window (one query)."""
    return dict(
        orders_settled_by_village(villages=villages, since=since, until=until)
        .values("alert__village_id")
        .annotate(n=Count("pk"))
        .values_list("alert__village_id", "n")
        .order_by()
    )


# --- The commander board ---------------------------------------------------------------------

# Who sees the "four full coverages" report: the people who answer for a whole area.
COVERAGE_ROLES = {R.COUNTY_ADMIN, R.COMMANDER, R.TOWNSHIP_OFFICIAL}


def _board_condition(user: Actor) -> Q | None:
    """Where the user sees open orders on the commander board: where they command, and (read
    only) where they administer the county. None: no board at all."""
    j = jurisdiction_for(user)
    if j.is_superuser:
        return Q()
    # region.manage is held by county administrators only (ROLE_CAPABILITIES).
    conditions = [
        c
        for c in (
            j.region_filter("orders.command", prefix="alert__village__"),
            j.region_filter("region.manage", prefix="alert__village__"),
        )
        if c is not None
    ]
    return reduce(operator.or_, conditions) if conditions else None


def user_may_view_board(user: Actor) -> bool:
    return _board_condition(user) is not None


def user_may_view_coverage(user: Actor) -> bool:
    j = jurisdiction_for(user)
    return j.is_superuser or bool(COVERAGE_ROLES & set(j.roles))


def commands_over(user: Actor, station: Station | None, village: Region) -> bool:
    """Whether the user is a shift commander where an order sits: over its station's seat, or
    over its village while no station has it. No query once the jurisdiction is loaded, so a
    board can ask it for every row."""
    path = station.region.path if station is not None else village.path
    return jurisdiction_for(user).covers("orders.command", path)


def board_orders_for(user: Actor) -> QuerySet[DispatchOrder]:
    """Every open order of the user's area, in the order a commander deals with them: orders
    whose clock has passed (the longest overdue first), then orders no station has, then by
    priority and dispatch time. Two queries, however many orders (the breaches prefetched)."""
    condition = _board_condition(user)
    if condition is None:
        return DispatchOrder.objects.none()
    first_breach_due = (
        ClockBreach.objects.filter(order=OuterRef("pk")).order_by("due_at").values("due_at")[:1]
    )
    return (
        DispatchOrder.objects.filter(condition, status__in=DispatchOrder.OPEN)
        .select_related("alert__village__parent", "station__region", "accepted_by__profile")
        .prefetch_related("breaches")
        .annotate(
            first_breach_due=Subquery(first_breach_due),
            routed=Case(When(station__isnull=True, then=Value(0)), default=Value(1)),
        )
        .order_by(F("first_breach_due").asc(nulls_last=True), "routed", "priority", "dispatched_at", "pk")
    )


def villages_covered_by(station: Station) -> QuerySet[Region]:
    """The villages under the regions the station covers (a covered village counts itself)."""
    covered = list(station.covered_regions.all())
    if not covered:
        return Region.objects.none()
    villages = reduce(
        operator.or_,
        (regions_under(r, level=Region.Level.VILLAGE, include_self=True) for r in covered),
    )
    return villages.order_by("code")


# --- Four full coverages ---------------------------------------------------------------------


@dataclass(frozen=True)
class RegionCoverage:
    region: Region
    stations: tuple[str, ...]  # names of the active stations covering the region

    @property
    def covered(self) -> bool:
        return bool(self.stations)


@dataclass(frozen=True)
class TownshipCoverage(RegionCoverage):
    villages: tuple[RegionCoverage, ...] = ()

    @property
    def villages_covered(self) -> int:
        return sum(1 for v in self.villages if v.covered)


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


@dataclass(frozen=True)
class Coverage:
    townships: tuple[TownshipCoverage, ...]

    @property
    def townships_covered(self) -> int:
        return sum(1 for t in self.townships if t.covered)

    @property
    def townships_percent(self) -> float:
        return _percent(self.townships_covered, len(self.townships))

    @property
    def villages_total(self) -> int:
        return sum(len(t.villages) for t in self.townships)

    @property
    def villages_covered(self) -> int:
        return sum(t.villages_covered for t in self.townships)

    @property
    def villages_percent(self) -> float:
        return _percent(self.villages_covered, self.villages_total)


def coverage_for(user: Actor) -> Coverage:
    """Each township and village of the user's area, and which active stations cover it (a
    station covers a region when one of its covered regions is the region or an ancestor).
    Two queries, whatever the number of villages."""
    j = jurisdiction_for(user)
    roots = j.paths("region.view")
    L = Region.Level
    if roots:
        # A user whose area is a village still sees it under its township.
        above = {a for p in roots for a in path_ancestors(p)}
        area = reduce(operator.or_, (Q(path__startswith=p) for p in roots)) | Q(path__in=above)
    elif j.is_superuser:
        area = Q()
    else:
        return Coverage(townships=())
    regions = Region.objects.filter(area, level__in=[L.TOWNSHIP, L.VILLAGE]).only(
        "id", "code", "name", "path", "level", "parent_id"
    )
    # The covered regions of active stations, in or above the area: one query. (One filter()
    # call, so the station named is the active one that matched.)
    covering: dict[str, list[str]] = {}
    for path, name in (
        Region.objects.filter(area, stations__active=True)
        .order_by("stations__name")
        .values_list("path", "stations__name")
    ):
        covering.setdefault(path, []).append(name)

    def stations_over(region: Region) -> tuple[str, ...]:
        names = [n for p in [*region.ancestor_paths(), region.path] for n in covering.get(p, [])]
        return tuple(dict.fromkeys(names))

    townships: dict[int, Region] = {}
    villages: dict[int, list[RegionCoverage]] = {}
    for region in regions.order_by("code"):
        if region.level == L.TOWNSHIP:
            townships[region.pk] = region
        elif region.parent_id is not None:
            villages.setdefault(region.parent_id, []).append(RegionCoverage(region, stations_over(region)))
    return Coverage(
        townships=tuple(
            TownshipCoverage(t, stations_over(t), villages=tuple(villages.get(pk, [])))
            for pk, t in townships.items()
        )
    )


def redirect_agencies_for(village: Region) -> list[Agency]:
    """Non-police agencies that take matters of this village (serving it or a region above it)."""
    paths = [*village.ancestor_paths(), village.path]
    return list(
        Agency.objects.filter(active=True, served_regions__path__in=paths)
        .exclude(kind__in=Agency.POLICE_KINDS)
        .distinct()
        .order_by("kind", "name")
    )


# The alerts the peace index counts (harm, not reporting): a dispute that turned into a public-order
# or criminal matter, and repeat calls about a dispute (the repeat count is set at intake).
ESCALATED_DISPUTE = Q(
    category__in=[Alert.Category.CRIMINAL, Alert.Category.PUBLIC_ORDER], dispute_id__isnull=False
)
REPEAT_DISPUTE_CALL = Q(category=Alert.Category.DISPUTE, repeat_count__gt=0)
HARM_ALERTS = ESCALATED_DISPUTE | REPEAT_DISPUTE_CALL


def alert_harm_counts(
    *,
    villages: QuerySet[Region],
    since: datetime,
    until: datetime,
    replaced_alert_ids: QuerySet | None = None,
) -> dict[int, tuple[int, int]]:
    """Per village, for the peace index (DESIGN.md section 7), the alerts received in [since,
    until) that show harm rather than reporting: (disputes that turned into a public-order or
    criminal matter, repeat calls about the same dispute). Duplicates, the raw call volume and
    alerts that a criminal case replaced (``replaced_alert_ids``) are not counted. One aggregate."""
    qs = Alert.objects.filter(
        village__in=villages, received_at__gte=since, received_at__lt=until, duplicate_of__isnull=True
    ).filter(HARM_ALERTS)
    if replaced_alert_ids is not None:
        qs = qs.exclude(pk__in=replaced_alert_ids)
    rows = qs.values("village_id").annotate(
        escalated=Count("id", filter=ESCALATED_DISPUTE), repeats=Count("id", filter=REPEAT_DISPUTE_CALL)
    )
    return {r["village_id"]: (r["escalated"], r["repeats"]) for r in rows}


def villages_with_alerts_since(since: datetime) -> set[int]:
    """The villages that received alerts since ``since`` (the peace index's sweep for new events)."""
    return set(Alert.objects.filter(received_at__gte=since).values_list("village_id", flat=True).distinct())
