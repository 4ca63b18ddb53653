"""Village-first response: an order dispatched to a village is told to its cadres and grid workers;
one reports that the village settled it ("你们不用过来，事情我们已经处理了"); the station calls back,
confirms with one tap and stands down; the order counts as settled by the village in the figures
and, under a methodology that says so, in the village's peace-index bonus."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from governance.errors import InvalidTransition
from governance.models import Agency, AuditEvent, Membership, Notification
from governance.services.people import agency_create
from stations.figures import monthly_figures
from stations.models import DispatchOrder
from stations.notifications import notify_new_order, notify_village_report
from stations.services import alert_intake, order_step
from stations.services.village_first import order_village_report
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
R = Membership.Role
S = DispatchOrder.Status
T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
SETTLED = "张、李两家已在村委会调解，握手言和。村支书周书记 13700001234"


@pytest.fixture
def c():
    c = county()
    c.station = station_for(c)
    c.officer = c.person(R.OFFICER, c.station_a, real_name="王警官")
    c.committee = agency_create(
        actor=None, name="新塘社区居委会", kind=Agency.Kind.VILLAGE_COMMITTEE, region=c.village_a1
    )
    c.cadre = c.person(R.VILLAGE_CADRE, c.committee, real_name="周书记")
    c.grid_worker = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1, real_name="李网格")
    c.other_grid_worker = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a2, real_name="吴网格")
    with time_machine.travel(T0, tick=False):
        c.order = alert_intake(
            actor=None, channel="110", category="dispute", summary="两户因宅基地争吵", address="新塘村3组",
            village_code=c.village_a1.code, priority=1,
        ).order  # fmt: skip
    return c


def recipients(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_the_village_hears_of_the_order_and_the_station_of_its_report(c):
    notify_new_order(order_id=c.order.pk)
    notify_new_order(order_id=c.order.pk)  # a retried task sends nothing twice

    told = Notification.objects.filter(kind="order.village")
    assert recipients("order.village") == {c.cadre.username, c.grid_worker.username}
    assert told.count() == 2 and told.first().link == f"/stations/village/orders/{c.order.pk}/"
    assert c.officer.username in recipients("order.new")

    with time_machine.travel(T0 + 2 * MINUTE, tick=False):
        order_village_report(actor=c.cadre, order=c.order, note=SETTLED)
    notify_village_report(order_id=c.order.pk)
    assert recipients("order.village_report") == {c.officer.username}
    assert Notification.objects.get(kind="order.village_report").link == f"/stations/orders/{c.order.pk}/"


def test_the_cadre_reports_on_the_phone_once_and_a_retry_changes_nothing(client, c):
    client.force_login(c.cadre)
    page = client.get(reverse("stations:village-order", args=[c.order.pk]))
    assert page.status_code == 200 and 'data-testid="village-report"' in page.content.decode()
    assert "两户因宅基地争吵" in page.content.decode()

    url = reverse("stations:village-order-report", args=[c.order.pk])
    empty = client.post(url, {"note": "  "})
    assert empty.status_code == 400 and 'data-field="note"' in empty.content.decode()
    assert DispatchOrder.objects.get(pk=c.order.pk).village_reported_at is None

    with time_machine.travel(T0 + 2 * MINUTE, tick=False):
        done = client.post(url, {"note": SETTLED}, follow=True)
    with time_machine.travel(T0 + 3 * MINUTE, tick=False):
        again = client.post(url, {"note": "另一条说法"}, follow=True)

    order = DispatchOrder.objects.get(pk=c.order.pk)
    assert done.status_code == again.status_code == 200
    assert "The station will call you back to confirm." in done.content.decode()
    assert order.village_reported_at == T0 + 2 * MINUTE and order.village_report == SETTLED
    assert order.village_reported_by == c.cadre and order.status == S.DISPATCHED
    assert AuditEvent.objects.filter(verb="order.village_report").count() == 1
    assert order.events.filter(note__contains="握手言和").count() == 1


def test_only_the_village_reports_and_only_before_the_police_are_on_scene(client, c):
    url = reverse("stations:village-order-report", args=[c.order.pk])
    for outsider in (c.other_grid_worker, c.officer):
        client.force_login(outsider)
        assert client.get(reverse("stations:village-order", args=[c.order.pk])).status_code == 404
        assert client.post(url, {"note": SETTLED}).status_code == 404

    for step in ("accept", "contact", "arrive"):
        order_step(order=c.order, step=step, actor=c.officer)
    client.force_login(c.grid_worker)
    late = client.post(url, {"note": SETTLED})
    assert late.status_code == 409 and "on scene" in late.content.decode()
    assert DispatchOrder.objects.get(pk=c.order.pk).village_reported_at is None


def test_the_station_confirms_by_call_back_and_stands_down(client, c):
    client.force_login(c.officer)
    order_url = reverse("stations:order", args=[c.order.pk])
    before = client.get(order_url).content.decode()
    assert 'data-step="village_confirm"' not in before  # nothing to confirm yet
    with pytest.raises(InvalidTransition):
        order_step(order=c.order, step="village_confirm", actor=c.officer)

    with time_machine.travel(T0 + 2 * MINUTE, tick=False):
        order_village_report(actor=c.grid_worker, order=c.order, note=SETTLED)
    page = client.get(order_url).content.decode()
    assert 'data-testid="village-report"' in page and 'data-step="village_confirm"' in page

    with time_machine.travel(T0 + 4 * MINUTE, tick=False):
        response = client.post(
            reverse("stations:order-step", args=[c.order.pk]),
            {"step": "village_confirm", "note": "已回访周书记"},
        )
    order = DispatchOrder.objects.get(pk=c.order.pk)
    assert response.status_code == 302
    assert order.status == S.VILLAGE_SETTLED and not order.is_open
    assert order.village_settled_at == order.closed_at == T0 + 4 * MINUTE
    assert order.outcome == f"{SETTLED}\n已回访周书记"
    # The order's history reads as sentences: statuses by their names, who, and the notes.
    history = client.get(order_url).content.decode().split('data-testid="history"')[1].split("</ul>")[0]
    assert "Settled by the village" in history and "Dispatched" in history and "王警官" in history
    assert "by_village" not in history and "dispatched" not in history
    assert "The village reports it settled the matter: " in history
    # The village's screen says it is over; the clocks stop (the sweep reads open orders only).
    client.force_login(c.cadre)
    assert (
        "settled by the village"
        in client.get(reverse("stations:village-order", args=[c.order.pk])).content.decode()
    )

    figures = monthly_figures(stations=None, villages_under=c.county, month=dt.date(2026, 11, 1))
    assert figures.total.settled_by_village == 1


def test_the_api_serves_the_village_its_orders_and_its_report(c):
    api = APIClient()
    api.force_authenticate(c.grid_worker)
    listed = api.get("/api/v1/village-orders/").json()
    assert [o["id"] for o in listed["results"]] == [c.order.pk]
    assert listed["results"][0]["may_report"] is True and "caller_name" not in listed["results"][0]

    refused = api.post(f"/api/v1/village-orders/{c.order.pk}/report/", {}, format="json")
    assert refused.status_code == 400 and "note" in refused.json()["error"]["fields"]
    first = api.post(f"/api/v1/village-orders/{c.order.pk}/report/", {"note": SETTLED}, format="json")
    second = api.post(f"/api/v1/village-orders/{c.order.pk}/report/", {"note": "另一条"}, format="json")
    assert first.status_code == second.status_code == 200
    assert second.json()["village_report"] == SETTLED and second.json()["may_report"] is False

    other = APIClient()
    other.force_authenticate(c.other_grid_worker)
    assert other.get("/api/v1/village-orders/").json()["results"] == []
    assert (
        other.post(f"/api/v1/village-orders/{c.order.pk}/report/", {"note": "x"}, format="json").status_code
        == 404
    )


def test_a_crime_stays_the_polices_the_village_is_neither_told_nor_offered_it(client, c):
    with time_machine.travel(T0, tick=False):
        theft = alert_intake(
            actor=None, channel="110", category="criminal", summary="电动车被盗", address="新塘村5组",
            village_code=c.village_a1.code,
        ).order  # fmt: skip
    notify_new_order(order_id=theft.pk)
    assert not Notification.objects.filter(kind="order.village").exists()
    client.force_login(c.cadre)
    assert client.get(reverse("stations:village-order", args=[theft.pk])).status_code == 404
    with pytest.raises(InvalidTransition):
        order_village_report(actor=c.cadre, order=theft, note=SETTLED)


def test_a_quarrel_at_red_risk_is_the_polices_and_the_village_sees_only_what_is_open(client, c):
    with time_machine.travel(T0, tick=False):
        knife = alert_intake(
            actor=None, channel="110", category="dispute", summary="邻居争吵", address="新塘村6组",
            description="对方拿着刀威胁", village_code=c.village_a1.code,
        ).order  # fmt: skip
    assert knife.alert.risk_level == "red"
    notify_new_order(order_id=knife.pk)
    assert not Notification.objects.filter(kind="order.village", link__contains=f"/{knife.pk}/").exists()
    with pytest.raises(InvalidTransition):
        order_village_report(actor=c.cadre, order=knife, note=SETTLED)

    # An order the station closed without the village is not the village's to read for good.
    for step in ("accept", "contact", "arrive", "handle"):
        order_step(order=c.order, step=step, actor=c.officer)
    order_step(order=c.order, step="resolve", actor=c.officer, note="已调解")
    client.force_login(c.cadre)
    for order in (knife, c.order):
        assert client.get(reverse("stations:village-order", args=[order.pk])).status_code == 404
