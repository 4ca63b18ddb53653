"""Keys of integrating systems on the county administrator's page and in the API: issued with the
key shown once, listed by fingerprint, revoked (after a confirmation) and refused at once by
Open311; every other role is refused on the page and the API alike."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from governance.models import Agency, AuditEvent, Membership, Region
from governance.services.people import agency_create
from governance.services.regions import region_create
from stations.models import IntegrationClient
from stations.services.integrations import integration_client_issue, integration_client_revoke
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
R = Membership.Role
PAGE = "/stations/integrations/"
API = "/api/v1/integration-clients/"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def c():
    c = county()
    station_for(c)
    c.admin = c.person(R.COUNTY_ADMIN, c.plc)
    c.officer = c.person(R.OFFICER, c.station_a)
    c.official = c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a)
    c.grid_worker = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1)
    return c


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def open311_get(key: str):
    return Client().get("/open311/v2/requests.json", {"api_key": key})


def open311_post(key: str):
    data = {
        "api_key": key,
        "service_code": "dispute",
        "description": "邻居噪音",
        "address_string": "新塘社区3幢",
        "attribute[village_code]": "330802001001",
    }
    return Client().post("/open311/v2/requests.json", urlencode(data), content_type=FORM)


# --- The page -----------------------------------------------------------------------------------


def test_the_county_admin_issues_a_key_and_sees_it_once(c):
    page = browser(c.admin)
    form = page.get(PAGE)
    assert form.status_code == 200
    # The form offers the agencies of his county, by name, under Chinese-translatable labels.
    assert c.hotline.name in form.content.decode()
    assert 'name="agency"' in form.content.decode()

    answer = page.post(PAGE, {"name": "柯城区12345平台", "agency": c.hotline.pk})
    assert answer.status_code == 302
    client = IntegrationClient.objects.get()
    assert (client.name, client.agency, client.active) == ("柯城区12345平台", c.hotline, True)

    shown = page.get(PAGE).content.decode()
    key = shown.split('data-testid="issued-key-value">')[1].split("<")[0]
    assert key.startswith(client.key_prefix) and len(key) > 40
    assert open311_get(key).status_code == 200  # the key shown is the key that works

    again = page.get(PAGE).content.decode()
    assert key not in again  # never again: only its fingerprint
    assert f"{client.key_prefix}…" in again
    assert AuditEvent.objects.filter(verb="integration.issue").count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "agency": "hotline"}, "name"),
        ({"name": "x" * 101, "agency": "hotline"}, "name"),
        ({"name": "柯城区12345平台", "agency": ""}, "agency"),
        ({"name": "柯城区12345平台", "agency": "999999"}, "agency"),
        ({"name": "柯城区12345平台", "agency": "other_county"}, "agency"),
    ],
)
def test_bad_input_is_shown_on_its_field_and_nothing_is_issued(c, data, field):
    other = region_create(actor=None, code="330803", name="衢江区", level=Region.Level.COUNTY, parent=c.city)
    outside = agency_create(actor=None, name="衢江区12345热线", kind=Agency.Kind.HOTLINE_12345, region=other)
    value = {"hotline": c.hotline.pk, "other_county": outside.pk}.get(data["agency"], data["agency"])
    answer = browser(c.admin).post(PAGE, data | {"agency": value})
    assert answer.status_code == 400
    body = answer.content.decode()
    assert f'data-testid="field-error" data-field="{field}"' in body
    assert IntegrationClient.objects.count() == 0
    assert AuditEvent.objects.filter(verb="integration.issue").count() == 0


def test_a_name_taken_is_refused_on_the_name_field(c):
    integration_client_issue(actor=None, name="柯城区12345平台", agency=c.hotline)
    answer = browser(c.admin).post(PAGE, {"name": "柯城区12345平台", "agency": c.psb.pk})
    assert answer.status_code == 400
    assert 'data-field="name"' in answer.content.decode()
    assert IntegrationClient.objects.count() == 1


def test_a_revoked_key_is_refused_by_open311_at_once(c):
    client, key = integration_client_issue(actor=None, name="柯城区12345平台", agency=c.hotline)
    assert open311_get(key).status_code == 200
    page = browser(c.admin)
    listing = page.get(PAGE).content.decode()
    # Revoking asks first (confirm.js reads data-confirm).
    assert 'data-confirm="' in listing and reverse("stations:integration-revoke", args=[client.pk]) in listing

    answer = page.post(reverse("stations:integration-revoke", args=[client.pk]))
    assert answer.status_code == 302
    assert open311_get(key).status_code == 403
    assert open311_post(key).status_code == 403
    client.refresh_from_db()
    assert client.active is False
    after = page.get(PAGE).content.decode()
    assert 'data-testid="client-state">' in after and "revoke-key-submit" not in after


def test_revoking_twice_changes_nothing_twice(c):
    client, _key = integration_client_issue(actor=None, name="柯城区12345平台", agency=c.hotline)
    url = reverse("stations:integration-revoke", args=[client.pk])
    page = browser(c.admin)
    assert page.post(url).status_code == 302
    assert page.post(url).status_code == 302
    assert api(c.admin).post(f"{API}{client.pk}/revoke/").status_code == 200
    assert AuditEvent.objects.filter(verb="integration.revoke").count() == 1
    # The service alike: the second call returns the revoked client and records nothing.
    assert integration_client_revoke(actor=c.admin, client=client).active is False
    assert AuditEvent.objects.filter(verb="integration.revoke").count() == 1


@pytest.mark.parametrize("role", ["officer", "official", "grid_worker"])
def test_other_roles_are_refused_on_the_page_and_the_api_alike(c, role):
    client, key = integration_client_issue(actor=None, name="柯城区12345平台", agency=c.hotline)
    user = getattr(c, role)
    page, rest = browser(user), api(user)
    assert page.get(PAGE).status_code == 403
    assert page.post(PAGE, {"name": "偷偷", "agency": c.hotline.pk}).status_code == 403
    assert page.post(reverse("stations:integration-revoke", args=[client.pk])).status_code == 403
    assert rest.get(API).status_code == 403
    assert rest.post(API, {"name": "偷偷", "agency": c.hotline.pk}).status_code == 403
    assert rest.post(f"{API}{client.pk}/revoke/").status_code == 403
    assert IntegrationClient.objects.count() == 1
    client.refresh_from_db()
    assert client.active is True
    assert open311_get(key).status_code == 200


# --- The API ------------------------------------------------------------------------------------


def test_the_api_issues_with_the_key_once_then_lists_fingerprints(c):
    rest = api(c.admin)
    issued = rest.post(API, {"name": "柯城区110接警平台", "agency": c.psb.pk})
    assert issued.status_code == 201
    key = issued.json()["key"]
    assert open311_get(key).status_code == 200
    listed = rest.get(API).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["name"] for r in rows] == ["柯城区110接警平台"]
    assert "key" not in rows[0] and rows[0]["fingerprint"] == key[:8] + "…"
    assert rows[0]["last_used_at"] is not None  # Open311 was just called with it


def test_the_api_refuses_bad_input_on_its_fields(c):
    answer = api(c.admin).post(API, {"name": "", "agency": 999999})
    assert answer.status_code == 400
    assert IntegrationClient.objects.count() == 0


def test_the_api_revokes_and_open311_refuses_at_once(c):
    client, key = integration_client_issue(actor=None, name="柯城区12345平台", agency=c.hotline)
    answer = api(c.admin).post(f"{API}{client.pk}/revoke/")
    assert answer.status_code == 200 and answer.json()["active"] is False
    assert open311_get(key).status_code == 403
