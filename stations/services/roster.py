"""The station's 24-hour duty roster: who is on duty when.

Writes lock the station row first. The overlap rule is about shifts that may not exist yet, so
there is no shift row to lock; the station row is the one every roster write of that station
passes through, which makes "check for an overlap, then insert" safe against a second editor
adding an overlapping shift for the same person at the same moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.actors import Actor
from governance.errors import InvalidTransition, PermissionDenied, ValidationFailed
from governance.models import Membership
from governance.services.audit import audit_record
from stations.models import DutyShift, Station
from stations.selectors import STATION_ROLES, user_may_act_on

MAX_SHIFT = timedelta(hours=24)
# Shown first on the dashboard: who leads the duty, then officers, auxiliaries, partners.
ROLE_ORDER = [DutyShift.Role.LEADER, DutyShift.Role.OFFICER, DutyShift.Role.AUXILIARY, DutyShift.Role.PARTNER]


def roster_agency_ids(station: Station) -> set[int]:
    """The station's police agency and the agencies stationed there: their staff may be rostered."""
    return {station.police_agency_id, *station.stationed_agencies.values_list("pk", flat=True)}


def roster_members(station: Station) -> QuerySet[User]:
    """People who may be put on the station's roster: active station staff (officer, auxiliary,
    commander) of its police agency or of an agency stationed there."""
    ids = Membership.objects.filter(
        agency_id__in=roster_agency_ids(station),
        role__in=STATION_ROLES,
        active=True,
        agency__active=True,
        user__is_active=True,
    ).values("user_id")
    return User.objects.filter(pk__in=ids).select_related("profile").order_by("profile__real_name", "pk")


def _require_roster_editor(actor: Actor, station: Station) -> None:
    # ``actor`` None is the platform itself (an import, the demo data), as for alert intake.
    if actor is not None and not user_may_act_on(actor, station):
        raise PermissionDenied(
            _("Only the staff of %(station)s or a shift commander covering it may change its roster.")
            % {"station": station.name}
        )


@transaction.atomic
def duty_shift_add(
    *,
    actor: Actor,
    station: Station,
    person: User,
    role: str,
    starts_at: datetime,
    ends_at: datetime,
) -> DutyShift:
    """Put ``person`` on the station's duty roster from ``starts_at`` to ``ends_at`` (at most
    24 hours). The same shift added again is returned unchanged; a shift overlapping another of
    the same person at this station is refused."""
    station = Station.objects.select_for_update().select_related("region").get(pk=station.pk)
    _require_roster_editor(actor, station)
    fields: dict[str, list[str]] = {}
    if role not in DutyShift.Role.values:
        fields["role"] = [_("Choose a duty role.")]
    if timezone.is_naive(starts_at):
        fields["starts_at"] = [_("Give a time with its time zone.")]
    if timezone.is_naive(ends_at):
        fields["ends_at"] = [_("Give a time with its time zone.")]
    elif "starts_at" not in fields:
        if ends_at <= starts_at:
            fields["ends_at"] = [_("The shift must end after it starts.")]
        elif ends_at - starts_at > MAX_SHIFT:
            fields["ends_at"] = [_("A shift lasts at most 24 hours.")]
    if not roster_members(station).filter(pk=person.pk).exists():
        # Not named: a user id sent through the API must not give back whose it is.
        fields["person"] = [_("This person is not on the staff of %(station)s.") % {"station": station.name}]
    if fields:
        raise ValidationFailed(_("The shift is not valid."), fields=fields)

    # Read under the station lock: a concurrent add for this station waits until we commit.
    overlapping = list(
        DutyShift.objects.filter(
            station=station, person=person, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).order_by("starts_at")
    )
    for shift in overlapping:
        if (shift.starts_at, shift.ends_at, shift.role) == (starts_at, ends_at, role):
            return shift  # a repeated request (a double tap, a retry) adds nothing
    if overlapping:
        other = overlapping[0]
        raise ValidationFailed(
            _("The shift is not valid."),
            fields={
                "starts_at": [
                    _("%(person)s is already on duty here from %(start)s to %(end)s.")
                    % {
                        "person": display_name(person),
                        "start": _local(other.starts_at),
                        "end": _local(other.ends_at),
                    }
                ]
            },
        )
    shift = DutyShift.objects.create(
        station=station, person=person, role=role, starts_at=starts_at, ends_at=ends_at
    )
    audit_record(
        actor=actor,
        verb="duty_shift.add",
        target=shift,
        changes={
            "station": [None, station.pk],
            "person": [None, person.pk],
            "role": [None, role],
            "starts_at": [None, starts_at.isoformat()],
            "ends_at": [None, ends_at.isoformat()],
        },
    )
    return shift


@transaction.atomic
def duty_shift_remove(*, actor: Actor, shift: DutyShift, now: datetime | None = None) -> None:
    """Take a shift off the roster. Removing it twice is a no-op. A shift that has ended is the
    record of who was on duty and stays."""
    station = Station.objects.select_for_update().select_related("region").get(pk=shift.station_id)
    _require_roster_editor(actor, station)
    current = DutyShift.objects.filter(pk=shift.pk).first()
    if current is None:
        return
    if current.ends_at <= (now or timezone.now()):
        raise InvalidTransition(
            _("A shift that has ended is the record of who was on duty; it cannot be removed.")
        )
    audit_record(
        actor=actor,
        verb="duty_shift.remove",
        target=current,
        changes={
            "station": [station.pk, None],
            "person": [current.person_id, None],
            "role": [current.role, None],
            "starts_at": [current.starts_at.isoformat(), None],
            "ends_at": [current.ends_at.isoformat(), None],
        },
    )
    current.delete()


def on_duty_now(station: Station, now: datetime | None = None) -> list[DutyShift]:
    """Who is on duty at the station at ``now``: the duty leader first (one query)."""
    now = now or timezone.now()
    shifts = DutyShift.objects.filter(station=station, starts_at__lte=now, ends_at__gt=now).select_related(
        "person__profile"
    )
    return sorted(shifts, key=lambda s: (_role_rank(s.role), s.starts_at, s.pk))


def _role_rank(role: str) -> int:
    return ROLE_ORDER.index(DutyShift.Role(role)) if role in DutyShift.Role.values else len(ROLE_ORDER)


def display_name(user: User) -> str:
    """A staff member as the roster names them: the real name, else the username."""
    profile = getattr(user, "profile", None)
    return profile.real_name if profile is not None and profile.real_name else user.get_username()


def _local(at: datetime) -> str:
    return timezone.localtime(at).strftime("%m-%d %H:%M")
