"""The mediator pool and screening campaigns over the API: who sees them, idempotent visits from
the phone, and findings that become disputes."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from disputes.api.screening import assignments_visible_to, campaigns_visible_to
from disputes.models import Dispute, ScreeningAssignment, ScreeningCampaign, ScreeningVisit
from disputes.services import campaign_assign, campaign_create, mediator_assign
from disputes.services.mediation import mediator_enrol
from governance.models import Membership
from tests.disputes.factories import accepted, world

pytestmark = pytest.mark.django_db
R = Membership.Role


@pytest.fixture
def w():
    return world()


@pytest.fixture
def api():
    return APIClient()


# --- the mediator pool ------------------------------------------------------------------------


def test_the_pool_shows_the_mediators_serving_ones_area_with_their_load(w, api):
    dispute = accepted(w)
    mediator_assign(actor=w.officer, dispute=dispute, mediator=w.mediator)
    api.force_authenticate(w.officer)
    body = api.get("/api/v1/mediators/").json()
    assert [
        (m["id"], m["name"], m["team"], m["region"], m["load"], m["resolved"]) for m in body["results"]
    ] == [
        (w.mediator2.pk, "李司法", "judicial", w.c.county.code, 0, 0),
        (w.mediator.pk, "王调解", "peoples", w.c.township_a.code, 1, 0),
    ]
    assert body["results"][1]["specialties"] == ["neighbour", "family"]
    api.force_authenticate(w.county_admin)
    assert api.get("/api/v1/mediators/").json()["count"] == 3


def test_the_pool_is_filtered_by_region_team_and_specialty(w, api):
    api.force_authenticate(w.county_admin)

    def ids(**params):
        response = api.get("/api/v1/mediators/", params)
        assert response.status_code == 200
        return [m["id"] for m in response.json()["results"]]

    assert ids(team="judicial") == [w.mediator2.pk]
    assert ids(specialty="neighbour") == [w.mediator.pk]
    assert ids(specialty="lending") == [w.mediator2.pk]
    assert ids(region=w.c.township_b.code) == [w.other_mediator.pk]
    assert ids(region="000000") == []
    bad = api.get("/api/v1/mediators/", {"team": "army"})
    assert bad.status_code == 400
    assert list(bad.json()["error"]["fields"]) == ["team"]


def test_the_pool_has_a_constant_query_count(w, api, django_assert_max_num_queries):
    api.force_authenticate(w.county_admin)
    with CaptureQueriesContext(connection) as few:
        assert api.get("/api/v1/mediators/").json()["count"] == 3
    for i in range(10):
        user = w.c.person(R.MEDIATOR, w.mediation_committee, real_name=f"调解员{i}")
        mediator_enrol(
            actor=None, user=user, team="peoples", agency=w.mediation_committee, region=w.c.township_a
        )
    fresh = APIClient()
    fresh.force_authenticate(type(w.county_admin).objects.get(pk=w.county_admin.pk))
    with django_assert_max_num_queries(len(few)):
        assert fresh.get("/api/v1/mediators/").json()["count"] == 13


# --- campaigns --------------------------------------------------------------------------------


def campaign_body(w, **overrides):
    return {
        "name": "春季土地纠纷排查",
        "season": "spring",
        "region": w.c.township_a.code,
        "starts_on": "2025-03-01",
        "ends_on": "2025-04-30",
    } | overrides


def test_a_township_official_starts_a_campaign_and_gives_a_village_to_a_grid_worker(w, api):
    api.force_authenticate(w.township_official)
    created = api.post("/api/v1/screening-campaigns/", campaign_body(w, focus="土地"), format="json")
    assert created.status_code == 201
    assert (created.json()["name"], created.json()["region"], created.json()["assignments"]) == (
        "春季土地纠纷排查",
        w.c.township_a.code,
        [],
    )
    campaign_id = created.json()["id"]
    body = {"village": w.c.village_a1.code, "worker": w.grid_worker.username, "households": 300}
    first = api.post(f"/api/v1/screening-campaigns/{campaign_id}/assignments/", body, format="json")
    again = api.post(f"/api/v1/screening-campaigns/{campaign_id}/assignments/", body, format="json")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert (
        first.json()["village_name"],
        first.json()["worker"],
        first.json()["households"],
        first.json()["visit_count"],
    ) == (
        "新塘社区",
        w.grid_worker.username,
        300,
        0,
    )
    assert ScreeningAssignment.objects.count() == 1
    listed = api.get("/api/v1/screening-campaigns/").json()["results"]
    assert [(c["id"], len(c["assignments"])) for c in listed] == [(campaign_id, 1)]


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"ends_on": "2025-01-01"}, ["ends_on"]),
        ({"region": "999999"}, ["region"]),
        ({"season": "monsoon"}, ["season"]),
        ({"name": ""}, ["name"]),
    ],
)
def test_a_bad_campaign_names_its_field_and_writes_nothing(w, api, overrides, fields):
    api.force_authenticate(w.township_official)
    response = api.post("/api/v1/screening-campaigns/", campaign_body(w, **overrides), format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == fields
    assert ScreeningCampaign.objects.count() == 0


@pytest.mark.parametrize(("role", "status"), [("volunteer", 403), ("grid_worker", 403), ("officer_b", 403)])
def test_only_those_who_manage_the_area_start_campaigns(w, api, role, status):
    api.force_authenticate(getattr(w, role))
    assert api.post("/api/v1/screening-campaigns/", campaign_body(w), format="json").status_code == status
    assert ScreeningCampaign.objects.count() == 0


def test_a_campaign_of_another_area_is_not_found_and_a_bad_assignment_changes_nothing(w, api):
    campaign = campaign_create(
        actor=w.officer, name="排查", season="ad_hoc", region=w.c.township_a,
        starts_on=date(2025, 3, 1), ends_on=date(2025, 3, 31),
    )  # fmt: skip
    body = {"village": w.c.village_a1.code, "worker": w.grid_worker.username, "households": 10}
    api.force_authenticate(w.officer_b)
    assert api.get(f"/api/v1/screening-campaigns/{campaign.pk}/").status_code == 404
    assert (
        api.post(f"/api/v1/screening-campaigns/{campaign.pk}/assignments/", body, format="json").status_code
        == 404
    )
    assert api.get("/api/v1/screening-campaigns/").json()["results"] == []
    api.force_authenticate(w.officer)
    outside = api.post(
        f"/api/v1/screening-campaigns/{campaign.pk}/assignments/",
        body | {"village": w.c.village_b1.code, "households": 0},
        format="json",
    )
    assert outside.status_code == 400
    assert sorted(outside.json()["error"]["fields"]) == ["households", "village", "worker"]
    nobody = api.post(
        f"/api/v1/screening-campaigns/{campaign.pk}/assignments/", body | {"worker": "nobody"}, format="json"
    )
    assert list(nobody.json()["error"]["fields"]) == ["worker"]
    assert ScreeningAssignment.objects.count() == 0


# --- visits from the phone --------------------------------------------------------------------


@pytest.fixture
def assignment(w):
    campaign = campaign_create(
        actor=w.officer, name="夏季邻里排查", season="summer", region=w.c.township_a,
        starts_on=date(2025, 6, 1), ends_on=date(2025, 8, 31),
    )  # fmt: skip
    return campaign_assign(
        actor=w.officer, campaign=campaign, village=w.c.village_a1, worker=w.grid_worker, households=50
    )


def test_the_grid_worker_sees_his_villages_and_records_a_visit_once(w, api, assignment):
    api.force_authenticate(w.grid_worker)
    assert [a["id"] for a in api.get("/api/v1/screening-assignments/").json()["results"]] == [assignment.pk]
    assert [c["id"] for c in api.get("/api/v1/screening-campaigns/").json()["results"]] == [
        assignment.campaign_id
    ]
    key = {"Idempotency-Key": "visit-0001"}
    body = {"household": "新塘社区3幢101", "result": "nothing"}
    first = api.post(
        f"/api/v1/screening-assignments/{assignment.pk}/visits/", body, format="json", headers=key
    )
    again = api.post(
        f"/api/v1/screening-assignments/{assignment.pk}/visits/", body, format="json", headers=key
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert (first.json()["household"], first.json()["result"], first.json()["dispute"]) == (
        "新塘社区3幢101",
        "nothing",
        None,
    )
    assert ScreeningVisit.objects.count() == 1
    assert api.get("/api/v1/screening-assignments/").json()["results"][0]["visit_count"] == 1


def test_a_finding_opens_a_dispute_on_the_campaign_once(w, api, assignment):
    api.force_authenticate(w.grid_worker)
    key = {"Idempotency-Key": "visit-0002"}
    body = {
        "household": "新塘社区5幢",
        "result": "finding",
        "category": "neighbour",
        "summary": "楼上漏水纠纷",
        "parties": [
            {"role": "applicant", "name": "孙七", "phone": "13600000001"},
            {"role": "respondent", "name": "周八"},
        ],
    }
    first = api.post(
        f"/api/v1/screening-assignments/{assignment.pk}/visits/", body, format="json", headers=key
    )
    again = api.post(
        f"/api/v1/screening-assignments/{assignment.pk}/visits/", body, format="json", headers=key
    )
    assert (first.status_code, again.status_code) == (201, 201)
    dispute = Dispute.objects.get()
    assert (dispute.channel, dispute.campaign_id, dispute.summary) == (
        "screening",
        assignment.campaign_id,
        "楼上漏水纠纷",
    )
    assert (first.json()["dispute"], first.json()["dispute_number"]) == (dispute.pk, dispute.number)
    assert "13600000001" not in first.content.decode()


def test_a_bad_visit_names_its_fields_and_writes_nothing(w, api, assignment):
    api.force_authenticate(w.grid_worker)
    bad = api.post(
        f"/api/v1/screening-assignments/{assignment.pk}/visits/",
        {"household": "", "result": "ufo"},
        format="json",
    )
    assert bad.status_code == 400
    assert sorted(bad.json()["error"]["fields"]) == ["household", "result"]
    finding = api.post(
        f"/api/v1/screening-assignments/{assignment.pk}/visits/",
        {"household": "5幢", "result": "finding", "category": "neighbour", "summary": "漏水"},
        format="json",
    )
    assert finding.status_code == 400
    assert list(finding.json()["error"]["fields"]) == ["parties"]
    assert (ScreeningVisit.objects.count(), Dispute.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("volunteer", 404),
        ("officer_b", 404),
        ("other_mediator_user", 404),
        ("officer", 403),
        ("township_official", 403),
    ],
)
def test_only_the_grid_worker_given_the_village_records_its_visits(w, api, assignment, role, status):
    api.force_authenticate(getattr(w, role))
    response = api.post(
        f"/api/v1/screening-assignments/{assignment.pk}/visits/",
        {"household": "1幢", "result": "nothing"},
        format="json",
    )
    assert response.status_code == status
    assert ScreeningVisit.objects.count() == 0


def test_nobody_signed_out_sees_a_campaign_even_one_without_villages(w):
    campaign_create(
        actor=w.officer, name="排查", season="ad_hoc", region=w.c.township_a,
        starts_on=date(2025, 3, 1), ends_on=date(2025, 3, 31),
    )  # fmt: skip
    assert list(campaigns_visible_to(AnonymousUser())) == []
    assert list(assignments_visible_to(AnonymousUser())) == []
    assert APIClient().get("/api/v1/screening-campaigns/").status_code == 403
