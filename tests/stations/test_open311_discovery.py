"""Open311 as standard clients expect it: GeoReport v2 discovery, and ``address_id`` (the village
code every GET answers) accepted back as the location of a new request."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest

from stations.models import Alert
from stations.services.integrations import integration_client_issue
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded"
SPEC = "http://wiki.open311.org/GeoReport_v2"


@pytest.fixture
def world():
    c = county()
    c.station = station_for(c)
    _, c.key = integration_client_issue(actor=None, name="柯城区12345平台", agency=c.hotline)
    return c


def post(client, **fields):
    return client.post(f"{BASE}/requests.json", urlencode(fields), content_type=FORM)


# --- discovery -----------------------------------------------------------------------------------


def test_discovery_in_json_names_the_endpoint_as_the_specification_does(client):
    response = client.get(f"{BASE}/discovery.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    assert body["contact"] and body["key_service"]
    assert "/stations/integrations/" in body["key_service"]  # where a key is issued
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == SPEC
    assert endpoint["type"] == "production"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["changeset"] == body["changeset"]


def test_the_discovered_url_serves_the_service_list(client):
    url = client.get(f"{BASE}/discovery.json").json()["endpoints"][0]["url"]
    assert client.get(url.removeprefix("http://testserver") + "services.json").status_code == 200


def test_discovery_in_xml(client):
    response = client.get(f"{BASE}/discovery.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.tag == "discovery"
    assert [e.tag for e in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert endpoint.findtext("specification") == SPEC
    assert endpoint.findtext("type") == "production"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_discovery_needs_no_key_and_takes_no_post(client):
    assert client.post(f"{BASE}/discovery.json").status_code == 405
    assert client.get(f"{BASE}/discovery.html").status_code == 404


# --- address_id as a location --------------------------------------------------------------------


def test_a_request_posted_with_the_address_id_a_get_answered_is_accepted(client, world):
    first = post(
        client, api_key=world.key, service_code="dispute", description="噪音", address_string="新塘社区3幢",
        **{"attribute[village_code]": world.village_a1.code},
    )  # fmt: skip
    assert first.status_code == 201
    request_id = first.json()[0]["service_request_id"]
    read = client.get(f"{BASE}/requests/{request_id}.json", {"api_key": world.key}).json()[0]
    assert read["address_id"] == world.village_a1.code

    again = post(
        client, api_key=world.key, service_code="help", description="老人走失", address_string="新塘社区",
        address_id=read["address_id"],
    )  # fmt: skip
    assert again.status_code == 201
    alert = Alert.objects.get(category="help")
    assert alert.village == world.village_a1


def test_an_unknown_address_id_is_refused_under_its_own_name(client, world):
    answer = post(
        client, api_key=world.key, service_code="help", address_string="某地", address_id="330802009999"
    )
    assert answer.status_code == 400
    (error,) = answer.json()
    assert error["description"].startswith("address_id: ")
    assert not Alert.objects.exists()


def test_address_id_and_the_village_attribute_must_agree(client, world):
    answer = post(
        client, api_key=world.key, service_code="help", address_string="某地",
        address_id=world.village_a1.code, **{"attribute[village_code]": world.village_a2.code},
    )  # fmt: skip
    assert answer.status_code == 400
    assert "address_id" in answer.json()[0]["description"]
    assert not Alert.objects.exists()


def test_a_revoked_key_is_refused_for_posting_with_an_address_id(client, world):
    from stations.models import IntegrationClient
    from stations.services.integrations import integration_client_revoke

    integration_client_revoke(actor=None, client=IntegrationClient.objects.get())
    answer = post(
        client,
        api_key=world.key,
        service_code="help",
        address_string="某地",
        address_id=world.village_a1.code,
    )
    assert answer.status_code == 403
    assert not Alert.objects.exists()
