"""API tokens: their owner sees and revokes his own on a page and in the API; the county
administrator those of his jurisdiction; nobody else finds them. A revoked token is refused by the
REST API at once, and revoking twice changes nothing twice."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from governance.models import Agency, AuditEvent, Membership, Region
from governance.services.people import agency_create, person_set_password
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
    assert not AuthToken.objects.filter(user=c.worker).exists()
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
            "expiry": rows[0]["expiry"],
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


# --- Tokens expire, end with the password, are stored hashed (issue 15, finding 4) ---------------


def test_a_token_is_stored_only_as_its_digest(c):
    token = issue(c.worker)
    row = AuthToken.objects.get(user=c.worker)
    assert row.digest == hashlib.sha512(token.encode()).hexdigest()
    assert token not in {row.digest, row.token_key} and row.token_key == token[:15]


def test_each_issue_is_a_new_token_and_the_earlier_ones_keep_working(c):
    first, second = issue(c.worker), issue(c.worker)
    assert first != second
    assert with_token(first).get("/api/v1/me/").status_code == 200
    assert with_token(second).get("/api/v1/me/").status_code == 200
    assert AuditEvent.objects.filter(verb="api_token.issue", target_id=str(c.worker.pk)).count() == 2


def test_the_answer_says_when_the_token_expires(c, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(days=2)}
    with time_machine.travel(datetime(2026, 5, 1, 8, 0, tzinfo=UTC), tick=False):
        answer = APIClient().post(
            "/api/v1/auth/token/", {"username": c.worker.username, "password": PASSWORD}
        )
    assert answer.status_code == 200
    assert datetime.fromisoformat(answer.json()["expiry"]) == datetime(2026, 5, 3, 8, 0, tzinfo=UTC)


def test_a_token_is_refused_once_its_days_have_passed_and_is_deleted(c):
    with time_machine.travel(datetime(2026, 5, 1, 8, 0, tzinfo=UTC), tick=False) as clock:
        token = issue(c.worker)
        clock.shift(timedelta(days=30) - timedelta(minutes=1))
        assert with_token(token).get("/api/v1/me/").status_code == 200  # used: not renewed
        clock.shift(timedelta(minutes=2))
        assert refused(with_token(token).get("/api/v1/me/"))
    assert not AuthToken.objects.filter(user=c.worker).exists()


def test_past_the_limit_a_new_token_ends_the_oldest(c, settings):
    settings.API_TOKENS_PER_PERSON = 2
    with time_machine.travel(datetime(2026, 5, 1, 8, 0, tzinfo=UTC)) as clock:
        oldest = issue(c.worker)
        clock.shift(timedelta(minutes=1))
        middle = issue(c.worker)
        clock.shift(timedelta(minutes=1))
        newest = issue(c.worker)
        assert refused(with_token(oldest).get("/api/v1/me/"))
        assert with_token(middle).get("/api/v1/me/").status_code == 200
        assert with_token(newest).get("/api/v1/me/").status_code == 200
    assert AuthToken.objects.filter(user=c.worker).count() == 2


def test_changing_ones_password_on_the_page_ends_all_ones_tokens(c):
    tokens = [issue(c.worker), issue(c.worker)]
    other = issue(c.officer)
    page = Client()
    assert page.login(username=c.worker.username, password=PASSWORD)
    new = "a-new-and-longer-secret"
    answer = page.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert answer.status_code == 302
    assert all(refused(with_token(t).get("/api/v1/me/")) for t in tokens)
    assert with_token(other).get("/api/v1/me/").status_code == 200
    event = AuditEvent.objects.get(verb="api_token.revoke")
    assert (event.target_id, event.reason, event.actor) == (str(c.worker.pk), "password changed", None)
    # The next token comes with the new password.
    assert (
        APIClient().post("/api/v1/auth/token/", {"username": c.worker.username, "password": new}).status_code
        == 200
    )


def test_a_password_set_in_the_admin_ends_the_persons_tokens(c):
    token = issue(c.officer)
    admin = User.objects.create_superuser("root-admin", "", "Root-Pa55word!")
    page = browser(admin)
    new = "another-long-secret-9"
    answer = page.post(
        f"/admin/auth/user/{c.officer.pk}/password/",
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert answer.status_code == 302
    assert refused(with_token(token).get("/api/v1/me/"))


def test_a_bulk_password_reset_ends_the_tokens_too(c):
    token, other = issue(c.worker), issue(c.officer)
    person_set_password(actor=None, users=[c.worker], password="bulk-reset-password-1")
    assert refused(with_token(token).get("/api/v1/me/"))
    assert with_token(other).get("/api/v1/me/").status_code == 200


def test_the_password_page_says_that_a_change_ends_the_tokens(c):
    body = browser(c.worker).get("/accounts/password/").content.decode()
    assert "A new password also ends your API tokens: programs using them need a new one." in body


def test_logging_out_of_the_browser_leaves_the_tokens_of_ones_programs(c):
    token = issue(c.worker)
    page = Client()
    assert page.login(username=c.worker.username, password=PASSWORD)
    assert page.post("/accounts/logout/").status_code == 302
    assert with_token(token).get("/api/v1/me/").status_code == 200


def test_an_expired_token_in_the_header_does_not_stand_in_the_way_of_a_new_one(c):
    client = with_token("0" * 64)
    answer = client.post("/api/v1/auth/token/", {"username": c.worker.username, "password": PASSWORD})
    assert answer.status_code == 200


def test_the_page_lists_each_of_ones_tokens_with_its_expiry(c):
    first, second = issue(c.worker), issue(c.worker)
    body = browser(c.worker).get(PAGE).content.decode()
    assert f"{first[:6]}…" in body and f"{second[:6]}…" in body
    assert body.count('data-testid="token-fingerprint"') == 2
    for token in AuthToken.objects.filter(user=c.worker):
        assert f"expires {timezone.localtime(token.expiry):%Y-%m-%d %H:%M}" in body
