"""Who hears what: a team's volunteers of a new task, the claimants of a task whose time or place
changed, a volunteer of his verified attendance. Each message is sent once (idempotency keys)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from governance.services.notifications import notification_send
from volunteers.models import Claim, Task, Volunteer

LINK_TASKS = "/volunteers/"
LINK_CLAIMS = "/volunteers/claims/"


def _when(task: Task) -> str:
    start, end = timezone.localtime(task.starts_at), timezone.localtime(task.ends_at)
    return f"{start:%m-%d %H:%M}–{end:%H:%M} · {task.place}"


def notify_task_published(*, task_id: int) -> int:
    task = Task.objects.filter(pk=task_id, status=Task.Status.PUBLISHED).first()
    if task is None:
        return 0
    volunteers = Volunteer.objects.filter(
        team_id=task.team_id, status=Volunteer.Status.ACTIVE, star__gte=task.min_star
    ).select_related("user")
    sent = 0
    for v in volunteers.iterator(chunk_size=500):
        notification_send(
            recipient=v.user,
            title=_("New task: %(title)s") % {"title": task.title},
            body=_when(task),
            link=LINK_TASKS,
            kind="volunteers.task_published",
            idempotency_key=f"vtask:{task.pk}:published:{v.user_id}",
        )
        sent += 1
    return sent


def notify_task_changed(*, task_id: int, version: int) -> int:
    task = Task.objects.filter(pk=task_id).first()
    if task is None:
        return 0
    claims = Claim.objects.filter(
        task=task, status=Claim.Status.CLAIMED, task_version__lt=version
    ).select_related("volunteer__user")
    sent = 0
    for claim in claims:
        notification_send(
            recipient=claim.volunteer.user,
            title=_("Task changed: %(title)s") % {"title": task.title},
            body=_("Now %(when)s. If this no longer suits you, you may withdraw without penalty.")
            % {"when": _when(task)},
            link=LINK_CLAIMS,
            kind="volunteers.task_changed",
            idempotency_key=f"vtask:{task.pk}:v{version}:{claim.volunteer.user_id}",
        )
        sent += 1
    return sent


def notify_task_cancelled(*, task_id: int) -> int:
    """To those whose claim the cancellation ended; it costs them nothing."""
    task = Task.objects.filter(pk=task_id, status=Task.Status.CANCELLED).first()
    if task is None:
        return 0
    claims = Claim.objects.filter(task=task, status=Claim.Status.CALLED_OFF).select_related("volunteer__user")
    sent = 0
    for claim in claims:
        notification_send(
            recipient=claim.volunteer.user,
            title=_("Task cancelled: %(title)s") % {"title": task.title},
            body=_("%(when)s. Reason: %(reason)s. Your claim ends without any penalty.")
            % {"when": _when(task), "reason": task.cancel_reason},
            link=LINK_CLAIMS,
            kind="volunteers.task_cancelled",
            idempotency_key=f"vtask:{task.pk}:cancelled:{claim.volunteer.user_id}",
        )
        sent += 1
    return sent


def notify_verified(*, claim_id: int) -> int:
    claim = (
        Claim.objects.filter(pk=claim_id, status=Claim.Status.VERIFIED)
        .select_related("task", "volunteer__user")
        .first()
    )
    if claim is None:
        return 0
    notification_send(
        recipient=claim.volunteer.user,
        title=_("Attendance verified: %(title)s") % {"title": claim.task.title},
        body=_("%(points)s points credited.") % {"points": claim.task.points},
        link="/volunteers/points/",
        kind="volunteers.verified",
        idempotency_key=f"vclaim:{claim.pk}:verified",
    )
    return 1


def notify_reminders(*, claim_ids: list[int]) -> int:
    """An hour before the start, to those still holding the claim."""
    claims = Claim.objects.filter(pk__in=claim_ids, status=Claim.Status.CLAIMED).select_related(
        "task", "volunteer__user"
    )
    sent = 0
    for claim in claims:
        notification_send(
            recipient=claim.volunteer.user,
            title=_("Soon: %(title)s") % {"title": claim.task.title},
            body=_when(claim.task),
            link=LINK_CLAIMS,
            kind="volunteers.reminder",
            idempotency_key=f"vclaim:{claim.pk}:reminder",
        )
        sent += 1
    return sent
