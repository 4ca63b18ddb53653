"""``manage.py pii_reencrypt``: re-encrypt all personal data under the newest key (see
governance/services/pii_keys.py for the rotation procedure)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from governance.services.pii_keys import pii_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt every stored personal-data value under the first key of PII_ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        result = pii_reencrypt(actor=None, batch_size=options["batch_size"])
        for label, count in result.rows.items():
            self.stdout.write(f"{label}: {count} rows re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"Done: {result.total} rows re-encrypted under the newest key."))
