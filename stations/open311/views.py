"""Open311 GeoReport v2 endpoints, so that 110 and 12345 hotline systems push and read alerts.

Every call that touches alerts carries the system's ``api_key`` (police alerts are never
public); a system reads only the alerts of the regions its agency serves.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from governance.errors import IdempotencyKeyReused, PermissionDenied, ValidationFailed
from governance.idempotency import key_of, replay_headers
from governance.models import Agency
from stations.models import Alert, IntegrationClient
from stations.open311.catalogue import SERVICES, service_as_open311, service_definition
from stations.open311.forms import (
    MAX_RESULTS,
    ServiceRequestForm,
    ServiceRequestQueryForm,
    as_request_id,
    open311_fields,
)
from stations.open311.rendering import field_errors, render, render_error, request_as_open311, service_notice
from stations.open311.selectors import orders_for_client, service_requests_for_client
from stations.services.dispatch import alert_intake
from stations.services.integrations import integration_client_for_key

# GeoReport v2 discovery: the date of the last change to this endpoint's behaviour (bump it when
# the service list or the answers change shape), and the media types it answers in.
CHANGESET = "2026-12-03T00:00:00+08:00"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DISCOVERY_FORMATS = ["text/xml", "application/json"]


@require_GET
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Where the endpoint is and how to get a key, for clients that configure themselves."""
    base = (
        request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": fmt})).rsplit("/", 1)[0] + "/"
    )
    body = {
        "changeset": CHANGESET,
        "contact": _("The county administrator of the platform, who admits integrating systems."),
        "key_service": _("Ask the county administrator for a key: he issues it on the page %(url)s.")
        % {"url": request.build_absolute_uri(reverse("stations:integrations"))},
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": DISCOVERY_FORMATS,
            }
        ],
    }
    return render(body, fmt=fmt, root="discovery")


@require_GET
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render([service_as_open311(s) for s in SERVICES.values()], fmt=fmt, root="services")


@require_GET
def service(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    if service_code not in SERVICES:
        return render_error(404, field_errors({"service_code": [_("No service has this code.")]}), fmt=fmt)
    return render(service_definition(SERVICES[service_code]), fmt=fmt, root="service_definition")


# Key-authenticated, never a browser session: there is no cookie for a forged request to ride on.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    client = _client(request)
    if client is None:
        return _forbidden(fmt)
    if request.method == "POST":
        return _create(request, client, fmt)
    form = ServiceRequestQueryForm(request.GET)
    if not form.is_valid():
        return render_error(400, field_errors(form.errors), fmt=fmt)
    data = form.cleaned_data
    orders = service_requests_for_client(
        client,
        ids=data["service_request_id"],
        categories=data["service_code"],
        statuses=data["status"],
        reported_from=data["start_date"],
        reported_to=data["end_date"],
    )[:MAX_RESULTS]
    return render([request_as_open311(o) for o in orders], fmt=fmt, root="service_requests")


@require_GET
def service_request(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    client = _client(request)
    if client is None:
        return _forbidden(fmt)
    pk = as_request_id(service_request_id)
    # Outside the client's area reads exactly like unknown: the answer says nothing of others.
    order = orders_for_client(client).filter(pk=pk).first() if pk is not None else None
    if order is None:
        return render_error(
            404, field_errors({"service_request_id": [_("No such service request.")]}), fmt=fmt
        )
    return render([request_as_open311(order)], fmt=fmt, root="service_requests")


def _create(request: HttpRequest, client: IntegrationClient, fmt: str) -> HttpResponse:
    form = ServiceRequestForm(request.POST)
    if not form.is_valid():
        return render_error(400, field_errors(form.errors), fmt=fmt)
    try:
        result = alert_intake(
            actor=None,
            source_client=client,
            channel=_channel_of(client),
            # The key is the client's own (``governance.idempotency`` scopes it to the system).
            idempotency_key=key_of(request),
            **form.intake_arguments(),
        )
    except ValidationFailed as exc:
        return render_error(
            400, field_errors(open311_fields(exc.fields, village_param=form.village_param)), fmt=fmt
        )
    except (PermissionDenied, IdempotencyKeyReused) as exc:
        return render_error(exc.http_status, exc.message, fmt=fmt)
    body = [
        {
            "service_request_id": str(result.order.pk),
            "service_notice": service_notice(result.order),
            "account_id": None,
        }
    ]
    # A retry answers as the first request did (201), marked as replayed.
    response = render(body, fmt=fmt, root="service_requests", status=201)
    for name, value in replay_headers(result.created).items():
        response[name] = value
    return response


def _client(request: HttpRequest) -> IntegrationClient | None:
    # GeoReport v2 sends the key in the body of a POST and in the query string of a GET.
    key = request.POST.get("api_key") if request.method == "POST" else None
    return integration_client_for_key((key or request.GET.get("api_key", "")).strip())


def _forbidden(fmt: str) -> HttpResponse:
    return render_error(403, field_errors({"api_key": [_("A valid api_key is required.")]}), fmt=fmt)


def _channel_of(client: IntegrationClient) -> str:
    if client.agency.kind == Agency.Kind.HOTLINE_12345:
        return Alert.Channel.HOTLINE_12345
    return Alert.Channel.CALL_110
