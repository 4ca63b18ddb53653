"""Choice labels looked up in a dictionary built once per field.

Django's ``get_FOO_display`` rebuilds the field's choices as a dictionary on every call (about
40 microseconds): a hundred of them made 4 ms of the dispute ledger's page. The labels are lazy
translations, so the dictionary built once still answers in the language of each request.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import models
from django.utils.encoding import force_str


@cache
def _labels(field: models.Field) -> dict[Any, Any]:
    return dict(field.flatchoices)


class ChoiceLabels:
    """Mixed into a model (before ``models.Model``): its ``get_FOO_display`` from the dictionary."""

    def _get_FIELD_display(self, field: models.Field) -> Any:
        value = getattr(self, field.attname)
        try:
            label = _labels(field).get(value, value)
        except TypeError:  # an unhashable value (a list in a JSON field): Django's own way
            return super()._get_FIELD_display(field)  # type: ignore[misc]
        return force_str(label, strings_only=True)
