"""Parity of the two surfaces: every declared action (governance/actions.py) has an API operation in
the OpenAPI schema and, unless it is for systems only, a page from which a person performs it; page
and API refuse the same roles (the URL x role matrix, tests/security/rules.py); every write of the
API is declared. A new action without a page, or a new API write without a declaration, fails here.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from governance.actions import Action, all_actions
from tests.security.rules import ADMIN_RULE, RULES
from tests.security.urlconf import UNSAFE, Route, all_routes

ACTIONS = all_actions()

# API writes that are not actions of the platform's objects: a login that hands out a token.
NOT_ACTIONS = {"auth-token"}


@cache
def routes() -> dict[str, Route]:
    return {r.name: r for r in all_routes() if not r.is_format_variant}


@cache
def schema_paths() -> dict[str, set[str]]:
    """The schema's operations: path (with ``{param}``) -> methods."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {path: {m.upper() for m in ops} for path, ops in schema["paths"].items()}


def schema_path(route: Route) -> str:
    # A router's ``(?P<pk>[^/.]+)`` groups first: the converter pattern would eat their ``<pk>``.
    path = "/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route.route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path).replace("^", "").replace("$", "")
    path = re.sub(r"\\(.)", r"\1", path)  # a regex route's escapes: ``requests\.{fmt}``
    return path.replace("{pk}", "{id}")  # drf-spectacular names a router's pk after the model's field


def allowed(letters: str) -> list[bool | None]:
    """Per role: allowed, refused, or unknown (``b``: the empty body was refused before the right
    was checked, so the letter does not say whether the role may)."""
    return [{"y": True, "w": True, "n": False}.get(x) for x in letters.split()]


def test_the_platform_declares_its_actions():
    apps = {a.name.split(".")[0] for a in ACTIONS}
    assert {"stations", "volunteers", "disputes", "peace_index", "governance"} <= apps
    # The actions for systems only, in one place: their declarations.
    assert [a.name for a in ACTIONS if a.systems_only] == [
        "peace_index.import.rows",
        "stations.alert.intake_open311",
    ]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_each_action_has_an_api_operation_in_the_schema(action: Action):
    route = routes().get(action.api)
    assert route is not None, f"{action.name}: no URL named {action.api!r}"
    if route.route.startswith("open311/"):
        # Open311 has its own published contract (GeoReport v2), not the OpenAPI schema.
        assert action.systems_only and "POST" in route.methods
        return
    path = schema_path(route)
    assert path in schema_paths(), f"{action.name}: {path} is not in the OpenAPI schema"
    assert schema_paths()[path] & set(UNSAFE), f"{action.name}: {path} has no write operation"


@pytest.mark.parametrize("action", [a for a in ACTIONS if not a.systems_only], ids=lambda a: a.name)
def test_each_action_for_people_has_a_page(action: Action):
    assert action.page is not None
    assert action.page in routes(), f"{action.name}: no page named {action.page!r}"
    assert "POST" in routes()[action.page].methods


def test_page_and_api_refuse_the_same_roles():
    """Per page, the roles it lets act are those that some action it serves lets act on the API
    (a page that serves several actions, such as a case's action form, is compared with them all)."""
    by_page: dict[str, list[Action]] = {}
    for action in ACTIONS:
        if action.page is not None:
            by_page.setdefault(action.page, []).append(action)
    differences = []
    for page, actions in sorted(by_page.items()):
        page_rule = (ADMIN_RULE if page.startswith("admin:") else RULES.get(page, {})).get("POST")
        api_rules = [RULES.get(a.api, {}).get(_api_method(a)) for a in actions]
        if page_rule is None or None in api_rules:
            differences.append(f"{page}: no matrix rule for the page or one of its API operations")
            continue
        api_allowed = [allowed(r) for r in api_rules if r is not None]
        for role, page_may in enumerate(allowed(page_rule)):
            api_may = [r[role] for r in api_allowed]
            if page_may is None or None in api_may:
                continue
            if page_may != any(api_may):
                differences.append(f"{page} role {role}: page {page_may}, API {any(api_may)}")
    assert differences == []


def _api_method(action: Action) -> str:
    route = routes()[action.api]
    return next((m for m in route.methods if m in UNSAFE), "POST")


def test_every_write_of_the_api_is_declared():
    declared = {a.api for a in ACTIONS}
    api_writes = sorted(
        r.name
        for r in routes().values()
        # DRF routes know their methods; Open311's one write is declared as stations.alert.intake_open311.
        if r.route.startswith("api/v1/")
        and set(r.methods) & set(UNSAFE)
        and r.name not in declared | NOT_ACTIONS
    )
    assert api_writes == [], "API writes without a declared action: " + ", ".join(api_writes)


@pytest.mark.parametrize("action", [a for a in ACTIONS if a.input is not None], ids=lambda a: a.name)
def test_each_input_field_has_a_label_for_people(action: Action):
    """People read labels, never field keys: every field of an action's input names its label."""
    assert action.input is not None
    unlabelled = [
        name
        for name, f in action.input().fields.items()
        if not f.read_only
        and not isinstance(f, serializers.HiddenField)
        and "label" not in getattr(f, "_kwargs", {})
    ]
    assert unlabelled == []
