"""Idempotency keys are one mechanism (``governance.idempotency``): a key belongs to its sender
and its operation, is looked up after the permission check, answers the first result to an
identical retry and 422 to other content under the same key; a race has one winner."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import time_machine
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from governance.errors import IdempotencyKeyReused
from governance.idempotency import idempotent
from governance.models import AuditEvent, IdempotencyKey, Membership
from governance.services.people import membership_end
from stations.models import Alert, DispatchOrder, Summons
from stations.services import alert_intake
from stations.services.integrations import integration_client_issue
from tests.governance.factories import PASSWORD, county
from tests.governance.test_races import race
from tests.stations.factories import station_for
from tests.stations.test_summons import T0, build_world
from tests.volunteers.factories import world as volunteer_world

pytestmark = pytest.mark.django_db
R = Membership.Role
ALERTS = "/api/v1/alerts/"
SUMMONSES = "/api/v1/summonses/"
ALERT = {
    "channel": "12345",
    "category": "dispute",
    "summary": "邻里噪音纠纷",
    "address": "新塘社区5号",
    "village_code": "330802001001",
    "caller_name": "张三",
    "caller_phone": "13812345678",
    "description": "楼上装修噪音，双方争吵",
}
OPEN311 = {
    "service_code": "dispute",
    "description": "邻居装修噪音扰民",
    "address_string": "新塘社区7号",
    "attribute[village_code]": "330802001001",
    "first_name": "三",
    "last_name": "张",
}
REUSED = "This request was already sent with other content under the same key"


@pytest.fixture
def world():
    c = county()
    c.station = station_for(c)
    c.station_b_site = station_for(c, township="b")
    c.officer = c.person(R.OFFICER, c.station_a, real_name="王警官")
    c.volunteer_b = c.person(R.VOLUNTEER, c.station_b, scope=c.village_b1, real_name="刘义警")
    c.client_a, c.key_a = integration_client_issue(actor=None, name="柯城区12345平台", agency=c.hotline)
    c.client_b, c.key_b = integration_client_issue(actor=None, name="柯城区110接警平台", agency=c.psb)
    return c


def api_as(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def open311_post(client, api_key, key, **fields):
    data = {"api_key": api_key} | OPEN311 | fields
    return client.post(
        "/open311/v2/requests.json",
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        headers={"Idempotency-Key": key},
    )


# --- A key is its sender's own -----------------------------------------------------------------


def test_a_volunteer_sending_another_stations_key_gets_none_of_its_alert(world):
    first = api_as(world.officer).post(ALERTS, ALERT, format="json", headers={"Idempotency-Key": "k-7"})
    assert first.status_code == 201

    # The same body: a village outside his area, refused before any stored answer.
    stolen = api_as(world.volunteer_b).post(ALERTS, ALERT, format="json", headers={"Idempotency-Key": "k-7"})
    # His own report under the same key: a new alert of his own.
    own = api_as(world.volunteer_b).post(
        ALERTS,
        ALERT | {"village_code": world.village_b1.code, "address": "下张村1号", "caller_name": "李四"},
        format="json",
        headers={"Idempotency-Key": "k-7"},
    )

    assert stolen.status_code == 403
    assert stolen.json()["error"]["code"] == "permission_denied"
    assert "张三" not in stolen.content.decode() and "新塘社区5号" not in stolen.content.decode()
    assert own.status_code == 201
    assert own.json()["id"] != first.json()["id"]
    assert own.json()["alert"]["village_code"] == world.village_b1.code
    assert Alert.objects.count() == 2


def test_an_open311_key_cannot_be_replayed_through_the_rest_api(world, client):
    pushed = open311_post(client, world.key_a, "0001")
    assert pushed.status_code == 201
    pushed_id = int(pushed.json()[0]["service_request_id"])
    operator = world.person(R.COMMANDER, world.hotline)

    for key in ("0001", f"open311:{world.client_a.pk}:0001"):
        replay = api_as(operator).post(
            ALERTS,
            ALERT | {"address": f"新塘社区{len(key)}号"},
            format="json",
            headers={"Idempotency-Key": key},
        )
        assert replay.status_code == 201
        assert replay.json()["id"] != pushed_id
    assert Alert.objects.count() == 3


def test_two_open311_clients_numbering_their_keys_alike_both_get_every_alert(world, client):
    answers = {}
    for key in ("1", "2", "3"):
        for name, api_key in (("a", world.key_a), ("b", world.key_b)):
            response = open311_post(client, api_key, key, address_string=f"新塘社区{name}{key}号")
            assert response.status_code == 201, response.content
            answers[name, key] = response.json()[0]["service_request_id"]
    assert len(set(answers.values())) == 6
    assert Alert.objects.count() == 6
    assert set(Alert.objects.values_list("source_client", flat=True)) == {
        world.client_a.pk,
        world.client_b.pk,
    }


def test_the_same_key_on_two_operations_is_two_requests(world):
    def make(summary):
        return lambda: alert_intake(actor=world.officer, **(ALERT | {"summary": summary})).alert

    one, created_one = idempotent(actor=world.officer, operation="test.one", key="k", body={}, run=make("一"))
    two, created_two = idempotent(actor=world.officer, operation="test.two", key="k", body={}, run=make("二"))
    assert (created_one, created_two) == (True, True)
    assert one.pk != two.pk


# --- The permission comes first ---------------------------------------------------------------


def test_a_retry_after_the_senders_role_ended_is_refused_not_answered(world):
    api = api_as(world.officer)
    first = api.post(ALERTS, ALERT, format="json", headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    membership_end(actor=None, membership=world.officer.memberships.get())

    # As a real request would: the user read afresh, without the jurisdiction his object cached.
    again = api_as(User.objects.get(pk=world.officer.pk)).post(
        ALERTS, ALERT, format="json", headers={"Idempotency-Key": "k-1"}
    )

    assert again.status_code == 403
    assert "张三" not in again.content.decode()


def test_a_summons_key_replayed_by_someone_who_cannot_see_it_answers_json_never_500():
    world = build_world()
    world.grid_worker_b = world.person(R.GRID_WORKER, world.township_gov_b, scope=world.village_b1)
    body = {
        "agencies": [world.market.pk],
        "urgency": "emergency",
        "reason": "商户聚集",
        "order": world.order.pk,
    }
    with time_machine.travel(T0, tick=False):
        first = api_as(world.officer).post(SUMMONSES, body, format="json", headers={"Idempotency-Key": "w-1"})
        assert first.status_code == 201
        # Someone who may not whistle, and someone who may whistle only in his own village.
        volunteer = api_as(world.volunteer).post(
            SUMMONSES, body, format="json", headers={"Idempotency-Key": "w-1"}
        )
        own = api_as(world.grid_worker_b).post(
            SUMMONSES,
            {
                "agencies": [world.market.pk],
                "urgency": "routine",
                "reason": "土地纠纷",
                "village_code": world.village_b1.code,
            },
            format="json",
            headers={"Idempotency-Key": "w-1"},
        )
    assert volunteer.status_code == 403
    assert volunteer["Content-Type"] == "application/json"
    assert set(volunteer.json()) == {"error"}
    assert own.status_code == 201, own.content
    assert (own.json()["id"], own.json()["village_code"]) != (first.json()["id"], world.village_a1.code)
    assert own.json()["village_code"] == world.village_b1.code
    assert Summons.objects.count() == 2


def test_two_rest_clients_numbering_their_keys_alike_both_get_every_alert(world):
    senders = {
        "hotline": world.person(R.COMMANDER, world.hotline),
        "psb": world.person(R.COMMANDER, world.psb),
    }
    answers = {}
    for key in ("1", "2", "3"):
        for name, user in senders.items():
            body = ALERT | {"address": f"新塘社区{name}{key}号", "caller_name": f"{name}报警人"}
            response = api_as(user).post(ALERTS, body, format="json", headers={"Idempotency-Key": key})
            assert response.status_code == 201, response.content
            assert response.json()["alert"]["caller_name"] == f"{name}报警人"
            answers[name, key] = response.json()["id"]
    assert len(set(answers.values())) == 6
    assert Alert.objects.count() == 6


# --- The same key: the first answer, or 422 -------------------------------------------------------


def test_an_identical_retry_answers_the_first_result_and_writes_nothing(world):
    api = api_as(world.officer)
    first = api.post(ALERTS, ALERT, format="json", headers={"Idempotency-Key": "k-2"})
    again = api.post(ALERTS, ALERT, format="json", headers={"Idempotency-Key": "k-2"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert ("Idempotent-Replayed" in first, again["Idempotent-Replayed"]) == (False, "true")
    assert (Alert.objects.count(), DispatchOrder.objects.count()) == (1, 1)
    assert AuditEvent.objects.filter(verb="alert.intake").count() == 1
    assert IdempotencyKey.objects.get().scope == f"user:{world.officer.pk}"


def test_the_same_key_with_another_body_is_422_with_a_clear_message_and_writes_nothing(world):
    api = api_as(world.officer)
    api.post(ALERTS, ALERT, format="json", headers={"Idempotency-Key": "k-3"})

    with translation.override("en"):
        other = api.post(
            ALERTS, ALERT | {"summary": "另一件事"}, format="json", headers={"Idempotency-Key": "k-3"}
        )

    assert other.status_code == 422
    error = other.json()["error"]
    assert (error["code"], error["fields"]) == ("idempotency_key_reused", {})
    assert error["message"].startswith(REUSED)
    assert Alert.objects.count() == 1


def test_open311_answers_422_for_a_reused_key(world, client):
    assert open311_post(client, world.key_a, "0009").status_code == 201
    other = open311_post(client, world.key_a, "0009", description="另一件事")
    assert other.status_code == 422
    assert other.json()[0]["code"] == 422
    assert Alert.objects.count() == 1


def test_a_page_resent_with_other_content_under_its_key_shows_a_form_error_and_writes_nothing(client):
    world = build_world()
    client.login(username=world.grid_worker.username, password=PASSWORD)
    form = {
        "category": "dispute",
        "summary": "土地边界纠纷",
        "village_code": world.village_a1.code,
        "address": "新塘社区3组",
        "description": "",
        "request_key": "8c6a3f5e-1d2b-4c7a-9e0f-123456789abc",
    }
    assert client.post(reverse("stations:grid-report"), form).status_code == 302
    before = Alert.objects.count()

    with translation.override("en"):
        again = client.post(
            reverse("stations:grid-report"), form | {"summary": "另一件事"}, HTTP_ACCEPT_LANGUAGE="en"
        )

    assert again.status_code == 422
    assert next(str(e) for e in again.context["form"].non_field_errors).startswith(REUSED)
    assert Alert.objects.count() == before


def test_a_task_published_again_under_its_key_answers_the_first_or_422():
    w = volunteer_world()
    api = api_as(w.leader)
    task = {
        "team": w.team.pk,
        "task_type": "patrol",
        "title": "夜间巡逻",
        "starts_at": "2030-01-01T20:00:00+08:00",
        "ends_at": "2030-01-01T22:00:00+08:00",
        "place": "新塘社区",
        "lng": 118.87,
        "lat": 28.94,
        "capacity": 2,
        "points": 5,
    }
    first = api.post("/api/v1/volunteer-tasks/", task, format="json", headers={"Idempotency-Key": "t-1"})
    again = api.post("/api/v1/volunteer-tasks/", task, format="json", headers={"Idempotency-Key": "t-1"})
    other = api.post(
        "/api/v1/volunteer-tasks/",
        task | {"title": "白天巡逻"},
        format="json",
        headers={"Idempotency-Key": "t-1"},
    )
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422), first.json()
    assert again.json()["id"] == first.json()["id"]
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_a_key_sent_again_with_the_same_content_in_another_form_is_the_same_request(world):
    first = alert_intake(actor=world.officer, idempotency_key="k-5", **ALERT)
    again = alert_intake(actor=world.officer, idempotency_key="k-5", **dict(reversed(list(ALERT.items()))))
    assert (first.created, again.created, again.alert.pk) == (True, False, first.alert.pk)
    with pytest.raises(IdempotencyKeyReused):
        alert_intake(actor=world.officer, idempotency_key="k-5", **(ALERT | {"priority": 1}))


# --- Races ------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_requests_make_one_alert_and_all_answer_it():
    c = county()
    station_for(c)
    officer = c.person(R.OFFICER, c.station_a)
    results = race(lambda: alert_intake(actor=officer, idempotency_key="tap-1", **ALERT), n=8)
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.created for r in results) == 1
    assert {r.alert.pk for r in results} == {Alert.objects.get().pk}
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_and_other_bodies_have_one_winner_the_rest_422():
    c = county()
    station_for(c)
    officer = c.person(R.OFFICER, c.station_a)
    turn = iter(range(6))
    results = race(
        lambda: alert_intake(
            actor=officer, idempotency_key="tap-2", **(ALERT | {"summary": f"纠纷{next(turn)}"})
        ),
        n=6,
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, IdempotencyKeyReused)]
    assert (len(winners), len(losers)) == (1, 5), results
    assert Alert.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_racing_with_one_key_each_get_their_own():
    c = county()
    station_for(c)
    officers = iter([c.person(R.OFFICER, c.station_a) for _ in range(2)])
    results = race(lambda: alert_intake(actor=next(officers), idempotency_key="same", **ALERT), n=2)
    assert all(not isinstance(r, Exception) and r.created for r in results), results
    assert Alert.objects.count() == 2
