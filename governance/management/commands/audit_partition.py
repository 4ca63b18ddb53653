"""Partition the audit trail by month (PostgreSQL), keep partitions ahead, detach old months.

    manage.py audit_partition                          # list the partitions and their rows
    manage.py audit_partition --convert [--ahead 3]    # once: ordinary table -> partitioned
    manage.py audit_partition --ahead 6                # create this month and the next 6
    manage.py audit_partition --detach-before 2025-01  # detach the months before January 2025

See governance/partitions.py. The beat task ``governance.audit_partitions_ahead`` keeps three
months ahead every day; ``--ahead`` is for an operator who wants more, or now.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from governance.partitions import (
    DEFAULT_PARTITION,
    MONTHS_AHEAD,
    TABLE,
    PartitionError,
    audit_is_partitioned,
    audit_partition_convert,
    audit_partition_detach,
    audit_partitions,
    audit_partitions_ahead,
)


def _month(text: str) -> date:
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise CommandError(f"Not a month (YYYY-MM): {text}") from exc


class Command(BaseCommand):
    help = "Partition the audit trail by month (PostgreSQL): list, convert, create ahead, detach old months."

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--convert",
            action="store_true",
            help="Convert the ordinary audit table into a partitioned one (once; locks the table while it copies).",
        )
        action.add_argument(
            "--detach-before",
            metavar="YYYY-MM",
            help="Detach (not drop) the monthly partitions before this month, for archiving.",
        )
        parser.add_argument(
            "--ahead",
            type=int,
            metavar="N",
            help=f"Create the partitions of this month and the N next (default with --convert: {MONTHS_AHEAD}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "The audit trail is partitioned on PostgreSQL only (set DATABASE_URL); the embedded "
                "SQLite default keeps it in one table."
            )
        ahead = options["ahead"]
        if ahead is not None and ahead < 0:
            raise CommandError("--ahead must be zero or more.")
        if options["detach_before"] and ahead is not None:
            raise CommandError("--ahead cannot be combined with --detach-before.")
        try:
            if options["convert"]:
                self._convert(MONTHS_AHEAD if ahead is None else ahead)
            elif options["detach_before"]:
                self._detach(_month(options["detach_before"]))
            elif ahead is not None:
                self._ahead(ahead)
            else:
                self._list()
        except PartitionError as exc:
            raise CommandError(str(exc)) from exc

    def _convert(self, months_ahead: int) -> None:
        result = audit_partition_convert(months_ahead=months_ahead)
        if not result.converted:
            self.stdout.write(
                f"{TABLE} is already partitioned ({len(result.partitions)} partitions); nothing to do."
            )
            return
        self.stdout.write(
            f"Converted {TABLE}: {result.rows} rows into {len(result.partitions) - 1} monthly partitions "
            f"and {DEFAULT_PARTITION}."
        )

    def _ahead(self, months_ahead: int) -> None:
        if not audit_is_partitioned():
            self.stdout.write(f"{TABLE} is not partitioned; nothing to create (run with --convert first).")
            return
        created = audit_partitions_ahead(months_ahead=months_ahead)
        if created:
            self.stdout.write(f"Created {len(created)} partitions: {', '.join(created)}.")
        else:
            self.stdout.write(f"No partition missing up to {months_ahead} months ahead.")

    def _detach(self, before: date) -> None:
        detached = audit_partition_detach(before=before)
        if not detached:
            self.stdout.write(f"No monthly partition before {before:%Y-%m}.")
            return
        self.stdout.write(
            f"Detached {len(detached)} partitions: {', '.join(detached)}. Each is now a table of its "
            "own, still append-only: archive it (pg_dump -t NAME), then DROP TABLE it."
        )

    def _list(self) -> None:
        if not audit_is_partitioned():
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(TABLE)}")  # noqa: S608
                rows = cursor.fetchone()[0]
            self.stdout.write(
                f"{TABLE} is not partitioned ({rows} rows in one table). "
                "Run manage.py audit_partition --convert to partition it by month."
            )
            return
        partitions = audit_partitions()
        width = max(len(p.name) for p in partitions)
        for p in partitions:
            self.stdout.write(f"{p.name:<{width}}  {p.rows:>12}  {p.bounds}")
        self.stdout.write(f"{len(partitions)} partitions, {sum(p.rows for p in partitions)} rows.")
