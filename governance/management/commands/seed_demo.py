"""``manage.py seed_demo``: build the synthetic demo county and print its logins."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.contributions import app_contributions
from governance.demo import COUNTY_CODE, COUNTY_NAME, DEFAULT_SEED, DEMO_PASSWORD, DEMO_URL, demo_seed
from governance.errors import DomainError, error_text


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    rule = "  ".join("-" * w for w in widths)
    lines = [
        "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join([lines[0], rule, *lines[1:]])


class Command(BaseCommand):
    help = (
        f"Build a synthetic demo county ({COUNTY_NAME} {COUNTY_CODE}: townships, villages, grids, agencies, "
        "logins), reproducibly from a seed. Does nothing if the county is already there."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="if the demo is already seeded, set the demo logins' passwords back to the demo password",
        )

    def handle(self, *args: Any, seed: int, reset_passwords: bool, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = demo_seed(seed=seed, reset_passwords=reset_passwords)
        except DomainError as exc:
            raise CommandError(error_text(exc)) from exc
        # Each app adds its own demo history (stations: alerts; volunteers: teams and a season...),
        # from its ``demo`` module, in the order the modules declare.
        for demo in app_contributions("demo"):
            if summary := demo.seed_demo_history(seed=seed):
                self.stdout.write(summary)
        elapsed = time.monotonic() - started
        if result.created:
            c = result.counts
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {COUNTY_NAME} ({COUNTY_CODE}) from seed {seed} in {elapsed:.1f} s: "
                    f"{c['townships']} townships, {c['villages']} villages, {c['grids']} grids, "
                    f"{c['agencies']} agencies, {c['people']} people."
                )
            )
        else:
            self.stdout.write(f"{COUNTY_NAME} ({COUNTY_CODE}) is already seeded; nothing was built.")
            if reset_passwords:
                self.stdout.write(
                    self.style.SUCCESS(f"Reset the password of {result.passwords_reset} demo logins.")
                )
        self.stdout.write(f"\nOpen {DEMO_URL} and sign in with the demo password: {DEMO_PASSWORD}\n")
        rows = [[p.username, DEMO_PASSWORD, p.persona, p.look_at] for p in result.plan.logins]
        self.stdout.write(_table(["username", "password", "persona", "what to look at"], rows))
        extra = len(result.plan.people) - len(result.plan.logins)
        self.stdout.write(
            f"\n{extra} more staff logins use the same password "
            "(officer_02, auxiliary_01, township_official_02, grid_worker_02 ...)."
        )
