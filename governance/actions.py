"""Each write, declared once.

An action is what a person or a system does to the platform's objects: accept an order, blow a
whistle, publish a task, approve a month. Its declaration names, once:

- ``input``: the DRF serializer that holds its fields, their limits, labels and messages. The API
  validates the request with it; the page renders and validates the same serializer through
  ``governance.action_forms.ActionForm``. No form restates the fields.
- ``service``: the service function that performs it (the service keeps the invariants: state,
  races, rights).
- ``right``: who may, in words, as the service enforces it.
- ``transition``: where the action changes an object's state, the model and the row of its
  ``TRANSITIONS`` table (``governance.transitions.StateTable``) that decides when it is offered.
- ``api`` and ``page``: the URL names of the API operation and of the page that performs it.
  An action for people has both; one for systems only (Open311 intake, imports by API) says so
  with ``systems_only=True`` and has no page.

Each app declares its actions in its ``actions`` module with ``declare(...)``; ``all_actions()``
reads every app's module (as the admin reads ``admin`` modules), so the shared core imports no app.
``tests/governance/test_action_parity.py`` proves that every action has both surfaces and that
both refuse the same roles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.module_loading import autodiscover_modules
from rest_framework import serializers


@dataclass(frozen=True)
class Action:
    name: str  # "<app>.<object>.<verb>", e.g. "stations.summons.verify"
    label: Any  # a lazy translation: what the page's button says
    input: type[serializers.Serializer] | None  # None: the action takes no input
    service: Callable[..., Any]
    right: str  # who may, as the service enforces it
    api: str  # URL name of the API operation, e.g. "summons-verify"
    page: str | None = None  # URL name of the page that performs it, e.g. "stations:summons-verify"
    transition: tuple[type[models.Model], str] | None = None  # (model, action of its TRANSITIONS)
    systems_only: bool = False  # for integrating systems: no page by design

    def __post_init__(self) -> None:
        if self.page is None and not self.systems_only:
            raise ValueError(f"{self.name}: an action for people needs a page")


_declared: dict[str, Action] = {}


def declare(*actions: Action) -> None:
    for action in actions:
        if action.name in _declared and _declared[action.name] != action:
            raise ValueError(f"action {action.name} is declared twice")
        _declared[action.name] = action


def all_actions() -> list[Action]:
    """Every declared action of every installed app, by name."""
    # Each app's ``actions`` module; the shared core's own actions are in ``governance.actions_core``
    # (this module is the registry they all import).
    autodiscover_modules("actions", "actions_core")
    return sorted(_declared.values(), key=lambda a: a.name)


def action_named(name: str) -> Action:
    all_actions()
    return _declared[name]
