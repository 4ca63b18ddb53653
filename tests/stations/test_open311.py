"""Open311 GeoReport v2: hotline systems push alerts with their api_key and read back the alerts
of their own area, in JSON or XML, with the specification's names and error format."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from governance.models import Agency, Membership
from governance.pii import pii_decrypt
from governance.services.people import agency_create
from stations.models import Alert, DispatchOrder
from stations.services import order_step
from stations.services.integrations import integration_client_issue
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
R = Membership.Role
BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded"
REPORT = {
    "service_code": "dispute",
    "description": "邻居装修噪音扰民",
    "address_string": "下张村5号",
    "attribute[village_code]": "330802001002",
    "first_name": "三",
    "last_name": "张",
    "phone": "13812345678",
}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def world():
    c = county()
    c.station = station_for(c)
    _, c.hotline_key = integration_client_issue(actor=None, name="柯城区12345平台", agency=c.hotline)
    _, c.psb_key = integration_client_issue(actor=None, name="柯城区110接警平台", agency=c.psb)
    c.township_b_centre = agency_create(
        actor=None,
        name="航埠镇综治中心",
        kind=Agency.Kind.TOWNSHIP_GOVERNMENT,
        region=c.township_b,
        served_regions=[c.township_b],
    )
    _, c.township_b_key = integration_client_issue(
        actor=None, name="航埠镇平安热线", agency=c.township_b_centre
    )
    return c


def xml(response):
    # Our own answer, parsed back to prove it is well-formed and escaped.
    return ET.fromstring(response.content)  # noqa: S314


def post(client, key, fmt="json", headers=None, **fields):
    data = REPORT | fields
    if key is not None:
        data = {"api_key": key} | data
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{BASE}/requests.{fmt}", urlencode(data), content_type=FORM, headers=headers or {})


def walk_to_closed(order_id, officer):
    order = DispatchOrder.objects.get(pk=order_id)
    for step in ("accept", "contact", "arrive", "handle"):
        order = order_step(order=order, step=step, actor=officer)
    order = order_step(order=order, step="resolve", actor=officer, note="双方达成和解")
    order_step(order=order, step="close", actor=officer)


# services


def test_services_list_one_service_per_alert_category_in_json(client):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    services = response.json()
    assert [s["service_code"] for s in services] == Alert.Category.values
    assert services[3] == {
        "service_code": "dispute",
        "service_name": "Dispute",
        "description": "A conflict between neighbours, family members, landlord and tenant, employer and worker.",
        "metadata": True,
        "type": "realtime",
        "keywords": "neighbours, family, land, wages, debt, consumer",
        "group": "police",
    }
    assert {s["service_code"]: s["group"] for s in services}["non_police"] == "non-police"


def test_services_list_in_xml(client):
    response = client.get(f"{BASE}/services.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = xml(response)
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == Alert.Category.values
    first = root.find("service")
    assert [child.tag for child in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert (first.findtext("service_name"), first.findtext("metadata"), first.findtext("type")) == (
        "Criminal",
        "true",
        "realtime",
    )


def test_service_names_follow_the_callers_language(client):
    response = client.get(f"{BASE}/services.json", headers={"Accept-Language": "zh-hans"})
    with translation.override("zh-hans"):
        expected = str(Alert.Category.DISPUTE.label)
    assert expected != "Dispute"
    assert response.json()[3]["service_name"] == expected


def test_service_definition_declares_the_optional_village_code(client):
    response = client.get(f"{BASE}/services/traffic.json")
    assert response.status_code == 200
    assert response.json() == {
        "service_code": "traffic",
        "attributes": [
            {
                "variable": True,
                "code": "village_code",
                "datatype": "string",
                "required": False,
                "datatype_description": "The 12-digit statistical code of the caller's village.",
                "order": 1,
                "description": "Village of the incident, when no latitude and longitude are given.",
            }
        ],
    }
    root = xml(client.get(f"{BASE}/services/traffic.xml"))
    assert root.tag == "service_definition"
    attribute = root.find("attributes/attribute")
    assert (attribute.findtext("code"), attribute.findtext("required")) == ("village_code", "false")


def test_unknown_service_code_is_404_in_the_open311_error_format(client):
    response = client.get(f"{BASE}/services/ufo.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "service_code: No service has this code."}]
    root = xml(client.get(f"{BASE}/services/ufo.xml"))
    assert (root.tag, root.findtext("error/code"), root.findtext("error/description")) == (
        "errors",
        "404",
        "service_code: No service has this code.",
    )


@pytest.mark.parametrize("path", ["services.csv", "services/dispute.html", "requests.yaml", "requests"])
def test_an_unknown_format_suffix_is_not_found(client, path):
    assert client.get(f"{BASE}/{path}").status_code == 404


# POST requests


def test_a_report_creates_one_alert_dispatched_to_the_covering_station(world, client):
    response = post(client, world.hotline_key)
    assert response.status_code == 201
    alert = Alert.objects.get()
    assert response.json() == [
        {
            "service_request_id": str(alert.order.pk),
            "service_notice": f"Dispatched to {world.station.name}.",
            "account_id": None,
        }
    ]
    assert alert.order.station == world.station
    assert (alert.channel, alert.category, alert.village.code) == ("12345", "dispute", "330802001002")
    assert (alert.summary, alert.description, alert.address) == (
        "邻居装修噪音扰民",
        "邻居装修噪音扰民",
        "下张村5号",
    )
    assert alert.source_client.agency == world.hotline
    assert alert.caller_name == "张三"
    assert "13812345678" not in alert.caller_phone_encrypted
    assert pii_decrypt(alert.caller_phone_encrypted) == "13812345678"
    assert "13812345678" not in response.content.decode()


def test_a_report_with_coordinates_only_is_placed_by_its_point(world, client):
    response = post(
        client,
        world.psb_key,
        description=None,
        address_string=None,
        **{"attribute[village_code]": None, "lat": "28.975", "long": "118.875"},
    )
    assert response.status_code == 201
    alert = Alert.objects.get()
    assert (alert.channel, alert.village, alert.address) == ("110", world.village_a1, "28.975,118.875")
    assert (alert.lat, alert.lng) == (28.975, 118.875)
    assert alert.summary == "Dispute"


def test_a_long_description_is_cut_to_200_characters_for_the_summary(world, client):
    post(client, world.hotline_key, description="吵" * 250)
    alert = Alert.objects.get()
    assert (alert.summary, alert.description) == ("吵" * 200, "吵" * 250)


def test_the_same_idempotency_key_twice_gives_one_alert(world, client):
    first = post(client, world.hotline_key, headers={"Idempotency-Key": "12345-0001"})
    again = post(client, world.hotline_key, headers={"Idempotency-Key": "12345-0001"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    assert Alert.objects.count() == 1


def test_idempotency_keys_belong_to_one_system(world, client):
    ours = post(client, world.hotline_key, headers={"Idempotency-Key": "0001"})
    theirs = post(client, world.psb_key, headers={"Idempotency-Key": "0001"}, address_string="下张村9号")
    assert (ours.status_code, theirs.status_code) == (201, 201)
    assert ours.json()[0]["service_request_id"] != theirs.json()[0]["service_request_id"]
    assert Alert.objects.count() == 2


def test_reports_need_no_csrf_token(world):
    response = post(Client(enforce_csrf_checks=True), world.hotline_key)
    assert response.status_code == 201


@pytest.mark.parametrize("key", [None, "", "rz_not-a-key"])
def test_a_report_without_a_valid_api_key_is_403_and_writes_nothing(world, client, key):
    response = post(client, key)
    assert response.status_code == 403
    assert response.json() == [{"code": 403, "description": "api_key: A valid api_key is required."}]
    root = xml(post(client, key, fmt="xml"))
    assert (root.findtext("error/code"), root.findtext("error/description")) == (
        "403",
        "api_key: A valid api_key is required.",
    )
    assert Alert.objects.count() == 0
    assert DispatchOrder.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "description"),
    [
        ({"service_code": "ufo"}, "service_code: Unknown service; see services.json for the codes."),
        ({"service_code": None}, "service_code: This field is required."),
        (
            {"address_string": None, "attribute[village_code]": None},
            "address_string: This field is required.; lat: Give a point inside a village or the caller's village.",
        ),
        ({"attribute[village_code]": "330802009999"}, "attribute[village_code]: No village has this code."),
        ({"lat": "north", "long": "118.875"}, "lat: Enter a number."),
        ({"lat": "28.975"}, "lat: Give both longitude and latitude, or neither."),
        ({"phone": "12345"}, "phone: Enter a valid mainland China mobile number."),
        ({"requested_datetime": "yesterday"}, "requested_datetime: Enter a valid date/time."),
    ],
)
def test_a_bad_report_is_400_in_the_open311_error_format_and_writes_nothing(
    world, client, fields, description
):
    response = post(client, world.hotline_key, **fields)
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": description}]
    assert Alert.objects.count() == 0


def test_a_bad_report_in_xml(world, client):
    response = post(client, world.hotline_key, fmt="xml", service_code="ufo")
    assert response.status_code == 400
    root = xml(response)
    assert (root.tag, root.findtext("error/code")) == ("errors", "400")
    assert Alert.objects.count() == 0


def test_requests_accept_only_get_and_post(world, client):
    response = client.put(
        f"{BASE}/requests.json", urlencode({"api_key": world.hotline_key}), content_type=FORM
    )
    assert response.status_code == 405


# GET requests


def test_requests_list_the_systems_alerts_without_caller_data(world, client):
    order_id = post(client, world.hotline_key).json()[0]["service_request_id"]
    alert = Alert.objects.get()
    response = client.get(f"{BASE}/requests.json", {"api_key": world.hotline_key})
    assert response.status_code == 200
    assert response.json() == [
        {
            "service_request_id": order_id,
            "status": "open",
            "status_notes": "Dispatched",
            "service_name": "Dispute",
            "service_code": "dispute",
            "description": "邻居装修噪音扰民",
            "agency_responsible": world.station.name,
            "service_notice": f"Dispatched to {world.station.name}.",
            "requested_datetime": timezone.localtime(alert.reported_at).isoformat(timespec="seconds"),
            "updated_datetime": timezone.localtime(alert.order.updated_at).isoformat(timespec="seconds"),
            "expected_datetime": None,
            "address": "下张村5号",
            "address_id": "330802001002",
            "zipcode": None,
            "lat": None,
            "long": None,
            "media_url": None,
        }
    ]
    assert response.json()[0]["requested_datetime"].endswith("+08:00")
    text = response.content.decode()
    assert "13812345678" not in text
    assert "张三" not in text


def test_reading_requests_needs_a_valid_api_key(world, client):
    order_id = post(client, world.hotline_key).json()[0]["service_request_id"]
    for params in ({}, {"api_key": "rz_not-a-key"}):
        listing = client.get(f"{BASE}/requests.json", params)
        one = client.get(f"{BASE}/requests/{order_id}.json", params)
        assert (listing.status_code, one.status_code) == (403, 403)
        assert listing.json() == [{"code": 403, "description": "api_key: A valid api_key is required."}]


def test_requests_are_filtered_by_status_and_service_code(world, client):
    officer = world.person(R.OFFICER, world.station_a)
    dispute = post(client, world.hotline_key).json()[0]["service_request_id"]
    traffic = post(client, world.hotline_key, service_code="traffic", address_string="下张村路口")
    traffic = traffic.json()[0]["service_request_id"]
    help_ = post(client, world.hotline_key, service_code="help", address_string="新塘社区3幢")
    help_ = help_.json()[0]["service_request_id"]
    walk_to_closed(dispute, officer)

    def ids(**params):
        response = client.get(f"{BASE}/requests.json", {"api_key": world.hotline_key, **params})
        assert response.status_code == 200
        return {r["service_request_id"] for r in response.json()}

    assert ids() == {dispute, traffic, help_}
    assert ids(status="open") == {traffic, help_}
    assert ids(status="closed") == {dispute}
    assert ids(status="open,closed") == {dispute, traffic, help_}
    assert ids(service_code="traffic") == {traffic}
    assert ids(service_code="traffic,dispute", status="closed") == {dispute}
    assert ids(service_request_id=f"{traffic},{help_},nonsense") == {traffic, help_}
    closed = client.get(f"{BASE}/requests.json", {"api_key": world.hotline_key, "status": "closed"}).json()
    assert (closed[0]["status"], closed[0]["status_notes"]) == ("closed", "Closed")


def test_requests_are_searched_within_a_date_window(world, client):
    post(client, world.hotline_key)
    now = timezone.now()

    def get(**params):
        return client.get(f"{BASE}/requests.json", {"api_key": world.hotline_key, **params})

    assert len(get(start_date=(now - timedelta(hours=1)).isoformat()).json()) == 1
    assert get(start_date=(now + timedelta(hours=1)).isoformat()).json() == []
    assert get(end_date=(now - timedelta(hours=1)).isoformat()).json() == []
    too_long = get(start_date="2024-01-01T00:00:00+08:00", end_date="2024-06-01T00:00:00+08:00")
    assert too_long.status_code == 400
    assert too_long.json() == [
        {"code": 400, "description": "end_date: The dates may not span more than 90 days."}
    ]
    backwards = get(start_date="2024-06-01T00:00:00+08:00", end_date="2024-01-01T00:00:00+08:00")
    assert backwards.json() == [
        {"code": 400, "description": "end_date: The end date is before the start date."}
    ]
    bad = get(service_code="ufo", status="pending")
    assert bad.json() == [
        {
            "code": 400,
            "description": "service_code: Unknown service: ufo.; status: The status is open or closed.",
        }
    ]


def test_a_system_of_another_township_sees_nothing_of_this_one(world, client):
    order_id = post(client, world.hotline_key).json()[0]["service_request_id"]
    listing = client.get(f"{BASE}/requests.json", {"api_key": world.township_b_key})
    assert (listing.status_code, listing.json()) == (200, [])
    by_id = client.get(
        f"{BASE}/requests.json", {"api_key": world.township_b_key, "service_request_id": order_id}
    )
    assert by_id.json() == []


def test_one_request_by_id(world, client):
    order_id = post(client, world.hotline_key).json()[0]["service_request_id"]
    response = client.get(f"{BASE}/requests/{order_id}.json", {"api_key": world.psb_key})
    assert response.status_code == 200
    assert [r["service_request_id"] for r in response.json()] == [order_id]
    assert set(response.json()[0]) == REQUEST_FIELDS
    root = xml(client.get(f"{BASE}/requests/{order_id}.xml", {"api_key": world.psb_key}))
    assert (root.tag, root.findtext("request/service_request_id")) == ("service_requests", order_id)
    assert {child.tag for child in root.find("request")} == REQUEST_FIELDS


@pytest.mark.parametrize("which", ["outside", "unknown", "not-a-number"])
def test_one_request_outside_the_area_or_unknown_is_404(world, client, which):
    order_id = post(client, world.hotline_key).json()[0]["service_request_id"]
    key, request_id = {
        "outside": (world.township_b_key, order_id),
        "unknown": (world.hotline_key, "999999"),
        "not-a-number": (world.hotline_key, "abc"),
    }[which]
    response = client.get(f"{BASE}/requests/{request_id}.json", {"api_key": key})
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "service_request_id: No such service request."}]


def test_xml_escapes_what_callers_write(world, client):
    nasty = "<script>alert('x')</script> & 5 < 6 \x07"
    created = post(client, world.hotline_key, fmt="xml", description=nasty)
    assert created.status_code == 201
    order_id = xml(created).findtext("request/service_request_id")
    assert order_id == str(DispatchOrder.objects.get().pk)
    response = client.get(f"{BASE}/requests.xml", {"api_key": world.hotline_key})
    assert b"<script>" not in response.content
    root = xml(response)
    assert root.tag == "service_requests"
    assert root.findtext("request/description") == "<script>alert('x')</script> & 5 < 6 "
    assert root.findtext("request/zipcode") == ""


def test_the_requests_list_has_a_constant_query_count(world, client):
    post(client, world.hotline_key)
    with CaptureQueriesContext(connection) as few:
        client.get(f"{BASE}/requests.json", {"api_key": world.hotline_key})
    for i in range(5):
        post(client, world.hotline_key, address_string=f"新塘社区{i}幢", service_code="help")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(f"{BASE}/requests.json", {"api_key": world.hotline_key}).json()) == 6
    assert len(many) == len(few) <= 5


def test_a_system_may_not_report_outside_its_area(world, client):
    # The township B hotline reports a village of township A: refused, nothing written.
    response = post(client, world.township_b_key)
    assert response.status_code == 403
    assert response.json() == [
        {"code": 403, "description": "This village is outside the area of the integrating system."}
    ]
    assert Alert.objects.count() == 0
