"""The county administrator's page of integrating systems (110 / 12345 platforms that use Open311):
issue a key (shown once), see each key's fingerprint and last use, revoke a key."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.action_forms import ActionForm
from governance.actions import action_named
from stations import actions_integrations  # noqa: F401  (declares ISSUE and REVOKE)
from stations.services.integrations import (
    agencies_for_integrations,
    integration_client_issue,
    integration_client_revoke,
    integration_clients_for,
    may_manage_integrations,
)

ISSUE = "stations.integration_client.issue"
REVOKE = "stations.integration_client.revoke"
# The key issued, kept in the session only until the page has shown it once.
_ISSUED = "stations.integration_key_issued"


def _refuse_unless_manager(request: HttpRequest) -> None:
    if not may_manage_integrations(request.user):
        raise PermissionDenied


def _issue_form(request: HttpRequest, data: Any = None) -> ActionForm:
    agencies = agencies_for_integrations(request.user).order_by("region__code", "name")
    return ActionForm(
        action_named(ISSUE),
        data=data,
        context={"request": request},
        choices={"agency": [(a.pk, a.name) for a in agencies]},
    )


@login_required
def integrations(request: HttpRequest) -> HttpResponse:
    _refuse_unless_manager(request)
    form = _issue_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.submit(lambda d: integration_client_issue(actor=request.user, **d)):
            client, key = form.result
            request.session[_ISSUED] = {"id": client.pk, "name": client.name, "key": key}
            messages.success(request, _("Key issued for %(name)s.") % {"name": client.name})
            return redirect("stations:integrations")
        status = 400
    else:
        status = 200
    issued = request.session.pop(_ISSUED, None)  # shown this once, never again
    return render(
        request,
        "stations/integrations.html",
        {
            "form": form,
            "clients": integration_clients_for(request.user),
            "issued": issued,
            "revoke_form": ActionForm(action_named(REVOKE)),
        },
        status=status,
    )


@require_POST
@login_required
def integration_revoke(request: HttpRequest, client_id: int) -> HttpResponse:
    _refuse_unless_manager(request)
    client = get_object_or_404(integration_clients_for(request.user), pk=client_id)
    form = ActionForm(action_named(REVOKE), data=request.POST)
    was_active = client.active
    if form.submit(lambda d: integration_client_revoke(actor=request.user, client=client)):
        if was_active:
            messages.success(request, _("The key of %(name)s is revoked.") % {"name": client.name})
        else:
            messages.info(request, _("The key of %(name)s was already revoked.") % {"name": client.name})
    else:
        for error in form.non_field_errors:
            messages.error(request, error)
    return redirect(reverse("stations:integrations"))
