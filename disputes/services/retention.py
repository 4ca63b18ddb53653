"""Retention of personal data in dispute cases (PIPL art. 19 and 47: kept no longer than the
purpose needs). A case ended more than ``DISPUTE_RETENTION_DAYS`` ago is anonymised: the parties'
names, phones, ID numbers and households go, and so do the free texts that tell their story
(summary, description, minutes, the agreement's facts, notes). What the statistics count stays:
the case number, category, village and county, channel, status, tier, dates, amounts, risk and
the number of people involved, so the figures and the peace index read the same afterwards.

The audit trail is append-only and keeps what it recorded; it holds no clear ID numbers or
phones (those are masked before they are logged).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from disputes.models import (
    Agreement,
    Assignment,
    CaseTask,
    Dispute,
    DisputeEvent,
    FollowUp,
    Obligation,
    Party,
    ScreeningVisit,
    Session,
)
from governance.services.audit import audit_record_many


def retention_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=settings.DISPUTE_RETENTION_DAYS)


@transaction.atomic
def _anonymise_batch(ids: list[int], *, now: datetime) -> int:
    # Claimed with a conditional update: a second job, or a reopened case, is never touched twice.
    claimed = list(
        Dispute.objects.select_for_update()
        .filter(pk__in=ids, anonymised_at__isnull=True, status__in=Dispute.ENDED_STATUSES)
        .values_list("pk", "number")
    )
    if not claimed:
        return 0
    pks = [pk for pk, _ in claimed]
    Dispute.objects.filter(pk__in=pks).update(
        summary="", description="", other_process_status="", triage_reason="", advised_route="",
        anonymised_at=now, updated_at=now,
    )  # fmt: skip
    Party.objects.filter(dispute_id__in=pks).update(
        name="", phone_encrypted="", phone_hash="", id_number_encrypted="", id_number_hash="",
        household_code="", note="",
    )  # fmt: skip
    Session.objects.filter(dispute_id__in=pks).update(attendees="", minutes="", place="")
    Agreement.objects.filter(dispute_id__in=pks).update(facts="", responsibilities="", jc_note="")
    Obligation.objects.filter(agreement__dispute_id__in=pks).update(
        description="", method="", breach_note="", next_route=""
    )
    FollowUp.objects.filter(dispute_id__in=pks).update(note="")
    CaseTask.objects.filter(dispute_id__in=pks).update(title="", done_note="")
    Assignment.objects.filter(dispute_id__in=pks).update(end_note="")
    DisputeEvent.objects.filter(dispute_id__in=pks).update(note="", data={})
    ScreeningVisit.objects.filter(dispute_id__in=pks).update(household="", note="")
    audit_record_many(
        actor=None,
        verb="dispute.anonymise",
        model=Dispute,
        items=[(pk, number, {"anonymised_at": [None, now.isoformat()]}) for pk, number in claimed],
        reason="retention period over",
    )
    return len(pks)


def disputes_anonymise_expired(*, now: datetime | None = None, batch_size: int = 200) -> int:
    """Anonymise every case that ended before the retention cut-off; returns how many. Batches of
    ``batch_size`` cases, each in its own transaction, in set-based updates."""
    now = now or timezone.now()
    due = (
        Dispute.objects.filter(
            anonymised_at__isnull=True,
            status__in=Dispute.ENDED_STATUSES,
            closed_at__lt=retention_cutoff(now),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done, last_pk = 0, 0
    while True:
        ids = list(due.filter(pk__gt=last_pk)[:batch_size])
        if not ids:
            return done
        last_pk = ids[-1]
        done += _anonymise_batch(ids, now=now)
