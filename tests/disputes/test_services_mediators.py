"""The mediator pool: proposals by category, place and load; conflicts of interest block an
assignment with the reason; a party's recusal request replaces the mediator and is logged."""

from __future__ import annotations

from unittest import mock

import pytest

from disputes.models import Assignment, Dispute
from disputes.services import (
    PartyInput,
    conflicts_of,
    mediator_assign,
    mediator_recuse,
    mediators_propose,
)
from disputes.services.mediation import mediator_enrol
from governance.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from governance.models import AuditEvent, Membership
from governance.services.people import person_create
from tests.disputes.factories import ID_APPLICANT, ID_OTHER, ID_RESPONDENT, accepted, registered, world

pytestmark = pytest.mark.django_db
R = Membership.Role


def test_proposals_put_the_specialist_of_the_category_first_then_the_nearest_then_the_least_loaded() -> None:
    w = world()
    neighbour = accepted(w)  # category neighbour: the township's people's mediator knows it
    lending = accepted(w, category="lending", summary="民间借贷")
    assert [p.mediator for p in mediators_propose(neighbour)] == [w.mediator, w.mediator2]
    assert [p.mediator for p in mediators_propose(lending)] == [w.mediator2, w.mediator]
    # The other township's mediator does not serve this village.
    assert w.other_mediator not in [p.mediator for p in mediators_propose(neighbour)]


def test_a_full_mediator_goes_down_the_list_and_cannot_be_assigned() -> None:
    w = world()
    w.mediator.max_load = 1
    w.mediator.save(update_fields=["max_load"])
    first = accepted(w)
    mediator_assign(actor=w.officer, dispute=first, mediator=w.mediator)
    second = accepted(w, summary="第二案")
    proposals = mediators_propose(second)
    assert [p.mediator for p in proposals] == [w.mediator2, w.mediator]
    assert (proposals[1].load, proposals[1].available) == (1, False)
    with pytest.raises(Conflict, match="already has 1 open cases"):
        mediator_assign(actor=w.officer, dispute=second, mediator=w.mediator)
    assert not Assignment.objects.filter(dispute=second).exists()


def test_a_mediator_who_is_a_party_is_blocked_with_the_reason() -> None:
    w = world()
    profile = w.mediator_user.profile
    from governance.pii import protect_resident_id

    profile.id_number_encrypted, profile.id_number_hash = protect_resident_id(ID_APPLICANT)
    profile.save(update_fields=["id_number_encrypted", "id_number_hash"])
    dispute = accepted(w)
    with pytest.raises(Conflict) as exc:
        mediator_assign(actor=w.officer, dispute=dispute, mediator=w.mediator)
    assert exc.value.fields == {"mediator": ["The mediator is a party to this case."]}
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.ACCEPTED and not dispute.assignments.exists()


def test_kinship_and_the_same_household_block_the_assignment() -> None:
    w = world()
    user = person_create(
        actor=None, username="kin_mediator", real_name="钱调解", password="x-long-password-1"
    )
    kin = mediator_enrol(
        actor=None,
        user=user,
        team="peoples",
        agency=w.mediation_committee,
        region=w.c.township_a,
        kin_id_numbers=[ID_RESPONDENT],
        household_code="H001",
    )
    dispute = accepted(w)
    reasons = conflicts_of(kin, dispute)
    assert reasons == [
        "The mediator lives in the same household as 张*.",
        "The mediator is kin of 李*.",
    ]
    with pytest.raises(Conflict):
        mediator_assign(actor=w.officer, dispute=dispute, mediator=kin)
    # Shown to the parties, not hidden: the proposals carry the reasons.
    blocked = next(p for p in mediators_propose(dispute) if p.mediator == kin)
    assert not blocked.available and blocked.conflicts == tuple(reasons)


def test_a_mediator_who_is_party_to_a_related_case_is_blocked() -> None:
    w = world()
    from governance.pii import protect_resident_id

    profile = w.mediator_user.profile
    profile.id_number_encrypted, profile.id_number_hash = protect_resident_id(ID_OTHER)
    profile.save(update_fields=["id_number_encrypted", "id_number_hash"])
    # An earlier case between the mediator and this case's respondent.
    related = registered(
        w,
        summary="借款纠纷",
        parties=[
            PartyInput(role="applicant", name="王调解", id_number=ID_OTHER),
            PartyInput(role="respondent", name="李四", id_number=ID_RESPONDENT),
        ],
    )
    dispute = accepted(w)
    assert conflicts_of(w.mediator, dispute) == [
        f"The mediator is a party to the related case {related.number}."
    ]


def test_kin_id_numbers_are_validated_and_kept_only_as_hashes() -> None:
    w = world()
    user = person_create(actor=None, username="kin2", real_name="孙调解", password="x-long-password-1")
    with pytest.raises(ValidationFailed) as exc:
        mediator_enrol(
            actor=None, user=user, team="peoples", agency=w.mediation_committee, region=w.c.township_a,
            kin_id_numbers=["123"],
        )  # fmt: skip
    assert "kin_id_numbers" in exc.value.fields
    m = mediator_enrol(
        actor=None, user=user, team="peoples", agency=w.mediation_committee, region=w.c.township_a,
        kin_id_numbers=[ID_RESPONDENT],
    )  # fmt: skip
    assert ID_RESPONDENT not in str(m.kin_id_hashes) and len(m.kin_id_hashes[0]) == 64


def test_a_party_may_choose_a_mediator_they_trust() -> None:
    w = world()
    dispute = accepted(w)
    applicant = dispute.parties.get(role="applicant")
    assignment = mediator_assign(actor=w.officer, dispute=dispute, mediator=w.mediator2, chosen_by=applicant)
    assert assignment.chosen_by_party_id == applicant.pk
    event = dispute.events.get(verb="mediator_assigned")
    assert "chosen by 张*" in event.note
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.ASSIGNED


def test_assigning_twice_is_a_no_op() -> None:
    w = world()
    dispute = accepted(w)
    first = mediator_assign(actor=w.officer, dispute=dispute, mediator=w.mediator)
    again = mediator_assign(actor=w.officer, dispute=dispute, mediator=w.mediator)
    assert first.pk == again.pk and dispute.events.filter(verb="mediator_assigned").count() == 1


def test_only_managers_assign_mediators() -> None:
    w = world()
    dispute = accepted(w)
    for outsider in (w.mediator_user, w.grid_worker, w.officer_b, w.volunteer):
        with pytest.raises(PermissionDenied):
            mediator_assign(actor=outsider, dispute=dispute, mediator=w.mediator)
    assert not Assignment.objects.exists()


def test_recusal_replaces_the_mediator_logs_it_and_keeps_them_off_the_case() -> None:
    w = world()
    dispute = accepted(w)
    mediator_assign(actor=w.officer, dispute=dispute, mediator=w.mediator)
    respondent = dispute.parties.get(role="respondent")
    replacement = mediator_recuse(
        actor=w.officer, dispute=dispute, mediator=w.mediator, party=respondent, reason="调解员与申请人熟识"
    )
    assert replacement is not None and replacement.mediator == w.mediator2
    ended = Assignment.objects.get(dispute=dispute, mediator=w.mediator)
    assert (ended.end_reason, ended.end_note) == ("recused", "调解员与申请人熟识")
    recusal = dispute.events.get(verb="mediator_recused")
    assert recusal.data == {"mediator": w.mediator.pk, "party": respondent.pk}
    assert AuditEvent.objects.filter(verb="dispute.mediator_recused").count() == 1
    with pytest.raises(Conflict, match="recusal"):
        mediator_assign(actor=w.officer, dispute=dispute, mediator=w.mediator)


def test_recusal_with_nobody_left_sends_the_case_back_to_wait_for_a_mediator() -> None:
    w = world()
    w.mediator2.active = False
    w.mediator2.save(update_fields=["active"])
    dispute = accepted(w)
    mediator_assign(actor=w.officer, dispute=dispute, mediator=w.mediator)
    party = dispute.parties.get(role="applicant")
    assert (
        mediator_recuse(actor=w.officer, dispute=dispute, mediator=w.mediator, party=party, reason="不信任")
        is None
    )
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.ACCEPTED


def test_recusing_a_mediator_who_is_not_on_the_case_is_refused() -> None:
    w = world()
    dispute = accepted(w)
    party = dispute.parties.get(role="applicant")
    with pytest.raises(InvalidTransition):
        mediator_recuse(actor=w.officer, dispute=dispute, mediator=w.mediator, party=party, reason="不信任")


def test_a_back_filled_assignment_tells_nobody(django_capture_on_commit_callbacks) -> None:
    w = world()
    d = accepted(w)
    with mock.patch("disputes.tasks.notify_assigned_task.delay") as told:
        with django_capture_on_commit_callbacks(execute=True):
            mediator_assign(actor=w.officer, dispute=d, mediator=w.mediator, notify=False)
        assert told.call_count == 0
        with django_capture_on_commit_callbacks(execute=True):
            mediator_assign(actor=w.officer, dispute=d, mediator=w.mediator2)
        assert told.call_count == 1
    assert Assignment.objects.filter(dispute=d, ended_at__isnull=True).count() == 2
