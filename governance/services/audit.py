"""Writing the audit trail. Every service that changes state calls ``audit_record`` inside its
transaction, so the event and the change commit or roll back together."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from governance.actors import Actor, user_of
from governance.middleware import client_ip_var, request_id_var
from governance.models import AuditEvent


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value for the audit record."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` (attnames for foreign keys), for a before/after diff."""
    result = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        result[name] = _plain(getattr(instance, attname))
    return result


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for every field whose value changed."""
    keys = list(dict.fromkeys([*before, *after]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def audit_record_many(
    *,
    actor: Actor,
    verb: str,
    model: type[models.Model],
    items: Iterable[tuple[object, str, Mapping[str, Any]]],
    reason: str = "",
) -> int:
    """Append one audit event per (target id, target repr, changes), in one statement: for sweeps
    that change many rows at once. Same rules as ``audit_record``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record_many must be called inside the transaction of the change")
    real_actor = user_of(actor)
    target_type = ContentType.objects.get_for_model(model)
    events = [
        AuditEvent(
            actor=real_actor,
            actor_repr=real_actor.get_username() if real_actor else "system",
            verb=verb,
            target_type=target_type,
            target_id=str(pk),
            target_repr=text[:200],
            changes={k: [_plain(v) for v in pair] for k, pair in changes.items()},
            reason=reason,
            request_id=request_id_var.get(),
            ip=client_ip_var.get(),
        )
        for pk, text, changes in items
    ]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


def audit_record(
    *,
    actor: Actor,
    verb: str,
    target: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one audit event. Must run inside the transaction of the change it records."""
    # Outside a transaction the event could commit while the change does not (or the reverse).
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the transaction of the change")
    real_actor = user_of(actor)
    return AuditEvent.objects.create(
        actor=real_actor,
        actor_repr=real_actor.get_username() if real_actor else "system",
        verb=verb,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        changes={k: [_plain(v) for v in pair] for k, pair in (changes or {}).items()},
        reason=reason,
        request_id=request_id_var.get(),
        ip=client_ip_var.get(),
    )
