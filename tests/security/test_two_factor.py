"""Optional TOTP two-factor authentication, required for the roles an administrator lists in
OTP_REQUIRED_ROLES: set up once, a code at each login, API tokens only with a code."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from governance.models import AuditEvent, Membership
from tests.governance.factories import PASSWORD, county

pytestmark = pytest.mark.django_db
R = Membership.Role
T0 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people():
    c = county()
    return c.person(R.OFFICER, c.station_a), c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1)


def logged_in(user) -> Client:
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    )
    return client


def code(secret_b32: str) -> str:
    return TOTP(base64.b32decode(secret_b32)).token().__format__("06d")


def set_up(client) -> str:
    html = client.get("/accounts/two-factor/setup/").content.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7=]+)<', html).group(1)
    response = client.post("/accounts/two-factor/setup/", {"token": code(secret), "next": "/inbox/"})
    assert (response.status_code, response["Location"]) == (302, "/inbox/")
    return secret


def test_without_required_roles_nobody_is_asked_for_a_code(settings, people):
    settings.OTP_REQUIRED_ROLES = []
    officer, _ = people
    assert logged_in(officer).get("/").status_code == 200


def test_a_required_role_is_sent_to_set_up_an_authenticator_first(settings, people, clock):
    settings.OTP_REQUIRED_ROLES = ["officer"]
    officer, grid_worker = people
    client = logged_in(officer)
    response = client.get("/disputes/")
    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/two-factor/setup/?next=/disputes/",
    )
    assert logged_in(grid_worker).get("/").status_code == 200  # a role that is not listed


def test_a_wrong_first_code_stores_nothing_and_a_right_one_lets_the_person_in(settings, people, clock):
    settings.OTP_REQUIRED_ROLES = ["officer"]
    officer, _ = people
    client = logged_in(officer)
    response = client.post("/accounts/two-factor/setup/", {"token": "000000"})
    assert response.status_code == 400
    assert "Enter the 6-digit code your authenticator shows now." in response.content.decode()
    assert TOTPDevice.objects.count() == 0
    set_up(client)
    assert client.get("/").status_code == 200
    assert TOTPDevice.objects.get().confirmed is True
    assert AuditEvent.objects.filter(verb="person.two_factor_enable", actor=officer).count() == 1


def test_each_new_login_needs_a_fresh_code(settings, people, clock):
    settings.OTP_REQUIRED_ROLES = ["officer"]
    officer, _ = people
    secret = set_up(logged_in(officer))
    clock.shift(dt.timedelta(minutes=5))
    client = logged_in(officer)
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/two-factor/?next=/")
    assert client.post("/accounts/two-factor/", {"token": "123456"}).status_code == 400
    assert client.get("/").status_code == 302
    clock.shift(dt.timedelta(seconds=2))  # django-otp slows down after a wrong code: 1 s, 2 s, 4 s...
    response = client.post("/accounts/two-factor/", {"token": code(secret), "next": "/"})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.get("/").status_code == 200


def test_a_code_is_spent_once(settings, people, clock):
    settings.OTP_REQUIRED_ROLES = ["officer"]
    officer, _ = people
    secret = set_up(logged_in(officer))
    clock.shift(dt.timedelta(minutes=1))
    first, second = logged_in(officer), logged_in(officer)
    assert first.post("/accounts/two-factor/", {"token": code(secret)}).status_code == 302
    assert second.post("/accounts/two-factor/", {"token": code(secret)}).status_code == 400


def test_a_session_api_call_before_the_code_is_refused(settings, people, clock):
    settings.OTP_REQUIRED_ROLES = ["officer"]
    officer, _ = people
    response = logged_in(officer).get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "two_factor_required"


def test_an_api_token_needs_the_code_for_a_required_role(settings, people, clock):
    settings.OTP_REQUIRED_ROLES = ["officer"]
    officer, grid_worker = people
    secret = set_up(logged_in(officer))
    clock.shift(dt.timedelta(minutes=1))
    api = APIClient()
    refused = api.post("/api/v1/auth/token/", {"username": officer.username, "password": PASSWORD})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "two_factor_required")
    granted = api.post(
        "/api/v1/auth/token/", {"username": officer.username, "password": PASSWORD, "otp": code(secret)}
    )
    assert granted.status_code == 200 and len(granted.json()["token"]) == 64
    other = api.post("/api/v1/auth/token/", {"username": grid_worker.username, "password": PASSWORD})
    assert other.status_code == 200


def test_staff_stands_for_the_admins_users(settings, clock):
    settings.OTP_REQUIRED_ROLES = ["staff"]
    c = county()
    admin = c.person(R.COUNTY_ADMIN, c.plc)
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    response = logged_in(admin).get("/admin/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/two-factor/setup/?next=/admin/")


def test_an_administrator_resets_a_lost_authenticator_by_deleting_it(settings, people, clock):
    settings.OTP_REQUIRED_ROLES = ["officer"]
    officer, _ = people
    set_up(logged_in(officer))
    TOTPDevice.objects.filter(user=officer).delete()
    response = logged_in(officer).get("/")
    assert response["Location"] == "/accounts/two-factor/setup/?next=/"


def test_wrong_codes_slow_down_the_next_attempts(settings, people, clock):
    settings.OTP_REQUIRED_ROLES = ["officer"]
    officer, _ = people
    secret = set_up(logged_in(officer))
    clock.shift(dt.timedelta(minutes=1))
    client = logged_in(officer)
    for _ in range(3):
        assert client.post("/accounts/two-factor/", {"token": "123456"}).status_code == 400
    assert client.post("/accounts/two-factor/", {"token": code(secret)}).status_code == 400  # within 4 s
    clock.shift(dt.timedelta(seconds=5))
    assert client.post("/accounts/two-factor/", {"token": code(secret)}).status_code == 302
