"""Calendar months as the first day of the month (a ``date``), and their arithmetic."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from django.utils import timezone


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    """The first of the month ``n`` months after ``month`` (before it for a negative ``n``)."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from ``first``'s to ``last``'s, both included."""
    out, month = [], month_start(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def current_month(now: datetime | None = None, tz: tzinfo | None = None) -> date:
    """The month ``now`` (default: this moment) falls in, in ``tz`` (default: the current time
    zone, the user's in a request)."""
    return month_start(timezone.localtime(now or timezone.now(), tz).date())
