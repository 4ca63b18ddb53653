"""Running the URL permission matrix: the URL of a route for the matrix's world, one request per
role and method, and the answer reduced to one letter.

Letters: ``y`` allowed (2xx or a redirect elsewhere than the login page), ``b`` allowed but the
(empty) input refused (400, 409, 422), ``n`` refused (401, 403, 404, or sent to log in),
``-`` method not allowed (405), ``w`` (unsafe methods) allowed and something was written,
``u`` unavailable (503, a readiness probe). Any other 5xx is
never expected.
"""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from typing import Any

from django.apps import apps
from django.core.signals import request_finished
from django.db import close_old_connections, transaction
from django.http import HttpResponse
from django.test import Client

from tests.security.urlconf import Route
from tests.security.world import World

# Tables whose row counts a refused request must leave alone. Every state change of the platform
# also writes an audit event, so an unchanged AuditEvent count covers updates as well.
WATCHED_MODELS = (
    "governance.AuditEvent",
    "governance.Region",
    "governance.Agency",
    "governance.Membership",
    "governance.Profile",
    "governance.Notification",
    "stations.Alert",
    "stations.DispatchOrder",
    "stations.Summons",
    "stations.DutyShift",
    "disputes.Dispute",
    "disputes.Party",
    "disputes.Agreement",
    "disputes.Session",
    "disputes.CaseTask",
    "disputes.ScreeningCampaign",
    "disputes.ScreeningVisit",
    "volunteers.Volunteer",
    "volunteers.Task",
    "volunteers.Claim",
    "volunteers.PointsEntry",
    "volunteers.RewardItem",
    "volunteers.Redemption",
    "knox.AuthToken",
    "auth.User",
)

# (route name prefix, world key) for the routers' ``pk``: the first prefix that matches wins.
_PK_BY_NAME = (
    ("agency-", "agency"),
    ("membership-", "membership"),
    ("notification-", "notification"),
    ("integration-client-", "integration_client"),
    ("api-token-", "token_owner"),
    ("duty-shift-", "shift_id"),
    ("order-", "order"),
    ("village-order-", "order"),
    ("summons-", "summons"),
    ("dispute-", "dispute"),
    ("screening-campaign-", "campaign_id"),
    ("screening-assignment-", "assignment_id"),
    ("volunteer-team-", "team"),
    ("volunteer-task-", "task_id"),
    ("volunteer-claim-", "claim_id"),
    ("volunteer-course-", "course"),
    ("volunteer-vet", "volunteer_id"),
    ("volunteer-reject", "volunteer_id"),
    ("volunteer-activate", "volunteer_id"),
    ("volunteer-", "volunteer"),
    ("reward-item-", "item_id"),
    ("shop-item-", "item_id"),
    ("redemption-", "redemption_id"),
    ("peace:township", "township"),
    ("peace-township-", "township"),
    ("peace:village", "village"),
    ("peace-village-", "village"),
    ("peace-versions", "county"),
    ("peace:version", "version"),
    ("peace-version", "version"),
    ("peace:run", "run"),
    ("peace-run", "run"),
    ("peace:", "county"),
    ("peace-", "county"),
)
_FIXED = {"action": "follow_up", "fmt": "json", "service_code": "dispute", "app_label": "governance"}


def _value(route: Route, param: str, world: World) -> Any:
    k = world.kwargs
    if param == "pk" and route.name.startswith("admin:"):
        return "1"
    if param == "pk":
        for prefix, key in _PK_BY_NAME:
            if route.name.startswith(prefix):
                return k[key]
        raise LookupError(f"no object for the pk of {route.name}")
    if param == "task_id" and route.name.startswith("dispute-"):
        return k["task_id_dispute"]
    if param == "volunteer_id" and route.name == "volunteers:team-admit":
        return k["volunteer_id"]  # the applicant
    if param == "volunteer_id":
        return k["volunteer"]
    if param == "summons_id":
        return k["summons"]
    if param == "course_id":
        return k["course"]
    if param == "certificate_id":
        return k.get("certificate", 999_999)  # none earned in the world: refused to everyone
    if param == "service_request_id":
        return k["order"]
    if param in ("object_id", "content_type_id", "id", "object_pk", "url", "user_id", "group_id"):
        return "1"
    if param in _FIXED:
        return _FIXED[param]
    return k[param]


_CONVERTER = re.compile(r"(?<!\?P)<(?:\w+:)?(\w+)>")  # path() converters, not (?P<name>...) groups


def _fill_regex(pattern: str, values: dict[str, Any]) -> str:
    """``^requests/(?P<id>[^/]+)\\.(?P<fmt>json|xml)$`` -> ``requests/7.json``."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("(?P<", i):
            name = pattern[i + 4 : pattern.index(">", i)]
            depth, j = 0, i
            while True:  # to the parenthesis that closes the group
                depth += {"(": 1, ")": -1}.get(pattern[j], 0) if pattern[j - 1 : j] != "\\" else 0
                j += 1
                if depth == 0:
                    break
            out.append(str(values[name]))
            i = j
        else:
            out.append(pattern[i])
            i += 1
    text = "".join(out).replace("^", "").replace("$", "").replace("/?", "/")
    return re.sub(r"\\(.)", r"\1", text)


def url_for(route: Route, world: World) -> str:
    values = {p: _value(route, p, world) for p in route.params}
    return "/" + _fill_regex(_CONVERTER.sub(lambda m: str(values[m.group(1)]), route.route), values)


def letter(response: HttpResponse) -> str:
    status = response.status_code
    if status in (401, 403, 404):
        return "n"
    if status in (301, 302, 303) and "/login/" in response.get("Location", ""):
        return "n"
    if status == 405:
        return "-"
    if status in (400, 409, 415, 422):
        return "b"
    if status == 503:  # a readiness probe saying the platform is not ready: an answer, not a crash
        return "u"
    if status < 400:
        return "y"
    return f"E{status}"


def _close(response: HttpResponse) -> None:
    """Close a response (a live stream's generator above all) without the request_finished
    signal, which would close the database connection in the middle of the test's transaction."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def row_counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in WATCHED_MODELS}


def answer(
    client: Client, method: str, url: str, body: dict[str, Any] | None = None
) -> tuple[str, dict[str, int], dict[str, int]]:
    """One request; an unsafe one runs in a savepoint rolled back afterwards, so that the next
    role meets the same world. Returns the letter and the row counts before and after.

    The client's cookies are put back afterwards: a logout must not log the role out of the rest
    of the matrix."""
    cookies = SimpleCookie(client.cookies)
    try:
        return _answer(client, method, url, body or {})
    finally:
        client.cookies = cookies


def _answer(
    client: Client, method: str, url: str, body: dict[str, Any]
) -> tuple[str, dict[str, int], dict[str, int]]:
    if method == "GET":
        response = client.get(url, HTTP_ACCEPT="text/html,application/json")
        result = letter(response)
        _close(response)
        return result, {}, {}
    with transaction.atomic():
        before = row_counts()
        if url.startswith("/api/"):
            response = getattr(client, method.lower())(url, data=body, content_type="application/json")
        else:  # an HTML form
            response = (
                client.post(url, data=body) if method == "POST" else getattr(client, method.lower())(url)
            )
        result = letter(response)
        _close(response)
        after = row_counts()
        if result == "y" and after != before:
            result = "w"
        transaction.set_rollback(True)
    return result, before, after
