"""A case's life after registration, outside the mediation room: triage, consent and acceptance,
escalation, termination, follow-up and closure, joint tasks, and unmasking a party's data.

Every transition locks the case row, checks where it stands (a transition out of order is
refused with the reason), writes an event on the case's timeline and an audit event in the same
transaction. Repeating a request that already took effect changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import Assignment, CaseTask, Dispute, FollowUp, Party, Tier
from disputes.selectors import (
    tier_policy,
    user_may_manage,
    user_may_mediate,
    user_may_unmask_parties,
    user_may_view,
)
from disputes.services.common import locked, person, record_event, require_text
from disputes.services.registration import PERSON_TRIGGERS
from governance.actors import Actor
from governance.background import on_commit_delay
from governance.errors import InvalidTransition, PermissionDenied, ValidationFailed
from governance.models import Agency
from governance.pii import pii_decrypt
from governance.selectors import jurisdiction_for
from governance.services.people import unmask_reason, unmask_record

S = Dispute.Status
# People's Mediation practice: a mediation is concluded within 30 days unless both parties agree.
MEDIATION_DAYS = 30


# --- triage, consent, acceptance --------------------------------------------------------------


class Triage:
    ACCEPT = "accept"
    NOT_ACCEPTED = "not_accepted"
    REFER_POLICE = "refer_police"
    CHOICES = (ACCEPT, NOT_ACCEPTED, REFER_POLICE)


@transaction.atomic
def dispute_triage(
    *,
    actor: Actor,
    dispute: Dispute,
    decision: str,
    reason: str = "",
    advised_route: str = "",
    other_process: str = "",
    other_process_status: str = "",
    complexity: str = "simple",
    urgent: bool = False,
    now: datetime | None = None,
) -> Dispute:
    """Decide whether the platform mediates the case.

    Not accepted: already in court, arbitration or an administrative process (its status is
    recorded). Referred to police: likely to turn into a public-order or criminal case (People's
    Mediation Law art. 25), with the route advised. Otherwise triaged for mediation: complexity
    and urgency set the tier and how many mediators."""
    now = now or timezone.now()
    dispute = locked(dispute)
    if not user_may_manage(actor, dispute):
        raise PermissionDenied(_("You may not triage this case."))
    target = {
        Triage.ACCEPT: S.TRIAGED,
        Triage.NOT_ACCEPTED: S.NOT_ACCEPTED,
        Triage.REFER_POLICE: S.REFERRED_POLICE,
    }
    if decision in target and dispute.status == target[decision]:
        return dispute
    errors: dict[str, list[str]] = {}
    if decision not in Triage.CHOICES:
        errors["decision"] = [_("Choose accept, not accepted or refer to police.")]
    reason = require_text(errors, "reason", reason, limit=500, required=decision != Triage.ACCEPT)
    advised_route = require_text(
        errors, "advised_route", advised_route, limit=500, required=decision == Triage.REFER_POLICE
    )
    if decision == Triage.NOT_ACCEPTED:
        if other_process not in Dispute.OtherProcess.values:
            errors["other_process"] = [_("Say which process the dispute is already in.")]
        other_process_status = require_text(errors, "other_process_status", other_process_status, limit=200)
    if complexity not in ("simple", "complex", "difficult"):
        errors["complexity"] = [_("Choose simple, complex or difficult.")]
    if errors:
        raise ValidationFailed(_("The triage is not valid."), fields=errors)
    action = {Triage.ACCEPT: "triage", Triage.NOT_ACCEPTED: "triage_not_accepted"}
    before = dispute.status
    dispute.status = dispute.refuse_unless(action.get(decision, "triage_refer_police"))
    dispute.triage_reason = reason
    dispute.advised_route = advised_route
    update = ["status", "triage_reason", "advised_route", "updated_at"]
    data: dict[str, Any] = {"decision": decision}
    if decision == Triage.NOT_ACCEPTED:
        dispute.other_process, dispute.other_process_status = other_process, other_process_status
        dispute.closed_at = now
        update += ["other_process", "other_process_status", "closed_at"]
    elif decision == Triage.REFER_POLICE:
        dispute.closed_at = now
        update.append("closed_at")
    else:
        wanted = {"simple": Tier.VILLAGE, "complex": Tier.TOWNSHIP, "difficult": Tier.COUNTY}[complexity]
        if urgent:
            wanted = max(wanted, Tier.TOWNSHIP)
        # Triage never lowers a tier that the registration's triggers raised.
        dispute.tier = max(dispute.tier, wanted)
        dispute.key_case = dispute.key_case or complexity == "difficult" or dispute.tier >= Tier.COUNTY
        dispute.mediators_needed = tier_policy(dispute.county_id, dispute.tier)[1]
        update += ["tier", "key_case", "mediators_needed"]
        data.update(complexity=complexity, urgent=urgent, tier=dispute.tier)
    dispute.save(update_fields=update)
    record_event(
        dispute=dispute,
        actor=actor,
        verb="triaged",
        at=now,
        from_status=before,
        note=reason or advised_route,
        data=data,
    )
    return dispute


@transaction.atomic
def party_consent(*, actor: Actor, party: Party, rights_informed: bool, now: datetime | None = None) -> Party:
    """Record that a party consents to mediation, having been told their rights (People's
    Mediation Law art. 17, 23). Consenting twice changes nothing."""
    now = now or timezone.now()
    dispute = locked(party.dispute_id)
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not record consent on this case."))
    party = Party.objects.select_for_update().get(pk=party.pk)
    if party.consented_at is not None:
        return party
    if not rights_informed:
        raise ValidationFailed(
            _("Tell the party their rights before recording consent."),
            fields={"rights_informed": [_("The party must be told their rights first.")]},
        )
    dispute.refuse_unless("consent")
    party.consented_at = now
    party.rights_informed_at = now
    party.save(update_fields=["consented_at", "rights_informed_at"])
    record_event(
        dispute=dispute,
        actor=actor,
        verb="consented",
        at=now,
        note=party.masked_name,
        data={"party": party.pk},
    )
    return party


@transaction.atomic
def dispute_accept(*, actor: Actor, dispute: Dispute, now: datetime | None = None) -> Dispute:
    """Accept a triaged case for mediation once every applicant and respondent has consented.
    Starts the 30-day mediation period and the tier's time box."""
    now = now or timezone.now()
    dispute = locked(dispute)
    if not user_may_manage(actor, dispute):
        raise PermissionDenied(_("You may not accept this case."))
    if dispute.status == S.ACCEPTED:
        return dispute
    dispute.refuse_unless("accept")
    principals = list(dispute.parties.filter(role__in=[Party.Role.APPLICANT, Party.Role.RESPONDENT]))
    if {p.role for p in principals} != {Party.Role.APPLICANT, Party.Role.RESPONDENT}:
        raise InvalidTransition(_("Add the applicant and the respondent before accepting the case."))
    missing = [p.masked_name for p in principals if p.consented_at is None]
    if missing:
        raise InvalidTransition(
            _("Mediation needs both sides' consent; still missing: %(names)s.")
            % {"names": "、".join(missing)}
        )
    before = dispute.status
    dispute.status = S.ACCEPTED
    dispute.accepted_at = now
    dispute.mediation_deadline = now + timedelta(days=MEDIATION_DAYS)
    dispute.tier_deadline = now + timedelta(days=tier_policy(dispute.county_id, dispute.tier)[0])
    dispute.save(update_fields=["status", "accepted_at", "mediation_deadline", "tier_deadline", "updated_at"])
    record_event(dispute=dispute, actor=actor, verb="accepted", at=now, from_status=before)
    return dispute


# --- escalation, extension, termination, follow-up --------------------------------------------


@transaction.atomic
def dispute_escalate(
    *,
    actor: Actor,
    dispute: Dispute,
    reason: str,
    trigger: str = "party_request",
    sector_agency: Agency | None = None,
    now: datetime | None = None,
) -> Dispute:
    """Move an open case one tier up, or to a sector authority; the same case, a new time box."""
    now = now or timezone.now()
    dispute = locked(dispute)
    if not user_may_manage(actor, dispute):
        raise PermissionDenied(_("You may not escalate this case."))
    errors: dict[str, list[str]] = {}
    reason = require_text(errors, "reason", reason, limit=500)
    if trigger not in dict(PERSON_TRIGGERS):
        errors["trigger"] = [_("Choose why the case goes up a tier.")]
    if errors:
        raise ValidationFailed(_("Give the reason for escalating."), fields=errors)
    dispute.refuse_unless("escalate")
    if sector_agency is None and dispute.tier >= Tier.COUNTY:
        raise InvalidTransition(
            _("The case is already at the county; name the sector authority to escalate to.")
        )
    before_tier = dispute.tier
    dispute.tier = Tier.SECTOR if sector_agency is not None else dispute.tier + 1
    dispute.sector_agency = sector_agency or dispute.sector_agency
    dispute.escalations += 1
    dispute.key_case = dispute.key_case or dispute.tier >= Tier.COUNTY
    if dispute.accepted_at is not None:
        dispute.tier_deadline = now + timedelta(days=tier_policy(dispute.county_id, dispute.tier)[0])
    dispute.save(
        update_fields=["tier", "sector_agency", "escalations", "key_case", "tier_deadline", "updated_at"]
    )
    record_event(
        dispute=dispute,
        actor=actor,
        verb="escalated",
        at=now,
        note=reason,
        data={"from_tier": before_tier, "to_tier": dispute.tier, "reasons": [trigger]},
        audit_changes={"tier": [before_tier, dispute.tier]},
    )
    on_commit_delay("disputes.notify_escalated", [dispute.pk])
    return dispute


@transaction.atomic
def mediation_extend(
    *, actor: Actor, dispute: Dispute, days: int, both_parties_consent: bool, now: datetime | None = None
) -> Dispute:
    """Extend the 30-day mediation period: only with both parties' consent."""
    now = now or timezone.now()
    dispute = locked(dispute)
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not change this case's deadline."))
    errors: dict[str, list[str]] = {}
    if not both_parties_consent:
        errors["both_parties_consent"] = [_("A longer mediation needs both parties' consent.")]
    if not isinstance(days, int) or not 1 <= days <= 60:
        errors["days"] = [_("Extend by 1 to 60 days.")]
    if errors:
        raise ValidationFailed(_("The extension is not valid."), fields=errors)
    dispute.refuse_unless("extend")
    assert dispute.mediation_deadline is not None
    before = dispute.mediation_deadline
    dispute.mediation_deadline = before + timedelta(days=days)
    dispute.deadline_reminded_at = None
    dispute.save(update_fields=["mediation_deadline", "deadline_reminded_at", "updated_at"])
    record_event(
        dispute=dispute,
        actor=actor,
        verb="extended",
        at=now,
        data={"days": days},
        audit_changes={"mediation_deadline": [before, dispute.mediation_deadline]},
    )
    return dispute


def end_live_assignments(
    dispute: Dispute, *, at: datetime, reason: str = Assignment.EndReason.CASE_ENDED
) -> int:
    return Assignment.objects.filter(dispute=dispute, ended_at__isnull=True).update(
        ended_at=at, end_reason=reason
    )


@transaction.atomic
def dispute_terminate(
    *, actor: Actor, dispute: Dispute, reason: str, advised_route: str, now: datetime | None = None
) -> Dispute:
    """End mediation without agreement (a party refuses, or mediation fails), with the routes
    left to the parties explained (People's Mediation Law art. 26)."""
    now = now or timezone.now()
    dispute = locked(dispute)
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not terminate this case."))
    if dispute.status == S.TERMINATED:
        return dispute
    errors: dict[str, list[str]] = {}
    reason = require_text(errors, "reason", reason, limit=500)
    advised_route = require_text(errors, "advised_route", advised_route, limit=500)
    if errors:
        raise ValidationFailed(_("Give the reason and the routes left to the parties."), fields=errors)
    before = dispute.status
    dispute.status = dispute.refuse_unless("terminate")
    dispute.triage_reason, dispute.advised_route = reason, advised_route
    dispute.closed_at = now
    dispute.tier_deadline = None
    dispute.save(
        update_fields=["status", "triage_reason", "advised_route", "closed_at", "tier_deadline", "updated_at"]
    )
    end_live_assignments(dispute, at=now)
    record_event(
        dispute=dispute,
        actor=actor,
        verb="terminated",
        at=now,
        from_status=before,
        note=f"{reason} / {advised_route}",
    )
    return dispute


@transaction.atomic
def dispute_reopen(*, actor: Actor, dispute: Dispute, reason: str, now: datetime | None = None) -> Dispute:
    """Take a breached agreement back to mediation."""
    now = now or timezone.now()
    dispute = locked(dispute)
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not reopen this case."))
    if dispute.status == S.REOPENED:
        return dispute
    errors: dict[str, list[str]] = {}
    reason = require_text(errors, "reason", reason, limit=500)
    if errors:
        raise ValidationFailed(_("Give the reason for reopening."), fields=errors)
    dispute.refuse_unless("reopen")
    _reopen(dispute, actor=actor, at=now, note=reason)
    return dispute


def _reopen(dispute: Dispute, *, actor: Actor, at: datetime, note: str) -> None:
    before = dispute.status
    dispute.status = S.REOPENED
    dispute.resolved_at = dispute.resolved_tier = dispute.closed_at = None
    dispute.tier_deadline = at + timedelta(days=tier_policy(dispute.county_id, dispute.tier)[0])
    dispute.mediation_deadline = at + timedelta(days=MEDIATION_DAYS)
    dispute.deadline_reminded_at = None
    dispute.save(
        update_fields=[
            "status",
            "resolved_at",
            "resolved_tier",
            "closed_at",
            "tier_deadline",
            "mediation_deadline",
            "deadline_reminded_at",
            "updated_at",
        ]
    )
    record_event(dispute=dispute, actor=actor, verb="reopened", at=at, from_status=before, note=note)


@transaction.atomic
def follow_up_record(
    *,
    actor: Actor,
    dispute: Dispute,
    satisfaction: int,
    recurred: bool,
    note: str = "",
    now: datetime | None = None,
) -> FollowUp:
    """A follow-up visit (回访). Confirmed: the case closes. Recurred: it is reopened."""
    now = now or timezone.now()
    dispute = locked(dispute)
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not record a follow-up on this case."))
    errors: dict[str, list[str]] = {}
    if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        errors["satisfaction"] = [_("Give a satisfaction from 1 to 5.")]
    note = require_text(errors, "note", note, limit=1000, required=recurred)
    if errors:
        raise ValidationFailed(_("The follow-up is not valid."), fields=errors)
    dispute.refuse_unless("follow_up_recurred" if recurred else "follow_up")
    visit = FollowUp.objects.create(
        dispute=dispute,
        visited_at=now,
        visited_by=person(actor),
        satisfaction=satisfaction,
        recurred=recurred,
        note=note,
    )
    if recurred:
        _reopen(dispute, actor=actor, at=now, note=note)
        return visit
    before = dispute.status
    dispute.status = S.CLOSED
    dispute.closed_at = now
    dispute.tier_deadline = None
    dispute.save(update_fields=["status", "closed_at", "tier_deadline", "updated_at"])
    end_live_assignments(dispute, at=now)
    record_event(
        dispute=dispute,
        actor=actor,
        verb="closed",
        at=now,
        from_status=before,
        note=note,
        data={"satisfaction": satisfaction, "follow_up": visit.pk},
    )
    return visit


# --- joint cases: agencies and their tasks ----------------------------------------------------


@transaction.atomic
def case_task_create(
    *,
    actor: Actor,
    dispute: Dispute,
    agency: Agency,
    title: str,
    due_at: datetime,
    now: datetime | None = None,
) -> CaseTask:
    """Give an agency a task on a joint case; the agency then sees the case."""
    now = now or timezone.now()
    dispute = locked(dispute)
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not hand out tasks on this case."))
    errors: dict[str, list[str]] = {}
    title = require_text(errors, "title", title, limit=200)
    if due_at <= now:
        errors["due_at"] = [_("The due time must be in the future.")]
    if errors:
        raise ValidationFailed(_("The task is not valid."), fields=errors)
    if not dispute.is_open:
        raise InvalidTransition(_("The case has ended."))
    task = CaseTask.objects.create(
        dispute=dispute, agency=agency, title=title, due_at=due_at, created_by=person(actor)
    )
    dispute.agencies.add(agency)
    record_event(
        dispute=dispute,
        actor=actor,
        verb="task_created",
        at=now,
        note=f"{agency.name}: {title}",
        data={"task": task.pk},
    )
    on_commit_delay("disputes.notify_task", task.pk)
    return task


@transaction.atomic
def case_task_done(*, actor: Actor, task: CaseTask, result: str, now: datetime | None = None) -> CaseTask:
    now = now or timezone.now()
    dispute = locked(task.dispute_id)
    task = CaseTask.objects.select_for_update().get(pk=task.pk)
    if task.done_at is not None:
        return task
    if not (
        user_may_view(actor, dispute)
        and (user_may_mediate(actor, dispute) or _member_of(actor, task.agency_id))
    ):
        raise PermissionDenied(_("Only the agency given the task, or the case's mediators, may close it."))
    errors: dict[str, list[str]] = {}
    result = require_text(errors, "result", result, limit=500)
    if errors:
        raise ValidationFailed(_("Say what was done."), fields=errors)
    task.done_at, task.done_note = now, result
    task.save(update_fields=["done_at", "done_note"])
    record_event(
        dispute=dispute,
        actor=actor,
        verb="task_done",
        at=now,
        note=f"{task.title}: {result}",
        data={"task": task.pk},
    )
    return task


def _member_of(actor: Actor, agency_id: int) -> bool:
    return agency_id in jurisdiction_for(actor).agency_ids


@transaction.atomic
def dispute_add_agency(
    *, actor: Actor, dispute: Dispute, agency: Agency, now: datetime | None = None
) -> Dispute:
    """Bring an agency into a joint case (police + court + judicial office + petition office)."""
    now = now or timezone.now()
    dispute = locked(dispute)
    if not user_may_manage(actor, dispute):
        raise PermissionDenied(_("You may not change who works this case."))
    if dispute.agencies.filter(pk=agency.pk).exists():
        return dispute
    dispute.agencies.add(agency)
    record_event(
        dispute=dispute,
        actor=actor,
        verb="agency_joined",
        at=now,
        note=agency.name,
        data={"agency": agency.pk},
    )
    return dispute


# --- personal data ----------------------------------------------------------------------------


@transaction.atomic
def party_unmask(*, actor: Actor, party: Party, field: str, reason: str) -> str:
    """A party's phone or ID number in clear, for a stated reason, logged (PIPL art. 51)."""
    reason = unmask_reason(field=field, fields=("phone", "id_number", "name"), reason=reason)
    dispute = Dispute.objects.select_related("village").get(pk=party.dispute_id)
    if not user_may_unmask_parties(actor, dispute):
        raise PermissionDenied(_("You may not see this party's data unmasked."))
    if field == "name":
        value = party.name
    else:
        token = party.phone_encrypted if field == "phone" else party.id_number_encrypted
        value = pii_decrypt(token) if token else ""
    unmask_record(actor=actor, target=dispute, field=f"party:{party.pk}:{field}", reason=reason)
    return value
