"""``manage.py backup_database --output var/backups/rongzhi.dump``: pg_dump plus a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.backups import BackupError, backup, manifest_path


class Command(BaseCommand):
    help = "Dump the PostgreSQL database (pg_dump, custom format) with a manifest of what it holds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="The dump file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup(output=options["output"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"dumped {len(manifest['tables'])} tables, {rows} rows, audit trail to "
            f"#{manifest['audit_last_id']} -> {options['output']} (+ {manifest_path(options['output']).name})"
        )
