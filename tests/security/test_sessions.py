"""Sessions end after an idle period (``SESSION_IDLE_TIMEOUT_MINUTES``, 30 by default); requests
push the end forward (writing the session at most once a minute)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.governance.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_the_idle_timeout_is_thirty_minutes_by_default():
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_a_busy_page_writes_the_session_at_most_once_a_minute(client):
    user = UserFactory()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
        clock.shift(timedelta(seconds=30))
        client.get("/inbox/")
        row = Session.objects.get()
        expiry = row.expire_date
        clock.shift(timedelta(seconds=25))
        client.get("/inbox/")
        assert Session.objects.get().expire_date == expiry  # 55 s since the login: not written
        clock.shift(timedelta(seconds=10))
        client.get("/inbox/")
        assert Session.objects.get().expire_date == timezone.now() + timedelta(minutes=30)


def test_a_session_left_idle_past_the_timeout_is_logged_out(client):
    user = UserFactory()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert (
            client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code
            == 302
        )
        clock.shift(timedelta(minutes=31))
        response = client.get("/inbox/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/inbox/"


def test_activity_keeps_the_session_alive(client):
    user = UserFactory()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
        for _ in range(3):
            clock.shift(timedelta(minutes=20))
            assert client.get("/inbox/").status_code == 200
        clock.shift(timedelta(minutes=31))
        assert client.get("/inbox/").status_code == 302


def test_the_session_cookie_is_http_only_and_same_site(client):
    user = UserFactory()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 1800
