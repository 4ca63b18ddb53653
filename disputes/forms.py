"""Forms of the disputes pages: the ledger's filters, registration (desktop and phone) and the
action forms of a case page. They check the shape of the input; the services check the rules
and their errors are put back on the fields (``add_domain_error``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Category, Dispute, Mediator, MediatorTeam, Obligation, Party, Tier
from disputes.selectors import LedgerQuery, VillageChoice
from governance.errors import DomainError
from governance.models import Agency
from governance.pii import validate_mobile, validate_resident_id

# A one-time token put in the registration form when it is shown: the same form sent twice
# carries the same token, and the service keeps one case.
TOKEN = re.compile(r"^[A-Za-z0-9-]{8,64}$")
ANY: list[tuple[str, Any]] = [("", "—")]
YES_NO_ANY = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]
DATE = {"type": "date"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _mobile(value: str) -> None:
    validate_mobile(value)


def _resident_id(value: str) -> None:
    validate_resident_id(value)


def _rows(n: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": n})


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
        """The service's refusal: its field messages on the fields, the rest above the form."""
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


# --- registration -----------------------------------------------------------------------------


class DisputeForm(BootstrapForm):
    channel = forms.ChoiceField(
        label=_("Found through"),
        # Cases from alerts are opened by the stations app; here a person registers one.
        choices=[(v, label) for v, label in Dispute.Channel.choices if v != Dispute.Channel.ALERT],
        initial=Dispute.Channel.VISIT,
    )
    category = forms.ChoiceField(label=_("Category"), choices=ANY + Category.choices)
    village = forms.ChoiceField(label=_("Village"))
    summary = forms.CharField(label=_("Summary of the dispute"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=4000, required=False, widget=_rows(3))
    amount = forms.DecimalField(
        label=_("Amount in dispute (yuan)"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    people_involved = forms.IntegerField(
        label=_("People involved"), min_value=1, max_value=1_000_000, required=False
    )
    risk = forms.ChoiceField(label=_("Risk level"), choices=Dispute.Risk.choices, initial=Dispute.Risk.BLUE)
    government_party = forms.BooleanField(label=_("A government body is a party"), required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, villages: Sequence[VillageChoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        assert isinstance(village, forms.ChoiceField)
        village.choices = (ANY if len(villages) != 1 else []) + [(v.code, v.label) for v in villages]

    def idempotency_key(self) -> str | None:
        # The service makes it the user's own (``governance.idempotency``): two people never
        # collide, nor reach each other's cases.
        token = (self.cleaned_data.get("token") or "").strip()
        return token if TOKEN.match(token) else None


class PartyForm(BootstrapForm):
    """One party. Blank rows are skipped unless ``required``."""

    role = forms.ChoiceField(label=_("Role"), choices=Party.Role.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=Party.Kind.choices, initial=Party.Kind.PERSON)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False, validators=[_mobile])
    id_number = forms.CharField(
        label=_("ID number"), max_length=30, required=False, validators=[_resident_id]
    )

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.required = required
        self.fields["name"].required = required
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="off")
        self.fields["id_number"].widget.attrs.update(autocomplete="off")

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any((data.get(k) or "").strip() for k in ("name", "phone", "id_number"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("name") or "").strip() and not self.is_blank and "name" not in self.errors:
            self.add_error("name", _("This field is required."))
        return data

    def party_input(self) -> dict[str, Any]:
        return {k: self.cleaned_data.get(k) or "" for k in ("role", "kind", "name", "phone", "id_number")}


class BasePartyFormSet(forms.BaseFormSet):
    """The parties of a new case: the first two rows (applicant, respondent) must be filled."""

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"required": index is not None and index < 2}

    def clean(self) -> None:
        if any(self.errors):
            return
        roles = {f.cleaned_data.get("role") for f in self.forms if not f.is_blank}
        if not {Party.Role.APPLICANT, Party.Role.RESPONDENT} <= roles:
            raise forms.ValidationError(_("Name at least one applicant and one respondent."))

    def filled(self) -> list[PartyForm]:
        return [f for f in self.forms if isinstance(f, PartyForm) and not f.is_blank]


PartyFormSet = forms.formset_factory(PartyForm, formset=BasePartyFormSet, extra=0, max_num=20)
NEW_CASE_PARTIES = [
    {"role": Party.Role.APPLICANT},
    {"role": Party.Role.RESPONDENT},
    {"role": Party.Role.THIRD},
]


# --- the case page's agreement ----------------------------------------------------------------------


@dataclass
class CaseChoices:
    """What the action forms of one case offer (its parties, mediators, terms, agencies ...)."""

    parties: list[Party] = field(default_factory=list)
    live_mediators: list[Mediator] = field(default_factory=list)
    pool: list[Mediator] = field(default_factory=list)
    obligations: list[Obligation] = field(default_factory=list)
    tasks: list[tuple[int, str]] = field(default_factory=list)
    agencies: list[Agency] = field(default_factory=list)
    rooms: list[tuple[int, str]] = field(default_factory=list)
    session_kinds: list[str] = field(default_factory=list)


def _party_label(p: Party) -> str:
    return f"{p.masked_name} ({p.get_role_display()})"


class CaseForm(BootstrapForm):
    """The agreement's form on the case page (its terms are a formset of rows); the other actions
    of the page are their declared serializers (``governance.action_forms.ActionForm``)."""

    def __init__(self, *args: Any, case: CaseChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup(case)

    def setup(self, case: CaseChoices) -> None:
        pass

    def choose(self, name: str, choices: Sequence[tuple[Any, Any]], *, blank: bool = False) -> None:
        f = self.fields[name]
        assert isinstance(f, forms.ChoiceField)
        f.choices = (ANY if blank else []) + list(choices)


def _optional_id(**kwargs: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(coerce=int, required=False, empty_value=None, **kwargs)


class TermForm(BootstrapForm):
    """One term of the agreement; a blank row is skipped."""

    # Its fields are needed once the row is used: not "optional".
    hide_optional = True

    obligor = _optional_id(label=_("Obligor"))
    description = forms.CharField(label=_("Term"), max_length=500, required=False)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(DATE, format="%Y-%m-%d")
    )
    method = forms.CharField(label=_("How"), max_length=200, required=False)

    def __init__(self, *args: Any, parties: Sequence[Party] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        obligor = self.fields["obligor"]
        assert isinstance(obligor, forms.ChoiceField)
        obligor.choices = ANY + [(p.pk, _party_label(p)) for p in parties]

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("obligor") or (data.get("description") or "").strip() or data.get("due_date"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.is_blank:
            for name in ("obligor", "description", "due_date"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("This field is required."))
        return data


TermFormSet = forms.formset_factory(TermForm, extra=0, max_num=50)


class AgreementForm(CaseForm):
    facts = forms.CharField(label=_("Facts of the dispute"), max_length=5000, widget=_rows(4))
    responsibilities = forms.CharField(
        label=_("Each side's responsibility"), max_length=5000, widget=_rows(3)
    )

    # Blank term rows offered under the ones already written.
    EXTRA_TERMS = 3

    def __init__(
        self, *args: Any, case: CaseChoices, terms_initial: list[dict[str, Any]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, case=case, **kwargs)
        initial = list(terms_initial or []) + [{} for _ in range(self.EXTRA_TERMS)]
        self.terms = TermFormSet(
            self.data if self.is_bound else None,
            prefix=f"{self.prefix}-terms" if self.prefix else "terms",
            initial=None if self.is_bound else initial,
            form_kwargs={"parties": case.parties},
        )

    def is_valid(self) -> bool:
        own = super().is_valid()
        return self.terms.is_valid() and own

    def term_rows(self) -> list[dict[str, Any]]:
        return [f.cleaned_data for f in self.terms.forms if isinstance(f, TermForm) and not f.is_blank]


MEDIATOR_TEAMS = ANY + MediatorTeam.choices
