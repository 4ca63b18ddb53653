"""The whistle round trip on pages: blown from the order's page, answered from the grid's phone
page, verified (or reopened) on the whistle's page; bad input re-renders with field errors and
writes nothing; a resent whistle is one whistle; a volunteer is refused as on the API."""

from __future__ import annotations

import pytest

from governance.models import AuditEvent, Membership, Notification
from stations.models import Summons, SummonsTarget
from tests.stations.test_summons import build_world

pytestmark = pytest.mark.django_db
R = Membership.Role
REASON = "村口聚集三十余人，请网格到场劝导"


@pytest.fixture
def world():
    return build_world()


def blow(client, c, **overrides):
    data = {"agencies": [c.township_gov_a.pk], "urgency": "emergency", "reason": REASON} | overrides
    return client.post(f"/stations/orders/{c.order.pk}/whistle/", data)


def test_whistle_from_the_order_page_answered_on_the_grid_and_verified(world, client, run_on_commit):
    c = world
    client.force_login(c.officer)
    form = client.get(f"/stations/orders/{c.order.pk}/whistle/").content.decode()
    assert c.township_gov_a.name in form and 'data-testid="deadlines"' in form
    with run_on_commit():
        response = blow(client, c)
    summons = Summons.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/stations/summons/{summons.pk}/"
    assert (summons.order, summons.urgency, summons.reason) == (c.order, "emergency", REASON)
    # The summoned are told, with a link to the whistle's page (not the API).
    assert Notification.objects.filter(kind="summons.new", link=f"/stations/summons/{summons.pk}/").exists()
    assert (
        f"/stations/summons/{summons.pk}/" in client.get(f"/stations/orders/{c.order.pk}/").content.decode()
    )

    target = SummonsTarget.objects.get(summons=summons)
    grid = client.__class__()
    grid.force_login(c.grid_worker)
    assert grid.post(f"/stations/grid/summons/{target.pk}/check-in/").status_code == 302
    assert grid.post(f"/stations/grid/summons/{target.pk}/handle/", {"note": "已到场劝散"}).status_code == 302
    summons.refresh_from_db()
    assert summons.status == Summons.Status.HANDLED

    page = client.get(f"/stations/summons/{summons.pk}/").content.decode()
    assert "已到场劝散" in page and 'data-testid="verify"' in page and 'data-testid="reopen"' in page
    assert client.post(f"/stations/summons/{summons.pk}/verify/").status_code == 302
    summons.refresh_from_db()
    assert (summons.status, summons.verified_by) == (Summons.Status.VERIFIED, c.officer)
    # Verified: the table offers nothing more.
    assert 'data-testid="verify"' not in client.get(f"/stations/summons/{summons.pk}/").content.decode()


def test_bad_whistle_input_shows_the_fields_errors_and_writes_nothing(world, client):
    client.force_login(world.officer)
    response = blow(client, world, reason="", urgency="soon")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="reason"' in html and 'data-field="urgency"' in html
    # An agency that does not serve the village: the service's refusal on the field.
    response = blow(client, world, agencies=[world.committee.pk + 10_000])
    assert response.status_code == 400 and 'data-field="agencies"' in response.content.decode()
    assert not Summons.objects.exists()
    assert not AuditEvent.objects.filter(verb="summons.whistle").exists()


def test_the_same_whistle_sent_twice_is_one_whistle(world, client):
    client.force_login(world.officer)
    first, second = blow(client, world), blow(client, world)
    assert first["Location"] == second["Location"]
    assert Summons.objects.count() == 1


def test_reopen_needs_a_reason_and_only_the_whistler_is_offered_it(world, client, run_on_commit):
    c = world
    client.force_login(c.officer)
    blow(client, c)
    summons = Summons.objects.get()
    target = SummonsTarget.objects.get(summons=summons)
    grid = client.__class__()
    grid.force_login(c.grid_worker)
    grid.post(f"/stations/grid/summons/{target.pk}/check-in/")
    grid.post(f"/stations/grid/summons/{target.pk}/handle/", {"note": "已处理"})
    # The grid worker sees the whistle (his agency is summoned) but may not conclude it.
    page = grid.get(f"/stations/summons/{summons.pk}/").content.decode()
    assert 'data-testid="reopen"' not in page
    assert grid.post(f"/stations/summons/{summons.pk}/reopen/", {"reason": "不满意"}).status_code == 403
    bad = client.post(f"/stations/summons/{summons.pk}/reopen/", {"reason": ""})
    assert bad.status_code == 400 and 'data-field="reason"' in bad.content.decode()
    summons.refresh_from_db()
    assert summons.status == Summons.Status.HANDLED
    with run_on_commit():
        assert (
            client.post(f"/stations/summons/{summons.pk}/reopen/", {"reason": "仍有人聚集"}).status_code
            == 302
        )
    summons.refresh_from_db()
    assert (summons.status, summons.reopened_count) == (Summons.Status.OPEN, 1)
    # Why it was reopened is said on the whistle's page and on the grid's card and notice, and
    # what was done before stays readable.
    page = grid.get(f"/stations/summons/{summons.pk}/").content.decode()
    assert "仍有人聚集" in page.split('data-testid="reopen-reason"')[1].split("</span>")[0]
    assert "已处理" in page.split('data-testid="earlier-handling"')[1].split("</div>")[0]
    card = grid.get("/stations/grid/").content.decode()
    assert "仍有人聚集" in card.split('data-testid="reopen-reason"')[1].split("</p>")[0]
    notice = Notification.objects.get(kind="summons.reopened", recipient=c.grid_worker)
    assert notice.title == "Reopened: 仍有人聚集"


def test_a_volunteer_is_refused_on_the_pages_as_on_the_api(world, client):
    c = world
    client.force_login(c.officer)
    blow(client, c)
    summons = Summons.objects.get()
    volunteer = client.__class__()
    volunteer.force_login(c.volunteer)
    assert volunteer.get(f"/stations/summons/{summons.pk}/").status_code == 404
    assert volunteer.post(f"/stations/summons/{summons.pk}/verify/").status_code == 404
    assert volunteer.post(f"/api/v1/summonses/{summons.pk}/verify/").status_code in (403, 404)
    assert volunteer.get("/stations/grid/whistle/").status_code == 404


def test_any_summoned_agency_reports_in_and_handles_from_the_whistle_page(world, client):
    """The mediation committee (no grid page of its own) answers where the inbox sends it."""
    c = world
    client.force_login(c.officer)
    blow(client, c, agencies=[c.judicial.pk, c.township_gov_a.pk])
    summons = Summons.objects.get()
    target = SummonsTarget.objects.get(summons=summons, agency=c.judicial)
    page_url = f"/stations/summons/{summons.pk}/"
    base = f"{page_url}targets/{target.pk}/"

    client.force_login(c.mediator)
    page = client.get(page_url).content.decode()
    assert f'data-target-id="{target.pk}"' in page and 'data-testid="check-in"' in page
    # Only the rows of his own agency are his to answer.
    other = SummonsTarget.objects.get(summons=summons, agency=c.township_gov_a)
    assert f'data-target-id="{other.pk}"' not in page
    assert client.post(f"{page_url}targets/{other.pk}/check-in/").status_code == 404

    assert client.post(f"{base}check-in/").status_code == 302
    empty = client.post(f"{base}handle/", {"note": ""})
    assert empty.status_code == 400 and 'data-field="note"' in empty.content.decode()
    assert SummonsTarget.objects.get(pk=target.pk).handled_at is None
    assert client.post(f"{base}handle/", {"note": "已联系双方，约定明早调解"}).status_code == 302
    target.refresh_from_db()
    assert target.checked_in_by == c.mediator and target.note == "已联系双方，约定明早调解"
    assert 'data-testid="answer"' not in client.get(page_url).content.decode()  # answered

    # The grid worker reads the whistle, not the station's order behind it: no link to a 404.
    client.force_login(c.grid_worker)
    grid_view = client.get(page_url).content.decode()
    assert f'href="/stations/orders/{c.order.pk}/"' not in grid_view and "预付卡商家跑路" in grid_view
    client.force_login(c.officer)
    assert f'href="/stations/orders/{c.order.pk}/"' in client.get(page_url).content.decode()
