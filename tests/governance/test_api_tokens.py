"""API tokens: their owner sees and revokes his own on a page and in the API; the county
administrator those of his jurisdiction; nobody else finds them. A revoked token is refused by the
REST API at once, and revoking twice changes nothing twice."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from governance.models import Agency, AuditEvent, Membership, Region
from governance.services.people import agency_create
from governance.services.regions import region_create
from tests.governance.factories import PASSWORD, county

pytestmark = pytest.mark.django_db
R = Membership.Role
PAGE = "/accounts/tokens/"


@pytest.fixture
def c():
    c = county()
    c.admin = c.person(R.COUNTY_ADMIN, c.plc)
    c.officer = c.person(R.OFFICER, c.station_a)
    c.official = c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a)
    c.worker = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1)
    other = region_create(actor=None, code="330803", name="衢江区", level=Region.Level.COUNTY, parent=c.city)
    outside = agency_create(
        actor=None, name="衢江区委政法委", kind=Agency.Kind.POLITICAL_LEGAL_COMMITTEE, region=other
    )
    c.outsider = c.person(R.OFFICER, outside)
    return c


def issue(user) -> str:
    """The token as a program obtains it: ``POST /api/v1/auth/token/``."""
    answer = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert answer.status_code == 200
    return answer.json()["token"]


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def refused(response) -> bool:
    # Session authentication comes first: DRF answers an invalid token with 403 rather than 401.
    return response.status_code in (401, 403) and "error" in response.json()


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def revoke_url(user) -> str:
    return f"/accounts/tokens/{user.pk}/revoke/"


def test_the_owner_sees_his_token_by_fingerprint_only(c):
    token = issue(c.worker)
    body = browser(c.worker).get(PAGE).content.decode()
    assert f"{token[:6]}…" in body
    assert token not in body
    assert 'data-testid="others-tokens"' not in body  # not an administrator


def test_the_owner_revokes_his_token_and_the_api_refuses_it_at_once(c):
    token = issue(c.worker)
    assert with_token(token).get("/api/v1/me/").status_code == 200
    page = browser(c.worker)
    assert 'data-confirm="' in page.get(PAGE).content.decode()
    assert page.post(revoke_url(c.worker)).status_code == 302
    assert refused(with_token(token).get("/api/v1/me/"))
    assert not Token.objects.filter(user=c.worker).exists()
    assert 'data-testid="no-own-token"' in page.get(PAGE).content.decode()


def test_revoking_twice_changes_nothing_twice(c):
    issue(c.worker)
    page = browser(c.worker)
    assert page.post(revoke_url(c.worker)).status_code == 302
    assert page.post(revoke_url(c.worker)).status_code == 302
    rest = APIClient()
    rest.force_authenticate(c.worker)
    again = rest.post(f"/api/v1/tokens/{c.worker.pk}/revoke/")
    assert again.status_code == 200 and again.json() == {"owner": c.worker.pk, "revoked": False}
    assert AuditEvent.objects.filter(verb="api_token.revoke").count() == 1


def test_the_county_admin_sees_and_revokes_a_token_of_his_jurisdiction(c):
    token = issue(c.officer)
    page = browser(c.admin)
    body = page.get(PAGE).content.decode()
    assert f'data-owner-id="{c.officer.pk}"' in body and token not in body
    assert page.post(revoke_url(c.officer)).status_code == 302
    assert refused(with_token(token).get("/api/v1/me/"))
    event = AuditEvent.objects.get(verb="api_token.revoke")
    assert event.actor == c.admin


def test_the_county_admin_does_not_reach_beyond_his_jurisdiction(c):
    token = issue(c.outsider)
    page = browser(c.admin)
    assert f'data-owner-id="{c.outsider.pk}"' not in page.get(PAGE).content.decode()
    assert page.post(revoke_url(c.outsider)).status_code == 404
    rest = APIClient()
    rest.force_authenticate(c.admin)
    assert rest.post(f"/api/v1/tokens/{c.outsider.pk}/revoke/").status_code == 404
    assert with_token(token).get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("role", ["officer", "official", "worker"])
def test_other_people_find_nobody_elses_token_on_the_page_and_the_api_alike(c, role):
    token = issue(c.admin)
    user = getattr(c, role)
    page = browser(user)
    assert token[:6] not in page.get(PAGE).content.decode()
    assert page.post(revoke_url(c.admin)).status_code == 404
    rest = APIClient()
    rest.force_authenticate(user)
    listed = rest.get("/api/v1/tokens/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows == []
    assert rest.post(f"/api/v1/tokens/{c.admin.pk}/revoke/").status_code == 404
    assert with_token(token).get("/api/v1/me/").status_code == 200


def test_the_api_lists_fingerprints_never_tokens(c):
    token = issue(c.worker)
    listed = with_token(token).get("/api/v1/tokens/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows == [
        {
            "owner": c.worker.pk,
            "username": c.worker.username,
            "fingerprint": f"{token[:6]}…",
            "created": rows[0]["created"],
        }
    ]


def test_a_token_revoked_by_the_api_is_refused_at_once(c):
    token = issue(c.worker)
    answer = with_token(token).post(f"/api/v1/tokens/{c.worker.pk}/revoke/")
    assert answer.status_code == 200 and answer.json()["revoked"] is True
    assert refused(with_token(token).get("/api/v1/me/"))


def test_anonymous_is_sent_to_log_in(c):
    assert Client().get(PAGE).status_code == 302
    assert APIClient().get("/api/v1/tokens/").status_code in (401, 403)
