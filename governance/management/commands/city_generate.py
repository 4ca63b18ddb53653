"""``manage.py city_generate --seed 1 --scale small``: a synthetic city for benchmarks (governance.citygen)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from governance.citygen import DEFAULT_PASSWORD, SCALES, city_generate


class Command(BaseCommand):
    help = (
        "Write a synthetic city (regions with boundaries, agencies, stations, volunteers and a year of "
        "alerts, disputes, tasks, cases, petitions and surveys) into an empty PostgreSQL database, "
        "reproducibly from a seed. Scales: " + ", ".join(SCALES) + "; any size can be overridden."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password of the generated logins")
        parser.add_argument(
            "--now",
            type=datetime.fromisoformat,
            help="the end of the year of history (ISO 8601; default: now)",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        for field in dataclasses.fields(SCALES["city"]):
            parser.add_argument(f"--{field.name}", type=int, help=f"override the scale's {field.name}")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "city_generate needs PostgreSQL (set DATABASE_URL=postgres://...): the history is "
                "generated inside the database with INSERT ... SELECT."
            )
        overrides = {
            f.name: options[f.name]
            for f in dataclasses.fields(SCALES["city"])
            if options.get(f.name) is not None
        }
        size = dataclasses.replace(SCALES[options["scale"]], **overrides)
        log = (lambda message: None) if options["json"] else self.stdout.write
        log(f"Generating the {options['scale']} city (seed {options['seed']}):")
        try:
            result = city_generate(
                seed=options["seed"],
                size=size,
                scale=options["scale"],
                password=options["password"],
                now=options["now"] and (options["now"].replace(tzinfo=options["now"].tzinfo or UTC)),
                log=log,
            )
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"Done in {result.seconds} s: {result.counts['residents']:,} residents. "
            f"Logins (password {options['password']!r}): "
            + ", ".join(f"{u} ({r})" for u, r in result.logins.items())
        )
