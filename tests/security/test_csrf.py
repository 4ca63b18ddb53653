"""CSRF everywhere: every form and every session-authenticated API call needs the token; the one
exempt view (Open311) takes a hotline system's key and never a session."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from knox.auth import TokenAuthentication
from rest_framework.authentication import SessionAuthentication
from rest_framework.test import APIClient

from governance.models import Membership
from tests.governance.factories import PASSWORD, UserFactory, county
from tests.security.urlconf import all_routes

R = Membership.Role

# Each exemption with the reason it is safe.
JUSTIFIED_EXEMPTIONS = {
    # Open311 GeoReport v2: hotline systems post with their api_key; no cookie is read.
    "open311:requests",
}


def is_drf(route) -> bool:
    return hasattr(route.callback, "cls")


def test_the_csrf_middleware_is_on():
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE


def test_no_django_view_is_exempt_from_csrf_but_the_justified_ones():
    exempt = {r.name for r in all_routes() if getattr(r.callback, "csrf_exempt", False) and not is_drf(r)}
    assert exempt == JUSTIFIED_EXEMPTIONS


def test_every_api_view_authenticates_by_session_with_csrf_or_by_token():
    """DRF views are exempt from Django's middleware and enforce CSRF themselves in
    SessionAuthentication; no view may use another way to read the session cookie."""
    allowed = {SessionAuthentication, TokenAuthentication}
    odd = sorted(
        {
            f"{r.name}: {a.__name__}"
            for r in all_routes()
            if is_drf(r)
            for a in r.callback.cls.authentication_classes
            if a not in allowed
        }
    )
    assert odd == []


@pytest.mark.django_db
def test_a_login_without_the_token_is_refused():
    user = UserFactory()
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_form_post_without_the_token_is_refused_and_changes_nothing():
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    response = client.post("/inbox/read/")
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_session_api_call_without_the_token_is_refused():
    c = county()
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(c.person(R.COUNTY_ADMIN, c.plc))
    response = api.post("/api/v1/notifications/read/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_a_token_api_call_needs_no_csrf_token():
    c = county()
    admin = c.person(R.COUNTY_ADMIN, c.plc)
    token = APIClient().post("/api/v1/auth/token/", {"username": admin.username, "password": PASSWORD}).json()
    api = APIClient(enforce_csrf_checks=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    response = api.post("/api/v1/notifications/read/", {}, format="json")
    assert response.status_code == 200
