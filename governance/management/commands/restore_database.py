"""``manage.py restore_database --input rongzhi.dump --target postgres://.../rongzhi_restored``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a dump (backup_database) into a new, empty PostgreSQL database; then run "
        "verify_database with DATABASE_URL pointing at it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, type=Path, help="The dump file.")
        parser.add_argument("--target", required=True, help="URL of the empty database to restore into.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            restore(dump=options["input"], database_url=options["target"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored {options['input']} into {options['target'].rsplit('/', 1)[-1]}")
