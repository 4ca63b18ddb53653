"""The requests already answered, by the key their sender gave (the Idempotency-Key header or a
page's hidden key), so that a retry answers the first result instead of doing the thing twice."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """One key of one sender for one operation. ``scope`` is who sent it (``user:<pk>``, an
    integrating system ``client:<pk>``, or ``system``), ``operation`` the action's name; a key
    means nothing outside the two, so nobody reaches another's answer with a guessed key.
    ``fingerprint`` is a keyed hash of the request's content (never the content: it may hold a
    phone number); the result is referenced, not copied, and rendered afresh for its reader."""

    scope = models.CharField(max_length=60)
    operation = models.CharField(max_length=80)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    result_type = models.CharField(max_length=80)
    result_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "operation", "key"], name="idempotency_key_once_per_sender"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.operation} {self.key}"
