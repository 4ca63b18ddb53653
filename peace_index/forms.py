"""Forms of the peace index pages. They check the shape of the input; the services decide."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peace_index.models import DataSource

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str | None) -> date | None:
    m = MONTH_RE.match((text or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        return None
    return date(int(m.group(1)), int(m.group(2)), 1)


class MonthInput(forms.TextInput):
    input_type = "month"


class MonthField(forms.CharField):
    default_error_messages = {"invalid": _("Write the month as YYYY-MM, for example 2026-10.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault(
            "widget", MonthInput(attrs={"placeholder": "2026-10", "class": "form-control form-control-sm"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> date:
        text = super().clean(value)
        month = parse_month(text)
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month


class ReviewForm(forms.Form):
    month = MonthField(label=_("Month"))
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("return", _("Return"))]
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ImportForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), choices=DataSource.choices)
    first_month = MonthField(label=_("First month covered"))
    last_month = MonthField(label=_("Last month covered"))
    file = forms.FileField(label=_("File (CSV or XLSX)"))


class VersionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    note = forms.CharField(
        label=_("What changed"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    params = forms.CharField(
        label=_("Parameters (JSON)"), widget=forms.Textarea(attrs={"rows": 24, "class": "font-monospace"})
    )

    def clean_params(self) -> dict[str, Any]:
        try:
            value = json.loads(self.cleaned_data["params"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("Not valid JSON: %(error)s") % {"error": exc.msg}) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The parameters must be a JSON object."))
        return value
