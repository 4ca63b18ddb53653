"""A person's page: masked by default; one field shown in clear for a stated reason, logged
(the page side of ``governance.person.unmask``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from governance.action_forms import ActionForm
from governance.actions import action_named
from governance.models import Profile
from governance.selectors import people_visible_to, user_may
from governance.services.people import personal_data_unmask

UNMASK = "governance.person.unmask"


def _profile(request: HttpRequest, username: str) -> Profile:
    return get_object_or_404(
        people_visible_to(request.user).select_related("user").prefetch_related("user__memberships__agency"),
        user__username=username,
    )


def _page(
    request: HttpRequest, profile: Profile, form: ActionForm, *, status: int = 200, **extra: object
) -> HttpResponse:
    memberships = [m for m in getattr(profile.user, "memberships").all() if m.active]  # noqa: B009
    context = {
        "profile": profile,
        "memberships": memberships,
        "form": form,
        "may_unmask": user_may(request.user, "personal_data.unmask", profile.user),
        **extra,
    }
    return render(request, "governance/person.html", context, status=status)


@login_required
def person(request: HttpRequest, username: str) -> HttpResponse:
    profile = _profile(request, username)
    return _page(request, profile, ActionForm(action_named(UNMASK)))


@login_required
@require_POST
def person_unmask(request: HttpRequest, username: str) -> HttpResponse:
    profile = _profile(request, username)
    form = ActionForm(action_named(UNMASK), data=request.POST)
    if form.submit(lambda d: personal_data_unmask(actor=request.user, profile=profile, **d)):
        # Shown once, on this answer only: the page kept in the history shows the masked value.
        return _page(
            request,
            profile,
            ActionForm(action_named(UNMASK)),
            unmasked=form.result,
            unmasked_field=form.validated_data["field"],
        )
    return _page(request, profile, form, status=form.status)
