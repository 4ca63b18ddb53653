"""API tokens on a page: everyone sees and revokes his own; the county administrator (and a
superuser) also those of the people in his jurisdiction. A person may hold several tokens (one per
program); a revocation ends all of them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from governance import actions_tokens  # noqa: F401  (declares REVOKE)
from governance.action_forms import ActionForm
from governance.actions import action_named
from governance.services.tokens import (
    api_token_revoke,
    manages_tokens,
    token_owners_for,
    token_ttl,
    tokens_for,
)

REVOKE = "governance.api_token.revoke"


@require_GET
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    visible = list(tokens_for(request.user))
    own = [t for t in visible if t.user_id == request.user.pk]
    # One row per person (his tokens, newest first), as one revocation ends them all.
    others: dict[int, list] = {}
    for token in visible:
        if token.user_id != request.user.pk:
            others.setdefault(token.user_id, []).append(token)
    return render(
        request,
        "governance/tokens.html",
        {
            "own": own,
            "others": [(tokens[0].user, tokens) for tokens in others.values()],
            "administrator": manages_tokens(request.user),
            "ttl_days": token_ttl().days,
            "revoke_form": ActionForm(action_named(REVOKE)),
        },
    )


@require_POST
@login_required
def token_revoke(request: HttpRequest, owner_id: int) -> HttpResponse:
    owner = get_object_or_404(token_owners_for(request.user), pk=owner_id)
    form = ActionForm(action_named(REVOKE), data=request.POST)
    if form.submit(lambda d: api_token_revoke(actor=request.user, owner=owner)):
        if form.result:
            messages.success(
                request, _("The API tokens of %(name)s are revoked.") % {"name": owner.get_username()}
            )
        else:
            messages.info(request, _("%(name)s holds no API token.") % {"name": owner.get_username()})
    else:
        for error in form.non_field_errors:
            messages.error(request, error)
    return redirect("tokens")
