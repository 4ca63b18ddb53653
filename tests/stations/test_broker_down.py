"""With the broker (or Redis for the live channel) down, an alert is still saved, dispatched to
its station and answered: the side effects fail after the commit, never the intake."""

from __future__ import annotations

from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from stations.models import Alert, DispatchOrder
from stations.services import alert_intake
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db


def test_intake_succeeds_and_dispatches_while_the_broker_and_the_live_channel_are_down(
    django_capture_on_commit_callbacks,
) -> None:
    c = county()
    station = station_for(c)
    down = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch("celery.app.task.Task.delay", side_effect=down) as delay,
        mock.patch("stations.live.bus", side_effect=ConnectionError("redis down")) as live_bus,
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = alert_intake(
            actor=None,
            channel="110",
            category="criminal",
            summary="持刀抢劫",
            village_code=c.village_a1.code,
            address="新塘社区东门",
        )
    assert delay.called and live_bus.called  # both were tried after the commit, and failed
    assert result.created and Alert.objects.count() == 1
    order = DispatchOrder.objects.get()
    assert (order.station_id, order.status) == (station.pk, "dispatched")
