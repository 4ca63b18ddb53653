"""What every service of the disputes app shares: the acting person, the locked case row, the
timeline event with its audit record, and the text checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from disputes.models import Dispute, DisputeEvent
from governance.actors import Actor, user_of
from governance.errors import NotFound, PermissionDenied
from governance.services.audit import audit_record


def person(actor: Actor) -> User:
    """The person acting, for records that must name one (a session's recorder, a visitor)."""
    if not isinstance(actor, User):
        raise PermissionDenied(_("Sign in to do this."))
    return actor


def record_event(
    *,
    dispute: Dispute,
    actor: Actor,
    verb: str,
    at: datetime,
    from_status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    audit_changes: dict[str, Any] | None = None,
    reason: str = "",
) -> DisputeEvent:
    """One line on the case's timeline and its audit event, in the caller's transaction."""
    event = DisputeEvent.objects.create(
        dispute=dispute,
        at=at,
        actor=user_of(actor),
        verb=verb,
        from_status=from_status,
        to_status=dispute.status if from_status else "",
        note=note[:1000],
        data=data or {},
    )
    changes = dict(audit_changes or {})
    if from_status and from_status != dispute.status:
        changes["status"] = [from_status, dispute.status]
    audit_record(actor=actor, verb=f"dispute.{verb}", target=dispute, changes=changes, reason=reason)
    return event


def locked(dispute: Dispute | int) -> Dispute:
    pk = dispute if isinstance(dispute, int) else dispute.pk
    try:
        return Dispute.objects.select_for_update().select_related("village").get(pk=pk)
    except Dispute.DoesNotExist:
        raise NotFound(_("No such case.")) from None


def require_text(
    fields: dict[str, list[str]], name: str, value: str, *, limit: int, required: bool = True
) -> str:
    value = (value or "").strip()
    if required and not value:
        fields.setdefault(name, []).append(_("This field is required."))
    elif len(value) > limit:
        fields.setdefault(name, []).append(
            _("Ensure this field has no more than %(limit)d characters.") % {"limit": limit}
        )
    return value
