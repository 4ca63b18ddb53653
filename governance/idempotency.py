"""Idempotency keys, one mechanism for every write that takes one (the Idempotency-Key header of
the API and Open311, the hidden key of a page's form).

A key belongs to its sender and to one operation: ``(scope, operation, key)`` is unique, the
scope being the user (``user:<pk>``), the integrating system (``client:<pk>``) or the platform
itself (``system``). So a guessed or replayed key of someone else finds nothing of his, two
systems that both number their keys 1, 2, 3 both get their alerts, and a key sent to one
endpoint means nothing to another.

The service calls ``idempotent`` after its permission check, so a stored answer is never given
to someone who may no longer do the thing. The same key with the same content answers the first
result (the same object; the API answers the first status); with other content it is refused
with ``IdempotencyKeyReused`` (422, as the IETF Idempotency-Key draft asks), since a client that
reuses a key for a new request would otherwise silently lose it.

Races: the key's row is inserted before the work, inside the caller's transaction; a concurrent
request with the same key waits on the unique index until the first commits, then reads its
result (or, if the first rolled back, does the work itself).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.apps import apps
from django.contrib.auth.models import User
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from governance.actors import Actor
from governance.errors import Conflict, IdempotencyKeyReused
from governance.models import IdempotencyKey

M = TypeVar("M", bound=models.Model)

HEADER = "Idempotency-Key"
# Longer keys are kept as their hash, not cut: two keys differing only at the end stay two.
MAX_KEY = 100
SYSTEM = "system"


def scope_of(actor: Actor, *, client: models.Model | None = None) -> str | None:
    """Whose keys these are: the integrating system when one sends the request, else the user,
    else the platform itself (``actor`` None). An anonymous visitor has no keys (None)."""
    if client is not None:
        return f"client:{client.pk}"
    if actor is None:
        return SYSTEM
    if isinstance(actor, User):
        return f"user:{actor.pk}"
    return None


def key_of(request: HttpRequest, fallback: str = "") -> str:
    """The key a request carries: the Idempotency-Key header, else ``fallback`` (a form's hidden
    key). Scoping is not the caller's business: ``idempotent`` does it."""
    return (request.headers.get(HEADER, "") or fallback or "").strip()


def replay_headers(created: bool) -> dict[str, str]:
    """Marks an answer given again for a retried key (the status and body are the first ones)."""
    return {} if created else {"Idempotent-Replayed": "true"}


def idempotent(
    *,
    actor: Actor,
    operation: str,
    key: str | None,
    body: Mapping[str, Any],
    run: Callable[[], M],
    client: models.Model | None = None,
) -> tuple[M, bool]:
    """Run ``run`` once per key of the sender for ``operation``: returns (its result, True), or
    (the first result, False) for a repeated key with the same ``body``. Raises
    ``IdempotencyKeyReused`` for a repeated key with another body. Without a key, just runs
    (in a transaction, as with one).

    Call it after the permission check and inside the service's transaction: the key's row and
    the work commit or roll back together."""
    scope = scope_of(actor, client=client)
    key = _normal(key)
    if key is None or scope is None:
        with transaction.atomic():
            return run(), True
    fingerprint = body_fingerprint(body)
    where = {"scope": scope, "operation": operation, "key": key}
    if (earlier := IdempotencyKey.objects.filter(**where).first()) is not None:
        return _replay(earlier, fingerprint), False
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(**where, fingerprint=fingerprint, result_type="")
            result = run()
            record.result_type = result._meta.label_lower
            record.result_id = result.pk
            record.save(update_fields=["result_type", "result_id"])
            return result, True
    except IntegrityError:
        # A concurrent request with the same key committed first (our insert waited for it): its
        # result is the answer. Any other integrity error is the work's own and goes on up.
        earlier = IdempotencyKey.objects.filter(**where).first()
        if earlier is None:
            raise
        return _replay(earlier, fingerprint), False


def body_fingerprint(body: Mapping[str, Any]) -> str:
    """A keyed hash of the request's content in a canonical form (keys sorted, objects by id),
    so that the same content gives the same fingerprint however it was sent."""
    text = json.dumps(_plain(body), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return salted_hmac("governance.idempotency", text, algorithm="sha256").hexdigest()


def _replay(record: IdempotencyKey, fingerprint: str) -> Any:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            _(
                "This request was already sent with other content under the same key; nothing "
                "was saved. Start a new request (reload the form, or send a new Idempotency-Key)."
            )
        )
    result = None
    if record.result_type and record.result_id is not None:
        model = apps.get_model(record.result_type)
        result = model._default_manager.filter(pk=record.result_id).first()
    if result is None:
        raise Conflict(_("The first request with this key has no result any more; send a new request."))
    return cast(models.Model, result)


def _normal(key: str | None) -> str | None:
    key = (key or "").strip()
    if not key:
        return None
    if len(key) > MAX_KEY:
        return f"sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return f"{value._meta.label_lower}:{value.pk}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=repr)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
