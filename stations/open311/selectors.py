"""What an integrating system may read: the alerts of the regions its agency serves."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from datetime import datetime
from functools import reduce

from django.db.models import Q, QuerySet

from governance.models import Region
from stations.models import DispatchOrder, IntegrationClient


def orders_for_client(client: IntegrationClient) -> QuerySet[DispatchOrder]:
    """Orders whose alert's village lies under a region the client's agency serves. Police alerts
    are never public: an agency that serves no region reads nothing."""
    paths = list(Region.objects.filter(serving_agencies=client.agency_id).values_list("path", flat=True))
    if not paths:
        return DispatchOrder.objects.none()
    inside = reduce(operator.or_, (Q(alert__village__path__startswith=p) for p in paths))
    return DispatchOrder.objects.filter(inside).select_related("alert__village", "station")


def service_requests_for_client(
    client: IntegrationClient,
    *,
    ids: Sequence[int] = (),
    categories: Sequence[str] = (),
    statuses: Sequence[str] = (),
    reported_from: datetime | None = None,
    reported_to: datetime | None = None,
) -> QuerySet[DispatchOrder]:
    """The Open311 search, newest report first. Given ``ids``, the other filters do not apply
    (GeoReport v2: service_request_id "overrides all other arguments")."""
    orders = orders_for_client(client).order_by("-alert__reported_at", "-pk")
    if ids:
        return orders.filter(pk__in=ids)
    if reported_from is not None:
        orders = orders.filter(alert__reported_at__gte=reported_from)
    if reported_to is not None:
        orders = orders.filter(alert__reported_at__lte=reported_to)
    if categories:
        orders = orders.filter(alert__category__in=categories)
    if set(statuses) == {"open"}:
        orders = orders.filter(status__in=DispatchOrder.OPEN)
    elif set(statuses) == {"closed"}:
        orders = orders.exclude(status__in=DispatchOrder.OPEN)
    return orders
