"""HTML pages: login, the home page of each persona, inbox, language, assets served locally."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from governance.models import Membership
from governance.services.notifications import notification_send
from tests.governance.factories import PASSWORD, UserFactory, county

pytestmark = pytest.mark.django_db
R = Membership.Role


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_speaks_chinese_by_default(client, chinese_default):
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html


def test_english_is_available(client, chinese_default):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Log in to Rongzhi" in html


def test_wrong_password_is_refused_with_a_message(client):
    user = UserFactory()
    response = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert 'data-testid="login-error"' in response.content.decode()


@pytest.mark.parametrize(
    ("role", "agency", "expected_section", "expected_text"),
    [
        (R.TOWNSHIP_OFFICIAL, "township_gov_a", "township-villages", "下张村"),
        (R.GRID_WORKER, "township_gov_a", "my-grids", "第1网格"),
        (R.OFFICER, "station_a", "jurisdiction", "荷花街道"),
        (R.COUNTY_ADMIN, "plc", "admin-links", "/api/docs/"),
        (R.VOLUNTEER, "station_a", "agencies", "荷花派出所"),
    ],
)
def test_each_persona_lands_on_a_home_page_made_for_them(
    client, role, agency, expected_section, expected_text
):
    c = county()
    scope = c.village_a1 if role == R.GRID_WORKER else None
    user = c.person(role, getattr(c, agency), scope=scope)
    if role == R.GRID_WORKER:
        from governance.services.regions import grid_assign_worker

        grid_assign_worker(actor=None, grid=c.village_a1.grids.get(), worker=user)
    notification_send(recipient=user, title="欢迎使用融治")
    assert client.login(username=user.username, password=PASSWORD)
    html = client.get("/").content.decode()
    assert f'data-role="{role}"' in html
    section = html.split(f'data-testid="{expected_section}"', 1)[1]
    assert expected_text in section
    assert "欢迎使用融治" in html.split('data-testid="inbox-preview"', 1)[1]
    assert "航埠" not in html  # nothing of the other township


def test_home_page_query_count_is_bounded(client, django_assert_max_num_queries):
    c = county()
    user = c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a)
    client.force_login(user)
    with django_assert_max_num_queries(20):
        assert client.get("/").status_code == 200


def test_inbox_page_shows_own_messages_escaped_and_marks_all_read(client):
    user = UserFactory()
    notification_send(recipient=user, title="<script>alert(1)</script>")
    client.force_login(user)
    html = client.get("/inbox/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
    client.post("/inbox/read/")
    assert user.notifications.filter(read_at__isnull=True).count() == 0


def test_healthz_reports_database_and_worker():
    from django.test import Client

    body = Client().get("/healthz").json()
    assert body["database"] == "ok"
    assert body["worker"] == "stale"  # no beat has run in this test database


def test_every_static_asset_referenced_by_templates_exists_and_none_is_remote():
    pattern = re.compile(r"{% static '([^']+)' %}")
    templates = [
        *Path(settings.BASE_DIR).glob("templates/**/*.html"),
        *Path(settings.BASE_DIR).glob("*/templates/**/*.html"),
    ]
    assert templates
    for template in templates:
        text = template.read_text()
        for asset in pattern.findall(text):
            assert finders.find(asset), f"{template}: missing static asset {asset}"
        assert not re.search(r"(src|href)=\"https?://", text), f"{template} loads a remote asset"
