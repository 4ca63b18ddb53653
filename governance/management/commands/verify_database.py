"""``DATABASE_URL=<restored> manage.py verify_database --manifest rongzhi.dump.manifest.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.backups import BackupError, verify


class Command(BaseCommand):
    help = (
        "Verify a (restored) database: migrations applied, tables and row counts, the append-only "
        "audit trail and the id sequences; with --manifest, that it holds what the backup dumped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--manifest", type=Path, help="The .manifest.json written by backup_database.")

    def handle(self, *args: Any, **options: Any) -> None:
        manifest = json.loads(options["manifest"].read_text()) if options["manifest"] else None
        try:
            result = verify(manifest=manifest)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for fact in result.facts:
            self.stdout.write(f"ok: {fact}")
        for problem in result.problems:
            self.stderr.write(f"PROBLEM: {problem}")
        if not result.ok:
            raise CommandError(f"the database failed verification ({len(result.problems)} problems)")
        self.stdout.write("verified")
