"""Publishing tasks, editing them, and generating the occurrences of recurring ones.

An edit of the time or the place bumps the task's version: the claimants are told (after the
commit) and may withdraw without penalty, since they signed up for something else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.actors import Actor, user_of
from governance.background import on_commit_delay
from governance.errors import InvalidTransition, PermissionDenied, ValidationFailed
from governance.idempotency import idempotent
from governance.services.audit import audit_record, diff, snapshot
from volunteers.models import Claim, Course, Task, Team
from volunteers.selectors import user_may_manage_team

# Occurrences of a recurring task are generated this far ahead: volunteers plan about two weeks.
HORIZON_DAYS = 14
_EDITABLE = ("title", "description", "starts_at", "ends_at", "place", "lng", "lat", "radius_m",
             "capacity", "min_star", "points")  # fmt: skip
# A change to these means the claimant signed up for something else.
_MATERIAL = ("starts_at", "ends_at", "place", "lng", "lat")


@dataclass
class TaskInput:
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    lng: float
    lat: float
    capacity: int
    points: int
    description: str = ""
    radius_m: int = 300
    min_star: int = 0
    required_course: Course | None = None
    recurrence: str = ""
    repeat_until: date | None = None


def _check(values: dict[str, Any], *, taken: int = 0) -> None:
    errors: dict[str, list[str]] = {}
    if "kind" in values and values["kind"] not in Task.Kind.values:
        errors["kind"] = [_("Choose a task type.")]
    if not str(values.get("title", "x")).strip():
        errors["title"] = [_("This field is required.")]
    if not str(values.get("place", "x")).strip():
        errors["place"] = [_("This field is required.")]
    if values["ends_at"] <= values["starts_at"]:
        errors["ends_at"] = [_("The end must come after the start.")]
    if values["ends_at"] - values["starts_at"] > timedelta(hours=24):
        errors["ends_at"] = [_("A task lasts at most 24 hours; make it recurring instead.")]
    if values["capacity"] < 2:
        # Volunteers have no police powers and never work alone on site.
        errors["capacity"] = [_("Volunteers work in pairs: at least two people.")]
    elif values["capacity"] < taken:
        errors["capacity"] = [
            _("%(taken)s slots are already taken; the capacity cannot go below that.") % {"taken": taken}
        ]
    if not (-180 <= values["lng"] <= 180 and -90 <= values["lat"] <= 90):
        errors["lng"] = [_("The place's coordinates are not valid.")]
    if not 20 <= values["radius_m"] <= 5000:
        errors["radius_m"] = [_("The check-in radius must be between 20 and 5,000 metres.")]
    if not 0 <= values["min_star"] <= 5:
        errors["min_star"] = [_("Stars go from 0 to 5.")]
    if not 0 <= values["points"] <= 1000:
        errors["points"] = [_("Points go from 0 to 1,000.")]
    if values.get("recurrence"):
        if values["recurrence"] not in Task.Recurrence.values:
            errors["recurrence"] = [_("Choose how the task repeats.")]
        until = values.get("repeat_until")
        if until is None or until < timezone.localdate(values["starts_at"]):
            errors["repeat_until"] = [_("Say until when the task repeats.")]
        elif until > timezone.localdate(values["starts_at"]) + timedelta(days=366):
            errors["repeat_until"] = [_("A task repeats for a year at most.")]
    if errors:
        raise ValidationFailed(_("The task is not valid."), fields=errors)


@transaction.atomic
def task_publish(
    *, actor: Actor, team: Team, data: TaskInput, idempotency_key: str | None = None, notify: bool = True
) -> tuple[Task, bool]:
    """Publish a task for a team. Returns (task, created); the publisher's own
    ``idempotency_key`` again with the same task returns the first (``governance.idempotency``).
    ``notify=False`` is for back-filling history: the team is not told of a task long over."""
    if not user_may_manage_team(actor, team):
        raise PermissionDenied(_("You may not publish tasks for this team."))

    def publish() -> Task:
        values = {k: getattr(data, k) for k in TaskInput.__dataclass_fields__}
        for key in ("title", "place", "description"):
            values[key] = str(values[key]).strip()
        _check(values)
        if not values["recurrence"]:
            values["repeat_until"] = None
        task = Task.objects.create(team=team, published_by=user_of(actor), **values)
        audit_record(
            actor=actor,
            verb="volunteer_task.publish",
            target=task,
            changes=diff({}, snapshot(task, _EDITABLE)),
        )
        if task.recurrence:
            on_commit_delay("volunteers.generate_occurrences", task.pk)
        if notify:
            on_commit_delay("volunteers.notify_task_published", task.pk)
        return task

    return idempotent(
        actor=actor,
        operation="volunteers.task.publish",
        key=idempotency_key,
        body={"team": team, "task": data},
        run=publish,
    )


@transaction.atomic
def task_edit(*, actor: Actor, task: Task, changes: dict[str, Any]) -> Task:
    """Change a published task. A change of time or place is announced to the claimants, who may
    then withdraw without penalty."""
    task = Task.objects.select_for_update(of=("self",)).select_related("team__region").get(pk=task.pk)
    if not user_may_manage_team(actor, task.team):
        raise PermissionDenied(_("You may not edit this task."))
    task.step("edit")
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise ValidationFailed(
            _("The task is not valid."),
            fields={k: [_("This field cannot be changed.")] for k in sorted(unknown)},
        )
    before = snapshot(task, _EDITABLE)
    values = {k: getattr(task, k) for k in _EDITABLE} | changes
    _check(values, taken=task.taken)
    for key, value in changes.items():
        setattr(task, key, value)
    changed = diff(before, snapshot(task, _EDITABLE))
    if not changed:
        return task
    update = [*changed, "updated_at"]
    material = any(k in changed for k in _MATERIAL)
    if material:
        task.version += 1
        update.append("version")
    task.save(update_fields=update)
    audit_record(actor=actor, verb="volunteer_task.edit", target=task, changes=changed)
    if material:
        on_commit_delay("volunteers.notify_task_changed", task.pk, task.version)
    return task


@transaction.atomic
def task_cancel(
    *, actor: Actor, task: Task, reason: str, now: datetime | None = None, notify: bool = True
) -> Task:
    """The publisher calls a task off before it starts. Its claims end (``called_off``) without
    any penalty, the slots are released, and the claimants are told after the commit with the
    reason. Cancelling twice is a no-op. Occurrences already generated from a recurring task are
    separate tasks and stay; a cancelled series generates no more."""
    now = now or timezone.now()
    task = Task.objects.select_for_update(of=("self",)).select_related("team__region").get(pk=task.pk)
    if not user_may_manage_team(actor, task.team):
        raise PermissionDenied(_("You may not cancel this task."))
    if task.status == Task.Status.CANCELLED:
        return task
    task.step("cancel")
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        raise ValidationFailed(
            _("Say why the task is cancelled."),
            fields={"reason": [_("Give a reason (at most 300 characters).")]},
        )
    if task.starts_at <= now:
        raise InvalidTransition(_("The task has started: record the attendance instead."))
    # The task's row lock keeps new claims out; a check-in (possible from half an hour before the
    # start) that commits meanwhile is called off too.
    released = Claim.objects.filter(task=task, status__in=Claim.TRANSITIONS.sources("call_off")).update(
        status=Claim.Status.CALLED_OFF, ended_at=now, updated_at=now
    )
    task.status = Task.Status.CANCELLED
    task.cancelled_at = now
    task.cancel_reason = reason
    task.taken = max(task.taken - released, 0)
    task.save(update_fields=["status", "cancelled_at", "cancel_reason", "taken", "updated_at"])
    audit_record(
        actor=actor,
        verb="volunteer_task.cancel",
        target=task,
        changes={"status": [Task.Status.PUBLISHED, Task.Status.CANCELLED], "claims": [released, 0]},
        reason=reason,
    )
    if notify and released:
        on_commit_delay("volunteers.notify_task_cancelled", task.pk)
    return task


def _school_day(day: date) -> bool:
    """Monday to Friday, except the dates a county lists in ``VOLUNTEER_NO_SCHOOL_DATES``
    (holidays and vacations, ISO dates)."""
    closed = set(getattr(settings, "VOLUNTEER_NO_SCHOOL_DATES", ()))
    return day.weekday() < 5 and day.isoformat() not in closed


def _occurs(task: Task, day: date, first: date) -> bool:
    if task.recurrence == Task.Recurrence.SCHOOL_DAYS:
        return _school_day(day)
    if task.recurrence == Task.Recurrence.WEEKLY:
        return (day - first).days % 7 == 0
    return task.recurrence == Task.Recurrence.DAILY


@transaction.atomic
def occurrences_generate(
    *, task_id: int, now: datetime | None = None, horizon_days: int = HORIZON_DAYS
) -> int:
    """Create the occurrences of a recurring task from tomorrow of its first day up to the horizon
    (and its end date). Safe to run again: (series, start) is unique, so nothing is made twice.
    Returns how many were created."""
    now = now or timezone.now()
    task = Task.objects.filter(pk=task_id, series__isnull=True, status=Task.Status.PUBLISHED).first()
    if task is None or not task.recurrence or task.repeat_until is None:
        return 0
    start_local = timezone.localtime(task.starts_at)
    first = start_local.date()
    last = min(task.repeat_until, timezone.localdate(now) + timedelta(days=horizon_days))
    duration = task.ends_at - task.starts_at
    rows = []
    day = first + timedelta(days=1)
    while day <= last:
        if _occurs(task, day, first):
            starts = start_local.replace(year=day.year, month=day.month, day=day.day)
            rows.append(
                Task(
                    team_id=task.team_id,
                    kind=task.kind,
                    title=task.title,
                    description=task.description,
                    starts_at=starts,
                    ends_at=starts + duration,
                    place=task.place,
                    lng=task.lng,
                    lat=task.lat,
                    radius_m=task.radius_m,
                    capacity=task.capacity,
                    min_star=task.min_star,
                    required_course_id=task.required_course_id,
                    points=task.points,
                    series=task,
                    published_by_id=task.published_by_id,
                )
            )
        day += timedelta(days=1)
    existing = set(Task.objects.filter(series=task).values_list("starts_at", flat=True))
    fresh = [t for t in rows if t.starts_at not in existing]
    Task.objects.bulk_create(fresh, ignore_conflicts=True)
    if fresh:
        audit_record(
            actor=None,
            verb="volunteer_task.generate",
            target=task,
            changes={"occurrences": [None, len(fresh)]},
        )
    return len(fresh)


def occurrences_sweep(*, now: datetime | None = None) -> int:
    """Extend every recurring task that is still running up to the horizon."""
    now = now or timezone.now()
    ids = (
        Task.objects.filter(
            series__isnull=True,
            status=Task.Status.PUBLISHED,
            repeat_until__gte=timezone.localdate(now),
        )
        .exclude(recurrence="")
        .values_list("pk", flat=True)
    )
    return sum(occurrences_generate(task_id=pk, now=now) for pk in ids)
