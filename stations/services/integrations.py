"""Keys of integrating systems (110 / 12345 platforms) that push alerts (Open311 ``api_key``)."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.actors import Actor
from governance.errors import Conflict
from governance.models import Agency
from governance.services.audit import audit_record
from stations.models import IntegrationClient


def _digest(key: str) -> str:
    # The key is 256 random bits: a plain SHA-256 is enough (no dictionary to guard against).
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def integration_client_issue(*, actor: Actor, name: str, agency: Agency) -> tuple[IntegrationClient, str]:
    """Register an integrating system and return its key, which is shown only this once."""
    if IntegrationClient.objects.filter(name=name).exists():
        raise Conflict(
            _("An integrating system with this name exists."), fields={"name": [_("This name is taken.")]}
        )
    key = "rz_" + secrets.token_urlsafe(32)
    client = IntegrationClient.objects.create(
        name=name, agency=agency, key_prefix=key[:8], key_hash=_digest(key)
    )
    audit_record(
        actor=actor, verb="integration.issue", target=client, changes={"key_prefix": [None, key[:8]]}
    )
    return client, key


def integration_client_for_key(key: str) -> IntegrationClient | None:
    """The active client holding ``key``, or None. Records when it was last used."""
    if not key or len(key) > 200:
        return None
    client = (
        IntegrationClient.objects.filter(key_hash=_digest(key), active=True).select_related("agency").first()
    )
    if client is not None:
        IntegrationClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client
