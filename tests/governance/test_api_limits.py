"""The API's bounds (issue 15, finding 7): the longest page, a body too large answered in the API's
error shape, rate limits per person, per address and on the token endpoint, and a schema that
says what the leaderboard answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.test import APIClient

from governance.api.pagination import ApiPagination
from governance.models import Region
from governance.services.regions import region_create
from governance.views import bad_request
from tests.governance.factories import PASSWORD, UserFactory, county

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True))
    return client


def rates(settings, **changed):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **changed},
    }


# --- The longest page ----------------------------------------------------------------------------


def test_a_limit_past_the_longest_page_is_cut_to_it(api, settings):
    settings.API_MAX_PAGE_SIZE = 3
    c = county()
    for n in range(3, 8):
        region_create(
            actor=None, code=f"33080200100{n}", name=f"村{n}", level=Region.Level.VILLAGE, parent=c.township_a
        )
    body = api.get("/api/v1/regions/?limit=100000").json()
    assert len(body["results"]) == 3
    assert body["count"] > 3 and "limit=3" in body["next"]


def test_the_longest_page_is_200_rows_by_default(rf):
    asked = Request(rf.get("/api/v1/regions/", {"limit": "100000"}))
    assert ApiPagination().get_limit(asked) == 200


def _views(resolver: URLResolver, prefix: str = "") -> list[tuple[str, type]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += _views(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and hasattr(entry.callback, "cls"):
            found.append((prefix + str(entry.pattern), entry.callback.cls))
    return found


def test_every_api_list_pages_with_the_bounded_pagination():
    views = [(route, cls) for route, cls in _views(get_resolver()) if route.startswith("api/")]
    assert views
    unbounded = [
        route
        for route, cls in views
        if isinstance(getattr(cls, "pagination_class", None), type)
        and issubclass(cls.pagination_class, LimitOffsetPagination)
        and not issubclass(cls.pagination_class, ApiPagination)
    ]
    assert unbounded == []


# --- A body too large ----------------------------------------------------------------------------


def test_a_body_too_large_answers_413_in_the_api_error_shape(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    answer = api.post("/api/v1/regions/", data=body, content_type="application/json")
    assert answer.status_code == 413
    assert answer["Content-Type"] == "application/json"
    assert answer.json() == {
        "error": {
            "code": "too_large",
            "message": "The request is too large: send at most 1 MB.",
            "fields": {},
        }
    }
    assert Region.objects.count() == 0


def test_a_body_too_large_met_before_any_view_answers_the_api_error_shape_too(rf, settings):
    # handler400: Django answers itself when a middleware reads the body (request.POST).
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    answer = bad_request(rf.post("/api/v1/alerts/"), RequestDataTooBig("too big"))
    assert answer.status_code == 413
    assert json.loads(answer.content)["error"]["code"] == "too_large"
    assert bad_request(rf.post("/api/v1/alerts/"), TooManyFieldsSent("many")).status_code == 400


def test_a_page_with_a_body_too_large_keeps_djangos_plain_answer(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    answer = client.post("/accounts/login/", data="username=u&password=" + "x" * 4096,
                         content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert answer.status_code == 400
    assert "application/json" not in answer["Content-Type"]


# --- Rate limits ---------------------------------------------------------------------------------


def test_a_person_past_the_user_rate_is_answered_429_in_the_error_shape(api, settings):
    rates(settings, user="3/minute")
    with time_machine.travel(datetime(2026, 5, 1, 8, 0, tzinfo=UTC), tick=False) as clock:
        assert [api.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
        refused = api.get("/api/v1/me/")
        assert refused.json()["error"]["code"] == "throttled"
        assert int(refused["Retry-After"]) == 60
        clock.shift(timedelta(seconds=61))
        assert api.get("/api/v1/me/").status_code == 200


def test_the_rate_is_counted_per_person(settings):
    rates(settings, user="2/minute")
    one, other = APIClient(), APIClient()
    one.force_authenticate(UserFactory())
    other.force_authenticate(UserFactory())
    assert [one.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]
    assert other.get("/api/v1/me/").status_code == 200


def test_the_token_endpoint_is_limited_per_address_whatever_the_username(settings):
    rates(settings, **{"auth-token": "3/minute"})
    users = [UserFactory() for _ in range(4)]
    api = APIClient()
    answers = [
        api.post(
            "/api/v1/auth/token/", {"username": u.username, "password": PASSWORD}, REMOTE_ADDR="10.9.0.1"
        )
        for u in users
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["error"]["code"] == "throttled"
    elsewhere = api.post(
        "/api/v1/auth/token/", {"username": users[3].username, "password": PASSWORD}, REMOTE_ADDR="10.9.0.2"
    )
    assert elsewhere.status_code == 200


def test_a_forwarded_for_header_does_not_buy_more_requests(settings):
    rates(settings, **{"auth-token": "1/minute"})
    user = UserFactory()
    api = APIClient()
    data = {"username": user.username, "password": PASSWORD}
    assert api.post("/api/v1/auth/token/", data, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 200
    assert api.post("/api/v1/auth/token/", data, HTTP_X_FORWARDED_FOR="192.0.2.2").status_code == 429


def test_the_default_rates_leave_room_for_people_and_hotline_systems(settings):
    defaults = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert defaults == {"user": "600/minute", "anon": "60/minute", "auth-token": "20/minute"}


# --- The leaderboard -----------------------------------------------------------------------------


def test_the_schema_says_the_leaderboard_is_a_plain_list_as_it_answers():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    answer = schema["paths"]["/api/v1/volunteer-teams/{id}/leaderboard/"]["get"]["responses"]["200"]
    body = answer["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    assert "limit" not in {
        p["name"]
        for p in schema["paths"]["/api/v1/volunteer-teams/{id}/leaderboard/"]["get"].get("parameters", [])
    }
