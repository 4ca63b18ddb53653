"""Navigation flag of the disputes app for every page (the base template shows the link)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from governance.actors import Actor
from governance.selectors import jurisdiction_for

# Seeing, managing or registering disputes somewhere; a mediator holds "register" through his
# committee. Volunteers hold none of them.
DISPUTE_CAPABILITIES = ("disputes.view", "disputes.manage", "disputes.register")


def user_works_disputes(user: Actor) -> bool:
    """Whether the disputes pages are for this user at all (no query once the jurisdiction of the
    request is loaded)."""
    if user is None or not user.is_authenticated:
        return False
    j = jurisdiction_for(user)
    return j.is_superuser or any(j.paths(c) for c in DISPUTE_CAPABILITIES)


def dispute_links(request: HttpRequest) -> dict[str, Any]:
    return {"may_use_disputes": user_works_disputes(getattr(request, "user", None))}
