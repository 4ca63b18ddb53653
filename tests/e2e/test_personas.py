"""Each persona logs in with a real browser and lands on a home page made for them; phones of
360 px get a page without sideways scrolling; nothing is loaded from outside the platform."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from governance.models import Membership
from governance.services.notifications import notification_send
from governance.services.regions import grid_assign_worker
from tests.e2e.conftest import screenshot
from tests.e2e.phone import fits_the_phone
from tests.governance.factories import PASSWORD, county

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
R = Membership.Role


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector('[data-testid="roles"]')


def open_menu(page) -> None:
    """Open the collapsed phone menu and wait until Bootstrap's animation is over (class ``show``,
    not ``collapsing``): a tap during the animation can miss a moving button."""
    page.click(".navbar-toggler")
    page.wait_for_selector("#nav.collapse.show")


def only_local(page, live_server) -> list[str]:
    host = urlparse(live_server.url).netloc
    return [u for u in page.requested if urlparse(u).netloc not in (host, "") and not u.startswith("data:")]


@pytest.mark.parametrize(
    ("role", "agency", "width", "section", "text"),
    [
        (R.TOWNSHIP_OFFICIAL, "township_gov_a", 1280, "township-villages", "下张村"),
        (R.OFFICER, "station_a", 1280, "jurisdiction", "荷花街道"),
        (R.COUNTY_ADMIN, "plc", 1280, "jurisdiction", "柯城区"),
        (R.GRID_WORKER, "township_gov_a", 360, "my-grids", "第1网格"),
        (R.VOLUNTEER, "station_a", 360, "agencies", "荷花派出所"),
    ],
)
def test_persona_logs_in_and_sees_their_home(page_factory, live_server, role, agency, width, section, text):
    c = county()
    user = c.person(role, getattr(c, agency), scope=c.village_a1 if role == R.GRID_WORKER else None)
    if role == R.GRID_WORKER:
        grid_assign_worker(actor=None, grid=c.village_a1.grids.get(), worker=user)
    notification_send(recipient=user, title="欢迎使用融治")
    page = page_factory(width=width, height=780)
    log_in(page, live_server, user.username)
    assert page.locator(f'[data-role="{role}"]').count() == 1
    assert text in page.locator(f'[data-testid="{section}"]').inner_text()
    assert "欢迎使用融治" in page.locator('[data-testid="inbox-preview"]').inner_text()
    assert "航埠" not in page.content()
    fits_the_phone(page, width)
    assert page.get_attribute("html", "lang") == "zh-hans"
    assert only_local(page, live_server) == []
    # The main menu is the person's work; the API's links sit in the footer.
    assert page.locator('#nav a[href*="/api/"], #nav [data-testid="nav-tokens"]').count() == 0
    assert page.locator('footer [data-testid="nav-tokens"]').count() == 1
    # The tab's icon is the platform's own: no request for a /favicon.ico that answers 404.
    icon = page.get_attribute('link[rel="icon"]', "href")
    assert page.request.get(f"{live_server.url}{icon}").status == 200
    assert not [u for u in page.requested if u.endswith("/favicon.ico")]
    screenshot(page, f"home-{role}-{width}")


def test_inbox_language_switch_and_logout(page_factory, live_server):
    c = county()
    user = c.person(R.OFFICER, c.station_a)
    notification_send(recipient=user, title="新警单提醒", body="请及时接单")
    page = page_factory(width=360, height=780)
    log_in(page, live_server, user.username)
    open_menu(page)
    page.click('[data-testid="nav-inbox"]')
    page.wait_for_selector('[data-testid="notification"]')
    assert "请及时接单" in page.locator('[data-testid="notification"]').inner_text()
    page.click('[data-testid="mark-all-read"]')
    page.wait_for_selector(".alert")
    assert page.locator(".list-group-item-warning").count() == 0
    page.select_option("#language", "en")
    page.click('[data-testid="language-form"] button')
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert "Inbox" in page.locator("h1").inner_text()
    open_menu(page)
    with page.expect_navigation(url="**/accounts/login/**"):
        page.click('[data-testid="logout"]')
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url


def test_wrong_password_shows_an_error_and_stays_on_login(page_factory, live_server):
    c = county()
    user = c.person(R.OFFICER, c.station_a)
    page = page_factory()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    # The error arrives with the next page: wait for it rather than read the old one.
    expect(page.locator('[data-testid="login-error"]')).to_be_visible()
    assert "/accounts/login/" in page.url
