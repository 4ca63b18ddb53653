"""The governance API: jurisdiction-filtered reads, validated writes, one error shape."""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from governance.models import AuditEvent, Membership, Region
from tests.governance.factories import PASSWORD, UserFactory, county

pytestmark = pytest.mark.django_db
R = Membership.Role


@pytest.fixture
def api():
    return APIClient()


def test_anonymous_gets_401_in_the_error_shape(api):
    county()
    response = api.get("/api/v1/regions/")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"


def test_regions_list_is_limited_to_the_jurisdiction(api):
    c = county()
    api.force_authenticate(c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a))
    codes = [r["code"] for r in api.get("/api/v1/regions/").json()["results"]]
    assert codes == ["330802001000", "330802001001", "330802001002"]
    assert api.get("/api/v1/regions/330802002001/").status_code == 404


def test_villages_under_a_township_in_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    c = county()
    api.force_authenticate(c.person(R.COUNTY_ADMIN, c.plc))
    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/regions/", {"under": "330802001000", "level": 5})
    assert [r["code"] for r in response.json()["results"]] == ["330802001001", "330802001002"]
    assert response.json()["results"][0]["parent_code"] == "330802001000"


def test_region_detail_includes_the_boundary(api):
    c = county()
    api.force_authenticate(c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a))
    body = api.get("/api/v1/regions/330802001001/").json()
    assert body["boundary"]["type"] == "Polygon"
    assert body["level_label"]


def test_unknown_parent_code_is_a_field_error_and_creates_nothing(api):
    c = county()
    api.force_authenticate(c.person(R.COUNTY_ADMIN, c.plc))
    before = Region.objects.count()
    response = api.post(
        "/api/v1/regions/",
        {"code": "330802009000", "name": "新镇", "level": 4, "parent_code": "330899"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "The request is not valid.",
            "fields": {"parent_code": ["No region has this code."]},
        }
    }
    assert Region.objects.count() == before


def test_region_code_rule_errors_come_back_per_field(api):
    c = county()
    api.force_authenticate(c.person(R.COUNTY_ADMIN, c.plc))
    response = api.post(
        "/api/v1/regions/",
        {"code": "330803009000", "name": "新镇", "level": 4, "parent_code": "330802"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "code": ["A township code is its county's 6 digits, 3 digits, then 000."]
    }


def test_township_official_may_not_create_regions(api):
    c = county()
    api.force_authenticate(c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a))
    before = (Region.objects.count(), AuditEvent.objects.count())
    response = api.post(
        "/api/v1/regions/",
        {"code": "330802001009", "name": "新村", "level": 5, "parent_code": "330802001000"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert (Region.objects.count(), AuditEvent.objects.count()) == before


def test_duplicate_membership_via_api_is_409_with_the_field(api):
    c = county()
    admin = c.person(R.COUNTY_ADMIN, c.plc)
    officer = c.person(R.OFFICER, c.station_a)
    api.force_authenticate(admin)
    payload = {"user": officer.username, "agency": c.station_a.pk, "role": "officer"}
    response = api.post("/api/v1/memberships/", payload, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["fields"] == {
        "role": ["This person already holds this role in this agency."]
    }
    assert Membership.objects.filter(user=officer).count() == 1


def test_membership_created_by_county_admin(api):
    c = county()
    api.force_authenticate(c.person(R.COUNTY_ADMIN, c.plc))
    newcomer = UserFactory()
    response = api.post(
        "/api/v1/memberships/",
        {
            "user": newcomer.username,
            "agency": c.township_gov_b.pk,
            "role": "grid_worker",
            "scope_code": "330802002001",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["scope_code"] == "330802002001"
    assert AuditEvent.objects.filter(verb="membership.create", target_id=str(response.json()["id"])).exists()


def test_me_describes_roles_agencies_and_jurisdiction(api):
    c = county()
    official = c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a, real_name="赵六")
    api.force_authenticate(official)
    body = api.get("/api/v1/me/").json()
    assert body["roles"] == ["township_official"]
    assert body["display_name"] == "赵六"
    assert [r["code"] for r in body["jurisdiction"]] == ["330802001000"]
    assert body["memberships"][0]["agency"]["name"] == "荷花街道办事处"


def test_token_auth_works_for_integrators(api):
    c = county()
    user = c.person(R.COMMANDER, c.psb)
    response = api.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    token = response.json()["token"]
    assert AuthToken.objects.get(user=user).token_key == token[:15]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").json()["roles"] == ["commander"]


def test_inbox_api_lists_only_own_notifications_and_marks_read(api):
    from governance.services.notifications import notification_send

    mine, theirs = UserFactory(), UserFactory()
    n = notification_send(recipient=mine, title="A")
    notification_send(recipient=theirs, title="B")
    api.force_authenticate(mine)
    assert [x["title"] for x in api.get("/api/v1/notifications/").json()["results"]] == ["A"]
    assert api.post("/api/v1/notifications/read/", {"ids": [n.pk]}, format="json").json() == {"marked": 1}
    assert api.post("/api/v1/notifications/read/", {"ids": [n.pk]}, format="json").json() == {"marked": 0}
    bad = api.post("/api/v1/notifications/read/", {"ids": ["x"]}, format="json")
    assert bad.status_code == 400
    assert list(bad.json()["error"]["fields"]) == ["ids"]


def test_openapi_schema_is_served_and_valid(api):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    validate_schema(SchemaGenerator().get_schema(request=None, public=True))
    assert "/api/v1/regions/" in response.json()["paths"]


def test_api_docs_load_their_assets_from_the_platform(client):
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


def test_people_list_is_masked_and_limited_to_the_area(api):
    c = county()
    officer = c.person(R.OFFICER, c.station_a, real_name="王警官", phone="13811112222")
    c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1, real_name="李网格", phone="13933334444")
    c.person(R.GRID_WORKER, c.township_gov_b, scope=c.village_b1, real_name="赵网格")
    api.force_authenticate(officer)
    people = api.get("/api/v1/people/").json()["results"]
    assert sorted((p["name"], p["phone"]) for p in people) == [
        ("李**", "139****4444"),
        ("王**", "138****2222"),
    ]
    assert "13933334444" not in str(people)


def test_unmask_via_api_needs_a_reason_and_is_audited(api):
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    worker = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1, phone="13933334444")
    api.force_authenticate(officer)
    url = f"/api/v1/people/{worker.username}/unmask/"
    refused = api.post(url, {"field": "phone", "reason": ""}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["reason"]
    assert not AuditEvent.objects.filter(verb="personal_data.unmask").exists()
    answer = api.post(url, {"field": "phone", "reason": "联系网格员核实警情"}, format="json")
    assert answer.json() == {"field": "phone", "value": "13933334444"}
    assert AuditEvent.objects.get(verb="personal_data.unmask").reason == "联系网格员核实警情"


def test_volunteer_sees_no_people_and_cannot_unmask(api):
    c = county()
    volunteer = c.person(R.VOLUNTEER, c.station_a, scope=c.township_a)
    other = c.person(R.VOLUNTEER, c.station_a, scope=c.township_a)
    api.force_authenticate(volunteer)
    assert api.get("/api/v1/people/").json()["results"] == []
    response = api.post(
        f"/api/v1/people/{other.username}/unmask/", {"field": "phone", "reason": "好奇看看"}, format="json"
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(verb="personal_data.unmask").exists()


def test_officer_of_another_township_cannot_reach_the_person(api):
    c = county()
    officer_b = c.person(R.OFFICER, c.station_b)
    worker = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1)
    api.force_authenticate(officer_b)
    response = api.post(
        f"/api/v1/people/{worker.username}/unmask/", {"field": "phone", "reason": "核实情况"}, format="json"
    )
    assert response.status_code == 404
