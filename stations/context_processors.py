"""Navigation flags of the stations app for every page (the base template shows the links)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from governance.selectors import jurisdiction_for
from stations.selectors import GRID_ROLES, STATION_ROLES, user_may_view_board, user_may_view_coverage
from stations.services.integrations import may_manage_integrations


def station_links(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "may_view_board": False,
            "may_view_coverage": False,
            "may_view_figures": False,
            "uses_grid": False,
            "may_manage_integrations": False,
        }
    # No query once the user's jurisdiction is loaded for the request.
    board = user_may_view_board(user)
    roles = {m.role for m in jurisdiction_for(user).memberships}
    staff = bool(STATION_ROLES & roles)
    return {
        "uses_grid": bool(GRID_ROLES & roles),
        "may_view_board": board,
        "may_view_coverage": user_may_view_coverage(user),
        "may_view_figures": board or staff,
        "may_manage_integrations": may_manage_integrations(user),
    }
