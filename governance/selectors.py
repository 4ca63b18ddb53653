"""Reads shared by views, the API and tasks, above all: who may see and do what.

Jurisdiction is the one place that answers it. It follows the region tree: a membership covers
the regions its agency serves (or its narrower scope) and everything below them; a direct
django-guardian grant on a region covers that region's subtree too. What a role may *do* there
is in ``ROLE_CAPABILITIES``.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field, replace
from functools import reduce
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from guardian.shortcuts import get_objects_for_user

from governance import jurisdiction_cache
from governance.actors import Actor
from governance.geo import contains
from governance.models import Agency, AuditEvent, Grid, Membership, Notification, Profile, Region
from governance.models.regions import path_ancestors
from governance.replicas import primary_reads

R = Membership.Role
_EVERY_ROLE_SEES = frozenset({"region.view", "agency.view", "alerts.intake"})
# Disputes: "view" covers every case of the area, "manage" triages, assigns and escalates them;
# "register" may open a case. A mediator sees the cases assigned to him (disputes.selectors).
_DISPUTES_ALL = frozenset({"disputes.view", "disputes.manage", "disputes.register"})
_DISPUTES_REGISTER = frozenset({"disputes.register"})
# Volunteer police: "manage" vets volunteers, publishes tasks, verifies attendance, hands over
# rewards for the teams of the area. A team leader does this for his own team (volunteers.selectors).
_VOLUNTEERS_MANAGE = frozenset({"volunteers.manage"})
# Peace index: "view" reads the scores of the area's villages (a village cadre's area is his
# village), "review" approves or returns a township's month, "manage" keeps the methodology
# versions, imports the outside data and starts recomputations.
_PEACE_VIEW = frozenset({"peace.view"})
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    R.COUNTY_ADMIN: _EVERY_ROLE_SEES
    | _DISPUTES_ALL
    | _VOLUNTEERS_MANAGE
    | {
        "region.manage",
        "agency.manage",
        "membership.manage",
        "people.view",
        "personal_data.unmask",
        "audit.view",
        "peace.view",
        "peace.manage",
    },
    R.COMMANDER: _EVERY_ROLE_SEES
    | _DISPUTES_ALL
    | _PEACE_VIEW
    | {"people.view", "personal_data.unmask", "orders.command"},
    R.OFFICER: _EVERY_ROLE_SEES
    | _DISPUTES_ALL
    | _VOLUNTEERS_MANAGE
    | {"people.view", "personal_data.unmask"},
    R.AUXILIARY: _EVERY_ROLE_SEES | _DISPUTES_REGISTER | {"disputes.view"},
    R.TOWNSHIP_OFFICIAL: _EVERY_ROLE_SEES
    | _DISPUTES_ALL
    | _VOLUNTEERS_MANAGE
    | _PEACE_VIEW
    | {"people.view", "peace.review"},
    # Village-first response: they report that the village settled an order of their villages.
    R.GRID_WORKER: _EVERY_ROLE_SEES | _DISPUTES_REGISTER | {"orders.village_report"},
    R.VILLAGE_CADRE: _EVERY_ROLE_SEES
    | _DISPUTES_REGISTER
    | _PEACE_VIEW
    | {"disputes.view", "orders.village_report"},
    R.MEDIATOR: _EVERY_ROLE_SEES | _DISPUTES_REGISTER,
    # Volunteers have no police powers and never see others' personal data unmasked.
    R.VOLUNTEER: _EVERY_ROLE_SEES,
}

# The order in which a person's roles are presented (the first is their main home section).
ROLE_PRIORITY = [
    R.COUNTY_ADMIN,
    R.COMMANDER,
    R.TOWNSHIP_OFFICIAL,
    R.OFFICER,
    R.AUXILIARY,
    R.MEDIATOR,
    R.VILLAGE_CADRE,
    R.GRID_WORKER,
    R.VOLUNTEER,
]


def _minimal(paths: set[str]) -> tuple[str, ...]:
    """Drop paths that lie under another path of the set (they add nothing to a prefix query)."""
    ordered = sorted(paths, key=len)
    kept: list[str] = []
    for p in ordered:
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return tuple(sorted(kept))


@dataclass(frozen=True)
class Jurisdiction:
    is_superuser: bool = False
    memberships: tuple[Membership, ...] = ()
    # capability -> minimal set of region paths (subtree roots) where the user holds it
    roots: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def roles(self) -> list[str]:
        held = {m.role for m in self.memberships}
        return [r for r in ROLE_PRIORITY if r in held]

    @property
    def agency_ids(self) -> frozenset[int]:
        return frozenset(m.agency_id for m in self.memberships)

    def paths(self, capability: str) -> tuple[str, ...]:
        return self.roots.get(capability, ())

    def covers(self, capability: str, path: str) -> bool:
        return self.is_superuser or any(path.startswith(p) for p in self.paths(capability))

    def region_filter(self, capability: str, prefix: str = "") -> Q | None:
        """A Q on ``<prefix>path`` for the regions where the capability holds; None means nowhere."""
        if self.is_superuser:
            return Q()
        paths = self.paths(capability)
        if not paths:
            return None
        return reduce(operator.or_, (Q(**{f"{prefix}path__startswith": p}) for p in paths))


_NOBODY = Jurisdiction()
_CACHE_ATTR = "_rongzhi_jurisdiction"


def jurisdiction_for(user: Actor) -> Jurisdiction:
    """Everything a user's memberships and direct grants cover. Cached on the user object, so a
    request asks for it once, and between requests in the shared cache until any of the rows it
    is made of changes (``governance.jurisdiction_cache``); else three queries."""
    if user is None or not user.is_authenticated or not user.is_active:
        return _NOBODY
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    stored, generation = jurisdiction_cache.load(user)
    if stored is None:
        # From the primary, even on a page that reads history from the replica: a lagging
        # replica would store a revoked role under the generation its revocation drew.
        with primary_reads():
            stored = _work_out_jurisdiction(user)
        jurisdiction_cache.store(user, generation, stored)
    # The superuser flag is the user row's own, read with the request's user.
    result = replace(stored, is_superuser=bool(getattr(user, "is_superuser", False)))
    setattr(user, _CACHE_ATTR, result)
    return result


def _work_out_jurisdiction(user: User) -> Jurisdiction:
    memberships = tuple(
        Membership.objects.filter(user_id=user.pk, active=True, agency__active=True)
        .select_related("agency__region", "scope")
        # The boundaries are no part of a jurisdiction (and would weigh on every cache read).
        .defer("agency__region__boundary", "scope__boundary")
        .prefetch_related(Prefetch("agency__served_regions", queryset=Region.objects.only("id", "path")))
    )
    by_capability: dict[str, set[str]] = {}
    for m in memberships:
        if m.scope is not None:
            paths = {m.scope.path}
        else:
            paths = {r.path for r in m.agency.served_regions.all()} or {m.agency.region.path}
        for capability in ROLE_CAPABILITIES.get(m.role, frozenset()):
            by_capability.setdefault(capability, set()).update(paths)
    granted = get_objects_for_user(
        user, "governance.view_region", klass=Region, with_superuser=False, accept_global_perms=False
    ).values_list("path", flat=True)
    for path in granted:
        by_capability.setdefault("region.view", set()).add(path)
    return Jurisdiction(
        memberships=memberships,
        roots={cap: _minimal(paths) for cap, paths in by_capability.items()},
    )


def forget_jurisdiction(user: Any) -> None:
    """Drop the cached jurisdiction (after a membership changes within one request)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def regions_visible_to(user: Actor) -> QuerySet[Region]:
    condition = jurisdiction_for(user).region_filter("region.view")
    if condition is None:
        return Region.objects.none()
    return Region.objects.filter(condition)


def regions_under(
    region: Region, *, level: int | None = None, include_self: bool = False
) -> QuerySet[Region]:
    """Every region below ``region`` in one indexed prefix query (e.g. all villages of a township)."""
    qs = Region.objects.filter(path__startswith=region.path)
    if not include_self:
        qs = qs.exclude(pk=region.pk)
    if level is not None:
        qs = qs.filter(level=level)
    return qs


def agencies_visible_to(user: Actor) -> QuerySet[Agency]:
    """Agencies seated in or serving the user's area (including county-wide agencies whose served
    region lies above it), and the agencies the user belongs to."""
    j = jurisdiction_for(user)
    if j.is_superuser:
        return Agency.objects.all()
    roots = j.paths("agency.view")
    if not roots and not j.agency_ids:
        return Agency.objects.none()
    ancestors = {a for p in roots for a in path_ancestors(p)}
    condition = Q(pk__in=j.agency_ids)
    for p in roots:
        condition |= Q(region__path__startswith=p) | Q(served_regions__path__startswith=p)
    if ancestors:
        condition |= Q(served_regions__path__in=ancestors)
    ids = Agency.objects.filter(condition).values("pk")
    return Agency.objects.filter(pk__in=ids)


def user_may(user: Actor, capability: str, target: Any = None) -> bool:
    """Whether ``user`` holds ``capability``, over ``target`` when given (a Region, an object with
    a ``region`` or ``village``, a user, or a Profile)."""
    j = jurisdiction_for(user)
    if j.is_superuser:
        return True
    if target is None:
        return bool(j.paths(capability))
    return any(j.covers(capability, path) for path in _target_paths(target))


def _target_paths(target: Any) -> list[str]:
    if isinstance(target, Region):
        return [target.path]
    if isinstance(target, Profile):
        target = target.user
    if isinstance(target, User):
        paths = []
        for m in Membership.objects.filter(user=target, active=True).select_related(
            "scope", "agency__region"
        ):
            paths.append(m.scope.path if m.scope else m.agency.region.path)
        return paths
    for attr in ("region", "village"):
        region = getattr(target, attr, None)
        if isinstance(region, Region):
            return [region.path]
    return []


def inbox_for(user: Actor, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient_id=user.pk if user else None)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def unread_count(user: Actor) -> int:
    return Notification.objects.filter(recipient_id=user.pk if user else None, read_at__isnull=True).count()


@dataclass(frozen=True)
class AreaSummary:
    region: Region
    townships: int
    villages: int
    grids: int
    population: int
    households: int


def area_summaries(user: Actor) -> list[AreaSummary]:
    """For each top region of the user's jurisdiction: how many townships, villages and grids lie
    under it and how many people live there (two aggregate queries per region)."""
    j = jurisdiction_for(user)
    paths = j.paths("region.view")
    if j.is_superuser and not paths:
        paths = tuple(Region.objects.filter(parent__isnull=True).values_list("path", flat=True))
    regions = {r.path: r for r in Region.objects.filter(path__in=paths).select_related("parent")}
    result = []
    for path in paths:
        region = regions.get(path)
        if region is None:
            continue
        by_level = {
            row["level"]: row
            for row in Region.objects.filter(path__startswith=path)
            .values("level")
            .annotate(n=Count("id"), population=Sum("population"), households=Sum("households"))
        }
        villages = by_level.get(Region.Level.VILLAGE, {})
        result.append(
            AreaSummary(
                region=region,
                townships=by_level.get(Region.Level.TOWNSHIP, {}).get("n", 0),
                villages=villages.get("n", 0),
                grids=Grid.objects.filter(village__path__startswith=path).count(),
                population=villages.get("population") or region.population,
                households=villages.get("households") or region.households,
            )
        )
    return result


def people_visible_to(user: Actor) -> QuerySet[Profile]:
    """Profiles of the people who hold a membership inside the caller's ``people.view`` area."""
    j = jurisdiction_for(user)
    if j.is_superuser:
        return Profile.objects.all()
    paths = j.paths("people.view")
    if not paths:
        return Profile.objects.none()
    condition = reduce(
        operator.or_,
        (
            Q(user__memberships__scope__path__startswith=p)
            | Q(user__memberships__scope__isnull=True, user__memberships__agency__region__path__startswith=p)
            for p in paths
        ),
    )
    ids = Membership.objects.filter(active=True).values("user_id")
    return Profile.objects.filter(condition, user_id__in=ids).distinct()


def village_at(lng: float, lat: float) -> Region | None:
    """The village whose boundary contains the point: an indexed bounding-box prefilter, then the
    exact polygon test on the few candidates."""
    candidates = Region.objects.filter(
        level=Region.Level.VILLAGE, min_lng__lte=lng, max_lng__gte=lng, min_lat__lte=lat, max_lat__gte=lat
    ).only("id", "code", "name", "path", "boundary", "urban_rural", "parent_id")
    for village in candidates:
        if village.boundary and contains(village.boundary, lng, lat):
            return village
    return None


UNMASK_VERB = "personal_data.unmask"


def personal_data_access_visible_to(user: Actor) -> QuerySet[AuditEvent]:
    """Who saw which personal data in clear: the unmask events a reviewer may read. A platform
    superuser reads them all; a holder of ``audit.view`` (the county administrator) reads those of
    the people working inside his area, whatever the record (PIPL art. 51: access is recorded and
    reviewed)."""
    j = jurisdiction_for(user)
    events = AuditEvent.objects.filter(verb=UNMASK_VERB).select_related("target_type")
    if j.is_superuser:
        return events
    paths = j.paths("audit.view")
    if not paths:
        return events.none()
    condition = reduce(
        operator.or_,
        (
            Q(scope__path__startswith=p) | Q(scope__isnull=True, agency__region__path__startswith=p)
            for p in paths
        ),
    )
    people = Membership.objects.filter(condition, active=True).values("user_id")
    return events.filter(actor_id__in=people)
