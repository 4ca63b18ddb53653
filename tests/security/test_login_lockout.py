"""Login throttling (django-axes): a lockout after repeated failures, on the login page, the admin
login and the API token endpoint; an administrator lifts it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.governance.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _limit_of_three(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)


def fail(client, username, times, url=LOGIN):
    return [client.post(url, {"username": username, "password": "wrong-password"}) for _ in range(times)]


def test_failures_below_the_limit_only_say_the_password_is_wrong(client):
    user = UserFactory()
    responses = fail(client, user.username, 2)
    assert [r.status_code for r in responses] == [200, 200]
    assert 'data-testid="login-locked"' not in responses[-1].content.decode()
    assert AccessAttempt.objects.get(username=user.username).failures_since_start == 2


def test_the_third_failure_locks_the_account_with_a_clear_message(client):
    user = UserFactory()
    responses = fail(client, user.username, 3)
    assert [r.status_code for r in responses] == [200, 200, 429]
    html = responses[-1].content.decode()
    assert 'data-testid="login-locked"' in html
    assert (
        "This account is locked after too many failed logins. Try again in 30 minutes, "
        "or ask an administrator to unlock it."
    ) in html
    assert f'value="{user.username}"' in html


def test_a_locked_account_cannot_log_in_even_with_the_right_password(client):
    user = UserFactory()
    fail(client, user.username, 3)
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def test_the_lockout_is_per_account_not_for_the_whole_station(client):
    locked, colleague = UserFactory(), UserFactory()
    fail(client, locked.username, 3)
    response = client.post(LOGIN, {"username": colleague.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(colleague.pk)


def test_the_lockout_ends_after_the_cool_off(client):
    user = UserFactory()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        fail(client, user.username, 3)
        clock.shift(timedelta(minutes=29))
        assert client.post(LOGIN, {"username": user.username, "password": PASSWORD}).status_code == 429
        clock.shift(timedelta(minutes=31))
        response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(client):
    user = UserFactory()
    fail(client, user.username, 2)
    assert client.post(LOGIN, {"username": user.username, "password": PASSWORD}).status_code == 302
    client.logout()
    responses = fail(client, user.username, 2)
    assert [r.status_code for r in responses] == [200, 200]


def test_an_administrator_unlocks_the_account_in_the_admin(client):
    user = UserFactory()
    admin = UserFactory(is_staff=True, is_superuser=True)
    fail(client, user.username, 3)
    attempt = AccessAttempt.objects.get(username=user.username)
    admin_client = type(client)()
    admin_client.force_login(admin)
    response = admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert AccessAttempt.objects.filter(username=user.username).count() == 0
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_the_admin_login_counts_towards_the_same_lockout(client):
    user = UserFactory(is_staff=True)
    fail(client, user.username, 2, url="/admin/login/")
    response = client.post("/admin/login/", {"username": user.username, "password": "wrong-password"})
    assert response.status_code == 429
    response = client.post("/admin/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429


def test_the_api_answers_a_locked_account_with_429_and_the_error_shape():
    user = UserFactory()
    api = APIClient()
    responses = fail(api, user.username, 3, url=TOKEN)
    assert [r.status_code for r in responses] == [400, 400, 429]
    right = api.post(TOKEN, {"username": user.username, "password": PASSWORD})
    assert right.status_code == 429
    assert right.json() == {
        "error": {
            "code": "locked_out",
            "message": "This account is locked after too many failed logins. Try again in 30 minutes, "
            "or ask an administrator to unlock it.",
            "fields": {},
        }
    }
    assert "token" not in right.json()


def test_the_api_gives_a_token_to_an_account_that_is_not_locked():
    user = UserFactory()
    response = APIClient().post(TOKEN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert len(response.json()["token"]) == 64


def test_failures_on_the_page_and_the_api_add_up():
    user = UserFactory()
    api = APIClient()
    fail(api, user.username, 2, url=TOKEN)
    response = fail(api, user.username, 1)[0]
    assert response.status_code == 429


# --- Per username and address (issue 15, finding 5) ----------------------------------------------

A, B = "10.20.0.1", "10.30.0.2"


def test_five_failures_from_one_address_lock_that_address_only_and_the_commander_still_logs_in(settings):
    settings.AXES_FAILURE_LIMIT = 5
    commander = UserFactory(username="commander-on-duty")
    attacker, own_desk = Client(), Client()
    answers = [
        attacker.post(LOGIN, {"username": commander.username, "password": "wrong-password"}, REMOTE_ADDR=A)
        for _ in range(5)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert (
        attacker.post(
            LOGIN, {"username": commander.username, "password": PASSWORD}, REMOTE_ADDR=A
        ).status_code
        == 429
    )
    answer = own_desk.post(LOGIN, {"username": commander.username, "password": PASSWORD}, REMOTE_ADDR=B)
    assert answer.status_code == 302
    assert own_desk.session["_auth_user_id"] == str(commander.pk)


def test_the_api_lockout_is_per_username_and_address_too():
    user = UserFactory()
    api = APIClient()
    for _ in range(3):
        api.post(TOKEN, {"username": user.username, "password": "wrong-password"}, REMOTE_ADDR=A)
    assert (
        api.post(TOKEN, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=A).status_code == 429
    )
    answer = api.post(TOKEN, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=B)
    assert answer.status_code == 200 and "token" in answer.json()


def test_a_forwarded_for_header_does_not_move_the_lockout_to_another_address(client):
    user = UserFactory()
    for n in range(3):
        client.post(
            LOGIN, {"username": user.username, "password": "wrong-password"}, REMOTE_ADDR=A,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )  # fmt: skip
    answer = client.post(
        LOGIN,
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR=A,
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert answer.status_code == 429
