"""Reads of the disputes app, already filtered by who may see them; the one place that says who
may see, manage and mediate a case."""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP

from disputes.models import (
    Assignment,
    Dispute,
    FollowUp,
    Mediator,
    Obligation,
    Party,
    ScreeningAssignment,
    ScreeningCampaign,
    Tier,
    TierPolicy,
)
from governance.actors import Actor
from governance.models import Membership, Region
from governance.models.regions import path_ancestors
from governance.pii import validate_mobile, validate_resident_id
from governance.selectors import jurisdiction_for

R = Membership.Role
# Without a configured policy: a week at the village, two at the township, the rest of the
# 30 days at the county (the tiers share the 30 days of People's Mediation practice).
DEFAULT_TIME_BOX_DAYS = {Tier.VILLAGE: 7, Tier.TOWNSHIP: 14, Tier.COUNTY: 30, Tier.SECTOR: 30}
DEFAULT_MEDIATORS = {Tier.VILLAGE: 1, Tier.TOWNSHIP: 2, Tier.COUNTY: 3, Tier.SECTOR: 2}


# Seeing, managing or registering disputes somewhere; a mediator holds "register" through his
# committee. Volunteers hold none of them.
DISPUTE_CAPABILITIES = ("disputes.view", "disputes.manage", "disputes.register")


def user_works_disputes(user: Actor) -> bool:
    """Whether the disputes pages are for this user at all (no query once the jurisdiction of the
    request is loaded)."""
    if user is None or not user.is_authenticated:
        return False
    j = jurisdiction_for(user)
    return j.is_superuser or any(j.paths(c) for c in DISPUTE_CAPABILITIES)


def mediator_of(user: Actor) -> Mediator | None:
    if user is None or not user.is_authenticated:
        return None
    return Mediator.objects.filter(user_id=user.pk, active=True).first()


@dataclass(frozen=True)
class VillageChoice:
    """A village as the forms offer it."""

    code: str
    name: str
    township_code: str
    township_name: str

    @property
    def label(self) -> str:
        return f"{self.township_name} {self.name}".strip()


# A select of more villages than this is no help; the search box finds the others.
VILLAGES_SHOWN = 2000


def villages_for(user: Actor, capabilities: Iterable[str]) -> list[VillageChoice]:
    """The villages where the user holds one of ``capabilities``, with their townships: plain
    values for the forms' choices (building 300 regions per page cost a county's ledger 7 ms)."""
    j = jurisdiction_for(user)
    qs = Region.objects.filter(level=Region.Level.VILLAGE)
    if not j.is_superuser:
        conditions = [c for c in (j.region_filter(cap) for cap in capabilities) if c is not None]
        if not conditions:
            return []
        qs = qs.filter(reduce(operator.or_, conditions))
    rows = qs.order_by("code").values_list("code", "name", "parent__code", "parent__name")[:VILLAGES_SHOWN]
    return [
        VillageChoice(code, name, town_code or "", town_name or "")
        for code, name, town_code, town_name in rows
    ]


def _visibility(user: Actor) -> Q | None:
    """The condition on Dispute for what ``user`` may see; None: nothing."""
    j = jurisdiction_for(user)
    if j.is_superuser:
        return Q()
    if user is None or not user.is_authenticated:
        # Not "mediator user IS NULL": across the join that would match every unassigned case.
        return None
    conditions = Q(assignments__mediator__user_id=user.pk, assignments__ended_at__isnull=True)
    area = j.region_filter("disputes.view")
    if area is not None:
        # The villages of the area as an id subquery, hashed once: tested on every case through
        # the join to the village, the path pattern cost the ledger's count 20 ms at a county's
        # size (bench/suite.py).
        conditions |= Q(village_id__in=Region.objects.filter(area).values("pk"))
    # Volunteers have no police powers (DESIGN.md section 8): their membership of a station does
    # not open the station's cases to them.
    agency_ids = {m.agency_id for m in j.memberships if m.role != R.VOLUNTEER}
    if agency_ids:
        # Agencies working the case jointly, and the sector authority it was escalated to.
        conditions |= (
            Q(agencies__in=agency_ids)
            | Q(sector_agency_id__in=agency_ids)
            | Q(owner_agency_id__in=agency_ids)
        )
    # Whoever registered a case (a grid worker from the phone) follows it while a role of his
    # still lets him register there: when his last role ends, so does his sight of the case
    # (a revoked role never opens a page).
    registrar_area = j.region_filter("disputes.register")
    if registrar_area is not None:
        conditions |= Q(
            registered_by_id=user.pk, village_id__in=Region.objects.filter(registrar_area).values("pk")
        )
    return conditions


def disputes_visible_to(user: Actor) -> QuerySet[Dispute]:
    condition = _visibility(user)
    if condition is None:
        return Dispute.objects.none()
    if not condition:
        return Dispute.objects.all()
    # Joins over assignments and agencies multiply rows; an id subquery keeps the list simple
    # for the ledger's ordering and pagination.
    return Dispute.objects.filter(pk__in=Dispute.objects.filter(condition).values("pk"))


def user_may_view(user: Actor, dispute: Dispute) -> bool:
    return disputes_visible_to(user).filter(pk=dispute.pk).exists()


def user_may_manage(user: Actor, dispute: Dispute) -> bool:
    """Triage, accept, assign mediators, escalate, terminate: station, township and county staff
    over the village, and the sector authority a case was escalated to."""
    j = jurisdiction_for(user)
    if j.is_superuser or j.covers("disputes.manage", dispute.village.path):
        return True
    return dispute.sector_agency_id is not None and dispute.sector_agency_id in j.agency_ids


def is_live_mediator(user: Actor, dispute: Dispute) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Assignment.objects.filter(
        dispute=dispute, mediator__user_id=user.pk, ended_at__isnull=True
    ).exists()


def user_may_mediate(user: Actor, dispute: Dispute) -> bool:
    """Record sessions, draft agreements, record performance and follow-ups: the case's mediators
    and those who manage it."""
    return is_live_mediator(user, dispute) or user_may_manage(user, dispute)


def user_may_unmask_parties(user: Actor, dispute: Dispute) -> bool:
    """Police with the unmask right over the village, and the case's own mediators (whose work
    needs the parties' contacts); always with a logged reason."""
    j = jurisdiction_for(user)
    return j.covers("personal_data.unmask", dispute.village.path) or is_live_mediator(user, dispute)


def user_may_search_parties(user: Actor) -> bool:
    """Whether the user may search cases by a party's full ID number or phone at all: an exact
    search is an unmasking (it tells whether that person is a party), so it is for those who may
    unmask parties somewhere, and finds only the cases whose parties they may unmask."""
    if user is None or not user.is_authenticated:
        return False
    j = jurisdiction_for(user)
    if j.is_superuser or j.paths("personal_data.unmask"):
        return True
    return Assignment.objects.filter(mediator__user_id=user.pk, ended_at__isnull=True).exists()


def parties_unmaskable_by(user: Actor) -> QuerySet[Party]:
    """The parties of the cases ``user`` sees whose data he may unmask (``user_may_unmask_parties``
    as a query): police with the unmask right over the village, and the case's own mediators."""
    if user is None or not user_may_search_parties(user):
        return Party.objects.none()
    j = jurisdiction_for(user)
    visible = Party.objects.filter(dispute__in=disputes_visible_to(user).values("pk"))
    if j.is_superuser:
        return visible
    condition = Q(
        dispute__assignments__mediator__user_id=user.pk, dispute__assignments__ended_at__isnull=True
    )
    area = j.region_filter("personal_data.unmask", prefix="dispute__village__")
    if area is not None:
        condition |= area
    return visible.filter(pk__in=Party.objects.filter(condition).values("pk"))


def user_may_register(user: Actor, village: Region) -> bool:
    return jurisdiction_for(user).covers("disputes.register", village.path)


def user_may_run_campaigns(user: Actor, region: Region) -> bool:
    return jurisdiction_for(user).covers("disputes.manage", region.path)


def tier_policy(county_id: int, tier: int) -> tuple[int, int]:
    """(time box in days, mediators) for a tier in a county: its own policy, else the default."""
    rows = {
        row.county_id: row
        for row in TierPolicy.objects.filter(Q(county_id=county_id) | Q(county__isnull=True), tier=tier)
    }
    row = rows.get(county_id) or rows.get(None)
    if row is not None:
        return row.time_box_days, row.mediators
    return DEFAULT_TIME_BOX_DAYS[Tier(tier)], DEFAULT_MEDIATORS[Tier(tier)]


def live_mediators(dispute: Dispute) -> QuerySet[Mediator]:
    return Mediator.objects.filter(
        assignments__dispute=dispute, assignments__ended_at__isnull=True
    ).select_related("user__profile", "agency")


def mediators_with_load() -> QuerySet[Mediator]:
    """The pool with each mediator's open cases and outcomes."""
    return Mediator.objects.select_related("user__profile", "agency", "region").annotate(
        load=Count("assignments", filter=Q(assignments__ended_at__isnull=True), distinct=True),
        resolved=Count(
            "assignments",
            filter=Q(
                assignments__dispute__status=Dispute.Status.CLOSED,
                assignments__dispute__resolved_at__isnull=False,
            ),
            distinct=True,
        ),
    )


def mediators_for(user: Actor) -> QuerySet[Any]:
    """Active mediators serving the user's area: those whose area holds it, and those inside it."""
    j = jurisdiction_for(user)
    qs = mediators_with_load().filter(active=True)
    if j.is_superuser:
        return qs
    roots = {p for cap in DISPUTE_CAPABILITIES for p in j.paths(cap)}
    if not roots:
        return qs.none()
    above = {a for p in roots for a in path_ancestors(p)} | roots
    condition = reduce(
        operator.or_, (Q(region__path__startswith=p) for p in roots), Q(region__path__in=above)
    )
    return qs.filter(condition)


def mediators_serving(village: Region) -> QuerySet[Mediator]:
    """Active mediators whose area holds the village (the village itself, its township or county)."""
    return mediators_with_load().filter(
        active=True, region__path__in=[*path_ancestors(village.path), village.path]
    )


# --- the ledger -------------------------------------------------------------------------------

LEDGER_FILTERS = (
    "status",
    "category",
    "risk",
    "tier",
    "channel",
    "key_case",
    "is_group",
    "village",
    "township",
)


@dataclass(frozen=True)
class LedgerQuery:
    q: str = ""
    status: str = ""
    category: str = ""
    risk: str = ""
    tier: str = ""
    channel: str = ""
    key_case: bool | None = None
    is_group: bool | None = None
    township: str = ""  # region code
    village: str = ""  # region code
    since: datetime | None = None
    until: datetime | None = None
    open_only: bool = False
    # Why a full ID number or phone is searched (an exact search is an unmasking).
    reason: str = ""
    # The cases an exact search by personal data found (``disputes.services.party_exact_search``,
    # which checks the right and the reason and logs it); None: no such search ran.
    party_cases: frozenset[int] | None = None


# A case number as typed into the search box (调 + year + running number: TJ20260000123).
CASE_NUMBER = re.compile(r"TJ\d+", re.IGNORECASE)


def exact_party_term(term: str) -> tuple[str, str] | None:
    """A full phone or ID number typed into the search box, as (``phone`` or ``id_number``, the
    normalised value); None for any other search."""
    for kind, normalise in (("phone", validate_mobile), ("id_number", validate_resident_id)):
        try:
            return kind, normalise(term.strip())
        except ValidationError:
            continue
    return None


def _crosses_many(condition: Q) -> bool:
    """Whether a condition on Dispute follows a multi-valued relation (assignments, agencies)."""
    for child in condition.children:
        if isinstance(child, Q):
            if _crosses_many(child):
                return True
        elif isinstance(child, tuple):  # (lookup, value)
            try:
                field = Dispute._meta.get_field(str(child[0]).split(LOOKUP_SEP)[0])
            except FieldDoesNotExist:  # "pk"
                continue
            if field.many_to_many or field.one_to_many:
                return True
    return False


def _countable(condition: Q) -> Q:
    """The visibility condition in a form that counts fast, same cases. As one OR over joins to
    the assignments and agencies, every case had to be joined to them before the OR could be
    tested: counting a county of 200,000 cases took 250 ms (bench/disputes_bench.py). Here each
    branch that crosses such a relation is an id subquery, hashed once, and the count is one scan
    of the case table (55 ms)."""
    branches = condition.children if condition.connector == Q.OR and not condition.negated else [condition]
    flat = []
    for branch in branches:
        q = branch if isinstance(branch, Q) else Q(branch)
        flat.append(Q(pk__in=Dispute.objects.filter(q).values("pk")) if _crosses_many(q) else q)
    return reduce(operator.or_, flat)


def ledger(user: Actor, query: LedgerQuery | None = None) -> QuerySet[Dispute]:
    """The register of disputes the user may see, searched and filtered. A fixed number of
    queries whatever the page size: related rows are joined, party counts annotated."""
    query = query or LedgerQuery()
    visible = _visibility(user)
    if visible is None:
        qs = Dispute.objects.none()
    else:
        qs = Dispute.objects.filter(_countable(visible)) if visible else Dispute.objects.all()
    term = query.q.strip()
    if term:
        if exact_party_term(term) is not None:
            # Never looked up here: the search service checked the right and the reason, logged
            # it and found the cases; without it a full ID number or phone matches nothing.
            qs = qs.filter(pk__in=sorted(query.party_cases or ()))
        elif CASE_NUMBER.fullmatch(term):
            qs = qs.filter(number=term.upper())
        else:
            # Case numbers are stored upper-case, so an exact match uses their unique index, and
            # the villages are looked up once rather than for every case. Chinese has no letter
            # case: UPPER() on every summary tripled the cost of the scan (bench/disputes_bench.py).
            summary = (
                Q(summary__icontains=term) if term.lower() != term.upper() else Q(summary__contains=term)
            )
            villages = Region.objects.filter(level=Region.Level.VILLAGE, name__icontains=term)
            qs = qs.filter(Q(number=term.upper()) | summary | Q(village__in=villages.values("pk")))
    exact: Mapping[str, object] = {
        "status": query.status,
        "category": query.category,
        "risk": query.risk,
        "tier": query.tier,
        "channel": query.channel,
    }
    for field, value in exact.items():
        if value:
            qs = qs.filter(**{field: value})
    if query.key_case is not None:
        qs = qs.filter(key_case=query.key_case)
    if query.is_group is not None:
        qs = qs.filter(is_group=query.is_group)
    if query.village:
        qs = qs.filter(village__code=query.village)
    elif query.township:
        qs = qs.filter(village__parent__code=query.township)
    if query.since:
        qs = qs.filter(registered_at__gte=query.since)
    if query.until:
        qs = qs.filter(registered_at__lt=query.until)
    if query.open_only:
        qs = qs.exclude(status__in=Dispute.ENDED_STATUSES)
    return qs.select_related("village__parent").order_by("-registered_at", "-id")


def timeline(dispute: Dispute) -> QuerySet:
    return dispute.events.select_related("actor__profile").order_by("at", "id")


# --- screening campaigns ----------------------------------------------------------------------


def campaigns_visible_to(user: Actor) -> QuerySet[ScreeningCampaign]:
    """Campaigns over, in or above the area where the user manages disputes, and those that gave
    him a village to visit."""
    j = jurisdiction_for(user)
    if j.is_superuser:
        return ScreeningCampaign.objects.all()
    if user is None or not user.is_authenticated:
        # Not "worker IS NULL": across the join that would match every campaign without villages.
        return ScreeningCampaign.objects.none()
    roots = j.paths("disputes.manage")
    condition = Q(assignments__worker_id=user.pk)
    if roots:
        condition |= Q(region__path__in={a for p in roots for a in path_ancestors(p)})
        for p in roots:
            condition |= Q(region__path__startswith=p)
    return ScreeningCampaign.objects.filter(pk__in=ScreeningCampaign.objects.filter(condition).values("pk"))


def assignments_visible_to(user: Actor) -> QuerySet[ScreeningAssignment]:
    """The villages given to the user, and those in the area where he manages disputes."""
    j = jurisdiction_for(user)
    qs = ScreeningAssignment.objects.select_related("village", "worker").annotate(visit_count=Count("visits"))
    if j.is_superuser:
        return qs
    if user is None or not user.is_authenticated:
        return qs.none()
    condition = Q(worker_id=user.pk)
    area = j.region_filter("disputes.manage", prefix="village__")
    if area is not None:
        condition |= area
    return qs.filter(condition)


# --- Inputs of the peace index (DESIGN.md section 7), one aggregate per table whatever the number
# of villages. A village never loses points for disputes being reported: what counts is where and
# how they ended.


def early_village_resolutions(
    *, villages: QuerySet[Region], since: datetime, until: datetime, early_days: int
) -> QuerySet[Dispute]:
    """Cases resolved at village level within ``early_days`` of registration, in [since, until),
    that a follow-up visit confirmed did not recur: the peace index's bonus."""
    return Dispute.objects.filter(
        village__in=villages,
        resolved_tier=Tier.VILLAGE,
        resolved_at__gte=since,
        resolved_at__lt=until,
        resolved_at__lte=F("registered_at") + timedelta(days=early_days),
    ).filter(Exists(FollowUp.objects.filter(dispute_id=OuterRef("pk"), recurred=False)))


def dispute_index_counts(
    *, villages: QuerySet[Region], since: datetime, until: datetime, early_days: int
) -> dict[int, dict[str, int]]:
    """Per village: ``referred_police`` (cases that became a police matter), ``resolved`` and
    ``resolved_in_village``, ``follow_ups`` and ``satisfied`` (4 or 5 of 5), ``performed`` and
    ``breached`` terms due in the window, ``early_verified`` (the bonus)."""
    out: dict[int, dict[str, int]] = {}

    def put(rows: Iterable[Mapping[str, Any]], key: str = "village_id") -> None:
        for r in rows:
            slot = out.setdefault(r[key], dict.fromkeys(DISPUTE_INDEX_KEYS, 0))
            for k, v in r.items():
                if k != key:
                    slot[k] = v

    in_window = Dispute.objects.filter(village__in=villages)
    put(
        in_window.filter(
            Q(registered_at__gte=since, registered_at__lt=until)
            | Q(resolved_at__gte=since, resolved_at__lt=until)
        )
        .values("village_id")
        .annotate(
            referred_police=Count(
                "id",
                filter=Q(
                    status=Dispute.Status.REFERRED_POLICE, registered_at__gte=since, registered_at__lt=until
                ),
            ),
            resolved=Count("id", filter=Q(resolved_at__gte=since, resolved_at__lt=until)),
            resolved_in_village=Count(
                "id", filter=Q(resolved_at__gte=since, resolved_at__lt=until, resolved_tier=Tier.VILLAGE)
            ),
        )
    )
    put(
        FollowUp.objects.filter(dispute__village__in=villages, visited_at__gte=since, visited_at__lt=until)
        .values("dispute__village_id")
        .annotate(follow_ups=Count("id"), satisfied=Count("id", filter=Q(satisfaction__gte=4))),
        key="dispute__village_id",
    )
    put(
        Obligation.objects.filter(
            agreement__dispute__village__in=villages,
            due_date__gte=since.date(),
            due_date__lt=until.date(),
            status__in=[Obligation.Status.PERFORMED, Obligation.Status.BREACHED],
        )
        .values("agreement__dispute__village_id")
        .annotate(
            performed=Count("id", filter=Q(status=Obligation.Status.PERFORMED)),
            breached=Count("id", filter=Q(status=Obligation.Status.BREACHED)),
        ),
        key="agreement__dispute__village_id",
    )
    put(
        early_village_resolutions(villages=villages, since=since, until=until, early_days=early_days)
        .values("village_id")
        .annotate(early_verified=Count("id"))
    )
    return out


DISPUTE_INDEX_KEYS = (
    "referred_police", "resolved", "resolved_in_village", "follow_ups", "satisfied", "performed", "breached",
    "early_verified",
)  # fmt: skip


def villages_with_dispute_changes_since(since: datetime) -> set[int]:
    """The villages whose cases changed since ``since`` (the peace index's sweep for new events)."""
    return set(Dispute.objects.filter(updated_at__gte=since).values_list("village_id", flat=True).distinct())
