"""GeoReport v2 routes; the format is a suffix (``requests.json``, ``requests.xml``), and any
other suffix is not a route at all (404)."""

from django.urls import re_path

from stations.open311 import views

app_name = "open311"
urlpatterns = [
    re_path(r"^discovery\.(?P<fmt>json|xml)$", views.discovery, name="discovery"),
    re_path(r"^services\.(?P<fmt>json|xml)$", views.services, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+)\.(?P<fmt>json|xml)$", views.service, name="service"),
    re_path(r"^requests\.(?P<fmt>json|xml)$", views.service_requests, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[^/]+)\.(?P<fmt>json|xml)$", views.service_request, name="request"
    ),
]
