"""API tokens (django-rest-knox, issued by ``POST /api/v1/auth/token/``).

- A token is stored as its SHA-512 digest: the database holds nothing that opens the API. Its
  first characters (``token_key``) find the row and name it on the pages (the fingerprint).
- Each is valid ``REST_KNOX["TOKEN_TTL"]`` (``API_TOKEN_TTL_DAYS``, 30 days) from its issue, and is
  not renewed by use; an expired token is refused and deleted.
- Every issue is a new token (a person may hold several: one per program), at most
  ``API_TOKENS_PER_PERSON``; one more ends the oldest.
- A password change ends all of the person's tokens (``ApiTokensEndWithThePassword``), as it ends
  his other sessions; so does a revocation by their owner or an administrator (the county
  administrator over the people of his jurisdiction, a superuser over anyone).
- Logging out of the browser leaves them: a token belongs to a program (a hotline system, a
  script), not to the browser session it may have been set up from.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from governance.actors import Actor
from governance.errors import NotFound
from governance.models import Membership
from governance.selectors import jurisdiction_for
from governance.services.audit import audit_record, audit_record_many

# Who manages people's memberships manages their tokens.
CAPABILITY = "membership.manage"


def token_ttl() -> timedelta:
    """How long a token is valid from its issue."""
    return cast(timedelta, settings.REST_KNOX["TOKEN_TTL"])


def token_fingerprint(token: AuthToken) -> str:
    """What identifies a token on a page: its first characters, never the token."""
    return f"{token.token_key[:6]}…"


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


def tokens_for(actor: Actor) -> QuerySet[AuthToken]:
    """The tokens ``actor`` sees (expired ones are gone as far as anyone can tell), by owner, the
    newest first."""
    owners = token_owners_for(actor)
    return (
        AuthToken.objects.filter(user__in=owners)
        .filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
        .select_related("user")
        .order_by("user__username", "-created")
    )


@transaction.atomic
def api_token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A new token for ``user`` (who proved his password, and his second factor where his role
    needs one): the row and the token itself, which is shown this once and never stored. Past
    ``API_TOKENS_PER_PERSON`` the oldest of his tokens end."""
    # The person's row orders two issues at once, so that neither leaves him past the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    token, key = AuthToken.objects.create(user=user)
    keep = max(1, settings.API_TOKENS_PER_PERSON)
    surplus = list(
        AuthToken.objects.filter(user_id=user.pk)
        .order_by("-created", "-pk")
        .values_list("pk", flat=True)[keep:]
    )
    ended = sorted(token_fingerprint(t) for t in AuthToken.objects.filter(pk__in=surplus))
    AuthToken.objects.filter(pk__in=surplus).delete()
    changes: dict[str, Any] = {"token": [None, token_fingerprint(token)], "expiry": [None, token.expiry]}
    if ended:
        changes["ended"] = [ended, None]
    audit_record(actor=user, verb="api_token.issue", target=user, changes=changes)
    return token, key


def _end_all(*, actor: Actor, owner: User, reason: str) -> int:
    tokens = list(AuthToken.objects.filter(user_id=owner.pk))
    if not tokens:
        return 0
    fingerprints = sorted(token_fingerprint(t) for t in tokens)
    AuthToken.objects.filter(pk__in=[t.pk for t in tokens]).delete()
    audit_record(
        actor=actor,
        verb="api_token.revoke",
        target=owner,
        changes={"token": [fingerprints, None]},
        reason=reason,
    )
    return len(tokens)


@transaction.atomic
def api_token_revoke(*, actor: Actor, owner: User) -> bool:
    """Revoke ``owner``'s tokens (all of them): the API refuses them at once. True if a token was
    revoked; revoking again (no token left) changes nothing and records nothing."""
    if not token_owners_for(actor).filter(pk=owner.pk).exists():
        raise NotFound(_("No such token."))
    # The owner's row orders a revocation against a concurrent one (and against a new token).
    User.objects.select_for_update().filter(pk=owner.pk).first()
    return _end_all(actor=actor, owner=owner, reason="") > 0


@transaction.atomic
def api_tokens_end_with_password(*, users: list[User]) -> int:
    """End every API token of ``users``, whose password has just changed (by themselves, an
    administrator, a command or a bulk reset): a token obtained with the old password must not
    outlive it. Returns how many tokens ended."""
    holders = AuthToken.objects.filter(user_id__in=[u.pk for u in users]).values("user_id")
    owners = list(User.objects.select_for_update().filter(pk__in=holders).order_by("pk"))
    tokens = list(AuthToken.objects.filter(user_id__in=[u.pk for u in owners]))
    if not tokens:
        return 0
    ended: dict[int, list[str]] = {}
    for token in tokens:
        ended.setdefault(token.user_id, []).append(token_fingerprint(token))
    AuthToken.objects.filter(pk__in=[t.pk for t in tokens]).delete()
    audit_record_many(
        actor=None, verb="api_token.revoke", model=User, reason="password changed",
        items=[(u.pk, str(u), {"token": [sorted(ended[u.pk]), None]}) for u in owners if u.pk in ended],
    )  # fmt: skip
    return len(tokens)


class ApiTokensEndWithThePassword:
    """Listed in ``AUTH_PASSWORD_VALIDATORS`` for Django's ``password_changed`` hook, which every
    ``set_password`` followed by ``save`` calls (the password page, the admin's forms,
    ``manage.py changepassword``): the way to hear of every password change without a signal.
    It refuses no password."""

    def validate(self, password: str, user: User | None = None) -> None:
        return None

    def password_changed(self, password: str, user: User | None = None) -> None:
        if user is not None and user.pk is not None:
            api_tokens_end_with_password(users=[user])

    def get_help_text(self) -> str:
        return _("A new password ends the API tokens issued with the old one.")
