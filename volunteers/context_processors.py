"""Navigation flag of the volunteers app for every page (the base template shows the link)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from governance.actors import Actor
from governance.models import Membership
from governance.selectors import jurisdiction_for
from volunteers.models import Team, Volunteer
from volunteers.selectors import MANAGE


def user_uses_volunteers(user: Actor) -> bool:
    """Volunteers, their leaders and the staff who manage teams. Staff and volunteers with a
    membership are answered from the request's jurisdiction (no query); only people without any
    membership (a resident who applied, a leader from outside the agencies) cost one query."""
    if user is None or not user.is_authenticated:
        return False
    j = jurisdiction_for(user)
    if j.is_superuser or j.paths(MANAGE) or Membership.Role.VOLUNTEER in j.roles:
        return True
    if j.memberships:
        return False
    return Volunteer.objects.filter(user_id=user.pk).exists() or Team.objects.filter(leaders=user.pk).exists()


def volunteer_links(request: HttpRequest) -> dict[str, Any]:
    return {"uses_volunteers": user_uses_volunteers(getattr(request, "user", None))}
