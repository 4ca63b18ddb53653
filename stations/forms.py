from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from stations.models import Alert


class DeskAlertForm(forms.Form):
    """A walk-in or township-hotline report typed in at the station desk."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[
            (c, label)
            for c, label in Alert.Channel.choices
            if c in ("walk_in", "hotline", "grid", "volunteer")
        ],
    )
    category = forms.ChoiceField(label=_("Category"), choices=Alert.Category.choices)
    summary = forms.CharField(label=_("Summary"), max_length=200)
    village_code = forms.ChoiceField(label=_("Village"))
    address = forms.CharField(label=_("Address"), max_length=300)
    caller_name = forms.CharField(label=_("Caller name"), max_length=50, required=False)
    caller_phone = forms.CharField(label=_("Caller phone"), max_length=20, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: object, villages: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["village_code"].choices = villages  # type: ignore[attr-defined]
