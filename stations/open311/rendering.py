"""Open311 GeoReport v2 answers in JSON or XML, in the shapes of the specification:
``<services><service>``, ``<service_definition>``, ``<service_requests><request>`` and
``<errors><error><code/><description/></error></errors>``."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from stations.models import DispatchOrder
from stations.open311.catalogue import service_name

FORMATS = ("json", "xml")
_CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "application/xml; charset=utf-8"}
# The element of each item of a list, by the list's element (the specification's names).
_ITEM_TAG = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry, even escaped: ElementTree would write them and produce a
# document no parser accepts, so a stray control character in a report must not break the feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render(
    data: Mapping[str, Any] | Sequence[Mapping[str, Any]], *, fmt: str, root: str, status: int = 200
) -> HttpResponse:
    """``data`` is a list (of services, requests, errors) or one object (a service definition);
    ``root`` names the XML document element."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False)
    else:
        element = ET.Element(root)
        _fill(element, data)
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")
    return HttpResponse(body.encode(), status=status, content_type=_CONTENT_TYPES[fmt])


def render_error(code: int, description: str, *, fmt: str) -> HttpResponse:
    return render([{"code": code, "description": description}], fmt=fmt, root="errors", status=code)


def field_errors(fields: Mapping[str, Iterable[object]]) -> str:
    """``{"lat": ["Enter a number."]}`` -> ``lat: Enter a number.``, fields joined by ``; ``."""
    return "; ".join(f"{name}: {' '.join(str(m) for m in messages)}" for name, messages in fields.items())


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        tag = _ITEM_TAG[element.tag]
        for item in value:
            _fill(ET.SubElement(element, tag), item)
    elif value is None:
        return  # an empty element: the specification's null
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _NOT_XML.sub("", str(value))


def w3c_datetime(value: datetime | None) -> str | None:
    """The specification's W3C format with the offset: ``2024-05-01T08:30:00+08:00``."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def service_notice(order: DispatchOrder) -> str:
    if order.status == DispatchOrder.Status.MERGED:
        return _("Merged into an earlier report of the same event.")
    if order.station is None:
        return _("No station covers this place; the shift commander will dispatch it.")
    return _("Dispatched to %(station)s.") % {"station": order.station.name}


def request_as_open311(order: DispatchOrder) -> dict[str, Any]:
    """One service request. Callers' names and phones are personal data and never leave here;
    the alert's summary stands for its description."""
    alert = order.alert
    return {
        "service_request_id": str(order.pk),
        "status": "open" if order.is_open else "closed",
        "status_notes": str(DispatchOrder.Status(order.status).label),
        "service_name": service_name(alert.category),
        "service_code": alert.category,
        "description": alert.summary,
        "agency_responsible": order.station.name if order.station else None,
        "service_notice": service_notice(order),
        "requested_datetime": w3c_datetime(alert.reported_at),
        "updated_datetime": w3c_datetime(order.updated_at),
        "expected_datetime": None,
        "address": alert.address,
        "address_id": alert.village.code,
        "zipcode": None,
        "lat": alert.lat,
        "long": alert.lng,
        "media_url": None,
    }
