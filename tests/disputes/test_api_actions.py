"""Every act of a case's life through the API: the happy path with its answer, a bad request
that names the field and changes nothing, and a step out of order (409)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from disputes.models import (
    Agreement,
    Assignment,
    CaseTask,
    Dispute,
    DisputeEvent,
    FollowUp,
    Mediator,
    Obligation,
    Party,
    Session,
)
from disputes.services import dispute_triage, obligation_perform
from governance.models import AuditEvent
from tests.disputes.factories import accepted, in_mediation, registered, signed, world

pytestmark = pytest.mark.django_db
S = Dispute.Status


@pytest.fixture
def w():
    return world()


@pytest.fixture
def api(w):
    client = APIClient()
    client.force_authenticate(w.officer)
    return client


def url(dispute, path=""):
    return f"/api/v1/disputes/{dispute.pk}/{path}"


def state(dispute):
    """What a refused request must leave as it was."""
    row = Dispute.objects.values().get(pk=dispute.pk)
    return (
        row,
        DisputeEvent.objects.count(),
        Party.objects.count(),
        Session.objects.count(),
        Assignment.objects.count(),
        Obligation.objects.count(),
    )


def errors(response):
    return response.json()["error"]


# --- triage, parties, consent, acceptance -----------------------------------------------------


def test_triage_accepts_a_case_at_the_tier_its_complexity_needs(w, api):
    dispute = registered(w)
    response = api.post(
        url(dispute, "triage/"), {"decision": "accept", "complexity": "complex"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["tier"], response.json()["mediators_needed"]) == (
        "triaged",
        2,
        2,
    )
    assert response.json()["events"][-1]["verb"] == "triaged"


def test_triage_not_accepted_needs_the_other_process_and_changes_nothing_without_it(w, api):
    dispute = registered(w)
    before = state(dispute)
    response = api.post(url(dispute, "triage/"), {"decision": "not_accepted"}, format="json")
    assert response.status_code == 400
    assert sorted(errors(response)["fields"]) == ["other_process", "other_process_status", "reason"]
    assert state(dispute) == before
    bad = api.post(url(dispute, "triage/"), {"decision": "maybe"}, format="json")
    assert list(errors(bad)["fields"]) == ["decision"]
    done = api.post(
        url(dispute, "triage/"),
        {
            "decision": "not_accepted",
            "reason": "已起诉",
            "other_process": "court",
            "other_process_status": "法院已立案",
        },
        format="json",
    )
    assert (done.status_code, done.json()["status"], done.json()["other_process"]) == (
        200,
        "not_accepted",
        "court",
    )


def test_triaging_a_triaged_case_otherwise_is_a_409(w, api):
    dispute = registered(w)
    api.post(url(dispute, "triage/"), {"decision": "accept"}, format="json")
    before = state(dispute)
    response = api.post(
        url(dispute, "triage/"),
        {"decision": "refer_police", "reason": "可能激化", "advised_route": "报警"},
        format="json",
    )
    assert response.status_code == 409
    assert errors(response)["code"] == "invalid_transition"
    assert errors(response)["message"] == "This cannot be done while the status is “Triaged”."
    assert state(dispute) == before


def test_a_party_is_added_masked_and_a_bad_one_changes_nothing(w, api):
    dispute = registered(w)
    response = api.post(
        url(dispute, "parties/"),
        {"role": "third", "name": "王五", "phone": "13700001111", "claim_amount": "300"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["role"], body["masked_name"], body["masked_phone"], body["claim_amount"]) == (
        "third",
        "王*",
        "137****1111",
        "300.00",
    )
    assert "13700001111" not in response.content.decode()
    before = state(dispute)
    bad = api.post(
        url(dispute, "parties/"), {"role": "third", "name": "赵六", "phone": "12345"}, format="json"
    )
    assert bad.status_code == 400
    assert list(errors(bad)["fields"]) == ["phone"]
    assert state(dispute) == before


def test_consent_then_acceptance(w, api):
    dispute = registered(w)
    dispute_triage(actor=w.officer, dispute=dispute, decision="accept")
    applicant, respondent = dispute.parties.order_by("id")
    early = api.post(url(dispute, "accept/"))
    assert early.status_code == 409
    assert errors(early)["message"] == "Mediation needs both sides' consent; still missing: 张*、李*."
    refused = api.post(
        url(dispute, f"parties/{applicant.pk}/consent/"), {"rights_informed": False}, format="json"
    )
    assert refused.status_code == 400
    assert list(errors(refused)["fields"]) == ["rights_informed"]
    assert Party.objects.get(pk=applicant.pk).consented_at is None
    for party in (applicant, respondent):
        response = api.post(
            url(dispute, f"parties/{party.pk}/consent/"), {"rights_informed": True}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["consented_at"] is not None
    response = api.post(url(dispute, "accept/"))
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert response.json()["mediation_deadline"] is not None


def test_a_party_of_another_case_is_not_found(w, api):
    dispute = registered(w)
    other = registered(w, summary="另一起纠纷")
    party = other.parties.first()
    response = api.post(
        url(dispute, f"parties/{party.pk}/consent/"), {"rights_informed": True}, format="json"
    )
    assert response.status_code == 404
    assert errors(response)["message"] == "No such party on this case."
    assert Party.objects.get(pk=party.pk).consented_at is None


# --- group import and progress ----------------------------------------------------------------


def upload(name, rows):
    return SimpleUploadedFile(name, ("\n".join(rows) + "\n").encode("utf-8-sig"), content_type="text/csv")


def test_a_spreadsheet_of_parties_makes_a_group_case(w, api):
    dispute = accepted(w, category="consumer", summary="健身房预付卡退费")
    rows = ["角色,姓名,手机号,诉求金额"] + [f"申请人,会员{i},1380000{i:04d},{1000 + i}" for i in range(6)]
    response = api.post(
        url(dispute, "parties/import/"), {"file": upload("members.csv", rows)}, format="multipart"
    )
    assert response.status_code == 201
    assert response.json() == {"added": 6, "parties": 8}
    dispute.refresh_from_db()
    assert (dispute.is_group, dispute.tier) == (True, 2)


def test_a_bad_spreadsheet_is_reported_by_line_and_imports_nothing(w, api):
    dispute = accepted(w)
    before = state(dispute)
    rows = ["role,name,phone", "applicant,张一,13800000011", "applicant,王二,123"]
    response = api.post(
        url(dispute, "parties/import/"), {"file": upload("bad.csv", rows)}, format="multipart"
    )
    assert response.status_code == 400
    assert errors(response)["fields"]["rows"][0].startswith("Line 3, phone: ")
    assert state(dispute) == before
    wrong = api.post(url(dispute, "parties/import/"), {"file": upload("x.txt", rows)}, format="multipart")
    assert errors(wrong)["fields"] == {"file": ["Upload a .csv or .xlsx file."]}
    missing = api.post(url(dispute, "parties/import/"), {}, format="multipart")
    assert list(errors(missing)["fields"]) == ["file"]
    assert state(dispute) == before


def test_the_progress_of_a_party_is_recorded(w, api):
    dispute = accepted(w)
    party = dispute.parties.first()
    response = api.post(
        url(dispute, f"parties/{party.pk}/progress/"), {"progress": "contacted"}, format="json"
    )
    assert (response.status_code, response.json()["progress"]) == (200, "contacted")
    bad = api.post(url(dispute, f"parties/{party.pk}/progress/"), {"progress": "vanished"}, format="json")
    assert list(errors(bad)["fields"]) == ["progress"]
    assert Party.objects.get(pk=party.pk).progress == "contacted"


# --- unmasking --------------------------------------------------------------------------------


def test_unmasking_returns_the_clear_value_and_logs_who_and_why(w, api):
    dispute = registered(w)
    applicant = dispute.parties.get(role="applicant")
    response = api.post(
        url(dispute, f"parties/{applicant.pk}/unmask/"),
        {"field": "phone", "reason": "电话联系当事人"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {"field": "phone", "value": "13800000001"}
    event = AuditEvent.objects.get(verb="personal_data.unmask")
    assert (event.actor_id, event.reason, event.target_id) == (
        w.officer.pk,
        "电话联系当事人",
        str(dispute.pk),
    )


def test_unmasking_without_a_reason_or_by_someone_without_the_right_is_refused_and_not_logged(w, api):
    dispute = registered(w)
    applicant = dispute.parties.get(role="applicant")
    short = api.post(
        url(dispute, f"parties/{applicant.pk}/unmask/"), {"field": "phone", "reason": "看"}, format="json"
    )
    assert short.status_code == 400
    assert list(errors(short)["fields"]) == ["reason"]
    api.force_authenticate(w.township_official)
    denied = api.post(
        url(dispute, f"parties/{applicant.pk}/unmask/"),
        {"field": "id_number", "reason": "核实身份"},
        format="json",
    )
    assert denied.status_code == 403
    assert "330802199001011232" not in denied.content.decode()
    assert not AuditEvent.objects.filter(verb="personal_data.unmask").exists()


# --- mediators --------------------------------------------------------------------------------


def test_proposals_put_the_specialist_of_the_area_first(w, api):
    dispute = accepted(w)
    response = api.get(url(dispute, "mediators/proposals/"))
    assert response.status_code == 200
    assert [
        (p["mediator"]["id"], p["specialist"], p["available"], p["conflicts"]) for p in response.json()
    ] == [
        (w.mediator.pk, True, True, []),
        (w.mediator2.pk, False, True, []),
    ]
    assert response.json()[0]["mediator"]["name"] == "王调解"


def test_a_mediator_chosen_by_a_party_is_assigned_once(w, api):
    dispute = accepted(w)
    applicant = dispute.parties.get(role="applicant")
    body = {"mediator": w.mediator.pk, "chosen_by": applicant.pk}
    first = api.post(url(dispute, "mediators/"), body, format="json")
    again = api.post(url(dispute, "mediators/"), body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert (first.json()["mediator_name"], first.json()["chosen_by_party"]) == ("王调解", applicant.pk)
    assert Assignment.objects.count() == 1
    assert Dispute.objects.get(pk=dispute.pk).status == S.ASSIGNED


def test_a_mediator_with_a_conflict_of_interest_is_refused_with_the_reason(w, api):
    dispute = accepted(w)
    Mediator.objects.filter(pk=w.mediator2.pk).update(household_code="H002")
    before = state(dispute)
    response = api.post(url(dispute, "mediators/"), {"mediator": w.mediator2.pk}, format="json")
    assert response.status_code == 409
    assert errors(response)["code"] == "conflict"
    assert errors(response)["fields"] == {"mediator": ["The mediator lives in the same household as 李*."]}
    assert state(dispute) == before


def test_assigning_an_unknown_mediator_or_a_stranger_as_chooser_is_a_400(w, api):
    dispute = accepted(w)
    stranger = registered(w, summary="另一起").parties.first()
    before = state(dispute)
    unknown = api.post(url(dispute, "mediators/"), {"mediator": 999999}, format="json")
    assert list(errors(unknown)["fields"]) == ["mediator"]
    chooser = api.post(
        url(dispute, "mediators/"), {"mediator": w.mediator.pk, "chosen_by": stranger.pk}, format="json"
    )
    assert chooser.status_code == 400
    assert list(errors(chooser)["fields"]) == ["chosen_by"]
    assert state(dispute) == before


def test_a_recused_mediator_is_replaced(w, api):
    dispute = in_mediation(w)
    applicant = dispute.parties.get(role="applicant")
    response = api.post(
        url(dispute, f"mediators/{w.mediator.pk}/recuse/"),
        {"party": applicant.pk, "reason": "认为调解员偏袒"},
        format="json",
    )
    assert response.status_code == 200
    assignments = {(a["mediator"], a["end_reason"]) for a in response.json()["assignments"]}
    assert assignments == {(w.mediator.pk, "recused"), (w.mediator2.pk, "")}
    again = api.post(
        url(dispute, f"mediators/{w.mediator.pk}/recuse/"),
        {"party": applicant.pk, "reason": "再次申请"},
        format="json",
    )
    assert again.status_code == 409
    assert errors(again)["message"] == "This mediator is not on the case."
    unknown = api.post(
        url(dispute, "mediators/999999/recuse/"), {"party": applicant.pk, "reason": "x"}, format="json"
    )
    assert unknown.status_code == 404


# --- sessions, agreement, performance ---------------------------------------------------------


def test_the_first_session_puts_the_case_in_mediation(w, api):
    dispute = accepted(w)
    api.post(url(dispute, "mediators/"), {"mediator": w.mediator.pk}, format="json")
    api.force_authenticate(w.mediator_user)
    held = timezone.now() - timedelta(hours=1)
    response = api.post(
        url(dispute, "sessions/"),
        {"held_at": held.isoformat(), "attendees": "双方当事人", "minutes": "双方陈述", "place": "调解室"},
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["kind"], response.json()["place"], response.json()["recorded_by"]) == (
        "mediation",
        "调解室",
        w.mediator_user.username,
    )
    assert Dispute.objects.get(pk=dispute.pk).status == S.IN_MEDIATION


def test_a_bad_session_names_its_fields_and_changes_nothing(w, api):
    dispute = in_mediation(w)
    before = state(dispute)
    future = timezone.now() + timedelta(days=2)
    response = api.post(
        url(dispute, "sessions/"),
        {"held_at": future.isoformat(), "attendees": "双方", "minutes": "记录"},
        format="json",
    )
    assert response.status_code == 400
    assert sorted(errors(response)["fields"]) == ["held_at", "place"]
    consultation = api.post(
        url(dispute, "sessions/"),
        {
            "kind": "consultation",
            "held_at": timezone.now().isoformat(),
            "attendees": "各方",
            "minutes": "会商",
            "place": "所",
            "agencies": [w.court.pk],
        },
        format="json",
    )
    assert list(errors(consultation)["fields"]) == ["agencies"]
    assert state(dispute) == before


def test_a_consultation_of_agencies_makes_a_key_case(w, api):
    dispute = in_mediation(w)
    response = api.post(
        url(dispute, "sessions/"),
        {
            "kind": "consultation",
            "held_at": timezone.now().isoformat(),
            "attendees": "派出所、法庭、司法所",
            "minutes": "会诊意见",
            "place": "综治中心",
            "agencies": [w.court.pk, w.judicial_office.pk],
        },
        format="json",
    )
    assert response.status_code == 201
    assert sorted(response.json()["agencies"]) == sorted([w.court.pk, w.judicial_office.pk])
    assert Dispute.objects.get(pk=dispute.pk).key_case is True


def terms(dispute, **overrides):
    respondent = dispute.parties.get(role="respondent")
    return [
        {"obligor": respondent.pk, "description": "赔偿损失", "due_date": "2099-01-31", "amount": "500"}
        | overrides
    ]


def test_the_agreement_is_drafted_then_rewritten_then_signed(w, api):
    dispute = in_mediation(w)
    api.force_authenticate(w.mediator_user)
    body = {"facts": "事实", "responsibilities": "责任", "terms": terms(dispute)}
    first = api.post(url(dispute, "agreement/"), body, format="json")
    assert first.status_code == 201
    assert [(o["description"], o["amount"], o["status"]) for o in first.json()["obligations"]] == [
        ("赔偿损失", "500.00", "pending")
    ]
    rewritten = api.post(url(dispute, "agreement/"), body | {"facts": "补充事实"}, format="json")
    assert (rewritten.status_code, rewritten.json()["facts"]) == (200, "补充事实")
    assert Obligation.objects.count() == 1
    # The terms are the whole list: leaving them out is refused, it never wipes them.
    no_terms = {"facts": "再补充", "responsibilities": "责任"}
    omitted = api.post(url(dispute, "agreement/"), no_terms, format="json")
    assert (omitted.status_code, list(errors(omitted)["fields"])) == (400, ["terms"])
    assert (Obligation.objects.count(), Agreement.objects.get().facts) == (1, "补充事实")
    applicant, respondent = dispute.parties.order_by("id")
    short = api.post(url(dispute, "agreement/sign/"), {"signed_by": [applicant.pk]}, format="json")
    assert short.status_code == 400
    assert errors(short)["fields"] == {"signed_by": ["1 of the parties have not signed."]}
    signed_ = api.post(
        url(dispute, "agreement/sign/"), {"signed_by": [applicant.pk, respondent.pk]}, format="json"
    )
    assert signed_.status_code == 200
    assert signed_.json()["status"] == "performing"
    assert signed_.json()["agreement"]["signed_at"] is not None
    late = api.post(url(dispute, "agreement/"), body, format="json")
    assert late.status_code == 409


def test_bad_terms_are_named_by_their_number_and_change_nothing(w, api):
    dispute = in_mediation(w)
    before = state(dispute)
    body = {"facts": "事实", "responsibilities": "责任"}
    stranger = api.post(
        url(dispute, "agreement/"), body | {"terms": terms(dispute, obligor=999999)}, format="json"
    )
    assert stranger.status_code == 400
    assert errors(stranger)["fields"] == {"terms": ["Term 1: the obligor must be a party to this case."]}
    bad_date = api.post(
        url(dispute, "agreement/"), body | {"terms": terms(dispute, due_date="soon")}, format="json"
    )
    assert errors(bad_date)["fields"]["terms"][0].startswith("1: due_date: ")
    assert state(dispute) == before
    assert not Agreement.objects.exists()


def test_signing_without_an_agreement_is_not_found(w, api):
    dispute = in_mediation(w)
    response = api.post(url(dispute, "agreement/sign/"), {"signed_by": []}, format="json")
    assert response.status_code == 404
    assert errors(response)["message"] == "No agreement has been drafted on this case."


def test_judicial_confirmation_is_applied_for_and_answered(w, api):
    dispute = signed(w)
    early = api.post(
        url(dispute, "agreement/judicial-confirmation/answer/"), {"confirmed": True}, format="json"
    )
    assert early.status_code == 409
    applied = api.post(
        url(dispute, "agreement/judicial-confirmation/"), {"court": "柯城区人民法院"}, format="json"
    )
    assert applied.status_code == 200
    assert (applied.json()["agreement"]["jc_status"], applied.json()["agreement"]["jc_court"]) == (
        "pending",
        "柯城区人民法院",
    )
    no_reason = api.post(
        url(dispute, "agreement/judicial-confirmation/answer/"), {"confirmed": False}, format="json"
    )
    assert no_reason.status_code == 400
    assert list(errors(no_reason)["fields"]) == ["note"]
    answered = api.post(
        url(dispute, "agreement/judicial-confirmation/answer/"), {"confirmed": True}, format="json"
    )
    assert answered.json()["agreement"]["jc_status"] == "confirmed"


def test_a_performed_term_leads_to_the_follow_up_which_closes_the_case(w, api):
    dispute = signed(w)
    obligation = Obligation.objects.get(agreement__dispute=dispute)
    performed = api.post(url(dispute, f"obligations/{obligation.pk}/perform/"))
    assert performed.status_code == 200
    assert performed.json()["status"] == "follow_up"
    bad = api.post(url(dispute, "follow-ups/"), {"satisfaction": 9}, format="json")
    assert bad.status_code == 400
    assert list(errors(bad)["fields"]) == ["satisfaction"]
    assert FollowUp.objects.count() == 0
    visit = api.post(url(dispute, "follow-ups/"), {"satisfaction": 5, "note": "双方满意"}, format="json")
    assert visit.status_code == 201
    assert (visit.json()["satisfaction"], visit.json()["recurred"], visit.json()["visited_by"]) == (
        5,
        False,
        w.officer.username,
    )
    assert Dispute.objects.get(pk=dispute.pk).status == S.CLOSED


def test_a_breached_term_reopens_the_case(w, api):
    dispute = signed(w)
    obligation = Obligation.objects.get(agreement__dispute=dispute)
    early = api.post(url(dispute, "reopen/"), {"reason": "未履行"}, format="json")
    assert early.status_code == 409
    missing = api.post(
        url(dispute, f"obligations/{obligation.pk}/breach/"), {"note": "未拆除"}, format="json"
    )
    assert list(errors(missing)["fields"]) == ["next_route"]
    breached = api.post(
        url(dispute, f"obligations/{obligation.pk}/breach/"),
        {"note": "未拆除", "next_route": "再次调解"},
        format="json",
    )
    assert (breached.status_code, breached.json()["status"]) == (200, "breach")
    assert breached.json()["agreement"]["obligations"][0]["status"] == "breached"
    reopened = api.post(url(dispute, "reopen/"), {"reason": "再次调解"}, format="json")
    assert (reopened.status_code, reopened.json()["status"]) == (200, "reopened")


def test_a_term_of_another_case_is_not_found(w, api):
    dispute = signed(w)
    other = signed(w, summary="另一起")
    obligation = Obligation.objects.get(agreement__dispute=other)
    assert api.post(url(dispute, f"obligations/{obligation.pk}/perform/")).status_code == 404
    assert Obligation.objects.get(pk=obligation.pk).status == "pending"


# --- escalation, deadline, termination --------------------------------------------------------


def test_escalation_moves_the_case_a_tier_up(w, api):
    dispute = accepted(w)
    missing = api.post(url(dispute, "escalate/"), {}, format="json")
    assert list(errors(missing)["fields"]) == ["reason"]
    response = api.post(url(dispute, "escalate/"), {"reason": "当事人申请"}, format="json")
    assert (response.status_code, response.json()["tier"], response.json()["escalations"]) == (200, 2, 1)


def test_the_mediation_period_is_extended_only_with_both_parties_consent(w, api):
    dispute = accepted(w)
    before = state(dispute)
    refused = api.post(url(dispute, "extend/"), {"days": 99, "both_parties_consent": False}, format="json")
    assert refused.status_code == 400
    assert sorted(errors(refused)["fields"]) == ["both_parties_consent", "days"]
    assert state(dispute) == before
    response = api.post(url(dispute, "extend/"), {"days": 10, "both_parties_consent": True}, format="json")
    assert response.status_code == 200
    assert Dispute.objects.get(pk=dispute.pk).mediation_deadline == dispute.mediation_deadline + timedelta(
        days=10
    )


def test_termination_needs_the_routes_left_to_the_parties(w, api):
    dispute = accepted(w)
    missing = api.post(url(dispute, "terminate/"), {"reason": "一方拒绝调解"}, format="json")
    assert list(errors(missing)["fields"]) == ["advised_route"]
    response = api.post(
        url(dispute, "terminate/"), {"reason": "一方拒绝调解", "advised_route": "可向法院起诉"}, format="json"
    )
    assert (response.status_code, response.json()["status"]) == (200, "terminated")


# --- joint cases ------------------------------------------------------------------------------


def test_an_agency_is_given_a_task_and_closes_it(w, api):
    dispute = accepted(w)
    due = (timezone.now() + timedelta(days=3)).isoformat()
    past = api.post(
        url(dispute, "tasks/"),
        {"agency": w.court.pk, "title": "诉前调解", "due_at": "2000-01-01T00:00:00Z"},
        format="json",
    )
    assert list(errors(past)["fields"]) == ["due_at"]
    assert CaseTask.objects.count() == 0
    created = api.post(
        url(dispute, "tasks/"), {"agency": w.court.pk, "title": "诉前调解", "due_at": due}, format="json"
    )
    assert created.status_code == 201
    assert (created.json()["agency_name"], created.json()["done_at"]) == ("柯城法院荷花法庭", None)
    task_id = created.json()["id"]
    done = api.post(url(dispute, f"tasks/{task_id}/done/"), {"result": "已调解"}, format="json")
    assert (done.status_code, done.json()["done_note"]) == (200, "已调解")
    other = accepted(w, summary="另一起")
    assert api.post(url(other, f"tasks/{task_id}/done/"), {"result": "x"}, format="json").status_code == 404


def test_an_agency_joins_the_case(w, api):
    dispute = accepted(w)
    unknown = api.post(url(dispute, "agencies/"), {"agency": 999999}, format="json")
    assert list(errors(unknown)["fields"]) == ["agency"]
    response = api.post(url(dispute, "agencies/"), {"agency": w.court.pk}, format="json")
    assert response.status_code == 200
    assert [a["name"] for a in response.json()["agencies"]] == ["柯城法院荷花法庭"]


def test_a_step_on_a_case_then_obligation_perform_twice_is_harmless(w, api):
    dispute = signed(w)
    obligation = Obligation.objects.get(agreement__dispute=dispute)
    obligation_perform(actor=w.officer, obligation=obligation)
    events = DisputeEvent.objects.count()
    response = api.post(url(dispute, f"obligations/{obligation.pk}/perform/"))
    assert response.status_code == 200
    assert DisputeEvent.objects.count() == events
