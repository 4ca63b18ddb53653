"""Password policy: at least 10 characters, not common, not only digits, not like the username;
enforced where people choose a password (the change page, the admin's forms)."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.governance.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Sh0rt-pw!", "password_too_short"),
        ("password1234", "password_too_common"),
        ("20261123987654", "password_entirely_numeric"),
    ],
)
def test_weak_passwords_are_refused_with_their_reason(password, code):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert code in [e.code for e in refused.value.error_list]


def test_a_password_like_the_username_is_refused():
    user = UserFactory(username="zhangwei-officer")
    with pytest.raises(ValidationError) as refused:
        validate_password("zhangwei-officer1", user=user)
    assert [e.code for e in refused.value.error_list] == ["password_too_similar"]


def test_a_long_uncommon_password_is_accepted():
    assert validate_password("qu-zhou-river-lantern-7") is None


def test_the_change_page_refuses_a_short_password_and_keeps_the_old_one(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Sh0rt-pw!", "new_password2": "Sh0rt-pw!"},
    )
    assert response.status_code == 200
    assert "This password is too short. It must contain at least 10 characters." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_change_page_takes_a_good_password(client):
    user = UserFactory()
    client.force_login(user)
    new = "qu-zhou-river-lantern-7"
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/done/"
    user.refresh_from_db()
    assert user.check_password(new)
