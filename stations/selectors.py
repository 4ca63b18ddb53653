"""Reads of the stations app, already filtered by who may see them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from governance.actors import Actor
from governance.models import Membership, Region
from governance.selectors import jurisdiction_for
from stations.models import DispatchOrder, SlaProfile, Station

R = Membership.Role
STATION_ROLES = {R.OFFICER, R.AUXILIARY, R.COMMANDER}


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
