"""The disputes API: registering (idempotent), the ledger with its filters and a pinned query
count, and a case's file with its parties masked."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from disputes.models import Dispute, DisputeEvent, Party
from disputes.services import PartyInput, case_task_create, party_add
from governance.models import AuditEvent
from governance.services.tokens import api_token_issue
from tests.disputes.factories import ID_APPLICANT, ID_RESPONDENT, registered, signed, world

pytestmark = pytest.mark.django_db
S = Dispute.Status
PARTIES = [
    {"role": "applicant", "name": "张三", "phone": "13800000001", "id_number": ID_APPLICANT},
    {"role": "respondent", "name": "李四", "phone": "13900000002", "id_number": ID_RESPONDENT},
]


@pytest.fixture
def w():
    return world()


@pytest.fixture
def api():
    return APIClient()


def case(w, **overrides):
    return {
        "channel": "visit",
        "category": "neighbour",
        "village": w.c.village_a1.code,
        "summary": "宅基地边界纠纷",
        "parties": PARTIES,
    } | overrides


# --- registration -----------------------------------------------------------------------------


def test_a_grid_worker_registers_a_dispute_and_gets_the_file_masked(w, api):
    api.force_authenticate(w.grid_worker)
    response = api.post("/api/v1/disputes/", case(w, amount="1200.50"), format="json")
    assert response.status_code == 201
    body = response.json()
    dispute = Dispute.objects.get()
    assert body["id"] == dispute.pk
    assert body["number"] == dispute.number
    assert (body["status"], body["tier"], body["village"], body["township"]) == (
        "registered",
        1,
        "330802001001",
        "330802001000",
    )
    assert body["amount"] == "1200.50"
    assert body["registered_by"] == w.grid_worker.username
    assert [
        (p["role"], p["masked_name"], p["masked_phone"], p["masked_id_number"]) for p in body["parties"]
    ] == [
        ("applicant", "张*", "138****0001", "330802********1232"),
        ("respondent", "李*", "139****0002", "330802********1233"),
    ]
    assert [e["verb"] for e in body["events"]] == ["registered"]
    assert body["rights"] == {"manage": False, "mediate": False, "unmask": False}
    raw = json.dumps(body, ensure_ascii=False)
    for secret in ("13800000001", "13900000002", ID_APPLICANT, ID_RESPONDENT, "张三", "李四"):
        assert secret not in raw


def test_a_retry_with_the_same_idempotency_key_answers_201_again_with_the_same_case(w, api):
    api.force_authenticate(w.grid_worker)
    key = {"Idempotency-Key": "phone-0001"}
    first = api.post("/api/v1/disputes/", case(w), format="json", headers=key)
    again = api.post("/api/v1/disputes/", case(w), format="json", headers=key)
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert Dispute.objects.count() == 1
    assert Party.objects.count() == 2
    other = api.post("/api/v1/disputes/", case(w), format="json", headers={"Idempotency-Key": "phone-0002"})
    assert other.status_code == 201
    assert Dispute.objects.count() == 2


def test_another_persons_idempotency_key_neither_returns_his_case_nor_blocks_ones_own(w, api):
    key = {"Idempotency-Key": "same-key"}
    api.force_authenticate(w.grid_worker)
    theirs = api.post("/api/v1/disputes/", case(w), format="json", headers=key).json()["id"]
    api.force_authenticate(w.officer_b)
    mine = api.post("/api/v1/disputes/", case(w, village=w.c.village_b1.code), format="json", headers=key)
    assert mine.status_code == 201
    assert mine.json()["id"] != theirs
    assert Dispute.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"category": "ufo"}, ["category"]),
        ({"summary": ""}, ["summary"]),
        ({"village": "999999999999"}, ["village"]),
        ({"amount": "-1"}, ["amount"]),
        ({"parties": [PARTIES[0]]}, ["parties"]),
        ({"parties": []}, ["parties"]),
        # A case from an alert is opened by the order's transfer, never registered by a person.
        ({"channel": "alert", "parties": [PARTIES[0]]}, ["channel"]),
        ({"parties": [PARTIES[0] | {"phone": "12345"}, PARTIES[1]]}, ["parties"]),
        ({"parties": [PARTIES[0], PARTIES[1] | {"role": "judge"}]}, ["parties"]),
        ({"grid": 999999}, ["grid"]),
    ],
)
def test_a_bad_registration_gets_field_errors_and_writes_nothing(w, api, overrides, fields):
    api.force_authenticate(w.grid_worker)
    events = DisputeEvent.objects.count()
    response = api.post("/api/v1/disputes/", case(w, **overrides), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == fields
    assert (Dispute.objects.count(), Party.objects.count(), DisputeEvent.objects.count()) == (0, 0, events)


def test_a_bad_party_row_is_named_by_its_number(w, api):
    api.force_authenticate(w.grid_worker)
    bad = [PARTIES[0], PARTIES[1] | {"role": "judge"}]
    response = api.post("/api/v1/disputes/", case(w, parties=bad), format="json")
    assert response.json()["error"]["fields"] == {"parties": ['2: role: "judge" is not a valid choice.']}
    response = api.post(
        "/api/v1/disputes/", case(w, parties=[PARTIES[0], PARTIES[1] | {"phone": "12"}]), format="json"
    )
    assert response.json()["error"]["fields"]["parties"][0].startswith("2: phone: ")


def test_registering_outside_ones_area_is_refused_and_writes_nothing(w, api):
    api.force_authenticate(w.grid_worker)
    response = api.post("/api/v1/disputes/", case(w, village=w.c.village_b1.code), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert Dispute.objects.count() == 0


def test_anonymous_callers_are_refused(w, api):
    assert api.get("/api/v1/disputes/").status_code == 403
    assert api.post("/api/v1/disputes/", case(w), format="json").status_code == 403
    assert Dispute.objects.count() == 0


def test_token_authentication_works(w, api):
    token = api_token_issue(user=w.officer)[1]
    registered(w)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/disputes/").json()["count"] == 1


# --- the ledger -------------------------------------------------------------------------------


def test_the_ledger_lists_the_visible_cases_newest_first(w, api):
    now = timezone.now()
    older = registered(w, now=now - timedelta(days=2), summary="较早的纠纷")
    newer = registered(w, now=now - timedelta(days=1), summary="较新的纠纷")
    registered(w, actor=w.officer_b, village_code=w.c.village_b1.code, summary="别处的纠纷")
    api.force_authenticate(w.officer)
    body = api.get("/api/v1/disputes/").json()
    assert body["count"] == 2
    assert [d["id"] for d in body["results"]] == [newer.pk, older.pk]
    first = body["results"][0]
    assert (first["number"], first["summary"], first["village_name"], first["township_name"]) == (
        newer.number,
        "较新的纠纷",
        "新塘社区",
        "荷花街道",
    )
    assert "parties" not in first


def test_the_ledger_searches_and_filters(w, api):
    now = timezone.now()
    land = registered(w, category="land", summary="土地承包纠纷", now=now - timedelta(days=10))
    red = registered(w, actor=w.officer, risk="red", summary="红色风险纠纷", village_code=w.c.village_a2.code)
    other_parties = [
        {**p, "id_number": "", "phone": "13700000009" if p["role"] == "applicant" else ""} for p in PARTIES
    ]
    by_phone = registered(w, summary="电话查找", parties=[PartyInput(**p) for p in other_parties])
    api.force_authenticate(w.officer)

    def ids(**params):
        response = api.get("/api/v1/disputes/", params)
        assert response.status_code == 200, response.json()
        return sorted(d["id"] for d in response.json()["results"])

    assert ids(q="土地") == [land.pk]
    assert ids(q=land.number) == [land.pk]
    # An exact search by personal data is an unmasking: with a reason (tests/disputes/test_exact_search.py).
    assert ids(q="13700000009", reason="电话回访当事人") == [by_phone.pk]
    assert ids(q=ID_APPLICANT, reason="核实当事人身份") == sorted([land.pk, red.pk])
    assert ids(category="land") == [land.pk]
    assert ids(risk="red") == [red.pk]
    assert ids(tier="3") == [red.pk]
    assert ids(key_case="true") == [red.pk]
    assert ids(key_case="false") == sorted([land.pk, by_phone.pk])
    assert ids(village=w.c.village_a2.code) == [red.pk]
    assert ids(township=w.c.township_a.code) == sorted([land.pk, red.pk, by_phone.pk])
    assert ids(township=w.c.township_b.code) == []
    assert ids(channel="visit", status="registered", open="true") == sorted([land.pk, red.pk, by_phone.pk])
    today = timezone.localdate()
    assert ids(since=str(today)) == sorted([red.pk, by_phone.pk])
    assert ids(until=str(today - timedelta(days=1))) == [land.pk]
    assert ids(is_group="true") == []


def test_a_bad_ledger_filter_is_a_400_with_the_field(w, api):
    api.force_authenticate(w.officer)
    response = api.get("/api/v1/disputes/", {"status": "lost", "since": "yesterday"})
    assert response.status_code == 400
    assert sorted(response.json()["error"]["fields"]) == ["since", "status"]


def test_the_ledger_has_a_constant_query_count(w, api, django_assert_max_num_queries):
    for i in range(3):
        registered(w, summary=f"纠纷{i}")
    api.force_authenticate(w.officer)
    with CaptureQueriesContext(connection) as few:
        assert len(api.get("/api/v1/disputes/").json()["results"]) == 3
    for i in range(20):
        registered(w, summary=f"更多{i}", risk="red" if i % 2 else "blue")
    fresh = APIClient()
    fresh.force_authenticate(type(w.officer).objects.get(pk=w.officer.pk))
    assert len(few) <= 6
    with django_assert_max_num_queries(len(few)):
        assert len(fresh.get("/api/v1/disputes/").json()["results"]) == 23
    with django_assert_max_num_queries(8):
        api.get("/api/v1/disputes/", {"q": "纠纷", "risk": "red", "open": "1"})


# --- the file ---------------------------------------------------------------------------------


def test_the_file_holds_everything_on_the_case_with_parties_masked(w, api):
    dispute = signed(w)
    api.force_authenticate(w.officer)
    response = api.get(f"/api/v1/disputes/{dispute.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "performing"
    assert [(a["mediator"], a["mediator_name"], a["ended_at"]) for a in body["assignments"]] == [
        (w.mediator.pk, "王调解", None)
    ]
    assert [(s["kind"], s["place"], s["recorded_by"]) for s in body["sessions"]] == [
        ("mediation", "新塘社区调解室", w.mediator_user.username)
    ]
    agreement = body["agreement"]
    assert agreement["signed_at"] is not None
    assert agreement["jc_status"] == ""
    respondent = dispute.parties.get(role="respondent")
    assert [
        (o["obligor"], o["obligor_name"], o["description"], o["due_date"], o["status"])
        for o in agreement["obligations"]
    ] == [(respondent.pk, "李*", "拆除越界围墙", "2099-01-31", "pending")]
    assert body["follow_ups"] == []
    assert body["tasks"] == []
    assert [e["verb"] for e in body["events"]] == [
        "registered",
        "triaged",
        "consented",
        "consented",
        "accepted",
        "mediator_assigned",
        "session",
        "agreement_drafted",
        "agreement_signed",
    ]
    assert body["rights"] == {"manage": True, "mediate": True, "unmask": True}
    raw = json.dumps(body, ensure_ascii=False)
    for secret in ("13800000001", "13900000002", ID_APPLICANT, ID_RESPONDENT, "张三", "李四"):
        assert secret not in raw


def test_a_case_without_agreement_shows_none(w, api):
    dispute = registered(w)
    api.force_authenticate(w.officer)
    assert api.get(f"/api/v1/disputes/{dispute.pk}/").json()["agreement"] is None


def test_the_file_of_a_case_one_may_not_see_is_not_found(w, api):
    dispute = registered(w)
    api.force_authenticate(w.officer_b)
    response = api.get(f"/api/v1/disputes/{dispute.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert api.get("/api/v1/disputes/999999/").status_code == 404


def test_the_schema_lists_the_disputes_api(api):
    body = api.get("/api/schema/", {"format": "json"}).json()
    assert {
        "/api/v1/disputes/",
        "/api/v1/disputes/{id}/",
        "/api/v1/disputes/{id}/parties/{party_id}/unmask/",
        "/api/v1/disputes/{id}/parties/import/",
        "/api/v1/mediators/",
        "/api/v1/screening-campaigns/",
        "/api/v1/screening-assignments/{id}/visits/",
    } <= set(body["paths"])
    assert AuditEvent.objects.count() == 0


def test_the_file_has_a_constant_query_count(w):
    def queries(dispute):
        api = APIClient()
        api.force_authenticate(type(w.officer).objects.get(pk=w.officer.pk))  # nothing cached
        with CaptureQueriesContext(connection) as captured:
            body = api.get(f"/api/v1/disputes/{dispute.pk}/").json()
        return len(captured), body

    dispute = signed(w)
    few, _ = queries(dispute)
    for i in range(5):
        party_add(actor=w.officer, dispute=dispute, party=PartyInput(role="third", name=f"第三人{i}"))
        due = timezone.now() + timedelta(days=1)
        case_task_create(actor=w.officer, dispute=dispute, agency=w.court, title=f"任务{i}", due_at=due)
    many, body = queries(dispute)
    assert (len(body["parties"]), len(body["tasks"])) == (7, 5)
    assert many == few <= 16
