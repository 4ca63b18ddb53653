from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import Membership
from stations.models import Alert, DispatchOrder
from stations.services import alert_intake
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
R = Membership.Role


@pytest.fixture
def world():
    c = county()
    c.station = station_for(c)
    c.officer = c.person(R.OFFICER, c.station_a)
    return c


def report(summary="村口打架"):
    # A distinct address per report: the same place within 30 minutes is merged as one event.
    return alert_intake(
        actor=None,
        channel="110",
        category="public_order",
        summary=summary,
        address=f"{summary}处",
        village_code="330802001001",
    )


def test_dashboard_lists_open_orders_with_a_clock(world, client):
    report()
    client.force_login(world.officer)
    html = client.get("/stations/").content.decode()
    assert world.station.name in html
    assert "村口打架" in html
    assert "data-due=" in html


def test_open_orders_fragment_has_constant_queries(world, client):
    client.force_login(world.officer)
    url = f"/stations/{world.station.pk}/open-orders/"
    report()
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(15):
        report(f"警情{i}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).content.decode().count("data-order-id") == 16
    assert len(many) == len(few) <= 12


def test_grid_worker_has_no_station_dashboard(world, client):
    worker = world.person(R.GRID_WORKER, world.township_gov_a, scope=world.village_a1)
    client.force_login(worker)
    assert client.get("/stations/").status_code == 404
    assert client.get(f"/stations/{world.station.pk}/open-orders/").status_code == 404


def test_out_of_order_step_from_the_page_shows_the_reason_and_changes_nothing(world, client):
    order = report().order
    client.force_login(world.officer)
    response = client.post(f"/stations/orders/{order.pk}/step/", {"step": "close"}, follow=True)
    assert "it must be" in response.content.decode() or "必须" in response.content.decode()
    assert DispatchOrder.objects.get(pk=order.pk).status == "dispatched"


def test_desk_form_registers_and_dispatches_or_shows_field_errors(world, client):
    client.force_login(world.officer)
    form = {
        "channel": "walk_in", "category": "help", "summary": "老人走失", "village_code": "330802001001",
        "address": "新塘社区", "caller_phone": "123",
    }  # fmt: skip
    bad = client.post("/stations/alerts/new/", form)
    assert bad.status_code == 400
    # The service's refusal stands on its own input, in the user's words.
    error = bad.content.decode().split('data-field="caller_phone"')[1].split("</div>")[0]
    assert "mobile number" in error
    assert Alert.objects.count() == 0
    empty = client.post("/stations/alerts/new/", form | {"summary": "", "village_code": ""})
    assert empty.status_code == 400
    assert 'data-field="summary"' in empty.content.decode()
    good = client.post("/stations/alerts/new/", form | {"caller_phone": "13812345678", "request_key": "k1"})
    assert good.status_code == 302
    assert Alert.objects.get().order.station == world.station
    # The same form sent again (a double tap) is the same alert.
    again = client.post("/stations/alerts/new/", form | {"caller_phone": "13812345678", "request_key": "k1"})
    assert (again.status_code, again["Location"], Alert.objects.count()) == (302, good["Location"], 1)


def test_the_desk_form_is_the_declared_intake_with_the_desks_channels(world, client):
    client.force_login(world.officer)
    html = client.get("/stations/alerts/new/").content.decode()
    assert 'name="request_key"' in html and 'type="hidden"' in html
    assert 'value="walk_in" selected' in html and 'value="110"' not in html
    # What only a phone or a system knows is not asked at the desk.
    assert 'name="lng"' not in html and 'name="priority"' not in html
    assert 'name="village_code"' in html and 'value="330802001001"' in html


def test_a_storm_of_open_orders_shows_the_most_urgent_and_counts_the_rest(world, client, monkeypatch):
    from stations import views

    monkeypatch.setattr(views, "OPEN_ORDERS_SHOWN", 3)
    for i in range(5):
        report(f"风暴{i}")
    client.force_login(world.officer)
    html = client.get(f"/stations/{world.station.pk}/open-orders/").content.decode()
    assert html.count("data-order-id") == 3
    assert "and 2 more open orders" in html


def test_a_step_of_the_page_is_the_declared_step_and_bad_input_changes_nothing(world, client):
    order = report().order
    client.force_login(world.officer)
    client.post(f"/stations/orders/{order.pk}/step/", {"step": "accept"})
    # A note too long is refused with the field's label, never cut short in silence.
    html = client.post(
        f"/stations/orders/{order.pk}/step/", {"step": "contact", "note": "长" * 2001}, follow=True
    ).content.decode()
    assert "Outcome: Ensure this field has no more than 2000 characters." in html
    assert DispatchOrder.objects.get(pk=order.pk).status == "accepted"
    html = client.post(f"/stations/orders/{order.pk}/step/", {"step": "fly"}, follow=True).content.decode()
    assert "Step: &quot;fly&quot; is not a valid choice." in html
    assert DispatchOrder.objects.get(pk=order.pk).status == "accepted"
