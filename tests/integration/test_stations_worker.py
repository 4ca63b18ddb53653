"""Intake to notification through a real worker on Redis and PostgreSQL: the station hears of a
new alert, and beat's SLA sweep escalates a passed clock to the commander exactly once."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from governance.models import Membership, Notification
from stations.models import ClockBreach, SlaProfile
from tests.governance.factories import county
from tests.integration.conftest import wait_for
from tests.stations.factories import station_for

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
R = Membership.Role


def test_api_intake_reaches_the_station_and_a_passed_clock_reaches_the_commander(worker, worker_log):
    c = county()
    station_for(c)
    officer = c.person(R.OFFICER, c.station_a)
    commander = c.person(R.COMMANDER, c.psb)
    # A one-second accept clock, so that beat's 5-second sweep finds the breach during the test.
    SlaProfile.objects.create(
        county=c.county, priority=1, accept_seconds=1, contact_seconds=600, on_scene_seconds=1200,
        rural_on_scene_seconds=1800,
    )  # fmt: skip
    api = APIClient()
    api.force_authenticate(commander)
    response = api.post(
        "/api/v1/alerts/",
        {"channel": "110", "category": "criminal", "summary": "入室盗窃", "address": "新塘社区3幢",
         "village_code": "330802001001"},
        format="json",
        headers={"Idempotency-Key": "it-110-1"},
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    order_id = response.json()["id"]
    wait_for(
        lambda: Notification.objects.filter(recipient=officer, kind="order.new").exists(),
        what=f"the station's notification\n{worker_log.read_text()[-2000:]}",
    )
    wait_for(lambda: ClockBreach.objects.filter(order_id=order_id).exists(), timeout=30, what="the SLA sweep")
    wait_for(
        lambda: Notification.objects.filter(recipient=commander, kind="order.breach").exists(),
        what="escalation",
    )
    # Let two more sweeps run (every 5 s): the breach stays one row and one notification.
    sweeps = worker_log.read_text().count("Task stations.sla_sweep")
    wait_for(
        lambda: worker_log.read_text().count("Task stations.sla_sweep") >= sweeps + 4,
        timeout=30,
        what="more sweeps",
    )
    assert ClockBreach.objects.filter(order_id=order_id).count() == 1
    assert Notification.objects.filter(recipient=commander, kind="order.breach").count() == 1
