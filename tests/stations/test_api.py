"""The stations API: idempotent intake, orders by permission, steps with the error shape."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.models import Membership
from stations.models import Alert, DispatchOrder
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
R = Membership.Role
ALERT = {
    "channel": "12345",
    "category": "dispute",
    "summary": "邻里噪音纠纷",
    "address": "下张村5号",
    "village_code": "330802001002",
    "caller_phone": "13812345678",
}


@pytest.fixture
def world():
    c = county()
    c.station = station_for(c)
    c.officer = c.person(R.OFFICER, c.station_a)
    c.hotline_operator = c.person(R.COMMANDER, c.hotline)
    return c


@pytest.fixture
def api():
    return APIClient()


def test_intake_with_idempotency_key_answers_201_twice_with_one_alert(world, api):
    api.force_authenticate(world.hotline_operator)
    first = api.post("/api/v1/alerts/", ALERT, format="json", headers={"Idempotency-Key": "12345-0001"})
    again = api.post("/api/v1/alerts/", ALERT, format="json", headers={"Idempotency-Key": "12345-0001"})
    # The retry answers as the first request did, marked as replayed.
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["station"] == world.station.name
    assert first.json()["alert"]["caller_phone"] == "138****5678"
    assert Alert.objects.count() == 1


def test_bad_intake_gets_field_errors_and_writes_nothing(world, api):
    api.force_authenticate(world.officer)
    response = api.post("/api/v1/alerts/", ALERT | {"category": "ufo", "village_code": ""}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["category"]
    response = api.post("/api/v1/alerts/", ALERT | {"village_code": ""}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["location"]
    assert Alert.objects.count() == 0


def test_reporting_outside_ones_area_is_refused(world, api):
    outsider = world.person(R.GRID_WORKER, world.township_gov_b, scope=world.village_b1)
    api.force_authenticate(outsider)
    response = api.post("/api/v1/alerts/", ALERT, format="json")
    assert response.status_code == 403
    assert Alert.objects.count() == 0


def test_orders_are_listed_for_their_station_only(world, api):
    api.force_authenticate(world.hotline_operator)
    order_id = api.post("/api/v1/alerts/", ALERT, format="json").json()["id"]
    api.force_authenticate(world.officer)
    assert [o["id"] for o in api.get("/api/v1/orders/").json()["results"]] == [order_id]
    station_for(world, township="b")
    other = world.person(R.OFFICER, world.station_b)
    api.force_authenticate(other)
    assert api.get("/api/v1/orders/").json()["results"] == []
    assert api.get(f"/api/v1/orders/{order_id}/").status_code == 404
    refused = api.post(f"/api/v1/orders/{order_id}/step/", {"step": "accept"}, format="json")
    assert refused.status_code == 404
    assert DispatchOrder.objects.get(pk=order_id).status == "dispatched"


def test_steps_through_the_api_and_an_out_of_order_step_is_409(world, api):
    api.force_authenticate(world.hotline_operator)
    order_id = api.post("/api/v1/alerts/", ALERT, format="json").json()["id"]
    api.force_authenticate(world.officer)
    early = api.post(f"/api/v1/orders/{order_id}/step/", {"step": "close"}, format="json")
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "invalid_transition"
    accepted = api.post(f"/api/v1/orders/{order_id}/step/", {"step": "accept"}, format="json")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert [e["to_status"] for e in accepted.json()["events"]] == ["dispatched", "accepted"]


def test_open_orders_list_has_a_constant_query_count(world, api):
    api.force_authenticate(world.hotline_operator)
    for i in range(3):
        api.post("/api/v1/alerts/", ALERT | {"summary": f"纠纷{i}", "address": f"下张村{i}号"}, format="json")
    api.force_authenticate(world.officer)
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/orders/", {"status": "dispatched"})
    for i in range(20):
        api.force_authenticate(world.hotline_operator)
        api.post(
            "/api/v1/alerts/", ALERT | {"summary": f"更多{i}", "address": f"下张村{i + 10}号"}, format="json"
        )
    api.force_authenticate(world.officer)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/orders/", {"status": "dispatched"}).json()["results"]) == 23
    assert len(many) == len(few) <= 10
