"""The mediation itself: proposing and assigning mediators (with the conflict-of-interest check
and recusal), sessions and consultations, the agreement with its terms, judicial confirmation
and performance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import (
    Agreement,
    Assignment,
    Category,
    Dispute,
    MediationRoom,
    Mediator,
    MediatorTeam,
    Obligation,
    Party,
    Session,
)
from disputes.selectors import mediators_serving, user_may_manage, user_may_mediate
from disputes.services.common import locked, person, record_event, require_text
from governance.actors import Actor, user_of
from governance.background import on_commit_delay
from governance.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from governance.models import Agency, Profile, Region
from governance.pii import lookup_hash_for_resident_id
from governance.selectors import user_may
from governance.services.audit import audit_record

S = Dispute.Status
# People's Mediation Law art. 33: the parties apply jointly within 30 days of the agreement's effect.
JUDICIAL_CONFIRMATION_DAYS = 30


# --- conflicts of interest --------------------------------------------------------------------


def conflicts_of(mediator: Mediator, dispute: Dispute, parties: Sequence[Party] | None = None) -> list[str]:
    """Why ``mediator`` may not mediate ``dispute`` (People's Mediation Law art. 15 and 20: kin,
    the same household, a party to a related case, or recused by a party); empty if nothing."""
    parties = list(parties if parties is not None else dispute.parties.all())
    reasons: list[str] = []
    own_hash = (
        Profile.objects.filter(user_id=mediator.user_id).values_list("id_number_hash", flat=True).first()
        or ""
    )
    id_hashes = {p.id_number_hash for p in parties if p.id_number_hash}
    if own_hash and own_hash in id_hashes:
        reasons.append(_("The mediator is a party to this case."))
    for p in parties:
        if p.id_number_hash and p.id_number_hash in set(mediator.kin_id_hashes):
            reasons.append(_("The mediator is kin of %(party)s.") % {"party": p.masked_name})
        if mediator.household_code and p.household_code == mediator.household_code:
            reasons.append(
                _("The mediator lives in the same household as %(party)s.") % {"party": p.masked_name}
            )
    if own_hash:
        contacts = id_hashes | {p.phone_hash for p in parties if p.phone_hash}
        related = (
            Dispute.objects.filter(parties__id_number_hash=own_hash)
            .filter(Q(parties__id_number_hash__in=contacts) | Q(parties__phone_hash__in=contacts))
            .exclude(pk=dispute.pk)
            .values_list("number", flat=True)
            .distinct()[:3]
        )
        for number in related:
            reasons.append(_("The mediator is a party to the related case %(number)s.") % {"number": number})
    if Assignment.objects.filter(
        dispute=dispute, mediator=mediator, end_reason=Assignment.EndReason.RECUSED
    ).exists():
        reasons.append(_("A party of this case asked for this mediator's recusal."))
    return reasons


@dataclass(frozen=True)
class Proposal:
    mediator: Mediator
    load: int
    specialist: bool
    conflicts: tuple[str, ...]

    @property
    def available(self) -> bool:
        return not self.conflicts and self.load < self.mediator.max_load


def mediators_propose(dispute: Dispute, *, limit: int = 8) -> list[Proposal]:
    """Mediators for a case, best first: those with room for another case, of them those who know
    the category, then those closest to the village, then the least loaded. Blocked ones are kept with their reasons, so the parties
    can see why a mediator they trust cannot take the case."""
    parties = list(dispute.parties.all())
    live = set(
        Assignment.objects.filter(dispute=dispute, ended_at__isnull=True).values_list(
            "mediator_id", flat=True
        )
    )
    candidates = [m for m in mediators_serving(dispute.village) if m.pk not in live]
    load = {m.pk: int(getattr(m, "load", 0)) for m in candidates}  # annotated by the selector
    candidates.sort(
        key=lambda m: (
            load[m.pk] >= m.max_load,
            dispute.category not in (m.specialties or []),
            -len(m.region.path),
            load[m.pk],
            m.pk,
        )
    )
    return [
        Proposal(
            m, load[m.pk], dispute.category in (m.specialties or []), tuple(conflicts_of(m, dispute, parties))
        )
        for m in candidates[:limit]
    ]


# --- assignment and recusal -------------------------------------------------------------------


def _assign(
    dispute: Dispute,
    mediator: Mediator,
    *,
    actor: Actor,
    chosen_by: Party | None,
    at: datetime,
    notify: bool = True,
) -> Assignment:
    if not mediator.active:
        raise Conflict(
            _("This mediator is not active."), fields={"mediator": [_("This mediator is not active.")]}
        )
    reasons = conflicts_of(mediator, dispute)
    if reasons:
        raise Conflict(
            _("This mediator cannot take the case: %(reasons)s") % {"reasons": " ".join(reasons)},
            fields={"mediator": reasons},
        )
    # Lock the mediator so that two cases assigned at once cannot both take the last place.
    Mediator.objects.select_for_update().filter(pk=mediator.pk).first()
    load = Assignment.objects.filter(mediator=mediator, ended_at__isnull=True).count()
    if load >= mediator.max_load:
        message = _("This mediator already has %(n)d open cases, the most they take.") % {"n": load}
        raise Conflict(message, fields={"mediator": [message]})
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                dispute=dispute,
                mediator=mediator,
                chosen_by_party=chosen_by,
                assigned_by=user_of(actor),
                assigned_at=at,
            )
    except IntegrityError:
        return Assignment.objects.get(dispute=dispute, mediator=mediator, ended_at__isnull=True)
    before = dispute.status
    if dispute.status in (S.ACCEPTED, S.REOPENED):
        dispute.status = S.ASSIGNED
        dispute.save(update_fields=["status", "updated_at"])
    record_event(
        dispute=dispute,
        actor=actor,
        verb="mediator_assigned",
        at=at,
        from_status=before,
        note=str(mediator)
        + (f" ({_('chosen by %(party)s') % {'party': chosen_by.masked_name}})" if chosen_by else ""),
        data={"mediator": mediator.pk, "chosen_by": chosen_by.pk if chosen_by else None},
    )
    if notify:  # a back-filled assignment (the demo's history) tells nobody
        on_commit_delay("disputes.notify_assigned", assignment.pk)
    return assignment


@transaction.atomic
def mediator_assign(
    *,
    actor: Actor,
    dispute: Dispute,
    mediator: Mediator,
    chosen_by: Party | None = None,
    now: datetime | None = None,
    notify: bool = True,
) -> Assignment:
    """Put a mediator on the case (proposed by the system, or chosen by a party who trusts them).
    A conflict of interest blocks it with the reason; assigning twice is a no-op."""
    now = now or timezone.now()
    dispute = locked(dispute)
    if not user_may_manage(actor, dispute):
        raise PermissionDenied(_("You may not assign mediators on this case."))
    existing = Assignment.objects.filter(dispute=dispute, mediator=mediator, ended_at__isnull=True).first()
    if existing is not None:
        return existing
    dispute.refuse_unless("assign")
    if chosen_by is not None and chosen_by.dispute_id != dispute.pk:
        raise ValidationFailed(
            _("That party is not on this case."), fields={"chosen_by": [_("Not a party to this case.")]}
        )
    return _assign(dispute, mediator, actor=actor, chosen_by=chosen_by, at=now, notify=notify)


@transaction.atomic
def mediator_recuse(
    *,
    actor: Actor,
    dispute: Dispute,
    mediator: Mediator,
    party: Party,
    reason: str,
    replacement: Mediator | None = None,
    now: datetime | None = None,
) -> Assignment | None:
    """A party's recusal request: the mediator leaves the case (and may not come back to it), and
    a replacement is assigned: the one named, else the best available proposal. Returns the
    replacement's assignment, or None if nobody is available (the case waits for one)."""
    now = now or timezone.now()
    dispute = locked(dispute)
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not record a recusal on this case."))
    errors: dict[str, list[str]] = {}
    reason = require_text(errors, "reason", reason, limit=500)
    if party.dispute_id != dispute.pk:
        errors["party"] = [_("Not a party to this case.")]
    if errors:
        raise ValidationFailed(_("The recusal request is not valid."), fields=errors)
    current = (
        Assignment.objects.select_for_update()
        .filter(dispute=dispute, mediator=mediator, ended_at__isnull=True)
        .first()
    )
    if current is None:
        raise InvalidTransition(_("This mediator is not on the case."))
    current.ended_at, current.end_reason, current.end_note = now, Assignment.EndReason.RECUSED, reason
    current.save(update_fields=["ended_at", "end_reason", "end_note"])
    before = dispute.status
    record_event(
        dispute=dispute,
        actor=actor,
        verb="mediator_recused",
        at=now,
        note=f"{mediator} · {party.masked_name}: {reason}",
        data={"mediator": mediator.pk, "party": party.pk},
    )
    if replacement is None:
        replacement = next((p.mediator for p in mediators_propose(dispute) if p.available), None)
    if replacement is not None:
        return _assign(dispute, replacement, actor=actor, chosen_by=None, at=now)
    if not Assignment.objects.filter(dispute=dispute, ended_at__isnull=True).exists() and dispute.status in (
        S.ASSIGNED,
        S.IN_MEDIATION,
    ):
        dispute.status = S.ACCEPTED
        dispute.save(update_fields=["status", "updated_at"])
        record_event(dispute=dispute, actor=None, verb="awaiting_mediator", at=now, from_status=before)
    return None


# --- sessions ---------------------------------------------------------------------------------


@transaction.atomic
def session_record(
    *,
    actor: Actor,
    dispute: Dispute,
    held_at: datetime,
    attendees: str,
    minutes: str,
    kind: str = Session.Kind.MEDIATION,
    room: MediationRoom | None = None,
    place: str = "",
    public: bool = False,
    agencies: Sequence[Agency] = (),
    now: datetime | None = None,
) -> Session:
    """Record a mediation session, or a consultation (会诊) of several agencies on a difficult case.
    The first mediation session puts the case in mediation."""
    now = now or timezone.now()
    dispute = locked(dispute)
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not record sessions on this case."))
    errors: dict[str, list[str]] = {}
    if kind not in Session.Kind.values:
        errors["kind"] = [_("Choose a mediation session or a consultation.")]
    attendees = require_text(errors, "attendees", attendees, limit=500)
    minutes = require_text(errors, "minutes", minutes, limit=10000)
    place = require_text(errors, "place", place, limit=200, required=room is None)
    if held_at > now + timedelta(hours=1):
        errors["held_at"] = [_("Record a session once it has taken place.")]
    if kind == Session.Kind.CONSULTATION and len(agencies) < 2:
        errors["agencies"] = [_("A consultation brings together at least two agencies.")]
    if errors:
        raise ValidationFailed(_("The session is not valid."), fields=errors)
    if kind == Session.Kind.MEDIATION:
        dispute.refuse_unless("session")
        if not Assignment.objects.filter(dispute=dispute, ended_at__isnull=True).exists():
            raise InvalidTransition(_("Assign a mediator before the session."))
    else:
        dispute.refuse_unless("consultation")
    session = Session.objects.create(
        dispute=dispute,
        kind=kind,
        held_at=held_at,
        room=room,
        place=place,
        attendees=attendees,
        public=public,
        minutes=minutes,
        recorded_by=person(actor),
    )
    before = dispute.status
    if agencies:
        session.agencies.set(agencies)
        dispute.agencies.add(*agencies)
    if kind == Session.Kind.MEDIATION and dispute.status in (S.ASSIGNED, S.REOPENED):
        dispute.status = S.IN_MEDIATION
        dispute.save(update_fields=["status", "updated_at"])
    if kind == Session.Kind.CONSULTATION and not dispute.key_case:
        dispute.key_case = True
        dispute.save(update_fields=["key_case", "updated_at"])
    record_event(
        dispute=dispute,
        actor=actor,
        verb="consultation" if kind == Session.Kind.CONSULTATION else "session",
        at=now,
        from_status=before,
        note=f"{held_at:%Y-%m-%d %H:%M} · {room or place}",
        data={"session": session.pk},
    )
    return session


# --- the agreement ----------------------------------------------------------------------------


@dataclass
class TermInput:
    obligor_id: int
    description: str
    due_date: date | str
    amount: Any = None
    method: str = ""


def _clean_terms(
    dispute: Dispute, terms: Sequence[TermInput], today: date
) -> tuple[list[dict[str, Any]], list[str]]:
    parties = {p.pk: p for p in dispute.parties.all()}
    cleaned, problems = [], []
    for n, term in enumerate(terms, start=1):
        row: dict[str, Any] = {}
        party = parties.get(int(term.obligor_id)) if str(term.obligor_id).isdigit() else None
        if party is None:
            problems.append(_("Term %(n)d: the obligor must be a party to this case.") % {"n": n})
        row["obligor"] = party
        description = (term.description or "").strip()
        if not description or len(description) > 500:
            problems.append(_("Term %(n)d: say what is to be done (at most 500 characters).") % {"n": n})
        row["description"] = description
        due = term.due_date
        if isinstance(due, str):
            try:
                due = date.fromisoformat(due)
            except ValueError:
                due = None  # type: ignore[assignment]
        if not isinstance(due, date) or due < today:
            problems.append(_("Term %(n)d: give a due date from today on.") % {"n": n})
        row["due_date"] = due
        amount = None
        if term.amount not in (None, ""):
            try:
                amount = Decimal(str(term.amount))
                if amount < 0 or amount >= Decimal("1e12"):
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                problems.append(_("Term %(n)d: the amount is not a valid sum in yuan.") % {"n": n})
        row["amount"] = amount
        row["method"] = (term.method or "").strip()[:200]
        cleaned.append(row)
    return cleaned, problems


@transaction.atomic
def agreement_draft(
    *,
    actor: Actor,
    dispute: Dispute,
    facts: str,
    responsibilities: str,
    terms: Sequence[TermInput],
    now: datetime | None = None,
) -> Agreement:
    """Write (or, until signed, rewrite) the agreement: facts, each side's responsibility and the
    terms, each with its obligor, amount, due date and method (People's Mediation Law art. 29)."""
    now = now or timezone.now()
    dispute = locked(dispute)
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not draft the agreement of this case."))
    errors: dict[str, list[str]] = {}
    facts = require_text(errors, "facts", facts, limit=5000)
    responsibilities = require_text(errors, "responsibilities", responsibilities, limit=5000)
    cleaned, problems = _clean_terms(dispute, terms, timezone.localdate(now))
    if problems:
        errors["terms"] = problems
    if errors:
        raise ValidationFailed(_("The agreement is not valid."), fields=errors)
    dispute.refuse_unless("agreement")
    agreement = Agreement.objects.filter(dispute=dispute).first()
    if agreement is not None and agreement.signed_at is not None:
        if dispute.status != S.IN_MEDIATION:
            raise InvalidTransition(_("The agreement is signed; it can no longer be changed."))
        # A reopened case mediated again: the breached agreement is superseded. Its full text,
        # terms and their outcome stay on the case's append-only timeline.
        _supersede(agreement, dispute=dispute, actor=actor, at=now)
    if agreement is None:
        agreement = Agreement.objects.create(
            dispute=dispute,
            facts=facts,
            responsibilities=responsibilities,
            drafted_by=person(actor),
            drafted_at=now,
        )
    else:
        agreement.facts, agreement.responsibilities = facts, responsibilities
        agreement.drafted_by, agreement.drafted_at = person(actor), now
        agreement.save(update_fields=["facts", "responsibilities", "drafted_by", "drafted_at"])
        agreement.obligations.all().delete()
    Obligation.objects.bulk_create(Obligation(agreement=agreement, **row) for row in cleaned)
    before = dispute.status
    dispute.status = S.AGREEMENT
    dispute.save(update_fields=["status", "updated_at"])
    record_event(
        dispute=dispute,
        actor=actor,
        verb="agreement_drafted",
        at=now,
        from_status=before,
        data={"terms": len(cleaned)},
    )
    return agreement


def _supersede(agreement: Agreement, *, dispute: Dispute, actor: Actor, at: datetime) -> None:
    record_event(
        dispute=dispute,
        actor=actor,
        verb="agreement_superseded",
        at=at,
        data={
            "facts": agreement.facts,
            "responsibilities": agreement.responsibilities,
            "signed_at": agreement.signed_at.isoformat() if agreement.signed_at else None,
            "jc_status": agreement.jc_status,
            "jc_note": agreement.jc_note,
            "terms": [
                {
                    "obligor": o.obligor_id,
                    "description": o.description,
                    "amount": str(o.amount) if o.amount is not None else None,
                    "due_date": o.due_date.isoformat(),
                    "status": o.status,
                    "breach_note": o.breach_note,
                    "next_route": o.next_route,
                }
                for o in agreement.obligations.all()
            ],
        },
    )
    agreement.signed_at = agreement.jc_deadline = agreement.jc_applied_at = agreement.jc_answered_at = None
    agreement.jc_reminded_at = None
    agreement.jc_status = agreement.jc_court = agreement.jc_note = ""
    agreement.save(
        update_fields=[
            "signed_at",
            "jc_deadline",
            "jc_applied_at",
            "jc_answered_at",
            "jc_reminded_at",
            "jc_status",
            "jc_court",
            "jc_note",
        ]
    )


@transaction.atomic
def agreement_sign(
    *, actor: Actor, agreement: Agreement, signed_by: Sequence[int], now: datetime | None = None
) -> Agreement:
    """The parties sign: the agreement takes effect (art. 29), the case is resolved at its tier,
    and the 30 days for joint judicial confirmation start (art. 33)."""
    now = now or timezone.now()
    dispute = locked(agreement.dispute_id)
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not record signatures on this case."))
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.signed_at is not None:
        return agreement
    principals = set(
        dispute.parties.filter(role__in=[Party.Role.APPLICANT, Party.Role.RESPONDENT]).values_list(
            "pk", flat=True
        )
    )
    missing = principals - {int(pk) for pk in signed_by}
    if missing:
        raise ValidationFailed(
            _("Every applicant and respondent must sign."),
            fields={"signed_by": [_("%(n)d of the parties have not signed.") % {"n": len(missing)}]},
        )
    dispute.refuse_unless("sign")
    agreement.signed_at = now
    agreement.jc_deadline = now + timedelta(days=JUDICIAL_CONFIRMATION_DAYS)
    agreement.save(update_fields=["signed_at", "jc_deadline"])
    before = dispute.status
    pending = agreement.obligations.filter(status=Obligation.Status.PENDING).exists()
    dispute.status = dispute.refuse_unless("sign" if pending else "sign_without_terms")
    dispute.resolved_at, dispute.resolved_tier = now, dispute.tier
    dispute.tier_deadline = None
    dispute.save(update_fields=["status", "resolved_at", "resolved_tier", "tier_deadline", "updated_at"])
    record_event(
        dispute=dispute,
        actor=actor,
        verb="agreement_signed",
        at=now,
        from_status=before,
        data={"signed_by": sorted(principals)},
    )
    return agreement


@transaction.atomic
def judicial_confirmation_apply(
    *, actor: Actor, agreement: Agreement, court: str, now: datetime | None = None
) -> Agreement:
    """The parties' joint application to a court, allowed within 30 days of effect (art. 33)."""
    now = now or timezone.now()
    dispute = locked(agreement.dispute_id)
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not record this application."))
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.jc_status == Agreement.Confirmation.PENDING:
        return agreement
    errors: dict[str, list[str]] = {}
    court = require_text(errors, "court", court, limit=100)
    if errors:
        raise ValidationFailed(_("Name the court."), fields=errors)
    if agreement.signed_at is None or agreement.jc_deadline is None:
        raise InvalidTransition(_("Only a signed agreement can be confirmed by a court."))
    if agreement.jc_status:
        raise InvalidTransition(_("The court has already answered this application."))
    if now > agreement.jc_deadline:
        raise InvalidTransition(
            _("The 30 days for applying jointly for judicial confirmation ended on %(date)s.")
            % {"date": timezone.localtime(agreement.jc_deadline).strftime("%Y-%m-%d")}
        )
    agreement.jc_status, agreement.jc_applied_at, agreement.jc_court = (
        Agreement.Confirmation.PENDING,
        now,
        court,
    )
    agreement.save(update_fields=["jc_status", "jc_applied_at", "jc_court"])
    record_event(dispute=dispute, actor=actor, verb="jc_applied", at=now, note=court)
    return agreement


@transaction.atomic
def judicial_confirmation_answer(
    *, actor: Actor, agreement: Agreement, confirmed: bool, note: str = "", now: datetime | None = None
) -> Agreement:
    """The court's answer: confirmed (enforceable), or rejected (the parties may change the
    agreement through mediation, or sue)."""
    now = now or timezone.now()
    dispute = locked(agreement.dispute_id)
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not record the court's answer."))
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    wanted = Agreement.Confirmation.CONFIRMED if confirmed else Agreement.Confirmation.REJECTED
    if agreement.jc_status == wanted:
        return agreement
    errors: dict[str, list[str]] = {}
    note = require_text(errors, "note", note, limit=500, required=not confirmed)
    if errors:
        raise ValidationFailed(_("Give the court's reasons."), fields=errors)
    if agreement.jc_status != Agreement.Confirmation.PENDING:
        raise InvalidTransition(_("No application for judicial confirmation is pending."))
    agreement.jc_status, agreement.jc_answered_at, agreement.jc_note = wanted, now, note
    agreement.save(update_fields=["jc_status", "jc_answered_at", "jc_note"])
    record_event(dispute=dispute, actor=actor, verb=f"jc_{wanted}", at=now, note=note)
    return agreement


# --- performance ------------------------------------------------------------------------------


@transaction.atomic
def obligation_perform(*, actor: Actor, obligation: Obligation, now: datetime | None = None) -> Obligation:
    """A term was performed; when every term is, the case waits for its follow-up visit."""
    now = now or timezone.now()
    dispute = locked(obligation.agreement.dispute_id)
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not record performance on this case."))
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    if obligation.status == Obligation.Status.PERFORMED:
        return obligation
    dispute.refuse_unless("perform")
    if obligation.status != Obligation.Status.PENDING:
        raise InvalidTransition(_("This term was recorded as breached."))
    obligation.status, obligation.performed_at = Obligation.Status.PERFORMED, now
    obligation.save(update_fields=["status", "performed_at"])
    before = dispute.status
    remaining = Obligation.objects.filter(agreement_id=obligation.agreement_id).exclude(
        status=Obligation.Status.PERFORMED
    )
    if dispute.can("perform_last") and not remaining.exists():
        dispute.status = dispute.refuse_unless("perform_last")
        dispute.save(update_fields=["status", "updated_at"])
    record_event(
        dispute=dispute,
        actor=actor,
        verb="obligation_performed",
        at=now,
        from_status=before,
        note=obligation.description,
    )
    return obligation


@transaction.atomic
def obligation_breach(
    *, actor: Actor, obligation: Obligation, note: str, next_route: str, now: datetime | None = None
) -> Obligation:
    """A term was not performed: the breach is recorded with the next route (mediate again, ask
    the court to enforce a confirmed agreement, or sue on the agreement)."""
    now = now or timezone.now()
    dispute = locked(obligation.agreement.dispute_id)
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not record a breach on this case."))
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    if obligation.status == Obligation.Status.BREACHED:
        return obligation
    errors: dict[str, list[str]] = {}
    note = require_text(errors, "note", note, limit=500)
    next_route = require_text(errors, "next_route", next_route, limit=500)
    if errors:
        raise ValidationFailed(_("Say what was breached and what comes next."), fields=errors)
    dispute.refuse_unless("breach")
    if obligation.status != Obligation.Status.PENDING:
        raise InvalidTransition(_("This term was already performed."))
    obligation.status, obligation.breach_note, obligation.next_route = (
        Obligation.Status.BREACHED,
        note,
        next_route,
    )
    obligation.save(update_fields=["status", "breach_note", "next_route"])
    before = dispute.status
    dispute.status = dispute.refuse_unless("breach")
    dispute.save(update_fields=["status", "updated_at"])
    record_event(
        dispute=dispute,
        actor=actor,
        verb="obligation_breached",
        at=now,
        from_status=before,
        note=f"{obligation.description}: {note} → {next_route}",
    )
    return obligation


# --- the pool ---------------------------------------------------------------------------------


@transaction.atomic
def mediator_enrol(
    *,
    actor: Actor,
    user: User,
    team: str,
    agency: Agency,
    region: Region,
    specialties: Sequence[str] = (),
    household_code: str = "",
    kin_id_numbers: Sequence[str] = (),
    max_load: int = 8,
    bio: str = "",
) -> Mediator:
    """Put a person in the mediator pool, with what the conflict check needs: their household
    number and their close relatives' ID numbers (kept only as keyed hashes)."""
    if actor is not None and not user_may(actor, "disputes.manage", region):
        raise PermissionDenied(_("You may not manage the mediator pool here."))
    errors: dict[str, list[str]] = {}
    if team not in MediatorTeam.values:
        errors["team"] = [_("Choose police, people's, administrative or judicial mediation.")]
    unknown = [s for s in specialties if s not in Category.values]
    if unknown:
        errors["specialties"] = [_("Unknown categories: %(list)s") % {"list": ", ".join(unknown)}]
    kin_hashes = []
    for n, number in enumerate(kin_id_numbers, start=1):
        try:
            kin_hashes.append(lookup_hash_for_resident_id(number))
        except ValidationError as exc:
            errors.setdefault("kin_id_numbers", []).append(f"{n}: {' '.join(exc.messages)}")
    if not 1 <= max_load <= 100:
        errors["max_load"] = [_("Between 1 and 100 open cases.")]
    if Mediator.objects.filter(user=user).exists():
        errors["user"] = [_("This person is already in the pool.")]
    if errors:
        raise ValidationFailed(_("The mediator is not valid."), fields=errors)
    mediator = Mediator.objects.create(
        user=user,
        team=team,
        agency=agency,
        region=region,
        specialties=list(dict.fromkeys(specialties)),
        household_code=household_code.strip()[:30],
        kin_id_hashes=kin_hashes,
        max_load=max_load,
        bio=bio.strip()[:300],
    )
    audit_record(actor=actor, verb="mediator.enrol", target=mediator)
    return mediator
