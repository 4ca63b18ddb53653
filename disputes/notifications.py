"""Who hears about a case: the township of a new case, the tier a case is escalated to, the
mediator given it, the agency given a task, and the mediators when a deadline nears."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils.translation import gettext as _

from disputes.models import Agreement, Assignment, CaseTask, Dispute, Obligation, Tier
from governance.models import Membership, Region
from governance.models.regions import path_ancestors
from governance.services.notifications import notification_send

R = Membership.Role
_TIER_ROLES = {
    Tier.VILLAGE: [R.VILLAGE_CADRE],
    Tier.TOWNSHIP: [R.TOWNSHIP_OFFICIAL],
    Tier.COUNTY: [R.COUNTY_ADMIN],
}


def _link(dispute_id: int) -> str:
    return f"/disputes/{dispute_id}/"


def people_over(village: Region, roles: Iterable[str]) -> list[User]:
    """Active holders of ``roles`` whose area holds the village."""
    paths = [*path_ancestors(village.path), village.path]
    memberships = (
        Membership.objects.filter(role__in=list(roles), active=True)
        .filter(
            Q(scope__path__in=paths)
            | Q(scope__isnull=True, agency__region__path__in=paths)
            | Q(scope__isnull=True, agency__served_regions__path__in=paths)
        )
        .select_related("user")
        .distinct()
    )
    return list({m.user_id: m.user for m in memberships}.values())


def _mediator_users(dispute: Dispute) -> list[User]:
    return [
        a.mediator.user
        for a in Assignment.objects.filter(dispute=dispute, ended_at__isnull=True).select_related(
            "mediator__user"
        )
    ]


def notify_registered(*, dispute_id: int) -> int:
    dispute = Dispute.objects.select_related("village").filter(pk=dispute_id).first()
    if dispute is None:
        return 0
    recipients = people_over(dispute.village, [R.TOWNSHIP_OFFICIAL])
    for user in recipients:
        notification_send(
            recipient=user,
            title=_("New dispute %(number)s: %(summary)s")
            % {"number": dispute.number, "summary": dispute.summary},
            body=f"{dispute.village.name} · {dispute.get_category_display()}",
            link=_link(dispute.pk),
            kind="dispute.registered",
            idempotency_key=f"dispute:{dispute.pk}:registered:{user.pk}",
        )
    return len(recipients)


def notify_escalated(*, dispute_id: int) -> int:
    dispute = Dispute.objects.select_related("village").filter(pk=dispute_id).first()
    if dispute is None:
        return 0
    if dispute.tier == Tier.SECTOR and dispute.sector_agency_id:
        recipients = [
            m.user
            for m in Membership.objects.filter(
                agency_id=dispute.sector_agency_id, active=True
            ).select_related("user")
        ]
    else:
        recipients = people_over(dispute.village, _TIER_ROLES.get(Tier(min(dispute.tier, Tier.COUNTY)), []))
    recipients += [u for u in _mediator_users(dispute) if u not in recipients]
    for user in recipients:
        notification_send(
            recipient=user,
            title=_("Dispute escalated to %(tier)s: %(summary)s")
            % {"tier": dispute.get_tier_display(), "summary": dispute.summary},
            body=dispute.number,
            link=_link(dispute.pk),
            kind="dispute.escalated",
            # One message per escalation step and person, however often the task runs.
            idempotency_key=f"dispute:{dispute.pk}:escalated:{dispute.escalations}:{dispute.tier}:{user.pk}",
        )
    return len(recipients)


def notify_assigned(*, assignment_id: int) -> int:
    assignment = (
        Assignment.objects.select_related("dispute", "mediator__user").filter(pk=assignment_id).first()
    )
    if assignment is None or assignment.ended_at is not None:
        return 0
    dispute = assignment.dispute
    notification_send(
        recipient=assignment.mediator.user,
        title=_("Case assigned to you: %(summary)s") % {"summary": dispute.summary},
        body=dispute.number,
        link=_link(dispute.pk),
        kind="dispute.assigned",
        idempotency_key=f"assignment:{assignment.pk}",
    )
    return 1


def notify_case_task(*, task_id: int) -> int:
    task = CaseTask.objects.select_related("dispute").filter(pk=task_id).first()
    if task is None or task.done_at is not None:
        return 0
    members = Membership.objects.filter(agency_id=task.agency_id, active=True).select_related("user")
    users = list({m.user_id: m.user for m in members}.values())
    for user in users:
        notification_send(
            recipient=user,
            title=_("Task on a joint case: %(title)s") % {"title": task.title},
            body=task.dispute.number,
            link=_link(task.dispute_id),
            kind="dispute.task",
            idempotency_key=f"case-task:{task.pk}:{user.pk}",
        )
    return len(users)


def notify_reminders(*, kind: str, ids: list[int]) -> int:
    """Reminders marked by the reminder sweep; each goes out once per item and mediator."""
    items: list[tuple[Dispute, str, object]]
    if kind == "mediation":
        items = [
            (
                d,
                _("Mediation due by %(date)s") % {"date": f"{d.mediation_deadline:%Y-%m-%d}"},
                # An extended deadline is reminded again.
                f"{d.pk}-{d.mediation_deadline:%Y%m%d}",
            )
            for d in Dispute.objects.filter(pk__in=ids)
        ]
    elif kind == "obligation":
        items = [
            (
                o.agreement.dispute,
                _("Term due on %(date)s: %(term)s") % {"date": o.due_date, "term": o.description},
                o.pk,
            )
            for o in Obligation.objects.filter(pk__in=ids).select_related("agreement__dispute")
        ]
    else:
        items = [
            (
                a.dispute,
                _("Joint application for judicial confirmation due by %(date)s")
                % {"date": f"{a.jc_deadline:%Y-%m-%d}"},
                a.pk,
            )
            for a in Agreement.objects.filter(pk__in=ids).select_related("dispute")
        ]
    sent = 0
    for dispute, title, item_id in items:
        for user in _mediator_users(dispute):
            notification_send(
                recipient=user,
                title=f"{dispute.number}: {title}",
                link=_link(dispute.pk),
                kind=f"dispute.reminder.{kind}",
                idempotency_key=f"dispute-reminder:{kind}:{item_id}:{user.pk}",
            )
            sent += 1
    return sent
