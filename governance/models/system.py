"""Liveness of the background machinery."""

from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """Last time a named background process proved it was alive (written by a periodic task)."""

    name = models.CharField(max_length=50, primary_key=True)
    beat_at = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
