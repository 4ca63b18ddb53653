"""The summons API: whistle, list, check in, handle, verify, reopen, with the permission matrix."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from governance.models import AuditEvent, Membership, Notification
from stations.models import Summons, SummonsTarget
from tests.stations.test_summons import T0, build_world

pytestmark = pytest.mark.django_db
R = Membership.Role
S = Summons.Status


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def api():
    return APIClient()


def body(c, **overrides):
    return {
        "agencies": [c.market.pk, c.judicial.pk],
        "urgency": "emergency",
        "reason": "预付卡商家跑路",
        "order": c.order.pk,
    } | overrides


def whistled(c, api):
    api.force_authenticate(c.officer)
    with time_machine.travel(T0, tick=False):
        response = api.post("/api/v1/summonses/", body(c), format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def nothing_written():
    return (
        Summons.objects.count() == 0
        and SummonsTarget.objects.count() == 0
        and not AuditEvent.objects.filter(verb__startswith="summons.").exists()
    )


def test_officer_whistles_from_an_order(world, api, run_on_commit):
    api.force_authenticate(world.officer)
    with time_machine.travel(T0, tick=False), run_on_commit():
        response = api.post("/api/v1/summonses/", body(world), format="json")
    assert response.status_code == 201
    data = response.json()
    assert (data["status"], data["urgency"], data["order"], data["village_code"]) == (
        "open", "emergency", world.order.pk, "330802001001",
    )  # fmt: skip
    assert (data["whistler"], data["whistler_agency"]) == (world.officer.username, world.station_a.pk)
    assert [(t["agency"], t["check_in_due"]) for t in data["targets"]] == [
        (world.market.pk, "2026-11-23T09:30:00+08:00"),
        (world.judicial.pk, "2026-11-23T09:30:00+08:00"),
    ]
    assert Notification.objects.filter(kind="summons.new").count() == 3


def test_grid_worker_whistles_the_police_station_by_village_code(world, api):
    api.force_authenticate(world.grid_worker)
    response = api.post(
        "/api/v1/summonses/",
        {
            "agencies": [world.station_a.pk],
            "urgency": "routine",
            "reason": "村口聚集",
            "village_code": "330802001001",
        },
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["whistler_agency"], response.json()["order"]) == (world.township_gov_a.pk, None)


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"agencies": []}, {"agencies": ["Name at least one agency."]}),
        ({"agencies": "dup"}, {"agencies": ["Each agency may be named once."]}),
        ({"agencies": [999999]}, {"agencies": ["No such agency."]}),
        ({"urgency": "soon"}, {"urgency": ['"soon" is not a valid choice.']}),
        ({"reason": ""}, {"reason": ["This field may not be blank."]}),
        ({"order": None}, {"village": ["Give the village or the order."]}),
        ({"order": None, "village_code": "330802999999"}, {"village_code": ["No village has this code."]}),
        ({"order": 999999}, {"order": ["No such order."]}),
    ],
)
def test_bad_whistle_is_400_with_field_errors_and_writes_nothing(world, api, overrides, fields):
    if overrides.get("agencies") == "dup":
        overrides = {"agencies": [world.market.pk, world.market.pk]}
    api.force_authenticate(world.officer)
    response = api.post("/api/v1/summonses/", body(world, **overrides), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == fields
    assert nothing_written()


def test_anonymous_is_refused_everywhere(world, api):
    summons_id = whistled(world, api)
    api.force_authenticate(None)
    for method, url in [
        ("get", "/api/v1/summonses/"),
        ("get", f"/api/v1/summonses/{summons_id}/"),
        ("post", "/api/v1/summonses/"),
        ("post", f"/api/v1/summonses/{summons_id}/check-in/"),
    ]:
        response = getattr(api, method)(url, {}, format="json")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "not_authenticated"
    assert Summons.objects.count() == 1
    assert not SummonsTarget.objects.filter(checked_in_at__isnull=False).exists()


def test_volunteer_is_refused_and_changes_nothing(world, api):
    summons_id = whistled(world, api)
    api.force_authenticate(world.volunteer)
    assert api.get("/api/v1/summonses/").status_code == 403
    refused = api.post(
        "/api/v1/summonses/",
        {"agencies": [world.market.pk], "urgency": "routine", "reason": "x", "village_code": "330802001001"},
        format="json",
    )
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "permission_denied",
        "message": "Only agency staff may take part in summonses; volunteers may not.",
        "fields": {},
    }
    assert api.post(f"/api/v1/summonses/{summons_id}/check-in/", {}, format="json").status_code == 403
    assert Summons.objects.count() == 1


def test_staff_of_another_township_see_nothing_and_cannot_act(world, api):
    summons_id = whistled(world, api)
    api.force_authenticate(world.person(R.OFFICER, world.station_b))
    assert api.get("/api/v1/summonses/").json()["results"] == []
    assert api.get(f"/api/v1/summonses/{summons_id}/").status_code == 404
    for action in ("check-in", "handle", "verify", "reopen"):
        response = api.post(
            f"/api/v1/summonses/{summons_id}/{action}/", {"note": "x", "reason": "x"}, format="json"
        )
        assert response.status_code == 404
    assert not SummonsTarget.objects.filter(checked_in_at__isnull=False).exists()
    assert Summons.objects.get(pk=summons_id).status == S.OPEN


def test_who_sees_a_summons(world, api):
    summons_id = whistled(world, api)
    commander = world.person(R.COMMANDER, world.psb)
    for who in (world.officer, world.auxiliary, world.inspectors[0], world.mediator, commander):
        api.force_authenticate(who)
        assert [s["id"] for s in api.get("/api/v1/summonses/").json()["results"]] == [summons_id], who
    for who in (world.grid_worker, world.cadre):
        api.force_authenticate(who)
        assert api.get("/api/v1/summonses/").json()["results"] == []


def test_check_in_handle_verify_through_the_api(world, api):
    summons_id = whistled(world, api)
    url = f"/api/v1/summonses/{summons_id}/"
    api.force_authenticate(world.inspectors[0])
    early = api.post(url + "handle/", {"note": "已查封"}, format="json")
    assert early.status_code == 409
    assert early.json()["error"] == {
        "code": "invalid_transition",
        "message": "柯城区市场监管局 has not checked in yet; check in before recording what was done.",
        "fields": {},
    }
    with time_machine.travel(T0 + dt.timedelta(minutes=45), tick=False):
        checked = api.post(url + "check-in/", {}, format="json")
    assert checked.status_code == 200
    market = checked.json()["targets"][0]
    assert (market["checked_in_by"], market["check_in_late"]) == (world.inspectors[0].username, True)
    assert api.post(url + "handle/", {"note": "责令退款"}, format="json").status_code == 200
    api.force_authenticate(world.mediator)
    api.post(url + "check-in/", {"agency": world.judicial.pk}, format="json")
    done = api.post(url + "handle/", {"agency": world.judicial.pk, "note": "调解"}, format="json")
    assert done.json()["status"] == "handled"
    refused = api.post(url + "verify/", format="json")
    assert refused.status_code == 403
    assert Summons.objects.get(pk=summons_id).status == S.HANDLED
    api.force_authenticate(world.officer)
    verified = api.post(url + "verify/", format="json")
    assert (verified.status_code, verified.json()["status"], verified.json()["verified_by"]) == (
        200, "verified", world.officer.username,
    )  # fmt: skip


def test_check_in_needs_the_agency_when_the_caller_belongs_to_several(world, api):
    summons_id = whistled(world, api)
    both = world.person(R.TOWNSHIP_OFFICIAL, world.market)
    Membership.objects.create(user=both, agency=world.judicial, role=R.MEDIATOR)
    api.force_authenticate(both)
    url = f"/api/v1/summonses/{summons_id}/check-in/"
    ambiguous = api.post(url, {}, format="json")
    assert ambiguous.status_code == 400
    assert ambiguous.json()["error"]["fields"] == {"agency": ["Choose the agency you answer for."]}
    assert not SummonsTarget.objects.filter(checked_in_at__isnull=False).exists()
    assert api.post(url, {"agency": world.judicial.pk}, format="json").status_code == 200
    not_summoned = api.post(url, {"agency": world.station_a.pk}, format="json")
    assert not_summoned.status_code == 400
    assert not_summoned.json()["error"]["fields"] == {"agency": ["This agency is not summoned here."]}
    assert list(
        SummonsTarget.objects.filter(checked_in_at__isnull=False).values_list("agency", flat=True)
    ) == [world.judicial.pk]


def test_whistler_who_is_not_summoned_cannot_check_in(world, api):
    summons_id = whistled(world, api)
    response = api.post(f"/api/v1/summonses/{summons_id}/check-in/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "You belong to none of the summoned agencies."


def test_reopen_through_the_api(world, api, run_on_commit):
    summons_id = whistled(world, api)
    url = f"/api/v1/summonses/{summons_id}/"
    for member in (world.inspectors[0], world.mediator):
        api.force_authenticate(member)
        api.post(url + "check-in/", {}, format="json")
        api.post(url + "handle/", {"note": "已处置"}, format="json")
    api.force_authenticate(world.officer)
    missing = api.post(url + "reopen/", {}, format="json")
    assert missing.status_code == 400
    assert missing.json()["error"]["fields"] == {"reason": ["This field is required."]}
    with run_on_commit():
        reopened = api.post(url + "reopen/", {"reason": "群众仍有投诉"}, format="json")
    assert reopened.status_code == 200
    assert (reopened.json()["status"], reopened.json()["reopened_count"]) == ("open", 1)
    assert [t["handled_at"] for t in reopened.json()["targets"]] == [None, None]
    assert Notification.objects.filter(kind="summons.reopened").count() == 3


def test_list_has_a_constant_query_count(world, api, django_assert_max_num_queries):
    whistled(world, api)
    api.force_authenticate(world.officer)
    with django_assert_max_num_queries(3):
        assert len(api.get("/api/v1/summonses/").json()["results"]) == 1
    for _ in range(10):
        api.post("/api/v1/summonses/", body(world), format="json")
    api.force_authenticate(world.officer)
    with django_assert_max_num_queries(3):
        assert len(api.get("/api/v1/summonses/").json()["results"]) == 11


def test_retried_whistle_with_the_same_key_creates_one_summons(world, api):
    api.force_authenticate(world.officer)
    with time_machine.travel(T0, tick=False):
        first = api.post("/api/v1/summonses/", body(world), format="json", headers={"Idempotency-Key": "w-1"})
        again = api.post("/api/v1/summonses/", body(world), format="json", headers={"Idempotency-Key": "w-1"})
    assert first.status_code == 201, first.json()
    assert again.json()["id"] == first.json()["id"]
    assert Summons.objects.count() == 1
    assert AuditEvent.objects.filter(verb="summons.whistle").count() == 1
