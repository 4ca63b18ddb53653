from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from governance.models import Membership
from governance.selectors import jurisdiction_for, unread_count

_STATION_ROLES = {Membership.Role.OFFICER, Membership.Role.AUXILIARY, Membership.Role.COMMANDER}


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0, "works_at_station": False}
    return {
        "unread_notifications": unread_count(user),
        "works_at_station": bool(_STATION_ROLES & set(jurisdiction_for(user).roles)),
    }
