"""Unmasking personal data is logged (who, when, which record, why, from which address), and an
administrator lists who saw what."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from governance.models import AuditEvent, Membership
from tests.disputes.factories import registered, world

pytestmark = pytest.mark.django_db
R = Membership.Role
AT = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
REASON = "联系当事人确认调解时间"


def api_as(user, ip="10.20.30.40"):
    api = APIClient(REMOTE_ADDR=ip)
    api.force_authenticate(user)
    return api


def test_unmasking_a_partys_phone_records_who_when_which_record_why_and_from_where():
    w = world()
    dispute = registered(w)
    party = dispute.parties.get(role="applicant")
    with time_machine.travel(AT, tick=False):
        response = api_as(w.officer).post(
            f"/api/v1/disputes/{dispute.pk}/parties/{party.pk}/unmask/",
            {"field": "phone", "reason": REASON},
            format="json",
        )
    assert response.status_code == 200
    assert response.json()["value"] == "13800000001"
    event = AuditEvent.objects.get(verb="personal_data.unmask")
    assert (event.actor, event.at, event.target_id, event.reason, event.ip) == (
        w.officer, AT, str(dispute.pk), REASON, "10.20.30.40",
    )  # fmt: skip
    assert event.changes == {f"party:{party.pk}:phone": [None, None]}
    assert event.request_id == response["X-Request-ID"]


def test_a_refused_unmask_is_not_logged_as_a_view_and_shows_nothing():
    w = world()
    dispute = registered(w)
    party = dispute.parties.get(role="applicant")
    response = api_as(w.officer_b).post(
        f"/api/v1/disputes/{dispute.pk}/parties/{party.pk}/unmask/",
        {"field": "phone", "reason": REASON},
        format="json",
    )
    assert response.status_code == 404
    assert "13800000001" not in response.content.decode()
    assert AuditEvent.objects.filter(verb="personal_data.unmask").count() == 0


def test_an_unmask_without_a_reason_is_refused():
    w = world()
    dispute = registered(w)
    party = dispute.parties.get(role="applicant")
    response = api_as(w.officer).post(
        f"/api/v1/disputes/{dispute.pk}/parties/{party.pk}/unmask/",
        {"field": "phone", "reason": " "},
        format="json",
    )
    assert response.status_code == 400
    assert AuditEvent.objects.filter(verb="personal_data.unmask").count() == 0


def unmask_party(user, dispute, party, field="phone", reason=REASON, at=AT):
    with time_machine.travel(at, tick=False):
        response = api_as(user).post(
            f"/api/v1/disputes/{dispute.pk}/parties/{party.pk}/unmask/",
            {"field": field, "reason": reason},
            format="json",
        )
    assert response.status_code == 200


def test_the_county_administrator_lists_who_saw_what():
    w = world()
    dispute = registered(w)
    applicant = dispute.parties.get(role="applicant")
    unmask_party(w.officer, dispute, applicant)
    unmask_party(w.county_admin, dispute, applicant, field="id_number", at=AT + dt.timedelta(hours=1))
    response = api_as(w.county_admin).get("/api/v1/personal-data-access/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["actor"], r["record_type"], r["record_id"], r["data_seen"], r["reason"], r["ip"]) for r in rows] == [
        (w.county_admin.username, "disputes.dispute", str(dispute.pk), [f"party:{applicant.pk}:id_number"], REASON, "10.20.30.40"),
        (w.officer.username, "disputes.dispute", str(dispute.pk), [f"party:{applicant.pk}:phone"], REASON, "10.20.30.40"),
    ]  # fmt: skip
    assert rows[0]["at"] == "2026-11-23T18:30:00+08:00"


def test_the_list_filters_by_person_and_by_record():
    w = world()
    dispute = registered(w)
    other = registered(w, summary="欠款纠纷")
    unmask_party(w.officer, dispute, dispute.parties.get(role="applicant"))
    unmask_party(w.county_admin, other, other.parties.get(role="applicant"))
    api = api_as(w.county_admin)
    by_person = api.get("/api/v1/personal-data-access/", {"actor": w.officer.username}).json()["results"]
    by_record = api.get(
        "/api/v1/personal-data-access/", {"record_type": "disputes.dispute", "record_id": other.pk}
    ).json()["results"]
    assert [r["record_id"] for r in by_person] == [str(dispute.pk)]
    assert [r["actor"] for r in by_record] == [w.county_admin.username]


def test_the_list_is_refused_to_everyone_but_administrators():
    w = world()
    for user in (w.officer, w.township_official, w.mediator_user, w.volunteer, w.grid_worker):
        response = api_as(user).get("/api/v1/personal-data-access/")
        assert response.status_code == 403, user
        assert response.json()["error"]["code"] == "permission_denied"
    assert APIClient().get("/api/v1/personal-data-access/").status_code in (401, 403)


def test_an_administrator_of_another_county_sees_none_of_these_views():
    from governance.models import Agency, Region
    from governance.services.people import agency_create
    from governance.services.regions import region_create
    from tests.governance.factories import person

    w = world()
    dispute = registered(w)
    unmask_party(w.officer, dispute, dispute.parties.get(role="applicant"))
    other_county = region_create(
        actor=None, code="330803", name="衢江区", level=Region.Level.COUNTY, parent=w.c.city
    )
    plc = agency_create(
        actor=None, name="衢江区委政法委", kind=Agency.Kind.POLITICAL_LEGAL_COMMITTEE, region=other_county
    )
    admin_elsewhere = person(R.COUNTY_ADMIN, plc)
    response = api_as(admin_elsewhere).get("/api/v1/personal-data-access/")
    assert response.status_code == 200
    assert response.json()["results"] == []
