"""Reads of the whistle and report-in, already filtered by who may see them."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from governance.actors import Actor
from governance.models import Agency, Membership, Region
from governance.selectors import jurisdiction_for
from stations.models import Summons, SummonsTarget
from stations.selectors import stations_staffed_by


def summons_answering_agency_ids(user: Actor) -> set[int]:
    """Agencies the user may answer a summons for: any membership but a volunteer's."""
    return {m.agency_id for m in jurisdiction_for(user).memberships if m.role != Membership.Role.VOLUNTEER}


def targets_answerable_by(user: Actor) -> QuerySet[SummonsTarget]:
    """Targets of the whistles the user may see that call one of his own agencies: those he may
    check in and record the handling for (on his grid page or on the whistle's page)."""
    return SummonsTarget.objects.filter(
        summons__in=summonses_visible_to(user).values("pk"),
        agency_id__in=summons_answering_agency_ids(user),
    ).select_related("summons__village", "summons__whistler_agency", "agency")


def summonses_visible_to(user: Actor) -> QuerySet[Summons]:
    """Summonses the user whistled, those calling one of his agencies, those on orders of the
    stations he staffs, and those in villages where he is a shift commander; with their targets
    (two queries whatever the number of rows)."""
    j = jurisdiction_for(user)
    base = Summons.objects.select_related(
        "village", "whistler", "whistler_agency", "verified_by"
    ).prefetch_related(
        Prefetch(
            "targets",
            queryset=SummonsTarget.objects.select_related("agency", "checked_in_by", "handled_by").order_by(
                "id"
            ),
        )
    )
    if j.is_superuser:
        return base
    if user is None or not user.is_authenticated:
        return base.none()
    condition = Q(whistler_id=user.pk)
    agency_ids = summons_answering_agency_ids(user)
    if agency_ids:
        condition |= Q(targets__agency_id__in=agency_ids)
    condition |= Q(order__station__in=stations_staffed_by(user))
    command = j.region_filter("orders.command", prefix="village__")
    if command is not None:
        condition |= command
    # The join on targets may repeat a summons; select the ids first so the page stays distinct.
    return base.filter(pk__in=Summons.objects.filter(condition).values("pk"))


def summonable_agencies(village: Region, *, besides: int | None = None) -> list[Agency]:
    """Active agencies serving the village (the ones a whistle may summon there), the whistler's
    own agency (``besides``) left out; in the order of their names."""
    agencies = (
        Agency.objects.filter(active=True)
        .exclude(pk=besides or 0)
        .select_related("region")
        .prefetch_related("served_regions")
        .order_by("name")
    )
    out = []
    for agency in agencies:
        paths = [r.path for r in agency.served_regions.all()] or [agency.region.path]
        if any(village.path.startswith(p) for p in paths):
            out.append(agency)
    return out
