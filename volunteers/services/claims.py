"""Claiming a slot, cancelling, withdrawing after a change, no-shows, check-in and check-out on
site, and the leader's verification that credits the points.

Locks are always taken in one order, task -> volunteer -> claim, so two services never wait on
each other in a circle. Claiming locks the task row (its slots) and then the volunteer's row
(his other claims): hundreds pressing the button at once queue on the task row, and one
volunteer claiming two tasks at once queues on his own row, so neither the capacity nor the
no-overlap rule is checked against a stale picture.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.actors import Actor, user_of
from governance.background import on_commit_delay
from governance.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from governance.geo import distance_m
from governance.services.audit import audit_record
from volunteers.models import Certificate, Claim, PointsEntry, Task, Volunteer
from volunteers.selectors import user_may_manage_team

C = Claim.Status
# Five no-shows in twelve months suspend a volunteer (DESIGN.md section 5).
NO_SHOW_LIMIT = 5
# Check-in opens half an hour before the start; a phone's clock may run a little ahead.
CHECK_IN_EARLY = timedelta(minutes=30)
CLOCK_SKEW = timedelta(minutes=2)
# A check-in queued offline is accepted with its original time for this long.
OFFLINE_GRACE = timedelta(hours=24)
# Claimants are reminded this long before the start.
REMIND_BEFORE = timedelta(hours=1)
REMINDER_BATCH = 5000


def cancel_cutoff() -> timedelta:
    """How long before the start a claim may still be cancelled (``VOLUNTEER_CANCEL_CUTOFF_HOURS``,
    two hours by default): later, the pair on site counts on the volunteer."""
    return timedelta(hours=getattr(settings, "VOLUNTEER_CANCEL_CUTOFF_HOURS", 2))


def _own_volunteer(actor: Actor) -> Volunteer:
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Log in as a volunteer."))
    volunteer = Volunteer.objects.filter(user_id=actor.pk).first()
    if volunteer is None:
        raise PermissionDenied(_("Only volunteers claim tasks."))
    return volunteer


def _locked_claim(claim: Claim, *, lock_task: bool = False) -> Claim:
    if lock_task:
        Task.objects.select_for_update().filter(pk=claim.task_id).first()
    Volunteer.objects.select_for_update().filter(pk=claim.volunteer_id).first()
    return (
        Claim.objects.select_for_update(of=("self",))
        .select_related("task__team__region", "volunteer")
        .get(pk=claim.pk)
    )


@transaction.atomic
def task_claim(*, actor: Actor, task: Task, now: datetime | None = None) -> Claim:
    """Take a slot of a task. Claiming a task one holds returns that claim.

    Refused with the reason: not an active volunteer of the task's team, below the star level,
    without the required course, the task started or full, or overlapping a claim one holds."""
    now = now or timezone.now()
    volunteer = _own_volunteer(actor)
    task = Task.objects.select_for_update(of=("self",)).select_related("required_course").get(pk=task.pk)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    held = Claim.objects.filter(volunteer=volunteer, task=task, status__in=Claim.LIVE).first()
    if held is not None:
        return held
    if volunteer.team_id != task.team_id:
        raise PermissionDenied(_("This task is for another team."))
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise PermissionDenied(
            _("Only active volunteers claim tasks; you are %(status)s.")
            % {"status": volunteer.get_status_display()}
        )
    if not Task.TRANSITIONS.allows(task.status, "claim") or task.starts_at <= now:
        raise InvalidTransition(_("This task is no longer open."))
    if volunteer.star < task.min_star:
        raise PermissionDenied(
            _("This task needs %(stars)s stars; you have %(mine)s.")
            % {"stars": task.min_star, "mine": volunteer.star}
        )
    if (
        task.required_course_id
        and not Certificate.objects.filter(volunteer=volunteer, course_id=task.required_course_id).exists()
    ):
        assert task.required_course is not None
        raise PermissionDenied(
            _("This task needs the course “%(course)s”.") % {"course": task.required_course.title}
        )
    if task.taken >= task.capacity:
        raise Conflict(_("This task is full."))
    clash = (
        Claim.objects.filter(
            volunteer=volunteer,
            status__in=Claim.HOLDING,
            task__starts_at__lt=task.ends_at,
            task__ends_at__gt=task.starts_at,
        )
        .select_related("task")
        .first()
    )
    if clash is not None:
        raise Conflict(_("This overlaps “%(title)s”, which you already hold.") % {"title": clash.task.title})
    claim = Claim.objects.create(volunteer=volunteer, task=task, claimed_at=now, task_version=task.version)
    Task.objects.filter(pk=task.pk).update(taken=F("taken") + 1, updated_at=now)
    audit_record(actor=actor, verb="volunteer_claim.claim", target=claim, changes={"task": [None, task.pk]})
    return claim


def _release(claim: Claim, *, to: str, actor: Actor, now: datetime, verb: str, reason: str = "") -> Claim:
    before = claim.status
    claim.status = to
    claim.ended_at = now
    claim.save(update_fields=["status", "ended_at", "updated_at"])
    Task.objects.filter(pk=claim.task_id).update(taken=F("taken") - 1, updated_at=now)
    audit_record(actor=actor, verb=verb, target=claim, changes={"status": [before, to]}, reason=reason)
    return claim


def _require_own(actor: Actor, claim: Claim) -> None:
    if actor is None or not actor.is_authenticated or claim.volunteer.user_id != actor.pk:
        raise PermissionDenied(_("This is not your claim."))


@transaction.atomic
def claim_cancel(*, actor: Actor, claim: Claim, now: datetime | None = None) -> Claim:
    """The volunteer gives the slot back, before the cut-off. Cancelling twice is a no-op."""
    now = now or timezone.now()
    claim = _locked_claim(claim, lock_task=True)
    _require_own(actor, claim)
    if claim.status == C.CANCELLED:
        return claim
    claim.step("cancel")
    if now > claim.task.starts_at - cancel_cutoff():
        hours = cancel_cutoff().total_seconds() / 3600
        raise InvalidTransition(
            _("Claims can be cancelled up to %(hours)g hours before the start; ask your team leader.")
            % {"hours": hours}
        )
    return _release(claim, to=C.CANCELLED, actor=actor, now=now, verb="volunteer_claim.cancel")


@transaction.atomic
def claim_withdraw(*, actor: Actor, claim: Claim, now: datetime | None = None) -> Claim:
    """After the task's time or place changed, the volunteer may withdraw at any time before the
    end, without penalty."""
    now = now or timezone.now()
    claim = _locked_claim(claim, lock_task=True)
    _require_own(actor, claim)
    if claim.status == C.WITHDRAWN:
        return claim
    claim.step("withdraw")
    if not claim.task_changed:
        raise InvalidTransition(_("The task has not changed since you claimed it; cancel instead."))
    if now >= claim.task.ends_at:
        raise InvalidTransition(_("The task is over."))
    return _release(claim, to=C.WITHDRAWN, actor=actor, now=now, verb="volunteer_claim.withdraw")


@transaction.atomic
def claim_no_show(*, actor: Actor, claim: Claim, now: datetime | None = None) -> Claim:
    """The leader records that the volunteer did not come. The slot stays taken (the task is
    over); the fifth no-show in twelve months suspends the volunteer."""
    now = now or timezone.now()
    claim = _locked_claim(claim)
    if not user_may_manage_team(actor, claim.task.team):
        raise PermissionDenied(_("You may not record attendance for this task."))
    if claim.status == C.NO_SHOW:
        return claim
    claim.step("no_show")
    if now < claim.task.starts_at:
        raise InvalidTransition(_("The task has not started yet."))
    claim.status = C.NO_SHOW
    claim.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, verb="volunteer_claim.no_show", target=claim, changes={"status": [C.CLAIMED, C.NO_SHOW]}
    )
    volunteer = claim.volunteer
    count = Claim.objects.filter(
        volunteer=volunteer, status=C.NO_SHOW, task__starts_at__gte=now - timedelta(days=365)
    ).count()
    if count >= NO_SHOW_LIMIT and volunteer.status == Volunteer.Status.ACTIVE:
        reason = _("%(count)s no-shows in twelve months.") % {"count": count}
        Volunteer.objects.filter(pk=volunteer.pk).update(
            status=Volunteer.Status.SUSPENDED, status_reason=reason, updated_at=now
        )
        audit_record(
            actor=actor,
            verb="volunteer.suspend",
            target=volunteer,
            changes={"status": [Volunteer.Status.ACTIVE, Volunteer.Status.SUSPENDED]},
            reason=reason,
        )
    return claim


def _position(lng: float | None, lat: float | None) -> tuple[float, float]:
    if lng is None or lat is None or not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise ValidationFailed(
            _("Your phone's location is needed."),
            fields={"location": [_("Allow the page to use your location.")]},
        )
    return lng, lat


def _client_time(client_at: datetime | None, now: datetime) -> datetime:
    """The time the phone recorded (a check-in queued offline keeps it), within reason."""
    if client_at is None:
        return now
    if timezone.is_naive(client_at):
        raise ValidationFailed(
            _("The time must carry its time zone."), fields={"client_at": [_("Invalid time.")]}
        )
    if client_at > now + CLOCK_SKEW or client_at < now - OFFLINE_GRACE:
        raise ValidationFailed(
            _("The phone's time is not plausible; check its clock."),
            fields={"client_at": [_("Invalid time.")]},
        )
    return min(client_at, now)


def _distance_check(task: Task, lng: float, lat: float) -> int:
    metres = round(distance_m(lng, lat, task.lng, task.lat))
    if metres > task.radius_m:
        raise ValidationFailed(
            _("You are %(distance)s m from the task place; come within %(radius)s m.")
            % {"distance": metres, "radius": task.radius_m},
            fields={"location": [_("%(distance)s m away.") % {"distance": metres}]},
        )
    return metres


@transaction.atomic
def claim_check_in(
    *,
    actor: Actor,
    claim: Claim,
    lng: float | None,
    lat: float | None,
    client_at: datetime | None = None,
    now: datetime | None = None,
) -> Claim:
    """Check in on site: within the task's radius, from half an hour before the start to the end.
    A check-in queued offline is sent later with ``client_at``, the time it was made; that time is
    kept. Checking in twice is a no-op."""
    now = now or timezone.now()
    claim = _locked_claim(claim)
    _require_own(actor, claim)
    if claim.status in (C.CHECKED_IN, C.CHECKED_OUT, C.VERIFIED):
        return claim
    claim.step("check_in")
    lng, lat = _position(lng, lat)
    at = _client_time(client_at, now)
    task = claim.task
    if at < task.starts_at - CHECK_IN_EARLY:
        raise InvalidTransition(_("Check-in opens 30 minutes before the start."))
    if at >= task.ends_at:
        raise InvalidTransition(_("The task is over."))
    metres = _distance_check(task, lng, lat)
    return _on_site_record(claim, actor=actor, side="in", at=at, now=now, where=(lng, lat, metres))


def _on_site_record(
    claim: Claim,
    *,
    actor: Actor,
    side: str,
    at: datetime,
    now: datetime,
    where: tuple[float, float, int],
    also: tuple[str, ...] = (),
) -> Claim:
    """Record a check-in (``side="in"``) or check-out (``"out"``): the phone's time, the server's,
    the place and its distance from the task; then audit the move."""
    before, after = (C.CLAIMED, C.CHECKED_IN) if side == "in" else (C.CHECKED_IN, C.CHECKED_OUT)
    fields = [f"checked_{side}_at", f"check_{side}_received_at", f"check_{side}_lng", f"check_{side}_lat",
              f"check_{side}_distance_m"]  # fmt: skip
    for field, value in zip(fields, (at, now, *where), strict=True):
        setattr(claim, field, value)
    claim.status = after
    claim.save(update_fields=["status", *fields, *also, "updated_at"])
    audit_record(
        actor=actor, verb=f"volunteer_claim.check_{side}", target=claim, changes={"status": [before, after]}
    )
    return claim


def _served_minutes(task: Task, checked_in: datetime, checked_out: datetime) -> int:
    """Minutes on site inside the task's window."""
    start, end = max(checked_in, task.starts_at), min(checked_out, task.ends_at)
    return max(int((end - start).total_seconds() // 60), 0)


@transaction.atomic
def claim_check_out(
    *,
    actor: Actor,
    claim: Claim,
    lng: float | None,
    lat: float | None,
    client_at: datetime | None = None,
    now: datetime | None = None,
) -> Claim:
    """Check out on site; the minutes served inside the task's window are recorded for the leader
    to verify. Checking out twice is a no-op."""
    now = now or timezone.now()
    claim = _locked_claim(claim)
    _require_own(actor, claim)
    if claim.status in (C.CHECKED_OUT, C.VERIFIED):
        return claim
    claim.step("check_out")
    lng, lat = _position(lng, lat)
    at = _client_time(client_at, now)
    assert claim.checked_in_at is not None
    if at < claim.checked_in_at:
        raise ValidationFailed(
            _("Check-out cannot come before check-in."), fields={"client_at": [_("Invalid time.")]}
        )
    metres = _distance_check(claim.task, lng, lat)
    claim.minutes = _served_minutes(claim.task, claim.checked_in_at, at)
    return _on_site_record(
        claim, actor=actor, side="out", at=at, now=now, where=(lng, lat, metres), also=("minutes",)
    )


@transaction.atomic
def claim_verify(*, actor: Actor, claim: Claim, now: datetime | None = None, notify: bool = True) -> Claim:
    """The leader confirms attendance; the task's points are credited, exactly once (the claim's
    row lock, and a unique earn entry per claim behind it). Verifying twice is a no-op.
    ``notify=False`` is for back-filling history: the volunteer is not told, and the caller
    recomputes the stars once at the end (``star_recompute``) instead of once per claim."""
    now = now or timezone.now()
    claim = _locked_claim(claim)
    if not user_may_manage_team(actor, claim.task.team):
        raise PermissionDenied(_("You may not verify attendance for this task."))
    if claim.status == C.VERIFIED:
        return claim
    claim.step("verify")
    if actor is not None and claim.volunteer.user_id == actor.pk:
        raise PermissionDenied(_("Someone else must verify your own attendance."))
    claim.status = C.VERIFIED
    claim.verified_at = now
    claim.verified_by = user_of(actor)
    claim.save(update_fields=["status", "verified_at", "verified_by", "updated_at"])
    if claim.task.points:
        PointsEntry.objects.create(
            volunteer_id=claim.volunteer_id,
            kind=PointsEntry.Kind.EARN,
            amount=claim.task.points,
            reason=claim.task.title[:300],
            claim=claim,
            created_by=claim.verified_by,
            at=now,
        )
    audit_record(
        actor=actor,
        verb="volunteer_claim.verify",
        target=claim,
        changes={"status": [C.CHECKED_OUT, C.VERIFIED], "points": [0, claim.task.points]},
    )
    if notify:
        on_commit_delay("volunteers.notify_verified", claim.pk)
        on_commit_delay("volunteers.star_recompute", [claim.volunteer_id])
    return claim


def reminder_sweep(*, now: datetime | None = None) -> int:
    """Mark the claims starting within the hour that have not been reminded, and send the
    reminders after the commit. Overlapping sweeps may pick the same claim; the reminder's
    idempotency key sends it once. Returns how many were marked."""
    now = now or timezone.now()
    ids = list(
        Claim.objects.filter(
            status=C.CLAIMED,
            reminded_at__isnull=True,
            task__starts_at__gt=now,
            task__starts_at__lte=now + REMIND_BEFORE,
        ).values_list("pk", flat=True)[:REMINDER_BATCH]
    )
    if not ids:
        return 0
    with transaction.atomic():
        marked = Claim.objects.filter(pk__in=ids, reminded_at__isnull=True).update(reminded_at=now)
        on_commit_delay("volunteers.notify_reminders", ids)
    return marked
