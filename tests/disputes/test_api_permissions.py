"""Who may do what on the disputes API, role by role. A case of another area is not found (its id
does not leak); a case one sees but may not act on is refused; a refused request changes nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from disputes.models import Assignment, Dispute, DisputeEvent, Party, Session
from governance.models import AuditEvent
from tests.disputes.factories import in_mediation, world

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "volunteer",
    "grid_worker",
    "officer_b",
    "officer",
    "mediator",
    "other_mediator",
    "township_official",
    "county_admin",
]


def user_for(w, role):
    return {
        "anonymous": None,
        "volunteer": w.volunteer,
        "grid_worker": w.grid_worker,  # registered the case: follows it
        "officer_b": w.officer_b,
        "officer": w.officer,
        "mediator": w.mediator_user,  # assigned to the case
        "other_mediator": w.other_mediator_user,
        "township_official": w.township_official,
        "county_admin": w.county_admin,
    }[role]


def _session():
    return {"held_at": timezone.now().isoformat(), "attendees": "双方", "minutes": "记录", "place": "调解室"}


# endpoint: (method, path under the case or absolute, body, statuses in the order of ROLES:
#            anon vol  grid offB off  med  oMed town adm)
ENDPOINTS = {
    "ledger": ("get", "/api/v1/disputes/", None,
            (403, 200, 200, 200, 200, 200, 200, 200, 200)),
    "register": ("post", "/api/v1/disputes/", "case",
            (403, 403, 201, 403, 201, 201, 403, 201, 201)),
    "detail": ("get", "", None,
            (403, 404, 200, 404, 200, 200, 404, 200, 200)),
    "escalate": ("post", "escalate/", {"reason": "当事人申请"},
            (403, 404, 403, 404, 200, 403, 404, 200, 200)),
    "proposals": ("get", "mediators/proposals/", None,
            (403, 404, 403, 404, 200, 403, 404, 200, 200)),
    "session": ("post", "sessions/", "session",
            (403, 404, 403, 404, 201, 201, 404, 201, 201)),
    "unmask": ("post", "parties/{party}/unmask/", {"field": "phone", "reason": "联系当事人"},
            (403, 404, 403, 404, 200, 200, 404, 403, 200)),
    "add_party": ("post", "parties/", {"role": "third", "name": "王五"},
            (403, 404, 403, 404, 201, 201, 404, 201, 201)),
    "terminate": ("post", "terminate/", {"reason": "一方拒绝", "advised_route": "起诉"},
            (403, 404, 403, 404, 200, 200, 404, 200, 200)),
    "mediator_pool": ("get", "/api/v1/mediators/", None,
            (403, 403, 403, 200, 200, 403, 403, 200, 200)),
}  # fmt: skip
MATRIX = [(name, role) for name in ENDPOINTS for role in ROLES]


def snapshot(dispute):
    return (
        Dispute.objects.values().get(pk=dispute.pk),
        Dispute.objects.count(),
        DisputeEvent.objects.count(),
        Party.objects.count(),
        Session.objects.count(),
        Assignment.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(("endpoint", "role"), MATRIX)
def test_the_permission_matrix(endpoint, role):
    w = world()
    dispute = in_mediation(w)
    party = dispute.parties.get(role="applicant")
    method, path, body, statuses = ENDPOINTS[endpoint]
    expected = dict(zip(ROLES, statuses, strict=True))
    if body == "case":
        body = {
            "channel": "visit",
            "category": "neighbour",
            "village": w.c.village_a1.code,
            "summary": "新纠纷",
            "parties": [{"role": "applicant", "name": "甲"}, {"role": "respondent", "name": "乙"}],
        }
    elif body == "session":
        body = _session()
    target = path if path.startswith("/") else f"/api/v1/disputes/{dispute.pk}/{path.format(party=party.pk)}"
    api = APIClient()
    user = user_for(w, role)
    if user is not None:
        api.force_authenticate(user)
    before = snapshot(dispute)
    response = getattr(api, method)(target, body, format="json") if method == "post" else api.get(target)
    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}
        assert snapshot(dispute) == before
        assert "13800000001" not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "count"),
    [
        ("volunteer", 0),
        ("grid_worker", 1),
        ("officer_b", 0),
        ("officer", 1),
        ("mediator", 1),
        ("other_mediator", 0),
        ("township_official", 1),
        ("county_admin", 1),
    ],
)
def test_the_ledger_shows_each_role_its_cases_only(role, count):
    w = world()
    dispute = in_mediation(w)
    api = APIClient()
    api.force_authenticate(user_for(w, role))
    body = api.get("/api/v1/disputes/").json()
    assert body["count"] == count
    assert [d["id"] for d in body["results"]] == [dispute.pk] * count


def test_a_refused_anonymous_request_says_why():
    w = world()
    dispute = in_mediation(w)
    response = APIClient().post(f"/api/v1/disputes/{dispute.pk}/escalate/", {"reason": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_mediator_who_recorded_his_own_recusal_sees_the_outcome_once_then_loses_the_case():
    w = world()
    dispute = in_mediation(w)
    api = APIClient()
    api.force_authenticate(w.mediator_user)
    applicant = dispute.parties.get(role="applicant")
    response = api.post(
        f"/api/v1/disputes/{dispute.pk}/mediators/{w.mediator.pk}/recuse/",
        {"party": applicant.pk, "reason": "当事人申请回避"},
        format="json",
    )
    assert response.status_code == 200
    assert {(a["mediator"], a["end_reason"]) for a in response.json()["assignments"]} == {
        (w.mediator.pk, "recused"),
        (w.mediator2.pk, ""),
    }
    assert api.get(f"/api/v1/disputes/{dispute.pk}/").status_code == 404
