"""Every transition checks where the case stands: out of order is refused with the reason and
changes nothing; repeating a transition that took effect is harmless."""

from __future__ import annotations

import pytest
from django.utils import timezone

from disputes.models import Dispute, DisputeEvent, Obligation, Party
from disputes.services import (
    PartyInput,
    dispute_accept,
    dispute_escalate,
    dispute_register,
    dispute_reopen,
    dispute_terminate,
    dispute_triage,
    follow_up_record,
    mediation_extend,
    obligation_breach,
    obligation_perform,
    party_add,
    party_consent,
    party_unmask,
    session_record,
)
from governance.errors import InvalidTransition, PermissionDenied, ValidationFailed
from governance.models import AuditEvent
from tests.disputes.factories import (
    ID_APPLICANT,
    accepted,
    in_mediation,
    registered,
    signed,
    two_parties,
    world,
)

pytestmark = pytest.mark.django_db
S = Dispute.Status


def test_registration_refuses_bad_input_field_by_field_and_writes_nothing() -> None:
    w = world()
    with pytest.raises(ValidationFailed) as exc:
        dispute_register(
            actor=w.grid_worker,
            channel="telepathy",
            category="land",
            village_code="999",
            summary="",
            amount="-5",
            parties=[
                PartyInput(role="applicant", name="张三", phone="12345", id_number="330802199001011230")
            ],
        )
    fields = exc.value.fields
    assert set(fields) == {"channel", "village", "summary", "amount", "parties"}
    assert "phone" in fields["parties"][0] and "id_number" in fields["parties"][0]
    assert Dispute.objects.count() == 0 and Party.objects.count() == 0


def test_registration_needs_both_sides() -> None:
    w = world()
    with pytest.raises(ValidationFailed) as exc:
        registered(w, parties=two_parties()[:1])
    assert exc.value.fields["parties"] == ["Name at least one applicant and one respondent."]


def test_registering_twice_with_one_key_makes_one_case() -> None:
    w = world()
    first = registered(w, idempotency_key="grid-phone-42")
    again = registered(w, idempotency_key="grid-phone-42")
    assert first.pk == again.pk and Dispute.objects.count() == 1


def test_a_grid_worker_may_register_only_in_their_own_village() -> None:
    w = world()
    with pytest.raises(PermissionDenied):
        registered(w, village_code=w.c.village_b1.code)
    assert Dispute.objects.count() == 0


def test_parties_personal_data_is_stored_encrypted_and_shown_masked() -> None:
    w = world()
    dispute = registered(w)
    applicant = dispute.parties.get(role="applicant")
    assert (
        ID_APPLICANT not in applicant.id_number_encrypted and "13800000001" not in applicant.phone_encrypted
    )
    assert applicant.masked_id_number == "330802********1232"
    assert applicant.masked_phone == "138****0001"
    assert applicant.masked_name == "张*"


def test_not_accepted_needs_the_other_process_and_its_status() -> None:
    w = world()
    dispute = registered(w)
    with pytest.raises(ValidationFailed) as exc:
        dispute_triage(actor=w.officer, dispute=dispute, decision="not_accepted", reason="已起诉")
    assert set(exc.value.fields) == {"other_process", "other_process_status"}
    dispute_triage(
        actor=w.officer,
        dispute=dispute,
        decision="not_accepted",
        reason="已起诉",
        other_process="court",
        other_process_status="法院已立案，待开庭",
    )
    dispute.refresh_from_db()
    assert (dispute.status, dispute.other_process) == (S.NOT_ACCEPTED, "court")
    assert dispute.closed_at is not None


def test_referral_to_police_needs_the_reason_and_the_route() -> None:
    w = world()
    dispute = registered(w)
    with pytest.raises(ValidationFailed) as exc:
        dispute_triage(actor=w.officer, dispute=dispute, decision="refer_police")
    assert set(exc.value.fields) == {"reason", "advised_route"}
    dispute_triage(
        actor=w.officer,
        dispute=dispute,
        decision="refer_police",
        reason="有持刀威胁",
        advised_route="转派出所治安立案",
    )
    dispute.refresh_from_db()
    assert dispute.status == S.REFERRED_POLICE
    with pytest.raises(InvalidTransition, match="Referred to police"):
        dispute_triage(actor=w.officer, dispute=dispute, decision="accept")


def test_triage_by_someone_without_the_right_is_refused_and_changes_nothing() -> None:
    w = world()
    dispute = registered(w)
    for outsider in (w.officer_b, w.grid_worker, w.volunteer, w.mediator_user):
        with pytest.raises(PermissionDenied):
            dispute_triage(actor=outsider, dispute=dispute, decision="accept")
    dispute.refresh_from_db()
    assert dispute.status == S.REGISTERED
    assert list(dispute.events.values_list("verb", flat=True)) == ["registered"]


def test_complexity_and_urgency_set_the_tier_and_how_many_mediators() -> None:
    w = world()
    simple = registered(w)
    dispute_triage(actor=w.officer, dispute=simple, decision="accept")
    difficult = registered(w, summary="复杂纠纷")
    dispute_triage(actor=w.officer, dispute=difficult, decision="accept", complexity="difficult")
    urgent = registered(w, summary="紧急纠纷")
    dispute_triage(actor=w.officer, dispute=urgent, decision="accept", urgent=True)
    tiers = {d.summary: (d.tier, d.mediators_needed, d.key_case) for d in Dispute.objects.all()}
    assert tiers == {"宅基地边界纠纷": (1, 1, False), "复杂纠纷": (3, 3, True), "紧急纠纷": (2, 2, False)}


def test_consent_needs_the_party_told_their_rights() -> None:
    w = world()
    dispute = registered(w)
    party = dispute.parties.first()
    assert party is not None
    with pytest.raises(ValidationFailed) as exc:
        party_consent(actor=w.officer, party=party, rights_informed=False)
    assert "rights_informed" in exc.value.fields
    party.refresh_from_db()
    assert party.consented_at is None


def test_acceptance_waits_for_both_sides_consent() -> None:
    w = world()
    dispute = registered(w)
    dispute_triage(actor=w.officer, dispute=dispute, decision="accept")
    applicant = dispute.parties.get(role="applicant")
    party_consent(actor=w.officer, party=applicant, rights_informed=True)
    with pytest.raises(InvalidTransition, match="still missing: 李\\*"):
        dispute_accept(actor=w.officer, dispute=dispute)
    dispute.refresh_from_db()
    assert dispute.status == S.TRIAGED and dispute.accepted_at is None


def test_acceptance_before_triage_is_refused_with_the_reason() -> None:
    w = world()
    dispute = registered(w)
    with pytest.raises(InvalidTransition, match="“Registered”"):
        dispute_accept(actor=w.officer, dispute=dispute)


def test_acceptance_starts_the_30_days_and_the_tier_time_box_and_twice_is_a_no_op() -> None:
    w = world()
    dispute = accepted(w)
    assert dispute.accepted_at is not None and dispute.mediation_deadline is not None
    assert (dispute.mediation_deadline - dispute.accepted_at).days == 30
    assert dispute.tier_deadline is not None and (dispute.tier_deadline - dispute.accepted_at).days == 7
    events = DisputeEvent.objects.count()
    dispute_accept(actor=w.officer, dispute=dispute)
    assert DisputeEvent.objects.count() == events


def test_a_mediation_session_before_a_mediator_is_assigned_is_refused() -> None:
    w = world()
    dispute = accepted(w)
    with pytest.raises(InvalidTransition):
        session_record(
            actor=w.officer,
            dispute=dispute,
            held_at=dispute.accepted_at,
            attendees="双方",
            minutes="x",
            place="室",
        )


def test_a_consultation_brings_several_agencies_and_marks_a_key_case() -> None:
    w = world()
    dispute = accepted(w)
    with pytest.raises(ValidationFailed) as exc:
        session_record(
            actor=w.officer,
            dispute=dispute,
            held_at=dispute.accepted_at,
            attendees="多部门",
            minutes="会诊",
            place="司法所",
            kind="consultation",
            agencies=[w.court],
        )
    assert "agencies" in exc.value.fields
    session_record(
        actor=w.officer,
        dispute=dispute,
        held_at=dispute.accepted_at,
        attendees="派出所、法庭、司法所",
        minutes="会诊意见",
        place="司法所",
        kind="consultation",
        agencies=[w.court, w.judicial_office, w.c.station_a],
    )
    dispute.refresh_from_db()
    assert dispute.key_case
    assert set(dispute.agencies.values_list("pk", flat=True)) == {
        w.court.pk,
        w.judicial_office.pk,
        w.c.station_a.pk,
    }


def test_a_longer_mediation_needs_both_parties_consent() -> None:
    w = world()
    dispute = in_mediation(w)
    before = dispute.mediation_deadline
    with pytest.raises(ValidationFailed):
        mediation_extend(actor=w.mediator_user, dispute=dispute, days=15, both_parties_consent=False)
    dispute.refresh_from_db()
    assert dispute.mediation_deadline == before
    mediation_extend(actor=w.mediator_user, dispute=dispute, days=15, both_parties_consent=True)
    dispute.refresh_from_db()
    assert before is not None and dispute.mediation_deadline is not None
    assert (dispute.mediation_deadline - before).days == 15


def test_signing_needs_every_principal_party() -> None:
    from disputes.services import TermInput, agreement_draft, agreement_sign

    w = world()
    dispute = in_mediation(w)
    respondent = dispute.parties.get(role="respondent")
    agreement = agreement_draft(
        actor=w.mediator_user,
        dispute=dispute,
        facts="事实",
        responsibilities="责任",
        terms=[TermInput(obligor_id=respondent.pk, description="赔偿", due_date="2099-01-01", amount="500")],
    )
    with pytest.raises(ValidationFailed) as exc:
        agreement_sign(actor=w.mediator_user, agreement=agreement, signed_by=[respondent.pk])
    assert "signed_by" in exc.value.fields
    agreement.refresh_from_db()
    assert agreement.signed_at is None


def test_terms_must_name_a_party_of_the_case_and_a_date_from_today() -> None:
    from disputes.services import TermInput, agreement_draft

    w = world()
    dispute = in_mediation(w)
    other = registered(w, summary="另一案").parties.first()
    assert other is not None
    with pytest.raises(ValidationFailed) as exc:
        agreement_draft(
            actor=w.mediator_user,
            dispute=dispute,
            facts="事实",
            responsibilities="责任",
            terms=[TermInput(obligor_id=other.pk, description="赔偿", due_date="2000-01-01", amount="abc")],
        )
    problems = exc.value.fields["terms"]
    assert problems == [
        "Term 1: the obligor must be a party to this case.",
        "Term 1: give a due date from today on.",
        "Term 1: the amount is not a valid sum in yuan.",
    ]
    dispute.refresh_from_db()
    assert dispute.status == S.IN_MEDIATION


def test_a_signed_agreement_without_terms_goes_straight_to_follow_up() -> None:
    w = world()
    dispute = signed(w, terms=False)
    assert dispute.status == S.FOLLOW_UP and dispute.resolved_tier == 1


def test_a_breach_is_recorded_with_the_next_route_and_the_case_can_be_reopened() -> None:
    w = world()
    dispute = signed(w)
    obligation = Obligation.objects.get(agreement__dispute=dispute)
    with pytest.raises(ValidationFailed) as exc:
        obligation_breach(actor=w.mediator_user, obligation=obligation, note="", next_route="")
    assert set(exc.value.fields) == {"note", "next_route"}
    obligation_breach(actor=w.mediator_user, obligation=obligation, note="逾期未拆除", next_route="再次调解")
    dispute.refresh_from_db()
    assert dispute.status == S.BREACH
    with pytest.raises(InvalidTransition, match="recorded as breached"):
        obligation_perform(actor=w.mediator_user, obligation=obligation)
    dispute_reopen(actor=w.mediator_user, dispute=dispute, reason="当事人要求再次调解")
    dispute.refresh_from_db()
    assert dispute.status == S.REOPENED and dispute.resolved_at is None and dispute.tier_deadline is not None


def test_a_follow_up_that_finds_the_dispute_recurred_reopens_it() -> None:
    w = world()
    dispute = signed(w, terms=False)
    with pytest.raises(ValidationFailed):
        follow_up_record(actor=w.mediator_user, dispute=dispute, satisfaction=2, recurred=True, note="")
    follow_up_record(
        actor=w.mediator_user, dispute=dispute, satisfaction=2, recurred=True, note="围墙又被加高"
    )
    dispute.refresh_from_db()
    assert dispute.status == S.REOPENED and dispute.closed_at is None


def test_a_case_closes_only_from_follow_up() -> None:
    w = world()
    dispute = in_mediation(w)
    with pytest.raises(InvalidTransition):
        follow_up_record(actor=w.mediator_user, dispute=dispute, satisfaction=5, recurred=False)
    with pytest.raises(ValidationFailed):
        follow_up_record(actor=w.mediator_user, dispute=signed(w), satisfaction=9, recurred=False)


def test_termination_explains_the_routes_and_ends_the_mediators_work() -> None:
    w = world()
    dispute = in_mediation(w)
    with pytest.raises(ValidationFailed):
        dispute_terminate(actor=w.mediator_user, dispute=dispute, reason="申请人拒绝调解", advised_route="")
    dispute_terminate(
        actor=w.mediator_user, dispute=dispute, reason="申请人拒绝调解", advised_route="可向人民法院起诉"
    )
    dispute.refresh_from_db()
    assert dispute.status == S.TERMINATED
    assert not dispute.assignments.filter(ended_at__isnull=True).exists()
    with pytest.raises(InvalidTransition):
        dispute_escalate(actor=w.officer, dispute=dispute, reason="x")


def test_red_risk_five_parties_cross_village_or_a_government_party_raise_the_tier_at_once() -> None:
    w = world()
    red = registered(w, risk="red")
    government = registered(
        w,
        parties=[*two_parties(), PartyInput(role="third", kind="government", name="荷花街道办事处")],
    )
    cross = registered(
        w,
        parties=[
            PartyInput(role="applicant", name="张三"),
            PartyInput(role="respondent", name="王五", village_code=w.c.village_a2.code),
        ],
    )
    group = registered(
        w, parties=[*two_parties(), *[PartyInput(role="applicant", name=f"业主{i}") for i in range(3)]]
    )
    assert (red.tier, government.tier, cross.tier, group.tier) == (3, 2, 2, 2)
    assert group.is_group and group.key_case and red.key_case
    assert red.events.filter(verb="escalated", data__reasons=["red_risk"]).exists()


def test_a_party_request_escalates_one_tier_and_then_to_a_sector_authority() -> None:
    w = world()
    dispute = accepted(w)
    dispute_escalate(actor=w.officer, dispute=dispute, reason="当事人申请提级")
    dispute_escalate(actor=w.officer, dispute=dispute, reason="乡镇调解未果")
    dispute.refresh_from_db()
    assert (dispute.tier, dispute.escalations, dispute.key_case) == (3, 2, True)
    with pytest.raises(InvalidTransition, match="sector authority"):
        dispute_escalate(actor=w.officer, dispute=dispute, reason="县级未果")
    dispute_escalate(actor=w.officer, dispute=dispute, reason="转行业主管部门", sector_agency=w.court)
    dispute.refresh_from_db()
    assert (dispute.tier, dispute.sector_agency_id) == (4, w.court.pk)


def test_a_case_from_alerts_takes_the_other_side_before_acceptance() -> None:
    w = world()
    dispute, _ = dispute_register(
        actor=None,
        channel="alert",
        category="other",
        village_code=w.c.village_a1.code,
        summary="反复报警：噪音",
        parties=[PartyInput(role="applicant", name="报警人")],
    )
    dispute_triage(actor=w.officer, dispute=dispute, decision="accept")
    party_consent(actor=w.officer, party=dispute.parties.get(), rights_informed=True)
    with pytest.raises(InvalidTransition, match="applicant and the respondent"):
        dispute_accept(actor=w.officer, dispute=dispute)
    respondent = party_add(
        actor=w.officer, dispute=dispute, party=PartyInput(role="respondent", name="楼上住户")
    )
    party_consent(actor=w.officer, party=respondent, rights_informed=True)
    assert dispute_accept(actor=w.officer, dispute=dispute).status == S.ACCEPTED


def test_unmasking_a_party_needs_the_right_and_a_reason_and_is_logged() -> None:
    w = world()
    dispute = accepted(w)
    applicant = dispute.parties.get(role="applicant")
    with pytest.raises(ValidationFailed):
        party_unmask(actor=w.officer, party=applicant, field="phone", reason="")
    for outsider in (w.volunteer, w.grid_worker, w.officer_b, w.mediator_user, w.township_official):
        with pytest.raises(PermissionDenied):
            party_unmask(actor=outsider, party=applicant, field="phone", reason="联系当事人")
    assert not AuditEvent.objects.filter(verb="personal_data.unmask").exists()
    assert (
        party_unmask(actor=w.officer, party=applicant, field="id_number", reason="核实身份") == ID_APPLICANT
    )
    event = AuditEvent.objects.get(verb="personal_data.unmask")
    assert (event.actor_id, event.reason) == (w.officer.pk, "核实身份")
    from disputes.services import mediator_assign

    mediator_assign(actor=w.officer, dispute=dispute, mediator=w.mediator)
    assert (
        party_unmask(actor=w.mediator_user, party=applicant, field="phone", reason="约调解时间")
        == "13800000001"
    )


def test_a_reopened_case_is_mediated_again_and_its_new_agreement_supersedes_the_breached_one() -> None:
    from disputes.services import TermInput, agreement_draft, agreement_sign

    w = world()
    dispute = signed(w)
    obligation = Obligation.objects.get(agreement__dispute=dispute)
    obligation_breach(actor=w.mediator_user, obligation=obligation, note="逾期未拆除", next_route="再次调解")
    dispute_reopen(actor=w.mediator_user, dispute=dispute, reason="当事人要求再次调解")
    # The mediator is still on the case: the next session puts it back in mediation.
    session_record(
        actor=w.mediator_user,
        dispute=dispute,
        held_at=timezone.now(),
        attendees="双方",
        minutes="再次调解",
        place="室",
    )
    dispute.refresh_from_db()
    assert dispute.status == S.IN_MEDIATION
    respondent = dispute.parties.get(role="respondent")
    agreement = agreement_draft(
        actor=w.mediator_user,
        dispute=dispute,
        facts="再次调解",
        responsibilities="被申请人赔偿",
        terms=[
            TermInput(obligor_id=respondent.pk, description="赔偿损失", due_date="2099-03-01", amount="2000")
        ],
    )
    assert agreement.signed_at is None and agreement.jc_deadline is None
    assert list(agreement.obligations.values_list("description", flat=True)) == ["赔偿损失"]
    superseded = dispute.events.get(verb="agreement_superseded")
    assert superseded.data["terms"][0]["description"] == "拆除越界围墙"
    assert superseded.data["terms"][0]["status"] == "breached" and superseded.data["signed_at"]
    agreement_sign(
        actor=w.mediator_user, agreement=agreement, signed_by=[p.pk for p in dispute.parties.all()]
    )
    dispute.refresh_from_db()
    assert dispute.status == S.PERFORMING and dispute.resolved_at is not None


def test_a_mediation_session_needs_a_mediator_on_the_case() -> None:
    w = world()
    dispute = signed(w)
    obligation_breach(
        actor=w.mediator_user,
        obligation=Obligation.objects.get(agreement__dispute=dispute),
        note="x",
        next_route="y",
    )
    dispute_reopen(actor=w.officer, dispute=dispute, reason="再次调解")
    from disputes.models import Assignment

    Assignment.objects.filter(dispute=dispute).update(ended_at=timezone.now(), end_reason="replaced")
    with pytest.raises(InvalidTransition, match="Assign a mediator"):
        session_record(
            actor=w.officer,
            dispute=dispute,
            held_at=timezone.now(),
            attendees="双方",
            minutes="x",
            place="室",
        )


def test_a_new_case_is_announced_to_the_township_but_a_back_filled_one_is_not(
    django_capture_on_commit_callbacks,
) -> None:
    from governance.models import Notification

    w = world()
    with django_capture_on_commit_callbacks(execute=True):
        registered(w, summary="新登记")
        registered(w, summary="历史案件", notify=False)
    titles = list(Notification.objects.filter(recipient=w.township_official).values_list("title", flat=True))
    assert len(titles) == 1 and "新登记" in titles[0]
