"""Celery adapters of the stations app (queue ``dispatch``)."""

from __future__ import annotations

from celery import shared_task

from stations import notifications, services
from stations.services import summons


@shared_task(name="stations.notify_new_order", acks_late=True)
def notify_new_order_task(order_id: int) -> int:
    return notifications.notify_new_order(order_id=order_id)


@shared_task(name="stations.notify_village_report", acks_late=True)
def notify_village_report_task(order_id: int) -> int:
    return notifications.notify_village_report(order_id=order_id)


@shared_task(name="stations.escalate_breaches", acks_late=True)
def escalate_breaches_task(breach_ids: list[int]) -> int:
    return sum(notifications.escalate_breach(breach_id=pk) for pk in breach_ids)


@shared_task(name="stations.escalate_red_risk", acks_late=True)
def escalate_red_risk_task(alert_id: int) -> int:
    return notifications.escalate_red_risk(alert_id=alert_id)


@shared_task(name="stations.notify_redirect", acks_late=True)
def notify_redirect_task(order_id: int) -> int:
    return notifications.notify_redirect(order_id=order_id)


@shared_task(name="stations.sla_sweep", acks_late=True)
def sla_sweep_task() -> int:
    return services.sla_sweep()


@shared_task(name="stations.notify_summons", acks_late=True)
def notify_summons_task(summons_id: int, wave: int = 0) -> int:
    return summons.summons_notify(summons_id=summons_id, wave=wave)


@shared_task(name="stations.summons_sweep", acks_late=True)
def summons_sweep_task() -> int:
    return summons.summons_sweep()


@shared_task(name="stations.open_dispute_case", acks_late=True)
def open_dispute_case_task(alert_id: int, related_ids: list[int]) -> int | None:
    from stations.services.dispute_cases import alert_to_dispute_case

    return alert_to_dispute_case(alert_id=alert_id, related_ids=related_ids)
