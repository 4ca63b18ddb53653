"""The station's live channel: a committed new or changed order is pushed to its station's
dashboards (Server-Sent Events), and to no other station's."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from governance.models import Membership
from stations import live
from stations.services import alert_intake, order_step
from tests.governance.factories import PASSWORD, county
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
R = Membership.Role


def report(**kw):
    return alert_intake(
        actor=None,
        channel="110",
        category="public_order",
        summary="村口有人打架",
        village_code="330802001001",
        address=kw.pop("address", "村口"),
        **kw,
    )


def events(chunks, n: int) -> list[dict]:
    """The next ``n`` order events of a stream, skipping comments (keep-alives)."""
    found = []
    for chunk in chunks:
        text = chunk.decode() if isinstance(chunk, bytes) else chunk
        if text.startswith("event: order"):
            found.append(json.loads(text.split("data: ", 1)[1]))
            if len(found) == n:
                return found
    return found


def test_the_bus_delivers_a_message_to_the_subscribers_of_its_channel_only() -> None:
    subscription = live.subscribe(991)
    other = live.subscribe(992)
    try:
        live.bus().publish(live.channel_for(991), {"order": 7})
        assert subscription.get(timeout=5) == {"order": 7}
        assert other.get(timeout=0.2) is None
    finally:
        subscription.close()
        other.close()


def test_a_new_order_and_each_step_reach_the_stations_live_channel_after_commit(
    django_capture_on_commit_callbacks,
) -> None:
    c = county()
    station = station_for(c)
    officer = c.person(R.OFFICER, c.station_a)
    client = Client()
    client.login(username=officer.username, password=PASSWORD)
    response = client.get(reverse("stations:live", args=[station.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "text/event-stream"
    chunks = iter(response.streaming_content)
    assert b"connected" in next(chunks)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = report().order
    # Nothing is said before the commit.
    for callback in callbacks:
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        order_step(order=order, step="accept", actor=officer)
    assert events(chunks, 2) == [
        {"order": order.pk, "status": "dispatched", "new": True},
        {"order": order.pk, "status": "accepted", "new": False},
    ]
    response.close()


def test_another_stations_officer_cannot_listen_and_an_anonymous_visitor_is_sent_to_log_in() -> None:
    c = county()
    station = station_for(c)
    station_for(c, township="b")
    outsider = c.person(R.OFFICER, c.station_b)
    client = Client()
    url = reverse("stations:live", args=[station.pk])
    assert client.get(url).status_code == 302
    client.login(username=outsider.username, password=PASSWORD)
    assert client.get(url).status_code == 404


def test_back_filled_history_wakes_nobody(django_capture_on_commit_callbacks) -> None:
    c = county()
    station = station_for(c)
    subscription = live.subscribe(station.pk)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            report(notify=False)
        assert subscription.get(timeout=0.2) is None
    finally:
        subscription.close()
