"""Navigation flags of the stations app for every page (the base template shows the links)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from stations.selectors import user_may_view_board, user_may_view_coverage


def station_links(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"may_view_board": False, "may_view_coverage": False}
    # No query once the user's jurisdiction is loaded for the request.
    return {"may_view_board": user_may_view_board(user), "may_view_coverage": user_may_view_coverage(user)}
