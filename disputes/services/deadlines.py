"""Deadlines that run in Celery from stored timestamps: the tiers' time boxes (escalation) and
the reminders before the 30-day mediation limit, a term's due date and the judicial
confirmation deadline.

Set-based: each sweep is a handful of UPDATE ... RETURNING statements, whatever the number of
cases, and safe to run in two processes at once (a second UPDATE finds the rows already moved).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from disputes.models import Agreement, Dispute, DisputeEvent, Obligation, Tier, TierPolicy
from disputes.selectors import DEFAULT_TIME_BOX_DAYS
from governance.background import on_commit_delay
from governance.middleware import client_ip_var, request_id_var
from governance.models import AuditEvent
from governance.services.audit import audit_record_many

S = Dispute.Status
# Cases whose tier clock runs: accepted and not yet resolved by a signed agreement.
TIMED_STATUSES = (S.ACCEPTED, S.ASSIGNED, S.IN_MEDIATION, S.AGREEMENT, S.REOPENED)
NOTIFY_BATCH = 200
# How long before a deadline the people on the case are reminded.
MEDIATION_REMINDER = timedelta(days=3)
OBLIGATION_REMINDER_DAYS = 3
CONFIRMATION_REMINDER = timedelta(days=5)


def _box_case(tier: int, now: datetime) -> tuple[str, list[Any]]:
    """SQL for the new tier's deadline, per county: CASE county_id WHEN ... ELSE default END."""
    default_days = DEFAULT_TIME_BOX_DAYS[Tier(tier)]
    policies = TierPolicy.objects.filter(tier=tier).values_list("county_id", "time_box_days")
    params: list[Any] = []
    whens = []
    for county_id, days in policies:
        if county_id is None:
            default_days = days
        else:
            whens.append("WHEN %s THEN %s")
            params += [county_id, now + timedelta(days=days)]
    default = now + timedelta(days=default_days)
    if not whens:
        return "%s", [default]
    return f"CASE county_id {' '.join(whens)} ELSE %s END", [*params, default]


def _statuses_sql() -> tuple[str, list[Any]]:
    return ", ".join(["%s"] * len(TIMED_STATUSES)), list(TIMED_STATUSES)


def escalation_sweep(*, now: datetime | None = None) -> int:
    """Move every case whose tier's time box passed one tier up, with a new time box; a case
    whose county time box passes becomes a key case, its clock stopped (nothing is above the
    county but the sector authority, which a person names). Returns how many cases moved."""
    now = now or timezone.now()
    table = Dispute._meta.db_table
    statuses, status_params = _statuses_sql()
    moved = 0
    with transaction.atomic():
        for tier in (Tier.VILLAGE, Tier.TOWNSHIP):
            box_sql, box_params = _box_case(tier + 1, now)
            moved += _move(
                f"UPDATE {table} SET tier = %s, escalations = escalations + 1, "  # noqa: S608 - names from the model
                f"key_case = (key_case OR %s), tier_deadline = {box_sql}, updated_at = %s "
                f"WHERE tier = %s AND tier_deadline <= %s AND status IN ({statuses}) RETURNING id",
                [tier + 1, tier + 1 >= Tier.COUNTY, *box_params, now, tier, now, *status_params],
                verb="escalated",
                now=now,
                data={"from_tier": int(tier), "to_tier": int(tier + 1), "reasons": ["time_box"]},
            )
        moved += _move(
            f"UPDATE {table} SET key_case = %s, tier_deadline = NULL, updated_at = %s "  # noqa: S608
            f"WHERE tier >= %s AND tier_deadline <= %s AND status IN ({statuses}) RETURNING id",
            [True, now, Tier.COUNTY, now, *status_params],
            verb="time_box_passed",
            now=now,
            data={"reasons": ["time_box"]},
        )
    return moved


def _move(update_sql: str, params: list[Any], *, verb: str, now: datetime, data: dict[str, Any]) -> int:
    """Run one ``UPDATE ... RETURNING id`` and record a timeline event and an audit event for each
    case it moved. On PostgreSQL the events are written by the same statement (data-modifying
    CTEs), so the database never sends the rows back to be inserted one by one; elsewhere (the
    embedded SQLite) through the ORM in batches."""
    changes = {"tier": [data.get("from_tier"), data.get("to_tier")]}
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(update_sql, params)
            ids = [int(row[0]) for row in cursor.fetchall()]
        if ids:
            DisputeEvent.objects.bulk_create(
                (DisputeEvent(dispute_id=pk, at=now, verb=verb, data=data) for pk in ids), batch_size=2000
            )
            audit_record_many(
                actor=None,
                verb=f"dispute.{verb}",
                model=Dispute,
                items=[(pk, f"#{pk}", changes) for pk in ids],
            )
    else:
        events, audit = DisputeEvent._meta.db_table, AuditEvent._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH moved AS ({update_sql}), "  # noqa: S608 - table names from the models, values bound
                f"ev AS (INSERT INTO {events} (dispute_id, at, actor_id, verb, from_status, to_status, note, data) "
                "SELECT id, %s, NULL, %s, '', '', '', %s::jsonb FROM moved), "
                f"au AS (INSERT INTO {audit} (at, actor_id, actor_repr, verb, target_type_id, target_id, "
                "target_repr, changes, reason, request_id, ip) "
                "SELECT %s, NULL, 'system', %s, %s, id::text, '#' || id::text, %s::jsonb, '', %s, %s::inet FROM moved) "
                "SELECT id FROM moved",
                [
                    *params,
                    now,
                    verb,
                    json.dumps(data),
                    now,
                    f"dispute.{verb}",
                    ContentType.objects.get_for_model(Dispute).pk,
                    json.dumps(changes),
                    request_id_var.get(),
                    client_ip_var.get(),
                ],
            )
            ids = [int(row[0]) for row in cursor.fetchall()]
    for start in range(0, len(ids), NOTIFY_BATCH):
        on_commit_delay("disputes.notify_escalated", ids[start : start + NOTIFY_BATCH])
    return len(ids)


def reminder_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Mark and send each reminder once: the mediation limit near, a term due, the judicial
    confirmation deadline near."""
    now = now or timezone.now()
    counts = {}
    with transaction.atomic():
        mediation = list(
            Dispute.objects.select_for_update(skip_locked=True)
            .filter(
                status__in=TIMED_STATUSES,
                mediation_deadline__lte=now + MEDIATION_REMINDER,
                deadline_reminded_at__isnull=True,
            )
            .values_list("pk", flat=True)
        )
        Dispute.objects.filter(pk__in=mediation).update(deadline_reminded_at=now)
        obligations = list(
            Obligation.objects.select_for_update(skip_locked=True)
            .filter(
                status=Obligation.Status.PENDING,
                due_date__lte=timezone.localdate(now) + timedelta(days=OBLIGATION_REMINDER_DAYS),
                reminded_at__isnull=True,
            )
            .values_list("pk", flat=True)
        )
        Obligation.objects.filter(pk__in=obligations).update(reminded_at=now)
        confirmations = list(
            Agreement.objects.select_for_update(skip_locked=True)
            .filter(
                signed_at__isnull=False,
                jc_status="",
                jc_deadline__lte=now + CONFIRMATION_REMINDER,
                jc_deadline__gt=now,
                jc_reminded_at__isnull=True,
            )
            .values_list("pk", flat=True)
        )
        Agreement.objects.filter(pk__in=confirmations).update(jc_reminded_at=now)
        for kind, ids in (
            ("mediation", mediation),
            ("obligation", obligations),
            ("confirmation", confirmations),
        ):
            counts[kind] = len(ids)
            for start in range(0, len(ids), NOTIFY_BATCH):
                on_commit_delay("disputes.notify_reminders", kind, ids[start : start + NOTIFY_BATCH])
    return counts
