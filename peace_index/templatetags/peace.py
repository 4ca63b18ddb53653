"""Small presentation helpers of the peace index templates."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from peace_index.models import Band

register = template.Library()

BAND_CLASS = {
    "excellent": "bg-success",
    "safe": "bg-primary",
    "basic": "bg-info text-dark",
    "attention": "bg-danger",
    "insufficient": "bg-secondary",
}


@register.filter
def band_label(band: str) -> str:
    return str(Band(band).label) if band in Band.values else ""


@register.filter
def band_class(band: str) -> str:
    return BAND_CLASS.get(band, "bg-secondary")


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def arrow(trend: int, change: float | None) -> str:
    """An arrow only where the change is larger than noise; the number is always shown."""
    if change is None:
        return "—"
    sign = f"{change:+.1f}"
    if trend > 0:
        return f"▲ {sign}"
    if trend < 0:
        return f"▼ {sign}"
    within = _("within noise")
    return f"{sign} ({within})"


@register.filter
def num(value: Any, digits: int = 1) -> str:
    if value is None or value == "":  # "" is what a template gives for a missing attribute
        return "—"
    return f"{float(value):.{int(digits)}f}"


@register.filter
def count(value: Any) -> str:
    """A count as people write it: 19, not 19.0; a weighted or fractional one keeps a decimal."""
    if value is None or value == "":
        return "—"
    number = float(value)
    return f"{number:.0f}" if number == round(number) else f"{number:.1f}"


@register.filter
def percent(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return f"{100 * float(value):.0f}%"


@register.filter
def sig(value: Any, digits: int = 3) -> str:
    """A number to ``digits`` significant digits (pool statistics span 0.0004 to 40)."""
    if value is None or value == "":
        return "—"
    return f"{float(value):.{int(digits)}g}"
