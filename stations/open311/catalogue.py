"""The Open311 service catalogue: one service per alert category (GeoReport v2 "services")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from stations.models import Alert

C = Alert.Category


@dataclass(frozen=True)
class Service:
    category: C
    description: Promise
    keywords: Promise
    # Open311 ``group``: a value for machines, kept untranslated.
    group: str


_SERVICES = (
    Service(
        C.CRIMINAL,
        _("A crime in progress or just committed: theft, robbery, assault, fraud."),
        _("theft, robbery, assault, fraud, burglary"),
        "police",
    ),
    Service(
        C.PUBLIC_ORDER,
        _("A disturbance of public order: a fight, noise at night, gambling, a suspicious person."),
        _("fight, noise, gambling, disturbance, suspicious person"),
        "police",
    ),
    Service(
        C.TRAFFIC,
        _("A traffic accident, a blocked road or dangerous driving."),
        _("accident, collision, blocked road, drunk driving"),
        "police",
    ),
    Service(
        C.DISPUTE,
        _("A conflict between neighbours, family members, landlord and tenant, employer and worker."),
        _("neighbours, family, land, wages, debt, consumer"),
        "police",
    ),
    Service(
        C.HELP,
        _("Someone needs help: a lost child or elderly person, someone locked out, sick or injured."),
        _("lost person, locked out, sick, injured, rescue"),
        "police",
    ),
    Service(
        C.FIRE_DISASTER,
        _("A fire, flood, landslide, gas leak or other disaster."),
        _("fire, flood, landslide, gas leak, disaster"),
        "police",
    ),
    Service(
        C.NON_POLICE,
        _("A matter owned by another agency (roads, water, markets, housing): routed to that agency."),
        _("roads, water, electricity, market, housing, environment"),
        "non-police",
    ),
)
SERVICES: dict[str, Service] = {s.category.value: s for s in _SERVICES}

# The one attribute a caller may add: the village, for callers without coordinates. Optional,
# because a point inside a village is enough.
VILLAGE_CODE_ATTRIBUTE = "village_code"


def service_name(code: str) -> str:
    return str(C(code).label)


def service_as_open311(service: Service) -> dict[str, Any]:
    return {
        "service_code": service.category.value,
        "service_name": str(service.category.label),
        "description": str(service.description),
        # GeoReport v2: metadata is true when the service has attributes to read from its
        # definition. Every service declares the optional village_code attribute.
        "metadata": True,
        "type": "realtime",
        "keywords": str(service.keywords),
        "group": service.group,
    }


def service_definition(service: Service) -> dict[str, Any]:
    return {
        "service_code": service.category.value,
        "attributes": [
            {
                "variable": True,
                "code": VILLAGE_CODE_ATTRIBUTE,
                "datatype": "string",
                "required": False,
                "datatype_description": str(_("The 12-digit statistical code of the caller's village.")),
                "order": 1,
                "description": str(_("Village of the incident, when no latitude and longitude are given.")),
            }
        ],
    }
