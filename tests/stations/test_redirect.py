"""Non-police matters are handed to the agency that owns them and tracked to closure."""

from __future__ import annotations

import pytest

from governance.errors import PermissionDenied, ValidationFailed
from governance.models import Agency, Membership, Notification
from governance.services.people import agency_create
from stations.models import DispatchOrder
from stations.selectors import orders_visible_to
from stations.services import alert_intake, order_step
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
R = Membership.Role
S = DispatchOrder.Status


@pytest.fixture
def world():
    c = county()
    c.station = station_for(c)
    c.officer = c.person(R.OFFICER, c.station_a)
    c.water = agency_create(
        actor=None,
        name="柯城区城管供水服务站",
        kind=Agency.Kind.LAW_ENFORCEMENT,
        region=c.county,
        served_regions=[c.county],
    )
    c.clerk = c.person(R.TOWNSHIP_OFFICIAL, c.water)
    c.order = alert_intake(
        actor=None, channel="12345", category="non_police", summary="路灯不亮", address="新塘社区主路",
        village_code="330802001001",
    ).order  # fmt: skip
    return c


def test_station_hands_the_matter_over_and_the_owner_closes_it(world, run_on_commit):
    with run_on_commit():
        order = order_step(
            order=world.order, step="redirect", actor=world.officer, agency=world.water, note="路灯维修"
        )
    assert (order.status, order.redirected_agency) == (S.REDIRECTED, world.water)
    assert Notification.objects.filter(recipient=world.clerk, kind="order.redirect").count() == 1
    assert list(orders_visible_to(world.clerk)) == [order]
    order = order_step(order=order, step="close", actor=world.clerk, note="已更换灯泡")
    assert (order.status, order.outcome) == (S.CLOSED, "已更换灯泡")
    assert order.redirect_closed_at is not None


def test_redirect_needs_a_non_police_agency_serving_the_village(world):
    with pytest.raises(ValidationFailed) as info:
        order_step(order=world.order, step="redirect", actor=world.officer, note="x")
    assert list(info.value.fields) == ["agency"]
    with pytest.raises(ValidationFailed) as info:
        order_step(order=world.order, step="redirect", actor=world.officer, agency=world.station_b, note="x")
    assert info.value.fields == {"agency": ["航埠派出所 does not take matters of this village."]}
    assert DispatchOrder.objects.get(pk=world.order.pk).status == S.DISPATCHED


def test_closing_a_redirected_matter_needs_what_was_done(world):
    order = order_step(
        order=world.order, step="redirect", actor=world.officer, agency=world.water, note="路灯维修"
    )
    with pytest.raises(ValidationFailed) as info:
        order_step(order=order, step="close", actor=world.clerk)
    assert list(info.value.fields) == ["note"]


def test_another_agency_cannot_close_it(world):
    order = order_step(
        order=world.order, step="redirect", actor=world.officer, agency=world.water, note="路灯维修"
    )
    outsider = world.person(R.TOWNSHIP_OFFICIAL, world.township_gov_b)
    with pytest.raises(PermissionDenied):
        order_step(order=order, step="close", actor=outsider, note="不是我们的")
    assert DispatchOrder.objects.get(pk=order.pk).status == S.REDIRECTED


def test_redirect_from_the_order_page(world, client):
    client.force_login(world.officer)
    page = client.get(f"/stations/orders/{world.order.pk}/").content.decode()
    assert 'data-testid="redirect-agency"' in page and "柯城区城管供水服务站" in page
    client.post(
        f"/stations/orders/{world.order.pk}/step/",
        {"step": "redirect", "agency": world.water.pk, "note": "转城管"},
    )
    assert DispatchOrder.objects.get(pk=world.order.pk).redirected_agency == world.water
