"""The action forms of the case page: each calls its service and comes back with a message; a
bad input shows the field's error and changes nothing; no right, no change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from disputes.models import Agreement, Assignment, CaseTask, Dispute, FollowUp, Obligation, Party, Session
from disputes.services import case_task_create, obligation_breach
from governance.models import AuditEvent
from tests.disputes.factories import ID_OTHER, accepted, in_mediation, registered, signed, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world()


def act(client, dispute, action, **fields):
    data = {f"{action}-{k}": v for k, v in fields.items()}
    return client.post(f"/disputes/{dispute.pk}/do/{action}/", data)


def status(dispute):
    return Dispute.objects.get(pk=dispute.pk).status


def events(dispute):
    return list(dispute.events.values_list("verb", flat=True))


def error_of(response, field):
    """The error shown on ``<action>-<field>``: in its action's form, which marks the bare name
    (the agreement's rows of terms mark the whole name)."""
    html = response.content.decode()
    if f'data-field="{field}"' in html:
        return html.split(f'data-field="{field}"')[1].split("</div>")[0]
    action, name = field.split("-", 1)
    form = html.split(f'data-testid="do-{action}"' if action != "unmask" else 'data-testid="unmask-form"')[1]
    return form.split("</form>")[0].split(f'data-field="{name}"')[1].split("</div>")[0]


def followed(client, response):
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


# --- triage, consent, acceptance --------------------------------------------------------------


def test_triage_accepts_the_case_for_mediation(w, client):
    d = registered(w)
    client.force_login(w.officer)
    response = act(client, d, "triage", decision="accept", complexity="complex")
    assert "Triage recorded." in followed(client, response)
    d.refresh_from_db()
    assert (d.status, d.tier) == ("triaged", 2)


def test_a_case_not_accepted_needs_the_other_process_and_changes_nothing_without_it(w, client):
    d = registered(w)
    client.force_login(w.officer)
    response = act(client, d, "triage", decision="not_accepted", complexity="simple", reason="已起诉")
    assert response.status_code == 400
    assert "Say which process the dispute is already in." in error_of(response, "triage-other_process")
    assert status(d) == "registered"
    assert events(d) == ["registered"]


def test_consent_needs_the_party_told_their_rights(w, client):
    d = registered(w)
    party = d.parties.get(role="applicant")
    client.force_login(w.officer)
    response = act(client, d, "consent", party=party.pk)
    assert response.status_code == 400
    assert "The party must be told their rights first." in response.content.decode()
    assert Party.objects.get(pk=party.pk).consented_at is None
    response = act(client, d, "consent", party=party.pk, rights_informed="on")
    assert "Consent of 张* recorded." in followed(client, response)
    assert Party.objects.get(pk=party.pk).rights_informed_at is not None


def test_accepting_before_both_sides_consent_is_refused_with_the_reason(w, client):
    from disputes.services import dispute_triage

    d = registered(w)
    dispute_triage(actor=w.officer, dispute=d, decision="accept")
    client.force_login(w.officer)
    response = act(client, d, "accept")
    assert response.status_code == 409
    assert "Mediation needs both sides&#x27; consent" in response.content.decode()
    assert status(d) == "triaged"


def test_accept_starts_the_thirty_days(w, client):
    from disputes.services import dispute_triage, party_consent

    d = registered(w)
    dispute_triage(actor=w.officer, dispute=d, decision="accept")
    for p in d.parties.all():
        party_consent(actor=w.officer, party=p, rights_informed=True)
    client.force_login(w.township_official)
    followed(client, act(client, d, "accept"))
    d.refresh_from_db()
    assert d.status == "accepted"
    assert (d.mediation_deadline - d.accepted_at) == timedelta(days=30)


def test_a_party_is_added_and_a_bad_id_number_is_shown_on_its_field(w, client):
    d = registered(w)
    client.force_login(w.officer)
    bad = act(
        client, d, "party_add", role="third", kind="person", name="王五", id_number="330802197003030017"
    )
    assert bad.status_code == 400
    assert "check character" in error_of(bad, "party_add-id_number")
    assert d.parties.count() == 2
    good = act(client, d, "party_add", role="third", kind="person", name="王五", id_number=ID_OTHER)
    assert "王* added to the case." in followed(client, good)
    assert d.parties.count() == 3


# --- mediators --------------------------------------------------------------------------------


def test_a_proposed_mediator_is_assigned_from_the_page(w, client):
    d = accepted(w)
    client.force_login(w.officer)
    html = client.get(f"/disputes/{d.pk}/").content.decode()
    assert f'data-mediator-id="{w.mediator.pk}"' in html.split('data-testid="proposals"')[1]
    response = act(client, d, "assign", mediator=w.mediator.pk)
    assert "王调解 assigned." in followed(client, response)
    assert status(d) == "assigned"


def test_a_mediator_chosen_by_a_party_is_recorded(w, client):
    d = accepted(w)
    applicant = d.parties.get(role="applicant")
    client.force_login(w.officer)
    followed(client, act(client, d, "assign", mediator=w.mediator2.pk, chosen_by=applicant.pk))
    assignment = Assignment.objects.get(dispute=d)
    assert (assignment.mediator, assignment.chosen_by_party) == (w.mediator2, applicant)


def test_a_mediator_with_a_conflict_is_refused_with_the_reason(w, client):
    d = accepted(w)
    w.mediator.household_code = "H001"  # the applicant's household
    w.mediator.save(update_fields=["household_code"])
    client.force_login(w.officer)
    html = client.get(f"/disputes/{d.pk}/").content.decode()
    assert "The mediator lives in the same household as 张*." in html
    response = act(client, d, "assign", mediator=w.mediator.pk)
    assert response.status_code == 409
    assert "same household" in error_of(response, "assign-mediator")
    assert not Assignment.objects.filter(dispute=d).exists()


def test_only_those_who_manage_the_case_assign_mediators(w, client):
    d = in_mediation(w)
    client.force_login(w.mediator_user)
    assert act(client, d, "assign", mediator=w.mediator2.pk).status_code == 403
    assert Assignment.objects.filter(dispute=d).count() == 1


def test_a_recusal_replaces_the_mediator(w, client):
    d = in_mediation(w)
    respondent = d.parties.get(role="respondent")
    client.force_login(w.mediator_user)
    response = act(
        client,
        d,
        "recuse",
        mediator=w.mediator.pk,
        party=respondent.pk,
        reason="被申请人要求回避",
        replacement=w.mediator2.pk,
    )
    # Off the case, the mediator no longer sees it: back to his ledger.
    assert response["Location"] == "/disputes/"
    assert "王调解 recused; 李司法 takes the case." in followed(client, response)
    live = Assignment.objects.get(dispute=d, ended_at__isnull=True)
    assert live.mediator == w.mediator2


# --- sessions and the agreement ---------------------------------------------------------------


def test_a_session_is_recorded_and_a_missing_field_is_shown(w, client):
    d = in_mediation(w)
    client.force_login(w.mediator_user)
    held = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    bad = act(
        client, d, "session", kind="mediation", held_at=held, place="调解室", attendees="双方", minutes=""
    )
    assert bad.status_code == 400
    assert "This field is required." in error_of(bad, "session-minutes")
    assert Session.objects.filter(dispute=d).count() == 1
    good = act(
        client,
        d,
        "session",
        kind="mediation",
        held_at=held,
        place="调解室",
        attendees="双方",
        minutes="第二次调解",
    )
    assert "Session recorded." in followed(client, good)
    assert Session.objects.filter(dispute=d).count() == 2


def test_a_consultation_brings_two_agencies(w, client):
    d = in_mediation(w)
    client.force_login(w.officer)
    held = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    fields = {
        "kind": "consultation",
        "held_at": held,
        "place": "派出所",
        "attendees": "多部门",
        "minutes": "会诊",
    }
    bad = act(client, d, "session", **fields)
    assert "at least two agencies" in error_of(bad, "session-agencies")
    data = {f"session-{k}": v for k, v in fields.items()}
    data["session-agencies"] = [w.c.station_a.pk, w.judicial_office.pk]
    followed(client, client.post(f"/disputes/{d.pk}/do/session/", data))
    assert Dispute.objects.get(pk=d.pk).key_case


def agreement_data(d, **terms):
    respondent = d.parties.get(role="respondent")
    data = {
        "agreement-facts": "双方因漏水发生争执。",
        "agreement-responsibilities": "被申请人负责维修。",
        "agreement-terms-TOTAL_FORMS": "3",
        "agreement-terms-INITIAL_FORMS": "3",
        "agreement-terms-MIN_NUM_FORMS": "0",
        "agreement-terms-MAX_NUM_FORMS": "50",
        "agreement-terms-0-obligor": str(respondent.pk),
        "agreement-terms-0-description": "维修卫生间防水",
        "agreement-terms-0-due_date": (date.today() + timedelta(days=10)).isoformat(),
        "agreement-terms-0-method": "自行维修",
        "agreement-terms-1-obligor": str(respondent.pk),
        "agreement-terms-1-description": "赔偿损失",
        "agreement-terms-1-amount": "1500",
        "agreement-terms-1-due_date": (date.today() + timedelta(days=20)).isoformat(),
        "agreement-terms-1-method": "银行转账",
    }
    data.update({f"agreement-terms-{k}": v for k, v in terms.items()})
    return data


def test_an_agreement_is_drafted_with_several_terms(w, client):
    d = in_mediation(w)
    client.force_login(w.mediator_user)
    response = client.post(f"/disputes/{d.pk}/do/agreement/", agreement_data(d))
    assert "Agreement saved with 2 terms." in followed(client, response)
    agreement = Agreement.objects.get(dispute=d)
    assert [(o.description, o.amount, o.method) for o in agreement.obligations.order_by("due_date")] == [
        ("维修卫生间防水", None, "自行维修"),
        ("赔偿损失", 1500, "银行转账"),
    ]
    assert status(d) == "agreement"
    html = client.get(f"/disputes/{d.pk}/").content.decode()
    assert html.count('data-testid="term-row"') == 5  # the two terms to redraft, and three blank rows


def test_a_term_due_in_the_past_is_refused_and_nothing_is_saved(w, client):
    d = in_mediation(w)
    client.force_login(w.mediator_user)
    response = client.post(
        f"/disputes/{d.pk}/do/agreement/", agreement_data(d, **{"1-due_date": "2001-01-01"})
    )
    assert response.status_code == 400
    assert "Term 2: give a due date from today on." in response.content.decode()
    assert not Agreement.objects.filter(dispute=d).exists()


def test_a_term_without_its_obligor_is_shown_on_the_row(w, client):
    d = in_mediation(w)
    client.force_login(w.mediator_user)
    response = client.post(f"/disputes/{d.pk}/do/agreement/", agreement_data(d, **{"0-obligor": ""}))
    assert response.status_code == 400
    assert "This field is required." in error_of(response, "agreement-terms-0-obligor")
    assert not Agreement.objects.filter(dispute=d).exists()


def test_signing_needs_every_principal(w, client):
    d = in_mediation(w)
    client.force_login(w.mediator_user)
    followed(client, client.post(f"/disputes/{d.pk}/do/agreement/", agreement_data(d)))
    applicant = d.parties.get(role="applicant")
    respondent = d.parties.get(role="respondent")
    bad = client.post(f"/disputes/{d.pk}/do/sign/", {"sign-signed_by": [applicant.pk]})
    assert bad.status_code == 400
    assert "1 of the parties have not signed." in bad.content.decode()
    assert Agreement.objects.get(dispute=d).signed_at is None
    good = client.post(f"/disputes/{d.pk}/do/sign/", {"sign-signed_by": [applicant.pk, respondent.pk]})
    assert "Agreement signed" in followed(client, good)
    assert status(d) == "performing"


def test_judicial_confirmation_is_applied_for_and_answered(w, client):
    d = signed(w)
    client.force_login(w.mediator_user)
    bad = act(client, d, "jc_apply", court="")
    assert bad.status_code == 400
    followed(client, act(client, d, "jc_apply", court="柯城区人民法院"))
    assert Agreement.objects.get(dispute=d).jc_status == "pending"
    rejected = act(client, d, "jc_answer", confirmed="no", note="")
    assert rejected.status_code == 400
    assert (
        "This field is required." in error_of(rejected, "jc_answer-note")
        or "reasons" in rejected.content.decode()
    )
    followed(client, act(client, d, "jc_answer", confirmed="yes"))
    assert Agreement.objects.get(dispute=d).jc_status == "confirmed"


def test_terms_are_performed_or_breached_then_the_case_is_reopened(w, client):
    d = signed(w)
    obligation = Obligation.objects.get(agreement__dispute=d)
    client.force_login(w.mediator_user)
    bad = act(client, d, "breach", obligation=obligation.pk, note="", next_route="再次调解")
    assert bad.status_code == 400
    assert Obligation.objects.get(pk=obligation.pk).status == "pending"
    followed(
        client, act(client, d, "breach", obligation=obligation.pk, note="逾期未拆", next_route="再次调解")
    )
    assert status(d) == "breach"
    followed(client, act(client, d, "reopen", reason="违约，重新调解"))
    assert status(d) == "reopened"


def test_performing_the_last_term_waits_for_the_follow_up_which_closes_the_case(w, client):
    d = signed(w)
    obligation = Obligation.objects.get(agreement__dispute=d)
    client.force_login(w.mediator_user)
    html = client.get(f"/disputes/{d.pk}/").content.decode()
    assert 'data-testid="perform"' in html
    followed(client, act(client, d, "perform", obligation=obligation.pk))
    assert status(d) == "follow_up"
    bad = act(client, d, "follow_up", satisfaction="5", recurred="on", note="")
    assert bad.status_code == 400
    assert FollowUp.objects.count() == 0
    response = act(client, d, "follow_up", satisfaction="5", note="双方满意")
    assert "the case is closed" in followed(client, response)
    assert status(d) == "closed"


# --- deadlines, escalation, termination -------------------------------------------------------


def test_an_extension_needs_both_parties_consent(w, client):
    d = in_mediation(w)
    before = d.mediation_deadline
    client.force_login(w.mediator_user)
    bad = act(client, d, "extend", days="15")
    assert bad.status_code == 400
    assert "both parties&#x27; consent" in error_of(bad, "extend-both_parties_consent")
    assert Dispute.objects.get(pk=d.pk).mediation_deadline == before
    followed(client, act(client, d, "extend", days="15", both_parties_consent="on"))
    assert Dispute.objects.get(pk=d.pk).mediation_deadline == before + timedelta(days=15)


def test_escalation_moves_the_case_up_a_tier(w, client):
    d = in_mediation(w)
    client.force_login(w.officer)
    bad = act(client, d, "escalate", trigger="party_request", reason="")
    assert bad.status_code == 400
    assert Dispute.objects.get(pk=d.pk).tier == 1
    response = act(client, d, "escalate", trigger="party_request", reason="申请人要求提级")
    assert "Case escalated to: Township." in followed(client, response)
    assert Dispute.objects.get(pk=d.pk).tier == 2


def test_a_mediator_may_not_escalate(w, client):
    d = in_mediation(w)
    client.force_login(w.mediator_user)
    assert act(client, d, "escalate", trigger="party_request", reason="要求提级").status_code == 403
    assert Dispute.objects.get(pk=d.pk).tier == 1


def test_termination_explains_the_routes_left(w, client):
    d = in_mediation(w)
    client.force_login(w.mediator_user)
    bad = act(client, d, "terminate", reason="被申请人拒绝调解", advised_route="")
    assert bad.status_code == 400
    assert status(d) == "in_mediation"
    followed(client, act(client, d, "terminate", reason="被申请人拒绝调解", advised_route="可向人民法院起诉"))
    d.refresh_from_db()
    assert (d.status, d.advised_route) == ("terminated", "可向人民法院起诉")


# --- tasks, group parties ---------------------------------------------------------------------


def test_a_task_is_given_to_an_agency_and_closed_by_it(w, client):
    d = in_mediation(w)
    client.force_login(w.officer)
    due = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    bad = act(client, d, "task_add", agency=w.judicial_office.pk, title="", due_at=due)
    assert bad.status_code == 400
    assert CaseTask.objects.count() == 0
    followed(
        client, act(client, d, "task_add", agency=w.judicial_office.pk, title="出具法律意见", due_at=due)
    )
    task = CaseTask.objects.get()
    client.force_login(w.mediator2_user)  # of the judicial office: sees the case through its task
    assert client.get(f"/disputes/{d.pk}/").status_code == 200
    empty = act(client, d, "task_done", task=task.pk, result="")
    assert empty.status_code == 400
    followed(client, act(client, d, "task_done", task=task.pk, result="已出具意见书"))
    assert CaseTask.objects.get().done_note == "已出具意见书"


def test_group_parties_are_imported_from_a_spreadsheet_or_nothing_is(w, client):
    d = accepted(w)
    client.force_login(w.officer)
    bad_rows = "姓名,手机号\n王五,123\n"
    bad = client.post(
        f"/disputes/{d.pk}/do/import/",
        {"import-file": SimpleUploadedFile("parties.csv", bad_rows.encode(), content_type="text/csv")},
    )
    assert bad.status_code == 400
    assert "nothing was imported" in bad.content.decode()
    assert d.parties.count() == 2
    rows = "姓名,手机号\n" + "".join(f"会员{i},1390000{i:04d}\n" for i in range(4))
    good = client.post(
        f"/disputes/{d.pk}/do/import/",
        {"import-file": SimpleUploadedFile("parties.csv", rows.encode(), content_type="text/csv")},
    )
    assert "4 parties imported." in followed(client, good)
    d.refresh_from_db()
    assert (d.parties.count(), d.is_group) == (6, True)
    member = d.parties.get(name="会员0")
    followed(client, act(client, d, "progress", party=member.pk, progress="agreed"))
    assert Party.objects.get(pk=member.pk).progress == "agreed"


def test_an_agency_is_brought_into_the_case_from_the_page(w, client):
    d = in_mediation(w)
    client.force_login(w.officer)
    html = client.get(f"/disputes/{d.pk}/").content.decode()
    card = html.split('data-testid="action-agency_add"')[1].split("</details>")[0]
    assert f'value="{w.judicial_office.pk}"' in card
    bad = act(client, d, "agency_add", agency="")
    assert bad.status_code == 400
    assert error_of(bad, "agency_add-agency")
    assert not d.agencies.filter(pk=w.judicial_office.pk).exists()
    response = act(client, d, "agency_add", agency=w.judicial_office.pk)
    assert "joins the case" in followed(client, response)
    assert d.agencies.filter(pk=w.judicial_office.pk).exists()
    html = client.get(f"/disputes/{d.pk}/").content.decode()
    card = html.split('data-testid="action-agency_add"')[1].split("</details>")[0]
    assert f'value="{w.judicial_office.pk}"' not in card  # already on the case: not offered again


def test_the_escalation_form_offers_the_persons_triggers_only(w, client):
    d = in_mediation(w)
    client.force_login(w.officer)
    html = client.get(f"/disputes/{d.pk}/").content.decode()
    card = html.split('data-testid="action-escalate"')[1].split("</details>")[0]
    assert 'value="party_request"' in card and 'value="time_box"' not in card
    assert act(client, d, "escalate", trigger="time_box", reason="超时").status_code == 400
    assert Dispute.objects.get(pk=d.pk).tier == 1


def test_the_page_offers_what_the_state_table_allows(w, client):
    d = registered(w)
    client.force_login(w.officer)
    html = client.get(f"/disputes/{d.pk}/").content.decode()
    offered = {
        a for a in ("triage", "accept", "assign", "escalate", "reopen") if f'data-testid="action-{a}"' in html
    }
    assert offered == {a for a in ("triage", "accept", "assign", "escalate", "reopen") if d.can(a)}


# --- rights -----------------------------------------------------------------------------------


def test_a_user_who_only_follows_the_case_may_not_act_on_it(w, client):
    d = registered(w)
    client.force_login(w.grid_worker)
    assert act(client, d, "triage", decision="accept", complexity="simple").status_code == 403
    assert act(client, d, "consent", party=d.parties.first().pk, rights_informed="on").status_code == 403
    assert status(d) == "registered"
    assert events(d) == ["registered"]


def test_actions_need_a_login_and_a_known_name(w, client):
    d = registered(w)
    response = act(client, d, "triage", decision="accept", complexity="simple")
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(w.officer)
    assert client.post(f"/disputes/{d.pk}/do/nonsense/").status_code == 404
    assert client.get(f"/disputes/{d.pk}/do/triage/").status_code == 405
    assert status(d) == "registered"


def test_an_action_the_status_no_longer_allows_shows_why(w, client):
    d = in_mediation(w)
    client.force_login(w.officer)
    response = act(client, d, "triage", decision="accept", complexity="simple")
    assert response.status_code == 409
    assert "This cannot be done while the status is “In mediation”." in response.content.decode()


def test_a_task_can_only_be_closed_once(w, client):
    d = in_mediation(w)
    task = case_task_create(
        actor=w.officer,
        dispute=d,
        agency=w.judicial_office,
        title="出具意见",
        due_at=timezone.now() + timedelta(days=1),
    )
    client.force_login(w.officer)
    followed(client, act(client, d, "task_done", task=task.pk, result="完成"))
    followed(client, act(client, d, "task_done", task=task.pk, result="再次完成"))
    assert CaseTask.objects.get().done_note == "完成"


def test_a_breached_case_shows_the_breach_on_the_term(w, client):
    d = signed(w)
    obligation = Obligation.objects.get(agreement__dispute=d)
    obligation_breach(actor=w.officer, obligation=obligation, note="逾期未拆", next_route="申请强制执行")
    client.force_login(w.officer)
    html = client.get(f"/disputes/{d.pk}/").content.decode()
    assert "逾期未拆 → 申请强制执行" in html
    assert 'data-testid="action-reopen"' in html


# --- unmasking --------------------------------------------------------------------------------


def test_police_see_a_phone_once_with_a_logged_reason(w, client):
    d = registered(w)
    applicant = d.parties.get(role="applicant")
    client.force_login(w.officer)
    response = client.post(
        f"/disputes/{d.pk}/unmask/",
        {"unmask-party": applicant.pk, "unmask-field": "phone", "unmask-reason": "电话联系当事人"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert 'data-testid="unmasked-value">13800000001<' in html
    event = AuditEvent.objects.get(verb="personal_data.unmask")
    assert (event.actor, event.reason, event.target_id) == (w.officer, "电话联系当事人", str(d.pk))
    assert "13800000001" not in client.get(f"/disputes/{d.pk}/").content.decode()


def test_unmasking_without_a_real_reason_shows_nothing_and_logs_nothing(w, client):
    d = registered(w)
    applicant = d.parties.get(role="applicant")
    client.force_login(w.officer)
    response = client.post(
        f"/disputes/{d.pk}/unmask/",
        {"unmask-party": applicant.pk, "unmask-field": "phone", "unmask-reason": "看"},
    )
    assert response.status_code == 400
    assert "at least 4 characters" in error_of(response, "unmask-reason")
    assert "13800000001" not in response.content.decode()
    assert not AuditEvent.objects.filter(verb="personal_data.unmask").exists()


def test_the_case_mediator_may_unmask_and_a_township_official_may_not(w, client):
    d = in_mediation(w)
    applicant = d.parties.get(role="applicant")
    data = {"unmask-party": applicant.pk, "unmask-field": "id_number", "unmask-reason": "制作调解协议"}
    client.force_login(w.mediator_user)
    assert "330802199001011232" in client.post(f"/disputes/{d.pk}/unmask/", data).content.decode()
    client.force_login(w.township_official)
    assert 'data-testid="unmask"' not in client.get(f"/disputes/{d.pk}/").content.decode()
    assert client.post(f"/disputes/{d.pk}/unmask/", data).status_code == 403
    assert AuditEvent.objects.filter(verb="personal_data.unmask").count() == 1
