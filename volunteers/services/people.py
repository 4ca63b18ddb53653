"""Teams and the volunteer's life: APPLIED -> VETTED -> ACTIVE, or REJECTED with a reason; later
SUSPENDED (and reinstated) or RETIRED. Each transition locks the volunteer's row, refuses a step
out of order with the reason, and is audited; repeating a step that took effect changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.actors import Actor
from governance.errors import Conflict, PermissionDenied, ValidationFailed
from governance.models import Agency, Region
from governance.pii import pii_decrypt, protect_resident_id, resident_id_birth_date, validate_mobile
from governance.selectors import jurisdiction_for
from governance.services.audit import audit_record
from governance.services.people import unmask_reason, unmask_record
from volunteers.models import Team, Volunteer
from volunteers.selectors import MANAGE, user_may_manage_team, user_may_unmask_volunteer

S = Volunteer.Status
# Volunteers are adults of working age (DESIGN.md section 5: vetting checks age 18-65).
MIN_AGE, MAX_AGE = 18, 65


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _locked(volunteer: Volunteer | int) -> Volunteer:
    pk = volunteer if isinstance(volunteer, int) else volunteer.pk
    return Volunteer.objects.select_for_update(of=("self",)).select_related("team__region").get(pk=pk)


def _require_manager(actor: Actor, team: Team, message: str) -> None:
    if not user_may_manage_team(actor, team):
        raise PermissionDenied(message)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give a reason."), fields={"reason": [_("This field is required.")]})
    if len(reason) > 500:
        raise ValidationFailed(_("Give a reason."), fields={"reason": [_("Keep it under 500 characters.")]})
    return reason


@transaction.atomic
def team_create(
    *, actor: Actor, name: str, agency: Agency, region: Region, leaders: Iterable[User] = ()
) -> Team:
    j = jurisdiction_for(actor)
    if actor is not None and not (j.is_superuser or j.covers(MANAGE, region.path)):
        raise PermissionDenied(_("You may not create a team here."))
    if agency.kind not in (Agency.Kind.POLICE_STATION, Agency.Kind.TOWNSHIP_GOVERNMENT):
        raise ValidationFailed(
            _("The team is not valid."),
            fields={"agency": [_("A team belongs to a police station or a township.")]},
        )
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name.strip(), agency=agency, region=region)
    except IntegrityError as exc:
        raise Conflict(_("The agency already has a team of that name.")) from exc
    team.leaders.set(list(leaders))
    audit_record(actor=actor, verb="volunteer_team.create", target=team, changes={"name": [None, team.name]})
    return team


@transaction.atomic
def team_leader_set(*, actor: Actor, team: Team, user: User, leader: bool = True) -> Team:
    team = Team.objects.select_for_update(of=("self",)).select_related("region").get(pk=team.pk)
    j = jurisdiction_for(actor)
    if actor is not None and not (j.is_superuser or j.covers(MANAGE, team.region.path)):
        raise PermissionDenied(_("You may not appoint the leaders of this team."))
    if leader:
        team.leaders.add(user)
    else:
        team.leaders.remove(user)
    audit_record(actor=actor, verb="volunteer_team.leader", target=team, changes={"leader": [None, user.pk]})
    return team


@transaction.atomic
def volunteer_apply(
    *,
    actor: User,
    team: Team,
    real_name: str,
    phone: str,
    id_number: str,
    record_check_consent: bool,
    skills: list[str] | None = None,
    availability: str = "",
    now: datetime | None = None,
) -> Volunteer:
    """A resident applies to join a team. The ID number is validated (and the age 18-65 read from
    it), stored encrypted with a keyed hash; the record check needs the applicant's consent.
    Applying again with the same login returns the application."""
    now = now or timezone.now()
    existing = Volunteer.objects.filter(user_id=actor.pk).first()
    if existing is not None:
        if existing.status in (S.REJECTED, S.RETIRED):
            raise Conflict(_("You have applied before; ask the team to reopen your application."))
        return existing
    fields: dict[str, list[str]] = {}
    real_name = (real_name or "").strip()
    if not real_name or len(real_name) > 50:
        fields["real_name"] = [_("Enter your real name.")]
    try:
        phone = validate_mobile(phone)
    except ValidationError as exc:
        fields["phone"] = list(exc.messages)
    encrypted = lookup = ""
    try:
        encrypted, lookup = protect_resident_id(id_number)
        age = _age(resident_id_birth_date(id_number), timezone.localdate(now))
        if not MIN_AGE <= age <= MAX_AGE:
            fields["id_number"] = [
                _("Volunteers are between %(low)s and %(high)s years old.")
                % {"low": MIN_AGE, "high": MAX_AGE}
            ]
    except ValidationError as exc:
        fields["id_number"] = list(exc.messages)
    if not record_check_consent:
        fields["record_check_consent"] = [_("Joining needs your consent to a record check.")]
    skills = [str(s).strip()[:30] for s in (skills or []) if str(s).strip()][:20]
    if len(availability) > 200:
        fields["availability"] = [_("Keep it under 200 characters.")]
    if not team.active:
        fields["team"] = [_("This team does not take applications.")]
    if fields:
        raise ValidationFailed(_("The application is not valid."), fields=fields)
    if Volunteer.objects.filter(id_number_hash=lookup).exists():
        raise Conflict(
            _("A volunteer with this ID number is already registered."),
            fields={"id_number": [_("A volunteer with this ID number is already registered.")]},
        )
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(
                user=actor,
                team=team,
                real_name=real_name,
                phone=phone,
                id_number_encrypted=encrypted,
                id_number_hash=lookup,
                skills=skills,
                availability=availability.strip(),
                record_check_consent_at=now,
                applied_at=now,
            )
    except IntegrityError as exc:
        # Two submissions at once: the other one won.
        raise Conflict(_("This application was already sent.")) from exc
    audit_record(
        actor=actor,
        verb="volunteer.apply",
        target=volunteer,
        changes={"team": [None, team.pk], "id_number": [None, "***"]},
    )
    return volunteer


# Where each step leads (whatever the state it leaves): repeating a step that took effect is a no-op.
_TARGETS = {
    action: {target for _source, a, target in Volunteer.TRANSITIONS.rows if a == action}
    for action in Volunteer.TRANSITIONS.actions
}


def _transition(
    *,
    actor: Actor,
    volunteer: Volunteer,
    action: str,
    verb: str,
    reason: str = "",
    now: datetime,
    stamp: str | None = None,
) -> Volunteer:
    volunteer = _locked(volunteer)
    _require_manager(actor, volunteer.team, _("You may not change this volunteer's status."))
    if volunteer.status in _TARGETS[action]:
        return volunteer  # the step already took effect
    to = volunteer.step(action)
    before = volunteer.status
    volunteer.status = to
    volunteer.status_reason = reason
    update = ["status", "status_reason", "updated_at"]
    if stamp:
        setattr(volunteer, stamp, now)
        update.append(stamp)
    volunteer.save(update_fields=update)
    audit_record(actor=actor, verb=verb, target=volunteer, changes={"status": [before, to]}, reason=reason)
    return volunteer


@transaction.atomic
def volunteer_vet(*, actor: Actor, volunteer: Volunteer, now: datetime | None = None) -> Volunteer:
    """Identity seen and the record check (consented to at application) passed."""
    return _transition(
        actor=actor, volunteer=volunteer, action="vet", verb="volunteer.vet",
        now=now or timezone.now(), stamp="vetted_at",
    )  # fmt: skip


@transaction.atomic
def volunteer_activate(*, actor: Actor, volunteer: Volunteer, now: datetime | None = None) -> Volunteer:
    """Activate a vetted volunteer, or reinstate a suspended one."""
    return _transition(
        actor=actor, volunteer=volunteer, action="activate",
        verb="volunteer.activate", now=now or timezone.now(), stamp="activated_at",
    )  # fmt: skip


@transaction.atomic
def volunteer_reject(
    *, actor: Actor, volunteer: Volunteer, reason: str, now: datetime | None = None
) -> Volunteer:
    return _transition(
        actor=actor, volunteer=volunteer, action="reject",
        verb="volunteer.reject", reason=_reason(reason), now=now or timezone.now(),
    )  # fmt: skip


@transaction.atomic
def volunteer_suspend(
    *, actor: Actor, volunteer: Volunteer, reason: str, now: datetime | None = None
) -> Volunteer:
    """A suspended volunteer cannot claim tasks; claims already held stay for the leader to judge."""
    return _transition(
        actor=actor, volunteer=volunteer, action="suspend",
        verb="volunteer.suspend", reason=_reason(reason), now=now or timezone.now(),
    )  # fmt: skip


@transaction.atomic
def volunteer_retire(
    *, actor: Actor, volunteer: Volunteer, reason: str, now: datetime | None = None
) -> Volunteer:
    return _transition(
        actor=actor, volunteer=volunteer, action="retire",
        verb="volunteer.retire", reason=_reason(reason), now=now or timezone.now(),
    )  # fmt: skip


UNMASKABLE_FIELDS = ("real_name", "phone", "id_number")


@transaction.atomic
def volunteer_unmask(*, actor: Actor, volunteer: Volunteer, field: str, reason: str) -> str:
    """One of a volunteer's personal data in clear, for a stated reason, written to the audit
    trail with who, when and why (PIPL art. 51). Only police with the unmask right over the
    team's area; never another volunteer, nor a team leader without that right."""
    reason = unmask_reason(field=field, fields=UNMASKABLE_FIELDS, reason=reason)
    volunteer = Volunteer.objects.select_related("team__region").get(pk=volunteer.pk)
    if not user_may_unmask_volunteer(actor, volunteer):
        raise PermissionDenied(_("You may not see this volunteer's data unmasked."))
    if field == "real_name":
        value = volunteer.real_name
    elif field == "phone":
        value = volunteer.phone
    else:
        value = pii_decrypt(volunteer.id_number_encrypted)
    unmask_record(actor=actor, target=volunteer, field=field, reason=reason)
    return value
