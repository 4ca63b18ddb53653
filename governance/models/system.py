"""Liveness of the background machinery."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """Last time a named background process proved it was alive (written by a periodic task)."""

    name = models.CharField(max_length=50, primary_key=True)
    beat_at = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("heartbeat of a background process")
        verbose_name_plural = _("heartbeats of the background processes")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class PendingTask(models.Model):
    """A Celery task that could not be handed to the broker after its transaction committed (the
    broker was down). Kept in the database, which just committed, and published again by a
    periodic sweep once the broker answers (``governance.background.pending_tasks_publish``).
    Every task is safe to run twice, so publishing again is never harmful."""

    name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"
