"""Handing alerts to the disputes app: the third call about the same matter, and an order
transferred to a dispute, open a case there (or attach to the open one) with an owner."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from disputes.services import PartyInput, dispute_attach_alert, dispute_register
from governance.pii import pii_decrypt
from stations.models import Alert


def alert_to_dispute_case(*, alert_id: int, related_ids: list[int] | None = None) -> int | None:
    """Open a dispute case for the alert, or attach it to the open case of a related alert.
    Returns the case's id. Safe to run twice: an alert already handed over is left alone."""
    alert = Alert.objects.select_related("village", "order__station").filter(pk=alert_id).first()
    if alert is None:
        return None
    if alert.dispute_id is not None:
        return alert.dispute_id
    related = list(Alert.objects.filter(pk__in=related_ids or []).order_by("received_at"))
    with transaction.atomic():
        for earlier in related:
            if earlier.dispute_id and dispute_attach_alert(
                dispute_id=earlier.dispute_id, alert_id=alert.pk, summary=alert.summary
            ):
                Alert.objects.filter(pk=alert.pk).update(dispute_id=earlier.dispute_id)
                return earlier.dispute_id
        order = getattr(alert, "order", None)
        station = order.station if order is not None else None
        parties = []
        if alert.caller_name or alert.caller_phone_encrypted:
            parties.append(
                PartyInput(
                    role="applicant",
                    name=alert.caller_name or "报警人",
                    phone=pii_decrypt(alert.caller_phone_encrypted) if alert.caller_phone_encrypted else "",
                )
            )
        dispute, _created = dispute_register(
            actor=None,
            channel="alert",
            category="other",  # the case's owner sets the dispute category at triage
            village_code=alert.village.code,
            summary=alert.summary,
            description=f"{alert.address}\n{alert.description}".strip(),
            parties=parties,
            risk="red" if alert.risk_level == Alert.Risk.RED else "yellow",
            source_alert_id=alert.pk,
            owner_agency_id=station.police_agency_id if station else None,
            idempotency_key=f"alert:{alert.pk}",
            now=timezone.now(),
        )
        Alert.objects.filter(pk__in=[alert.pk, *[a.pk for a in related if not a.dispute_id]]).update(
            dispute_id=dispute.pk
        )
    return dispute.pk
