"""The page side of a declared action: its input serializer rendered and validated as an HTML form.

The API validates a request with the action's serializer; a page does the same through
``ActionForm``, so the fields, their limits, labels and messages exist once. DRF serializers read
HTML form data natively (a ``QueryDict``: lists from repeated keys, an unticked box as false).
A service's refusal (``DomainError``) is put back on the fields it names, the rest above the form.

    form = ActionForm(action_named("stations.summons.reopen"), data=request.POST)
    if form.submit(lambda d: summons_reopen(actor=request.user, summons=summons, **d)):
        messages.success(request, ...)
        return redirect(...)
    return render(request, "...", {"form": form})   # shows the field errors

A field that is a list of nested serializers (a case's parties, an agreement's terms) is drawn as
rows of inputs named ``<field>-<row>-<name>`` (``parties-0-phone``); a row left blank is skipped,
and each row is validated by the nested serializer so that its errors stand on its own inputs.

``governance/templates/governance/_action_form.html`` draws a whole form with Bootstrap;
``governance/_action_input.html`` draws one input (``form.fields.summary``, ``row.cells.phone``)
where a page lays the fields out itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import empty

from governance.actions import Action
from governance.errors import DomainError

NON_FIELD = "non_field_errors"
TEXTAREA_FROM = 300  # a CharField that may hold more than this is drawn as a text area


@dataclass
class BoundInput:
    """One field as the template draws it."""

    name: str
    html_name: str
    id: str
    label: str
    kind: (
        str  # text, textarea, number, date, datetime, time, select, radio, checkbox, checkboxes, file, hidden
    )
    required: bool
    help_text: str = ""
    value: Any = ""
    chosen: set[str] = field(default_factory=set)
    choices: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    rows: list[BoundRow] = field(default_factory=list)  # kind "rows": a list of nested inputs

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"


@dataclass
class BoundRow:
    """One row of a list of nested inputs: ``cells`` by field name, in the serializer's order."""

    index: int
    cells: dict[str, BoundInput]

    def __iter__(self) -> Iterator[BoundInput]:
        return iter(self.cells.values())

    @property
    def errors(self) -> bool:
        return any(c.errors for c in self.cells.values())


def _row_serializer(f: serializers.Field) -> serializers.Serializer | None:
    """The nested serializer of a list-of-rows field, else None."""
    if isinstance(f, serializers.ListSerializer) and isinstance(f.child, serializers.Serializer):
        return f.child
    return None


def _typed(f: serializers.Field) -> bool:
    """Whether a person types this input (a choice preset by the page does not make a row used)."""
    return not isinstance(f, serializers.ChoiceField | serializers.BooleanField)


def _drop_blanks(data: QueryDict, fields: Mapping[str, serializers.Field]) -> None:
    """An input left empty is a field not given (as the API would send it): a required one says
    "This field is required", an optional one takes its default, rather than DRF's messages for an
    empty string ("may not be blank", '"" is not a valid choice'). A field that takes null keeps its
    empty input: DRF reads it as None, a value cleared (an override removed, a date unset)."""
    for name, f in fields.items():
        blank = name in data and all(not str(v).strip() for v in data.getlist(name))
        if blank and not getattr(f, "allow_blank", False) and not f.allow_null:
            del data[name]


def _kind(f: serializers.Field) -> str:
    if _row_serializer(f) is not None:
        return "rows"
    style = getattr(f, "style", {}) or {}
    if style.get("input_type") == "hidden":
        return "hidden"
    if isinstance(f, serializers.BooleanField):
        return "checkbox"
    if isinstance(f, serializers.MultipleChoiceField | serializers.ManyRelatedField):
        return "checkboxes"
    if isinstance(f, serializers.ListField):
        return "checkboxes" if isinstance(f.child, serializers.ChoiceField) else "text"
    if isinstance(f, serializers.ChoiceField | serializers.RelatedField):
        return "radio" if style.get("input_type") == "radio" else "select"
    if isinstance(f, serializers.FileField):
        return "file"
    if isinstance(f, serializers.DateTimeField):
        return "datetime"
    if isinstance(f, serializers.DateField):
        return "date"
    if isinstance(f, serializers.TimeField):
        return "time"
    if isinstance(f, serializers.IntegerField | serializers.DecimalField | serializers.FloatField):
        return "number"
    if isinstance(f, serializers.CharField):
        long = f.max_length is None or f.max_length > TEXTAREA_FROM
        if style.get("base_template") == "textarea.html" or (long and style.get("input_type") != "text"):
            return "textarea"
    return "text"


def _choices_of(f: serializers.Field) -> list[tuple[str, str]]:
    if isinstance(f, serializers.ListField) and isinstance(f.child, serializers.ChoiceField):
        f = f.child
    choices = getattr(f, "choices", None)
    if not choices:
        return []
    return [(str(value), str(label)) for value, label in choices.items()]


def _as_html_value(value: Any) -> str:
    if value is None or value is empty:
        return ""
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
            if timezone.is_aware(value)
            else value.strftime("%Y-%m-%dT%H:%M")
        )
    if isinstance(value, date | time | Decimal | int | float):
        return value.isoformat() if isinstance(value, date | time) else str(value)
    if hasattr(value, "pk"):
        return str(value.pk)
    return str(value)


def _attrs(f: serializers.Field) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    max_length = getattr(f, "max_length", None)
    if max_length:
        attrs["maxlength"] = max_length
    for key, name in (("min_value", "min"), ("max_value", "max")):
        value = getattr(f, key, None)
        if value is not None:
            attrs[name] = value
    if isinstance(f, serializers.DecimalField) and f.decimal_places is not None:
        attrs["step"] = f"{Decimal(1).scaleb(-f.decimal_places)}"
    style = getattr(f, "style", {}) or {}
    for key in ("placeholder", "inputmode", "autocomplete"):
        if style.get(key):
            attrs[key] = style[key]
    return attrs


def _help_for_people(f: serializers.Field) -> str:
    """A field's help for the page: only a translated one (``gettext_lazy``). A plain string is the
    API's note for developers ("User id of a station staff member."), never shown to people."""
    return str(f.help_text) if isinstance(f.help_text, Promise) else ""


def _flatten(detail: Any) -> dict[str, list[str]]:
    """DRF's error detail as {field: [messages]}; a list field's per-item errors become one line."""
    out: dict[str, list[str]] = {}
    if not isinstance(detail, Mapping):
        return {NON_FIELD: [str(m) for m in (detail if isinstance(detail, list) else [detail])]}
    for name, messages in detail.items():
        if isinstance(messages, Mapping):
            flat = [str(m) for ms in messages.values() for m in (ms if isinstance(ms, list) else [ms])]
        elif isinstance(messages, list):
            flat = [str(m) for m in messages]
        else:
            flat = [str(messages)]
        out[name] = flat
    return out


class ActionForm:
    """``action``'s input serializer for a page. ``choices`` narrows what the page offers for a
    field (the serializer still decides what is valid); ``prefix`` tells several forms of one page
    apart; ``exclude`` leaves out fields the page fills itself (the object acted on).

    A list-of-rows field starts with the rows of ``initial[<field>]`` (a list of dicts) and
    ``extra_rows[<field>]`` blank rows under them; ``choices["<field>.<name>"]`` narrows a choice
    of its rows. ``error_fields`` puts a service's refusal of a name the page does not draw on an
    input it does (``{"location": "lng"}``); the rest of such refusals stand above the form."""

    def __init__(
        self,
        action: Action,
        *,
        data: QueryDict | Mapping[str, Any] | None = None,
        files: MultiValueDict | None = None,
        initial: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        choices: Mapping[str, Sequence[tuple[Any, Any]]] | None = None,
        prefix: str = "",
        exclude: Sequence[str] = (),
        extra_rows: Mapping[str, int] | None = None,
        error_fields: Mapping[str, str] | None = None,
    ) -> None:
        self.action = action
        self.prefix = prefix
        self.initial = dict(initial or {})
        self.choices = {k: [(str(v), str(label)) for v, label in c] for k, c in (choices or {}).items()}
        self.exclude = set(exclude)
        self.extra_rows = dict(extra_rows or {})
        self.error_fields = dict(error_fields or {})
        self.is_bound = data is not None
        self._context = dict(context or {})
        self._errors: dict[str, list[str]] = {}
        # Rows of list fields: the rows posted (by the index the page drew), and their errors.
        self._rows: dict[str, dict[int, QueryDict]] = {}
        self._row_errors: dict[str, dict[int, dict[str, list[str]]]] = {}
        self.result: Any = None
        self.refusal: DomainError | None = None
        input_class = action.input or serializers.Serializer
        blank = input_class(context=self._context)
        self._fields = blank.fields
        self._row_fields = {n: c for n, f in blank.fields.items() if (c := _row_serializer(f)) is not None}
        self._raw = self._unprefixed(data, files) if data is not None else QueryDict(mutable=True)
        self.serializer = input_class(data=self._raw, context=self._context) if self.is_bound else blank
        if self.is_bound:
            self._read_empty_lists()
        self._validated = False

    def _read_empty_lists(self) -> None:
        """A page draws every row of a list, so none filled in is the empty list (form data has no
        way to say it), or the list's own "may not be empty" when it must have one."""
        for name in self._row_fields:
            if self._rows.get(name):
                continue
            field = self.serializer.fields[name]
            if getattr(field, "allow_empty", True):
                field.required, field.default = False, list
            else:
                field.error_messages["required"] = field.error_messages["empty"]

    @property
    def title(self) -> Any:
        return self.action.label

    def _unprefixed(self, data: Any, files: MultiValueDict | None) -> QueryDict:
        raw = QueryDict(mutable=True)
        start = f"{self.prefix}-" if self.prefix else ""
        sources: list[Any] = [data] + ([files] if files is not None else [])
        for source in sources:
            keys = list(source.keys())
            for key in keys:
                if not key.startswith(start):
                    continue
                values = source.getlist(key) if hasattr(source, "getlist") else [source[key]]
                raw.setlist(key[len(start) :], values)
        # What the page fills itself (an excluded field) is never read from the request.
        for name in self.exclude:
            raw.pop(name, None)
            if name in self.initial:
                value = self.initial[name]
                raw.setlist(name, value if isinstance(value, list) else [value])
        _drop_blanks(raw, self._fields)
        for name, child in self._row_fields.items():
            self._rows[name] = self._posted_rows(raw, name, child)
            # As DRF reads a list of objects from form data: ``parties[0]name``; blank rows left out.
            for number, row in enumerate(self._rows[name].values()):
                for key in row:
                    raw.setlist(f"{name}[{number}]{key}", row.getlist(key))
        return raw

    @staticmethod
    def _posted_rows(raw: QueryDict, name: str, child: serializers.Serializer) -> dict[int, QueryDict]:
        """The rows of ``name`` that were filled in, by the index the page drew them with."""
        pattern = re.compile(rf"^{re.escape(name)}-(\d+)-(\w+)$")
        rows: dict[int, QueryDict] = {}
        for key in list(raw.keys()):
            match = pattern.match(key)
            if match and match.group(2) in child.fields:
                row = rows.setdefault(int(match.group(1)), QueryDict(mutable=True))
                row.setlist(match.group(2), raw.getlist(key))
        for row in rows.values():
            _drop_blanks(row, child.fields)
        typed = [n for n, f in child.fields.items() if _typed(f)]
        used = {i: row for i, row in sorted(rows.items()) if any(row.get(n, "").strip() for n in typed)}
        return used

    # --- validating and running --------------------------------------------------------------

    def is_valid(self) -> bool:
        if not self.is_bound:
            return False
        if not self._validated:
            self._validated = True
            if not self.serializer.is_valid():
                self._errors = _flatten(self.serializer.errors)
                self._place_row_errors()
        return not self._errors

    def _place_row_errors(self) -> None:
        """Each row's errors on its own inputs (the list's own message, such as "at least one",
        stays on the list)."""
        for name, child in self._row_fields.items():
            if name not in self._errors:
                continue
            for index, row in self._rows.get(name, {}).items():
                one = type(child)(data=row, context=self._context)
                if not one.is_valid():
                    self._row_errors.setdefault(name, {})[index] = _flatten(one.errors)
            if self._row_errors.get(name):
                self._errors[name] = [str(_("Correct the rows marked below."))]

    @property
    def validated_data(self) -> dict[str, Any]:
        return dict(self.serializer.validated_data)

    def submit(self, call: Callable[[dict[str, Any]], Any]) -> bool:
        """Validate, then run ``call`` with the validated input. False when the form shows errors:
        its own, or the service's refusal put back on its fields."""
        if not self.is_valid():
            return False
        try:
            self.result = call(self.validated_data)
        except DomainError as exc:
            self.refusal = exc
            self.add_domain_error(exc)
            return False
        return True

    @property
    def status(self) -> int:
        """The HTTP status of a page that shows this form after a failed submit: 400 for input
        the declaration refuses, else the service's (403 for a right, 409 for a state)."""
        return self.refusal.http_status if self.refusal is not None else 400

    def add_domain_error(self, exc: DomainError) -> None:
        names = {f.name for f in self}
        placed = False
        for name, messages in exc.fields.items():
            name = self.error_fields.get(name, name)
            target = name if name in names else NON_FIELD
            self._errors.setdefault(target, []).extend(str(m) for m in messages)
            placed = placed or target != NON_FIELD
        if not placed and exc.message not in self._errors.get(NON_FIELD, []):
            self._errors.setdefault(NON_FIELD, []).insert(0, exc.message)

    @property
    def errors(self) -> dict[str, list[str]]:
        return self._errors

    @property
    def non_field_errors(self) -> list[str]:
        names = {f.name for f in self}
        # An error on a field the page does not draw is shown above the form, with its label.
        stray = [
            m for name, ms in self._errors.items() if name not in names and name != NON_FIELD for m in ms
        ]
        return self._errors.get(NON_FIELD, []) + stray

    @property
    def all_errors(self) -> list[str]:
        """Every message in one list, each field's with its label ("Outcome: at most 2000
        characters"): for a form of one button whose page says what went wrong above it."""
        labels = {name: str(f.label or name) for name, f in self._fields.items()}
        out = list(self._errors.get(NON_FIELD, []))
        # The service's sentence leads ("Say why the task is cancelled."), even where its fields'
        # messages were placed on inputs.
        if self.refusal is not None and self.refusal.message not in out:
            out.insert(0, self.refusal.message)
        for name, ms in self._errors.items():
            if name != NON_FIELD:
                out += [f"{labels.get(name, name)}: {m}" if name in labels else m for m in ms]
        return out

    # --- drawing -----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[BoundInput]:
        for name, f in self.serializer.fields.items():
            if f.read_only or isinstance(f, serializers.HiddenField) or name in self.exclude:
                continue
            yield self._bound(name, f)

    @property
    def fields(self) -> dict[str, BoundInput]:
        """The inputs by name, for a page that lays them out itself (``form.fields.summary``)."""
        return {f.name: f for f in self}

    def _bound_rows(self, name: str, child: serializers.Serializer) -> list[BoundRow]:
        if self.is_bound:
            posted = self._rows.get(name, {})
            # Every row the page drew comes back, the blank ones too: draw them again.
            drawn = {
                int(m.group(1)) for key in self._raw if (m := re.match(rf"^{re.escape(name)}-(\d+)-", key))
            }
            indices = sorted(drawn | set(posted))
        else:
            start = self.initial.get(name) or []
            indices = list(range(len(start) + self.extra_rows.get(name, 0)))
        rows = []
        for index in indices:
            if self.is_bound:
                values = self._raw
                row_initial: Mapping[str, Any] = {}
            else:
                start = self.initial.get(name) or []
                values = None
                row_initial = start[index] if index < len(start) else {}
            errors = self._row_errors.get(name, {}).get(index, {})
            cells = {
                sub: self._bound(
                    f"{name}-{index}-{sub}",
                    f,
                    choices_key=f"{name}.{sub}",
                    initial=row_initial,
                    initial_key=sub,
                    errors=errors.get(sub, []),
                    bound=values is not None,
                )
                for sub, f in child.fields.items()
                if not f.read_only
            }
            rows.append(BoundRow(index=index, cells=cells))
        return rows

    def _bound(
        self,
        name: str,
        f: serializers.Field,
        *,
        choices_key: str | None = None,
        initial: Mapping[str, Any] | None = None,
        initial_key: str | None = None,
        errors: list[str] | None = None,
        bound: bool | None = None,
    ) -> BoundInput:
        html_name = f"{self.prefix}-{name}" if self.prefix else name
        kind = _kind(f)
        choices_key = choices_key or name
        initial = self.initial if initial is None else initial
        initial_key = initial_key or name
        bound = self.is_bound if bound is None else bound
        errors = self._errors.get(name, []) if errors is None else errors
        if kind == "rows":
            child = _row_serializer(f)
            assert child is not None
            return BoundInput(
                name=name,
                html_name=html_name,
                id=f"id_{html_name}",
                label=str(f.label or name),
                kind=kind,
                required=bool(f.required),
                help_text=_help_for_people(f),
                errors=errors,
                rows=self._bound_rows(name, child),
            )
        # A narrowed list that is empty offers nothing (not the field's whole queryset).
        choices = self.choices[choices_key] if choices_key in self.choices else _choices_of(f)
        if choices_key in self.choices and kind in ("text", "number"):
            kind = "checkboxes" if isinstance(f, serializers.ListField) else "select"
        if bound:
            values = self._raw.getlist(name)
            value = values[0] if values else ""
            chosen = set(values)
        else:
            start = initial.get(initial_key, f.initial if f.initial is not None else None)
            if start is None and f.default is not empty and not callable(f.default):
                start = f.default
            if isinstance(start, list | tuple | set):
                chosen = {_as_html_value(v) for v in start}
                value = ""
            else:
                value = _as_html_value(start)
                chosen = {value} if value else set()
        if kind == "checkbox":
            value = "true"
            if bound:
                chosen = {"true"} if self._raw.get(name, "").lower() in ("true", "on", "1", "yes") else set()
            else:
                start = initial.get(initial_key, f.default if f.default is not empty else False)
                chosen = {"true"} if start is True else set()
        return BoundInput(
            name=name,
            html_name=html_name,
            id=f"id_{html_name}",
            label=str(f.label or name),
            kind=kind,
            required=bool(f.required) and kind != "checkbox",
            help_text=_help_for_people(f),
            value=value,
            chosen=chosen,
            choices=choices,
            attrs=_attrs(f),
            errors=errors,
        )
