"""API tokens (DRF ``authtoken``, issued by ``POST /api/v1/auth/token/``): their owner sees and
revokes his own; an administrator (the county administrator over the people of his jurisdiction,
a superuser over anyone) sees and revokes anyone's. A person holds at most one token."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from governance.actors import Actor
from governance.errors import NotFound
from governance.models import Membership
from governance.selectors import jurisdiction_for
from governance.services.audit import audit_record

# Who manages people's memberships manages their tokens.
CAPABILITY = "membership.manage"


def token_fingerprint(token: Token) -> str:
    """What identifies a token on a page: its first characters, never the token."""
    return f"{token.key[:6]}…"


def manages_tokens(actor: Actor) -> bool:
    j = jurisdiction_for(actor)
    return j.is_superuser or bool(j.paths(CAPABILITY))


def token_owners_for(actor: Actor) -> QuerySet[User]:
    """The people whose tokens ``actor`` may see and revoke: himself, and as an administrator the
    people who hold an active role inside his jurisdiction."""
    if actor is None or not actor.is_authenticated:
        return User.objects.none()
    j = jurisdiction_for(actor)
    if j.is_superuser:
        return User.objects.all()
    inside = j.region_filter(CAPABILITY, prefix="agency__region__")
    if inside is None:
        return User.objects.filter(pk=actor.pk)
    members = Membership.objects.filter(inside, active=True).values("user_id")
    return User.objects.filter(Q(pk=actor.pk) | Q(pk__in=members))


def tokens_for(actor: Actor) -> QuerySet[Token]:
    """The tokens ``actor`` sees: his own first, then by owner."""
    owners = token_owners_for(actor)
    return Token.objects.filter(user__in=owners).select_related("user").order_by("user__username")


@transaction.atomic
def api_token_revoke(*, actor: Actor, owner: User) -> bool:
    """Revoke ``owner``'s token: the API refuses it at once. True if a token was revoked; revoking
    again (no token left) changes nothing and records nothing."""
    if not token_owners_for(actor).filter(pk=owner.pk).exists():
        raise NotFound(_("No such token."))
    # The owner's row orders a revocation against a concurrent one (and against a new token).
    User.objects.select_for_update().filter(pk=owner.pk).first()
    token = Token.objects.filter(user_id=owner.pk).first()
    if token is None:
        return False
    fingerprint = token_fingerprint(token)
    token.delete()
    audit_record(actor=actor, verb="api_token.revoke", target=owner, changes={"token": [fingerprint, None]})
    return True
