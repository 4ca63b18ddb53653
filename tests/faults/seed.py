"""Seed a fault scenario's database (run as a subprocess with the scenario's DATABASE_URL): a county
with a station, its officer, a shift commander with a phone, a county administrator with an API
token, and on request an SMS gateway, a one-second accept clock and disputes past their time box.
Prints the ids and the token as JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings.local")

import django

django.setup()

import time_machine  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402

from governance.models import Membership, OutboundChannel  # noqa: E402
from governance.services.tokens import api_token_issue  # noqa: E402
from stations.models import SlaProfile  # noqa: E402
from stations.services import alert_intake  # noqa: E402
from tests.disputes.factories import accepted, world  # noqa: E402
from tests.stations.factories import station_for  # noqa: E402

R = Membership.Role


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sms-url", default="")
    parser.add_argument("--accept-seconds", type=int, default=0)
    parser.add_argument("--overdue-disputes", type=int, default=0)
    parser.add_argument("--alerts", type=int, default=0)
    parser.add_argument("--superuser", default="")
    parser.add_argument("--peace-run", action="store_true", help="a peace-index recomputation of 12 months")
    options = parser.parse_args()
    w = world()
    c = w.c
    station = station_for(c)
    commander = c.person(R.COMMANDER, c.psb, phone="13900001111")
    if options.sms_url:
        OutboundChannel.objects.create(
            name="短信网关", kind=OutboundChannel.Kind.SMS, endpoint=options.sms_url
        )
    if options.accept_seconds:
        SlaProfile.objects.create(
            county=c.county, priority=1, accept_seconds=options.accept_seconds, contact_seconds=3600,
            on_scene_seconds=7200, rural_on_scene_seconds=7200,
        )  # fmt: skip
    disputes = []
    if options.overdue_disputes:
        # Accepted eight days ago: the village tier's seven-day time box has passed.
        with time_machine.travel(dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=8), tick=False):
            disputes = [accepted(w, summary=f"邻里纠纷{i}") for i in range(options.overdue_disputes)]
    # Alerts at different addresses (none merged), reported through the intake service.
    for i in range(options.alerts):
        alert_intake(
            actor=None, channel="110", category="criminal", summary=f"入室盗窃{i}",
            address=f"新塘社区{i}幢", village_code=c.village_a1.code,
        )  # fmt: skip
    if options.superuser:
        get_user_model().objects.create_superuser(options.superuser, "", options.superuser + "-Pa55word!")
    run = None
    if options.peace_run:
        run = _peace_run(w)
    token = api_token_issue(user=w.county_admin)[1]
    commander_token = api_token_issue(user=commander)[1]
    json.dump(
        {
            "station": station.pk,
            "village_code": c.village_a1.code,
            "officer": w.officer.pk,
            "commander": commander.pk,
            "county_admin": w.county_admin.pk,
            "token": token,
            "commander_token": commander_token,
            "disputes": [d.pk for d in disputes],
            "peace_run": run.pk if run else None,
        },
        sys.stdout,
    )


def _peace_run(w):  # type: ignore[no-untyped-def]
    """A published methodology, deliveries for a year and a recomputation of its twelve months,
    enqueued on the scenario's broker (the ``scores`` queue)."""
    from governance.months import add_months, current_month, months_between
    from peace_index.services import data_import, recompute_start, version_draft_create, version_publish

    version = version_draft_create(actor=w.county_admin, county=w.c.county, name="v1")
    version_publish(actor=w.county_admin, version=version, recompute=False)
    last = current_month()
    first = add_months(last, -11)
    for source in ("cases", "petitions"):
        data_import(
            actor=w.county_admin, county=w.c.county, source=source, first_month=first, last_month=last, rows=[],
            recompute=False,
        )  # fmt: skip
    return recompute_start(actor=w.county_admin, county=w.c.county, months=months_between(first, last))


if __name__ == "__main__":
    main()
