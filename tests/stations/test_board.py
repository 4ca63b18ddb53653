"""The commander board with re-dispatch, the station map and the coverage report."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.errors import InvalidTransition, PermissionDenied, ValidationFailed
from governance.models import AuditEvent, Membership, Notification
from stations.models import DispatchOrder, OrderEvent, Station
from stations.selectors import coverage_for
from stations.services import alert_intake, order_step, sla_sweep
from stations.services.redispatch import order_redispatch
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
R = Membership.Role
A1, A2, B1 = "330802001001", "330802001002", "330802002001"
_addresses = itertools.count(1)


@pytest.fixture
def world():
    c = county()
    c.station = station_for(c)
    c.officer = c.person(R.OFFICER, c.station_a)
    c.commander = c.person(R.COMMANDER, c.psb)
    return c


@pytest.fixture
def two_stations(world):
    world.station_b_post = station_for(world, township="b")
    world.officer_b = world.person(R.OFFICER, world.station_b)
    return world


def report(summary, *, village=A1, category="dispute", now=None, **kwargs):
    # A distinct address per report: the same place within 30 minutes is merged as one event.
    return alert_intake(
        actor=None,
        channel="110",
        category=category,
        summary=summary,
        address=f"{summary} {next(_addresses)}号",
        village_code=village,
        now=now,
        **kwargs,
    ).order


def board_ids(client) -> list[int]:
    html = client.get("/stations/board/orders/").content.decode()
    return [int(i) for i in re.findall(r'data-order-id="(\d+)"', html)]


# --- Ordering ---------------------------------------------------------------------------------


def test_board_shows_breaches_most_overdue_first_then_unrouted_then_by_priority(world, client):
    # Both P2 orders are past all three of their 1310 clocks (60 s, 180 s, 600 s).
    twenty_minutes_ago = timezone.now() - timedelta(minutes=20)
    older_breach = report("较早超时", category="public_order", now=twenty_minutes_ago)
    newer_breach = report("较晚超时", category="traffic", now=twenty_minutes_ago + timedelta(minutes=1))
    assert sla_sweep() == 6
    routine = report("邻里纠纷")  # P3, routed to station A
    unrouted = report("北二村求助", village=B1, category="help")  # P3, no station covers B
    urgent = report("村口斗殴", category="public_order")  # P2, clocks still running
    assert unrouted.station is None
    client.force_login(world.commander)

    ids = board_ids(client)

    assert ids == [older_breach.pk, newer_breach.pk, unrouted.pk, urgent.pk, routine.pk]


def test_board_leaves_out_closed_orders(world, client):
    order = report("已处理")
    for step in ("accept", "contact", "arrive", "handle"):
        order_step(order=order, step=step, actor=world.officer)
    order_step(order=order, step="resolve", actor=world.officer, note="调解成功")
    still_open = report("待处理")
    client.force_login(world.commander)
    assert board_ids(client) == [still_open.pk]


def test_board_query_count_does_not_grow_with_the_orders(world, client):
    report("超时", category="public_order", now=timezone.now() - timedelta(minutes=10))
    sla_sweep()
    report("无站", village=B1)
    report("普通")
    client.force_login(world.commander)
    client.get("/stations/board/")  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        assert client.get("/stations/board/").status_code == 200
    with CaptureQueriesContext(connection) as few_fragment:
        assert len(board_ids(client)) == 3
    for i in range(17):
        report(f"警情{i}", village=(A1, A2, B1)[i % 3], category=("dispute", "traffic")[i % 2])
    with CaptureQueriesContext(connection) as many:
        assert client.get("/stations/board/").status_code == 200
    with CaptureQueriesContext(connection) as many_fragment:
        assert len(board_ids(client)) == 20
    assert len(many) == len(few) <= 15
    assert len(many_fragment) == len(few_fragment)


# --- Who sees what ----------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(world, client):
    for url in ("/stations/board/", "/stations/board/orders/", "/stations/coverage/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_officer_has_no_board(world, client):
    client.force_login(world.officer)
    assert client.get("/stations/board/").status_code == 404
    assert client.get("/stations/board/orders/").status_code == 404
    assert client.get("/stations/coverage/").status_code == 404


def test_county_commander_sees_both_townships_orders_and_may_redispatch(two_stations, client):
    in_a = report("荷花警情")
    in_b = report("航埠警情", village=B1)
    client.force_login(two_stations.commander)
    html = client.get("/stations/board/").content.decode()
    assert sorted(board_ids(client)) == sorted([in_a.pk, in_b.pk])
    assert "荷花警情" in html and "航埠警情" in html
    assert f'data-testid="redispatch-{in_a.pk}"' in html
    assert 'data-testid="read-only"' not in html


def test_township_commander_sees_only_his_township(two_stations, client):
    commander_a = two_stations.person(R.COMMANDER, two_stations.station_a)
    in_a = report("荷花警情")
    report("航埠警情", village=B1)
    client.force_login(commander_a)
    assert board_ids(client) == [in_a.pk]


def test_county_admin_sees_the_board_read_only(two_stations, client):
    admin = two_stations.person(R.COUNTY_ADMIN, two_stations.plc)
    order = report("荷花警情")
    client.force_login(admin)
    html = client.get("/stations/board/").content.decode()
    assert board_ids(client) == [order.pk]
    assert 'data-testid="read-only"' in html
    assert "redispatch" not in html
    # No link to an order page he may not open (it would end in a 404).
    assert f'href="/stations/orders/{order.pk}/"' not in html and "荷花警情" in html
    assert client.get(f"/stations/orders/{order.pk}/").status_code == 404
    assert client.get("/stations/coverage/").status_code == 200


def test_township_official_sees_coverage_but_no_board(world, client):
    official = world.person(R.TOWNSHIP_OFFICIAL, world.township_gov_a)
    client.force_login(official)
    assert client.get("/stations/board/").status_code == 404
    assert client.get("/stations/board/orders/").status_code == 404
    response = client.get("/stations/coverage/")
    assert response.status_code == 200
    assert [t.region.name for t in response.context["coverage"].townships] == ["荷花街道"]


@pytest.mark.parametrize("role", [R.VOLUNTEER, R.GRID_WORKER])
def test_volunteers_and_grid_workers_have_no_coverage_report(world, client, role):
    user = world.person(role, world.township_gov_a, scope=world.village_a1)
    client.force_login(user)
    assert client.get("/stations/coverage/").status_code == 404
    assert client.get("/stations/board/").status_code == 404


def test_dashboard_links_to_the_map_and_to_the_board_only_for_commanders(world, client):
    client.force_login(world.officer)
    html = client.get("/stations/").content.decode()
    assert f"/stations/{world.station.pk}/map/" in html
    assert 'data-testid="link-board"' not in html
    client.force_login(world.commander)
    html = client.get("/stations/").content.decode()
    assert 'data-testid="link-board"' in html
    assert 'data-testid="nav-board"' in html
    assert 'data-testid="link-coverage"' in html


# --- Re-dispatch ------------------------------------------------------------------------------


def test_commander_redispatches_an_order_and_the_new_station_hears_of_it(two_stations, client, run_on_commit):
    w = two_stations
    order = report("荷花警情", category="traffic")
    assert order.station == w.station
    client.force_login(w.commander)

    with run_on_commit():
        response = client.post(
            f"/stations/orders/{order.pk}/redispatch/",
            {"station": w.station_b_post.pk, "reason": "荷花站警力全部外出"},
        )

    assert response.status_code == 302
    assert response["Location"] == "/stations/board/"
    order.refresh_from_db()
    assert order.station == w.station_b_post
    assert order.status == DispatchOrder.Status.DISPATCHED
    event = OrderEvent.objects.filter(order=order).last()
    assert event.note == f"Re-dispatched to {w.station_b_post.name}: 荷花站警力全部外出"
    assert event.actor == w.commander
    assert (event.from_status, event.to_status) == ("dispatched", "dispatched")
    audit = AuditEvent.objects.get(verb="order.redispatch")
    assert audit.actor == w.commander
    assert audit.target_id == str(order.pk)
    assert audit.changes == {"station": [w.station.pk, w.station_b_post.pk]}
    assert audit.reason == "荷花站警力全部外出"
    inbox = Notification.objects.get(recipient=w.officer_b)
    assert inbox.kind == "order.new"
    assert inbox.link == f"/stations/orders/{order.pk}/"
    assert not Notification.objects.filter(recipient=w.officer).exists()


def test_commander_routes_an_unrouted_order(world, run_on_commit):
    order = report("北二村求助", village=B1)
    station_b = station_for(world, township="b")
    with run_on_commit():
        moved = order_redispatch(
            order=order, station=station_b, actor=world.commander, reason="北二村归航埠站"
        )
    assert moved.station == station_b
    assert DispatchOrder.objects.get(pk=order.pk).station_id == station_b.pk


def test_redispatch_to_where_the_order_already_is_changes_nothing(world):
    order = report("荷花警情")
    order_redispatch(order=order, station=world.station, actor=world.commander, reason="重复提交")
    assert not AuditEvent.objects.filter(verb="order.redispatch").exists()
    assert OrderEvent.objects.filter(order=order).count() == 1


def _nothing_changed(order: DispatchOrder, station: Station) -> None:
    assert DispatchOrder.objects.get(pk=order.pk).station_id == station.pk
    assert not AuditEvent.objects.filter(verb="order.redispatch").exists()
    assert not OrderEvent.objects.filter(order=order, note__startswith="redispatch").exists()
    assert not Notification.objects.exists()


def test_closed_order_is_not_redispatched(two_stations, run_on_commit):
    w = two_stations
    order = report("已办结")
    for step in ("accept", "contact", "arrive", "handle"):
        order_step(order=order, step=step, actor=w.officer)
    order_step(order=order, step="resolve", actor=w.officer, note="已调解")
    order_step(order=order, step="close", actor=w.officer)
    with run_on_commit(), pytest.raises(InvalidTransition) as exc:
        order_redispatch(order=order, station=w.station_b_post, actor=w.commander, reason="改派")
    assert exc.value.message == "Cannot re-dispatch an order that is Closed; only open orders can be moved."
    _nothing_changed(order, w.station)


def test_redispatch_needs_a_reason_and_a_station(two_stations, run_on_commit):
    w = two_stations
    order = report("荷花警情")
    with run_on_commit(), pytest.raises(ValidationFailed) as exc:
        order_redispatch(order=order, station=None, actor=w.commander, reason="   ")
    assert exc.value.fields == {
        "station": ["Choose the station to send the order to."],
        "reason": ["Say why the order is moved."],
    }
    _nothing_changed(order, w.station)


def test_redispatch_from_the_page_without_a_reason_shows_why_and_changes_nothing(two_stations, client):
    w = two_stations
    order = report("荷花警情")
    client.force_login(w.commander)
    response = client.post(
        f"/stations/orders/{order.pk}/redispatch/",
        {"station": w.station_b_post.pk, "reason": ""},
        follow=True,
    )
    assert "Reason for re-dispatch: This field is required." in response.content.decode()
    _nothing_changed(order, w.station)


def test_the_api_redispatches_as_the_page_does(two_stations, run_on_commit):
    from rest_framework.test import APIClient

    w = two_stations
    order = report("荷花警情")
    api = APIClient()
    api.force_authenticate(w.officer)
    url = f"/api/v1/orders/{order.pk}/redispatch/"
    body = {"station": w.station_b_post.pk, "reason": "荷花站警力全部外出"}
    refused = api.post(url, body, format="json")
    assert refused.status_code == 403
    assert (
        refused.json()["error"]["message"] == "Only a shift commander of this area may re-dispatch the order."
    )
    api.force_authenticate(w.commander)
    bad = api.post(url, {"station": 999999, "reason": ""}, format="json")
    assert (bad.status_code, sorted(bad.json()["error"]["fields"])) == (400, ["reason", "station"])
    _nothing_changed(order, w.station)
    with run_on_commit():
        moved = api.post(url, body, format="json")
    assert (moved.status_code, moved.json()["station"]) == (200, w.station_b_post.name)
    again = api.post(url, body, format="json")  # a retry: already there, nothing more
    assert again.status_code == 200
    assert AuditEvent.objects.filter(verb="order.redispatch").count() == 1


def test_commander_may_not_move_an_order_to_a_station_outside_his_area(two_stations, run_on_commit):
    w = two_stations
    commander_a = w.person(R.COMMANDER, w.station_a)
    order = report("荷花警情")
    with run_on_commit(), pytest.raises(PermissionDenied) as exc:
        order_redispatch(order=order, station=w.station_b_post, actor=commander_a, reason="改派航埠")
    assert exc.value.message == f"The station {w.station_b_post.name} is outside your area."
    _nothing_changed(order, w.station)


def test_commander_may_not_take_an_order_from_outside_his_area(two_stations, run_on_commit):
    w = two_stations
    commander_b = w.person(R.COMMANDER, w.station_b)
    order = report("荷花警情")
    with run_on_commit(), pytest.raises(PermissionDenied):
        order_redispatch(order=order, station=w.station_b_post, actor=commander_b, reason="抢单")
    _nothing_changed(order, w.station)


def test_station_officer_may_not_redispatch(two_stations, client, run_on_commit):
    w = two_stations
    order = report("荷花警情")
    with run_on_commit(), pytest.raises(PermissionDenied) as exc:
        order_redispatch(order=order, station=w.station_b_post, actor=w.officer, reason="太忙")
    assert exc.value.message == "Only a shift commander of this area may re-dispatch the order."
    client.force_login(w.officer)
    url = f"/stations/orders/{order.pk}/redispatch/"
    assert client.post(url, {"station": w.station_b_post.pk, "reason": "太忙"}).status_code == 404
    _nothing_changed(order, w.station)


def test_county_admin_may_not_redispatch_from_the_page(two_stations, client):
    w = two_stations
    admin = w.person(R.COUNTY_ADMIN, w.plc)
    order = report("荷花警情")
    client.force_login(admin)
    url = f"/stations/orders/{order.pk}/redispatch/"
    assert client.post(url, {"station": w.station_b_post.pk, "reason": "改派"}).status_code == 404
    _nothing_changed(order, w.station)


# --- Map --------------------------------------------------------------------------------------


def test_map_data_has_only_the_stations_villages_and_open_orders(two_stations, client):
    w = two_stations
    pinned = report("定位警情", lng=118.885, lat=28.975)  # inside 下张村
    unpinned = report("无坐标警情", village=A1, caller_name="李四", caller_phone="13812345678")
    report("航埠警情", village=B1)  # station B's
    closed = report("已结警情")
    for step in ("accept", "contact", "arrive", "handle"):
        order_step(order=closed, step=step, actor=w.officer)
    order_step(order=closed, step="resolve", actor=w.officer, note="已处理")
    client.force_login(w.officer)

    response = client.get(f"/stations/{w.station.pk}/map.geojson")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    villages = [f for f in data["features"] if f["properties"]["kind"] == "village"]
    orders = {f["properties"]["id"]: f for f in data["features"] if f["properties"]["kind"] == "order"}
    assert [v["properties"]["code"] for v in villages] == [A1, A2]
    assert villages[0]["geometry"] == w.village_a1.boundary
    assert set(orders) == {pinned.pk, unpinned.pk}
    assert orders[pinned.pk]["geometry"] == {"type": "Point", "coordinates": [118.885, 28.975]}
    assert orders[pinned.pk]["properties"]["located"] == "point"
    # No point: the centre of the village's square (118.87, 28.97, side 0.01).
    assert orders[unpinned.pk]["geometry"] == {"type": "Point", "coordinates": [118.875, 28.975]}
    assert orders[unpinned.pk]["properties"]["located"] == "village"
    assert "13812345678" not in response.content.decode()
    assert "李四" not in response.content.decode()


def test_map_page_uses_the_vendored_leaflet_and_no_tiles_by_default(world, client, settings):
    client.force_login(world.officer)
    html = client.get(f"/stations/{world.station.pk}/map/").content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "/static/vendor/leaflet/leaflet.css" in html
    assert f'data-geojson="/stations/{world.station.pk}/map.geojson"' in html
    assert 'data-tiles=""' in html
    assert "http://" not in html and "https://" not in html
    settings.MAP_TILE_URL = "/tiles/{z}/{x}/{y}.png"
    html = client.get(f"/stations/{world.station.pk}/map/").content.decode()
    assert 'data-tiles="/tiles/{z}/{x}/{y}.png"' in html


def test_map_of_another_station_is_404(two_stations, client):
    client.force_login(two_stations.officer)
    assert client.get(f"/stations/{two_stations.station_b_post.pk}/map/").status_code == 404
    assert client.get(f"/stations/{two_stations.station_b_post.pk}/map.geojson").status_code == 404
    grid_worker = two_stations.person(
        R.GRID_WORKER, two_stations.township_gov_a, scope=two_stations.village_a1
    )
    client.force_login(grid_worker)
    assert client.get(f"/stations/{two_stations.station.pk}/map.geojson").status_code == 404


# --- Coverage ---------------------------------------------------------------------------------


def test_coverage_when_only_township_a_has_a_station(world, client):
    admin = world.person(R.COUNTY_ADMIN, world.plc)
    client.force_login(admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/stations/coverage/")
    assert response.status_code == 200
    coverage = response.context["coverage"]
    assert [(t.region.name, t.stations) for t in coverage.townships] == [
        ("荷花街道", (world.station.name,)),
        ("航埠镇", ()),
    ]
    assert [(v.region.name, v.covered) for t in coverage.townships for v in t.villages] == [
        ("新塘社区", True),
        ("下张村", True),
        ("北二村", False),
    ]
    assert (coverage.townships_covered, len(coverage.townships), coverage.townships_percent) == (1, 2, 50.0)
    assert (coverage.villages_covered, coverage.villages_total, coverage.villages_percent) == (2, 3, 66.7)
    html = response.content.decode()
    assert re.search(r'data-testid="villages-percent">66.7%<', html)
    assert re.search(r'data-testid="townships-percent">50.0%<', html)
    assert 'data-village="330802002001" data-covered="no"' in html
    assert len(queries) <= 12


def test_coverage_counts_a_village_room_and_ignores_an_inactive_station(world):
    room = Station.objects.create(
        name="北二村警务室",
        kind=Station.Kind.VILLAGE_ROOM,
        police_agency=world.station_b,
        region=world.village_b1,
    )
    room.covered_regions.set([world.village_b1])
    closed = Station.objects.create(
        name="停用站", kind=Station.Kind.JOINT_DUTY, police_agency=world.station_b,
        region=world.township_b, active=False,
    )  # fmt: skip
    closed.covered_regions.set([world.township_b])
    coverage = coverage_for(world.commander)
    assert (coverage.townships_covered, coverage.villages_covered, coverage.villages_total) == (1, 3, 3)
    assert coverage.villages_percent == 100.0


def test_coverage_query_count_does_not_grow_with_villages(world):
    from governance.services.regions import region_create

    coverage_for(world.commander)
    world.commander = type(world.commander).objects.get(pk=world.commander.pk)
    with CaptureQueriesContext(connection) as few:
        coverage_for(world.commander)
    for i in range(10):
        region_create(actor=None, code=f"33080200203{i}", name=f"新村{i}", level=5, parent=world.township_b)
    # Warmed as before the first count (new regions renew the cached jurisdictions).
    coverage_for(world.commander)
    world.commander = type(world.commander).objects.get(pk=world.commander.pk)
    with CaptureQueriesContext(connection) as many:
        assert coverage_for(world.commander).villages_total == 13
    assert len(many) == len(few)


def test_the_officer_told_of_an_order_that_moved_reads_where_it_went(two_stations, client, run_on_commit):
    from stations.notifications import notify_new_order

    w = two_stations
    order = report("荷花警情", category="traffic")
    notify_new_order(order_id=order.pk)
    with run_on_commit():
        order_redispatch(order=order, station=w.station_b_post, actor=w.commander, reason="警力全部外出")

    client.force_login(w.officer)
    page = client.get(f"/stations/orders/{order.pk}/")
    assert page.status_code == 200 and 'data-testid="order-moved"' in page.content.decode()
    assert w.station_b_post.name in page.content.decode()
    # One never told of it gets the plain 404, as for any order he may not open.
    stranger = w.person(R.OFFICER, w.station_a)
    client.force_login(stranger)
    assert client.get(f"/stations/orders/{order.pk}/").status_code == 404
