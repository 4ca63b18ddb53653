"""The URL permission matrix: every URL pattern of the platform (HTML, /api/v1/, /open311/, the
admin), read from the URL configuration, against every role. A pattern without a rule fails.

Each rule gives, per method, one letter per role in the order of ``ROLES``:
anonymous, volunteer, grid worker, officer of another station, officer of this station, mediator,
township official of another township, township official, county admin.

``y`` allowed, ``b`` allowed but the empty input refused (400/409), ``n`` refused (401, 403, 404 or
sent to log in), ``-`` method not allowed. The world (tests/security/world.py) puts every object
in township A: station A's order and summons, a signed dispute in village A1 mediated by the
matrix's mediator, station A's volunteer team. Unsafe requests are sent with an empty body and
rolled back; a refused one must leave the main tables' row counts (and the audit trail) unchanged.
"""

from __future__ import annotations

import os

import pytest
from django.db import transaction
from django.test import Client

from tests.security.matrix import answer, url_for
from tests.security.rules import ADMIN_RULE, BODIES, RULES
from tests.security.urlconf import Route, all_routes, routes_to_check
from tests.security.world import ROLES, World, build

ROUTES = routes_to_check()
RECORD = os.environ.get("URL_MATRIX_RECORD", "")


def rule_for(route: Route) -> dict[str, str] | None:
    if route.name in RULES:
        return RULES[route.name]
    return ADMIN_RULE if route.name.startswith("admin:") else None


def test_every_url_pattern_has_a_rule():
    missing = sorted({f"{r.name or '(unnamed)'} ({r.route})" for r in all_routes() if rule_for(r) is None})
    assert not missing, "URL patterns without a rule in tests/security/rules.py: " + ", ".join(missing)


def test_every_rule_names_an_existing_pattern():
    names = {r.name for r in all_routes()}
    assert sorted(set(RULES) - names) == []


def test_every_rule_covers_each_method_of_its_pattern():
    gaps = []
    for route in ROUTES:
        rule = rule_for(route)
        if rule is not None and route.name != "admin:" and not route.name.startswith("admin:"):
            gaps += [f"{route.name} {m}" for m in route.methods if m not in rule]
    assert gaps == []


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module in a transaction rolled back at its end; each test runs in a
    savepoint of it (pytest-django's ``db``)."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build()
        clients = {}
        for role, user in built.users.items():
            clients[role] = Client()
            if user is not None:
                clients[role].force_login(user)
        built.clients = clients  # type: ignore[attr-defined]
        yield built
        transaction.set_rollback(True)


def _observe(route: Route, world: World) -> tuple[dict[str, str], list[str]]:
    url = url_for(route, world)
    observed: dict[str, str] = {}
    changed = []
    for method in route.methods:
        letters = []
        for role in ROLES:
            body = BODIES[route.name](world.kwargs) if route.name in BODIES and method != "GET" else None
            result, before, after = answer(world.clients[role], method, url, body)  # type: ignore[attr-defined]
            letters.append(result)
            if result in ("n", "-") and before != after:
                diff = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
                changed.append(f"{method} {url} as {role} was refused but changed {diff}")
        observed[method] = " ".join(letters)
    return observed, changed


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.name}|{r.route}" for r in ROUTES])
def test_each_role_gets_the_expected_answer_and_a_refusal_changes_nothing(route, world):
    rule = rule_for(route)
    observed, changed = _observe(route, world)
    if RECORD:  # a maintainer's aid for a new pattern: review each letter before copying it
        with open(RECORD, "a") as out:
            out.write(f"    {route.name!r}: {observed!r},\n")
    if rule is None:
        pytest.fail(f"no rule for {route.name} ({route.route}) in tests/security/rules.py")
    expected = {m: rule[m] for m in observed}
    assert (observed, changed) == (expected, []), f"{route.name} ({url_for(route, world)})"
