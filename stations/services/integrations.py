"""Keys of integrating systems (110 / 12345 platforms) that push alerts (Open311 ``api_key``)."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.actors import Actor
from governance.errors import Conflict, PermissionDenied
from governance.models import Agency
from governance.selectors import jurisdiction_for
from governance.services.audit import audit_record
from stations.models import IntegrationClient

# Integrating systems are the county's to admit: whoever manages its agencies (the county
# administrator) over the agency the system reports for; a superuser anywhere.
CAPABILITY = "agency.manage"


def _digest(key: str) -> str:
    # The key is 256 random bits: a plain SHA-256 is enough (no dictionary to guard against).
    return hashlib.sha256(key.encode()).hexdigest()


def may_manage_integrations(actor: Actor) -> bool:
    """Whether ``actor`` manages integrating systems anywhere (the page and the API are offered)."""
    j = jurisdiction_for(actor)
    return j.is_superuser or bool(j.paths(CAPABILITY))


def agencies_for_integrations(actor: Actor) -> QuerySet[Agency]:
    """The active agencies an integrating system of ``actor``'s may report for."""
    condition = jurisdiction_for(actor).region_filter(CAPABILITY, prefix="region__")
    if condition is None:
        return Agency.objects.none()
    return Agency.objects.filter(condition, active=True).select_related("region")


def integration_clients_for(actor: Actor) -> QuerySet[IntegrationClient]:
    """The integrating systems ``actor`` manages, revoked ones included (they stay listed)."""
    condition = jurisdiction_for(actor).region_filter(CAPABILITY, prefix="agency__region__")
    if condition is None:
        return IntegrationClient.objects.none()
    return IntegrationClient.objects.filter(condition).select_related("agency").order_by("-active", "name")


def _check_right(actor: Actor, agency: Agency) -> None:
    # actor None: the system itself (tests, the demo and management commands).
    if actor is None:
        return
    if not jurisdiction_for(actor).covers(CAPABILITY, agency.region.path):
        raise PermissionDenied(_("Only the county administrator manages integrating systems."))


def key_fingerprint(client: IntegrationClient) -> str:
    """What identifies a key once it is issued: its first characters, never the key."""
    return f"{client.key_prefix}…"


@transaction.atomic
def integration_client_issue(*, actor: Actor, name: str, agency: Agency) -> tuple[IntegrationClient, str]:
    """Register an integrating system and return its key, which is shown only this once."""
    _check_right(actor, agency)
    name = name.strip()
    if not name:
        raise Conflict(
            _("Name the integrating system."), fields={"name": [_("This field may not be blank.")]}
        )
    # Two concurrent issues under one name: the unique constraint would answer with a 500; the
    # agency's row lock orders them so that the second one reads the first.
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
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


@transaction.atomic
def integration_client_revoke(*, actor: Actor, client: IntegrationClient) -> IntegrationClient:
    """Revoke ``client``'s key: from now on Open311 refuses it. Revoking a revoked key changes
    nothing (and records nothing a second time)."""
    locked = IntegrationClient.objects.select_for_update().select_related("agency__region").get(pk=client.pk)
    _check_right(actor, locked.agency)
    if not locked.active:
        return locked
    locked.active = False
    locked.save(update_fields=["active"])
    audit_record(actor=actor, verb="integration.revoke", target=locked, changes={"active": [True, False]})
    return locked


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
