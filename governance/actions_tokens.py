"""The writes on API tokens: their owner, or an administrator over his jurisdiction, revokes them.
(Tokens are issued by ``POST /api/v1/auth/token/``, for the API's own clients: no page issues one.)
Imported by the governance app's actions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from governance.actions import Action, declare
from governance.services.tokens import api_token_revoke

declare(
    Action(
        name="governance.api_token.revoke",
        label=_("Revoke the tokens"),
        input=None,
        service=api_token_revoke,
        right="the token's owner; the county administrator over the people of his jurisdiction; a superuser",
        api="api-token-revoke",
        page="token-revoke",
    ),
)
