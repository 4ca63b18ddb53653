"""The ledger's filters: a search, not a write (the writes of the disputes pages are their declared
actions' serializers, ``governance.action_forms.ActionForm``). A filter that is not valid is left
out of the search and shown beside its field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Category, Dispute, Tier
from disputes.selectors import LedgerQuery, VillageChoice
from governance.errors import DomainError

ANY: list[tuple[str, Any]] = [("", "—")]
YES_NO_ANY = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]
DATE = {"type": "date"}


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget, ``is-invalid`` on a field once it has an error (its
    own or the service's), and the service's errors put back on the fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            widget = f.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def add_domain_error(self, exc: DomainError) -> None:
        """The service's refusal (a search reason refused): its field messages on the fields,
        the rest above the form."""
        placed = False
        for name, messages in exc.fields.items():
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)
            placed = placed or target is not None
        if not placed:
            self.add_error(None, exc.message)


# --- the ledger -------------------------------------------------------------------------------


# Past this many villages the village list waits for a township to be chosen.
VILLAGES_LISTED = 60


class LedgerFilterForm(BootstrapForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Case number, words of the summary, village, or a party's exact phone or ID number"),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=ANY + Dispute.Status.choices)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=ANY + Category.choices)
    risk = forms.ChoiceField(label=_("Risk"), required=False, choices=ANY + Dispute.Risk.choices)
    tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=ANY + [(str(v), label) for v, label in Tier.choices]
    )
    channel = forms.ChoiceField(
        label=_("Found through"), required=False, choices=ANY + Dispute.Channel.choices
    )
    key_case = forms.ChoiceField(label=_("Key or difficult"), required=False, choices=YES_NO_ANY)
    is_group = forms.ChoiceField(label=_("Group dispute"), required=False, choices=YES_NO_ANY)
    township = forms.ChoiceField(label=_("Township"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)
    since = forms.DateField(label=_("Registered from"), required=False, widget=forms.DateInput(DATE))
    until = forms.DateField(label=_("Registered until"), required=False, widget=forms.DateInput(DATE))
    open_only = forms.BooleanField(label=_("Open cases only"), required=False)
    # An exact search by a full ID number or phone is an unmasking: offered with this field to
    # those who may unmask parties, and logged with it (disputes.services.search).
    reason = forms.CharField(
        label=_("Reason for the exact search (logged)"),
        required=False,
        max_length=500,
        help_text=_(
            "A search by a full ID number or phone is logged as an access to personal data: say why."
        ),
    )

    def __init__(self, *args: Any, villages: Sequence[VillageChoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        townships = {v.township_code: v.township_name for v in villages if v.township_code}
        self._choices("township", sorted(townships.items()))
        self._choices("village", [(v.code, v.label) for v in villages])
        if len(villages) > VILLAGES_LISTED:
            # A county's 300 villages are no list to scroll (and rendering them cost a county
            # administrator's ledger 60 ms): the list offers the chosen township's villages. Any
            # visible village is still accepted, from a link or a bookmark.
            chosen = self.data.get("township", "") if self.is_bound else ""
            field = self.fields["village"]
            listed = [(v.code, v.name) for v in villages if v.township_code and v.township_code == chosen]
            field.widget.choices = ANY + listed if listed else [("", _("(choose a township first)"))]

    def _choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        f = self.fields[name]
        assert isinstance(f, forms.ChoiceField)
        f.choices = ANY + choices

    def query(self) -> LedgerQuery:
        """The search the user asked for; a field that is not valid is left out (and shown)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        yes_no = {"yes": True, "no": False}

        def day(value: Any, plus: int = 0) -> datetime | None:
            if value is None:
                return None
            return timezone.make_aware(datetime.combine(value + timedelta(days=plus), time.min))

        return LedgerQuery(
            q=data.get("q", ""),
            status=data.get("status", ""),
            category=data.get("category", ""),
            risk=data.get("risk", ""),
            tier=data.get("tier", ""),
            channel=data.get("channel", ""),
            key_case=yes_no.get(data.get("key_case", "")),
            is_group=yes_no.get(data.get("is_group", "")),
            township=data.get("township", ""),
            village=data.get("village", ""),
            since=day(data.get("since")),
            until=day(data.get("until"), plus=1),
            open_only=bool(data.get("open_only")),
            reason=data.get("reason", ""),
        )
