"""Navigation flag of the disputes app for every page (the base template shows the link)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from disputes.selectors import user_works_disputes


def dispute_links(request: HttpRequest) -> dict[str, Any]:
    return {"may_use_disputes": user_works_disputes(getattr(request, "user", None))}
