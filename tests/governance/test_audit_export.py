"""The audit trail exported for an inspection: the period's events, in order, whole."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from governance.models import AuditEvent
from governance.services.audit import audit_record

pytestmark = pytest.mark.django_db
TZ = timezone.get_fixed_timezone(8 * 60)


def record(at: datetime, verb: str) -> None:
    with time_machine.travel(at, tick=False), transaction.atomic():
        audit_record(actor=None, verb=verb, changes={"名称": ["旧", "新"]}, reason="核查")


def test_the_period_is_exported_in_order_with_its_digest(tmp_path):
    record(datetime(2026, 3, 31, 23, 59, tzinfo=TZ), "before")
    record(datetime(2026, 4, 1, 0, 0, tzinfo=TZ), "first")
    record(datetime(2026, 4, 15, 12, 0, tzinfo=TZ), "second")
    record(datetime(2026, 5, 1, 0, 0, tzinfo=TZ), "after")
    out, stdout = tmp_path / "audit.csv", StringIO()
    call_command("audit_export", since="2026-04-01", until="2026-05-01", output=str(out), stdout=stdout)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["verb"] for r in rows] == ["first", "second"]
    assert json.loads(rows[0]["changes"]) == {"名称": ["旧", "新"]} and rows[0]["reason"] == "核查"
    assert rows[0]["at"] == "2026-04-01T00:00:00+08:00"
    assert stdout.getvalue().endswith(f"sha256 {hashlib.sha256(out.read_bytes()).hexdigest()}\n")
    assert stdout.getvalue().startswith("2 audit events")


def test_json_lines_and_a_bad_period_is_refused(tmp_path):
    record(timezone.now() - timedelta(hours=1), "recent")
    out = tmp_path / "audit.jsonl"
    today = timezone.localdate()
    call_command("audit_export", since=str(today - timedelta(days=1)), until=str(today + timedelta(days=1)),
                 output=str(out), format="jsonl", stdout=StringIO())  # fmt: skip
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["verb"] for line in lines] == list(
        AuditEvent.objects.filter(at__date__gte=today - timedelta(days=1))
        .order_by("id")
        .values_list("verb", flat=True)
    )
    with pytest.raises(CommandError):
        call_command("audit_export", since="2026-05-01", until="2026-04-01", output=str(out))
    with pytest.raises(CommandError):
        call_command("audit_export", since="yesterday", until="2026-04-01", output=str(out))
