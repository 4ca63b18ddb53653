"""Export the audit trail for an inspection: every event of a period, in order, as CSV or JSON
lines, with a SHA-256 of the file printed so that the inspector can tell the copy is whole.

    manage.py audit_export --since 2026-01-01 --until 2026-07-01 --output var/audit-2026H1.csv
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from governance.models import AuditEvent

COLUMNS = [
    "id", "at", "actor_id", "actor", "verb", "target_type", "target_id", "target", "changes", "reason",
    "request_id", "ip",
]  # fmt: skip


def _day(text: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text), time.min, tzinfo=timezone.get_current_timezone())
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text}") from exc


class Command(BaseCommand):
    help = "Export the audit trail of a period (CSV or JSON lines) for an inspection."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="first day, YYYY-MM-DD (local time)")
        parser.add_argument("--until", required=True, help="day after the last, YYYY-MM-DD")
        parser.add_argument("--output", required=True)
        parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")

    def handle(self, *args: Any, since: str, until: str, output: str, format: str, **options: Any) -> None:
        start, end = _day(since), _day(until)
        if start >= end:
            raise CommandError("--since must come before --until.")
        events = (
            AuditEvent.objects.filter(at__gte=start, at__lt=end)
            .select_related("target_type")
            .order_by("id")
            .values_list(
                "id",
                "at",
                "actor_id",
                "actor_repr",
                "verb",
                "target_type__model",
                "target_id",
                "target_repr",
                "changes",
                "reason",
                "request_id",
                "ip",
            )
        )
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        count = 0
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out) if format == "csv" else None
            if writer:
                writer.writerow(COLUMNS)
            for row in events.iterator(chunk_size=5000):
                values = [timezone.localtime(v).isoformat() if isinstance(v, datetime) else v for v in row]
                values[8] = json.dumps(values[8], ensure_ascii=False, sort_keys=True)
                if writer:
                    writer.writerow(["" if v is None else v for v in values])
                else:
                    out.write(json.dumps(dict(zip(COLUMNS, values, strict=True)), ensure_ascii=False) + "\n")
                count += 1
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        self.stdout.write(
            f"{count} audit events from {since} to {until} (exclusive) in {path}; sha256 {digest}"
        )
