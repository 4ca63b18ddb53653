"""The parameters of GeoReport v2, read and checked under the specification's own names."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _

from stations.open311.catalogue import SERVICES, VILLAGE_CODE_ATTRIBUTE, service_name

VILLAGE_CODE_PARAM = f"attribute[{VILLAGE_CODE_ATTRIBUTE}]"
# GeoReport v2: "the range defaults to most recent 90 days" and "may not span more than 90 days".
WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
# Names of alert_intake's fields as an Open311 caller knows them.
_OPEN311_NAME = {
    "category": "service_code",
    "summary": "description",
    "address": "address_string",
    "location": "lat",
    "village_code": VILLAGE_CODE_PARAM,
    "caller_phone": "phone",
    "reported_at": "requested_datetime",
}


def open311_fields(
    fields: dict[str, list[str]], *, village_param: str = VILLAGE_CODE_PARAM
) -> dict[str, list[str]]:
    """``village_param``: the name under which the caller gave the village (``address_id`` or the
    attribute), so that an error names what the caller sent."""
    names = _OPEN311_NAME | {"village_code": village_param}
    return {names.get(name, name): messages for name, messages in fields.items()}


def as_request_id(value: str) -> int | None:
    """A service_request_id as an order's primary key; None if it cannot be one."""
    return int(value) if value.isdecimal() and value.isascii() and len(value) <= 18 else None


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class ServiceRequestForm(forms.Form):
    """POST requests: a report from a hotline system. ``email``, ``device_id`` and ``account_id``
    are accepted and not kept: the work does not need them (PIPL: store only what is needed)."""

    service_code = forms.CharField()
    lat = forms.FloatField(required=False)
    long = forms.FloatField(required=False)
    address_string = forms.CharField(required=False)
    description = forms.CharField(required=False)
    first_name = forms.CharField(required=False)
    last_name = forms.CharField(required=False)
    phone = forms.CharField(required=False)
    requested_datetime = forms.DateTimeField(required=False)
    # GeoReport v2's location by "the internal address ID used by a jurisdiction's master address
    # repository": here the village's code, as every GET answers it in ``address_id``.
    address_id = forms.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[VILLAGE_CODE_PARAM] = forms.CharField(required=False)

    def clean_service_code(self) -> str:
        code: str = self.cleaned_data["service_code"]
        if code not in SERVICES:
            raise forms.ValidationError(_("Unknown service; see services.json for the codes."))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        attribute, address_id = data.get(VILLAGE_CODE_PARAM, ""), data.get("address_id", "")
        if attribute and address_id and attribute.strip() != address_id.strip():
            self.add_error(
                "address_id",
                _("address_id and %(param)s name different villages.") % {"param": VILLAGE_CODE_PARAM},
            )
        return data

    @property
    def village_param(self) -> str:
        """The parameter the village came in: the attribute, else ``address_id``."""
        data = self.cleaned_data
        return (
            "address_id"
            if data.get("address_id") and not data.get(VILLAGE_CODE_PARAM)
            else VILLAGE_CODE_PARAM
        )

    def intake_arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``alert_intake`` (all but who and by which channel)."""
        data = self.cleaned_data
        lat, lng = data["lat"], data["long"]
        description = data["description"]
        address = data["address_string"]
        if not address and lat is not None and lng is not None:
            address = f"{lat},{lng}"
        return {
            "category": data["service_code"],
            "summary": description[:200].strip() or service_name(data["service_code"]),
            "description": description,
            "address": address,
            "village_code": (data[VILLAGE_CODE_PARAM] or data["address_id"]).strip(),
            "lat": lat,
            "lng": lng,
            # Chinese order: family name first.
            "caller_name": f"{data['last_name']}{data['first_name']}",
            "caller_phone": data["phone"],
            "reported_at": data["requested_datetime"],
        }


class ServiceRequestQueryForm(forms.Form):
    """GET requests: the filters of the specification. ``service_request_id`` overrides the rest."""

    service_request_id = forms.CharField(required=False)
    service_code = forms.CharField(required=False)
    start_date = forms.DateTimeField(required=False)
    end_date = forms.DateTimeField(required=False)
    status = forms.CharField(required=False)

    def clean_service_request_id(self) -> list[int]:
        # An id that is not a number names no request: it matches nothing, like an unknown one.
        ids = (as_request_id(part) for part in _split(self.cleaned_data["service_request_id"]))
        return [pk for pk in ids if pk is not None][:MAX_RESULTS]

    def clean_service_code(self) -> list[str]:
        codes = _split(self.cleaned_data["service_code"])
        if unknown := [c for c in codes if c not in SERVICES]:
            raise forms.ValidationError(_("Unknown service: %(codes)s.") % {"codes": ", ".join(unknown)})
        return codes

    def clean_status(self) -> list[str]:
        statuses = _split(self.cleaned_data["status"])
        if any(s not in ("open", "closed") for s in statuses):
            raise forms.ValidationError(_("The status is open or closed."))
        return statuses

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: datetime | None = data.get("start_date")
        end: datetime | None = data.get("end_date")
        if "start_date" in self.errors or "end_date" in self.errors:
            return data
        if start is None and end is None:
            end = timezone.now()
        if start is None:
            assert end is not None
            start = end - WINDOW
        elif end is None:
            end = start + WINDOW
        if end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        elif end - start > WINDOW:
            self.add_error("end_date", _("The dates may not span more than 90 days."))
        data["start_date"], data["end_date"] = start, end
        return data
