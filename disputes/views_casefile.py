"""The case file of the case page: everything about one case, read once, and what the page's
forms offer to choose from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from disputes import services
from disputes.models import (
    Agreement,
    Assignment,
    Dispute,
    MediationRoom,
    Mediator,
    Obligation,
    Party,
    Session,
)
from disputes.selectors import (
    disputes_visible_to,
    user_may_manage,
    user_may_mediate,
    user_may_unmask_parties,
)
from disputes.services.mediation import Proposal
from governance.models.regions import path_ancestors
from governance.selectors import agencies_visible_to, jurisdiction_for

S = Dispute.Status
AGENCIES_SHOWN = 500
MEDIATORS_SHOWN = 500


# --- the case file ----------------------------------------------------------------------------


@dataclass
class CaseFile:
    """Everything the page shows about one case, read once."""

    user: Any
    dispute: Dispute
    may_manage: bool
    may_mediate: bool
    may_unmask: bool

    @cached_property
    def parties(self) -> list[Party]:
        return list(self.dispute.parties.select_related("village").order_by("id"))

    @cached_property
    def assignments(self) -> list[Assignment]:
        return list(
            self.dispute.assignments.select_related(
                "mediator__user__profile", "mediator__agency", "chosen_by_party"
            ).order_by("assigned_at", "id")
        )

    @cached_property
    def live_assignments(self) -> list[Assignment]:
        return [a for a in self.assignments if a.ended_at is None]

    @cached_property
    def agreement(self) -> Agreement | None:
        return (
            Agreement.objects.filter(dispute=self.dispute)
            .select_related("drafted_by__profile")
            .prefetch_related(
                Prefetch(
                    "obligations",
                    queryset=Obligation.objects.select_related("obligor").order_by("due_date", "id"),
                )
            )
            .first()
        )

    @cached_property
    def obligations(self) -> list[Obligation]:
        return list(self.agreement.obligations.all()) if self.agreement else []

    @cached_property
    def pending_obligations(self) -> list[Obligation]:
        return [o for o in self.obligations if o.status == Obligation.Status.PENDING]

    @cached_property
    def tasks(self) -> list[Any]:
        return list(self.dispute.tasks.select_related("agency", "created_by__profile"))

    @cached_property
    def open_tasks(self) -> list[Any]:
        agencies = jurisdiction_for(self.user).agency_ids
        return [t for t in self.tasks if t.done_at is None and (self.may_mediate or t.agency_id in agencies)]

    @cached_property
    def pool(self) -> list[Mediator]:
        """Mediators who may be put on the case: the pool of the county, and those above it."""
        village = self.dispute.village
        county = self.dispute.county
        return list(
            Mediator.objects.filter(active=True)
            .filter(
                Q(region__path__startswith=county.path) | Q(region__path__in=path_ancestors(village.path))
            )
            .select_related("user__profile", "agency")
            .order_by("team", "id")[:MEDIATORS_SHOWN]
        )

    @cached_property
    def proposals(self) -> list[Proposal]:
        return services.mediators_propose(self.dispute)

    @cached_property
    def agencies(self) -> list[Any]:
        return list(agencies_visible_to(self.user).order_by("name")[:AGENCIES_SHOWN])

    @cached_property
    def rooms(self) -> list[tuple[int, str]]:
        village = self.dispute.village
        township = path_ancestors(village.path)[-1] if path_ancestors(village.path) else village.path
        rooms = MediationRoom.objects.filter(
            Q(region__path__in=[*path_ancestors(village.path), village.path])
            | Q(region__path__startswith=township)
        )
        return [(r.pk, r.name) for r in rooms]

    @property
    def session_kinds(self) -> list[str]:
        kinds: list[str] = []
        if self.dispute.status in (S.ASSIGNED, S.IN_MEDIATION):
            kinds.append(Session.Kind.MEDIATION)
        kinds.append(Session.Kind.CONSULTATION)
        return kinds

    def party(self, pk: int) -> Party:
        return next(p for p in self.parties if p.pk == pk)

    def mediator(self, pk: int | None) -> Mediator | None:
        if pk is None:
            return None
        return next((m for m in self.pool if m.pk == pk), None) or Mediator.objects.get(pk=pk)

    def agency(self, pk: int | None) -> Any:
        return next((a for a in self.agencies if a.pk == pk), None) if pk else None


def visible_case(request: HttpRequest, dispute_id: int) -> Dispute:
    return get_object_or_404(
        disputes_visible_to(request.user).select_related(
            "village__parent", "county", "owner_agency", "sector_agency", "registered_by__profile", "campaign"
        ),
        pk=dispute_id,
    )


def case_file(request: HttpRequest, dispute: Dispute) -> CaseFile:
    user = request.user
    return CaseFile(
        user=user,
        dispute=dispute,
        may_manage=user_may_manage(user, dispute),
        may_mediate=user_may_mediate(user, dispute),
        may_unmask=user_may_unmask_parties(user, dispute),
    )


def deadlines(case: CaseFile, now: datetime) -> list[tuple[str, datetime, str]]:
    """The clocks running on the case: (what, when, "passed" / "soon" / "")."""
    d = case.dispute
    clocks: list[tuple[str, datetime | None]] = []
    if d.resolved_at is None and d.is_open:
        clocks.append((_("Mediation due by (30 days)"), d.mediation_deadline))
        clocks.append((_("Time box of the tier ends"), d.tier_deadline))
    a = case.agreement
    if a is not None and a.signed_at and not a.jc_status:
        clocks.append((_("Apply jointly for judicial confirmation by"), a.jc_deadline))
    result = []
    for label, value in clocks:
        if value is None:
            continue
        state = "passed" if value <= now else "soon" if (value - now).days < 3 else ""
        result.append((label, value, state))
    return result
