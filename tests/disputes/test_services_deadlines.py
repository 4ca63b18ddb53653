"""Stored deadlines checked by sweeps with a frozen clock: the tiers' time boxes escalate the same
case, reminders go out once, and judicial confirmation is applied for within 30 days."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from disputes.models import Agreement, Dispute, DisputeEvent, Obligation, TierPolicy
from disputes.services import (
    escalation_sweep,
    judicial_confirmation_answer,
    judicial_confirmation_apply,
    mediator_assign,
    reminder_sweep,
)
from governance.errors import InvalidTransition, ValidationFailed
from governance.models import AuditEvent, Notification
from tests.disputes.factories import accepted, signed, world

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
S = Dispute.Status


def at(days: float) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def test_a_village_case_past_its_time_box_moves_to_the_township_then_the_county(
    django_capture_on_commit_callbacks,
) -> None:
    w = world()
    with time_machine.travel(T0, tick=False):
        dispute = accepted(w)
        mediator_assign(actor=w.officer, dispute=dispute, mediator=w.mediator)
    assert dispute.tier == 1 and dispute.tier_deadline == at(7)
    with time_machine.travel(at(6.9), tick=False):
        assert escalation_sweep() == 0
    with time_machine.travel(at(7), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert escalation_sweep() == 1
    dispute.refresh_from_db()
    # The same case, one tier up, with the township's time box (14 days by default).
    assert (dispute.tier, dispute.escalations, dispute.status) == (2, 1, S.ASSIGNED)
    assert dispute.tier_deadline == at(21)
    assert dispute.events.filter(verb="escalated", data__reasons=["time_box"]).count() == 1
    assert AuditEvent.objects.filter(verb="dispute.escalated", target_id=str(dispute.pk)).count() == 1
    # The township official and the case's mediator are told.
    told = set(Notification.objects.filter(kind="dispute.escalated").values_list("recipient_id", flat=True))
    assert told == {w.township_official.pk, w.mediator_user.pk}
    with time_machine.travel(at(21), tick=False):
        assert escalation_sweep() == 1
    dispute.refresh_from_db()
    assert (dispute.tier, dispute.key_case, dispute.tier_deadline) == (3, True, at(51))
    # Past the county's box: a key case, the clock stopped; nothing moves it automatically.
    with time_machine.travel(at(51), tick=False):
        assert escalation_sweep() == 1
        assert escalation_sweep() == 0
    dispute.refresh_from_db()
    assert (dispute.tier, dispute.tier_deadline) == (3, None)
    assert dispute.events.filter(verb="time_box_passed").count() == 1


def test_a_second_sweep_at_the_same_moment_escalates_nothing_twice() -> None:
    w = world()
    with time_machine.travel(T0, tick=False):
        cases = [accepted(w, summary=f"纠纷{i}") for i in range(5)]
    with time_machine.travel(at(8), tick=False):
        assert escalation_sweep() == 5
        assert escalation_sweep() == 0
    assert DisputeEvent.objects.filter(verb="escalated").count() == 5
    assert {d.tier for d in Dispute.objects.filter(pk__in=[c.pk for c in cases])} == {2}


def test_a_county_policy_sets_its_own_time_boxes() -> None:
    w = world()
    TierPolicy.objects.create(county=w.c.county, tier=1, time_box_days=3, mediators=1)
    TierPolicy.objects.create(county=w.c.county, tier=2, time_box_days=5, mediators=2)
    with time_machine.travel(T0, tick=False):
        dispute = accepted(w)
    assert dispute.tier_deadline == at(3)
    with time_machine.travel(at(3), tick=False):
        escalation_sweep()
    dispute.refresh_from_db()
    assert (dispute.tier, dispute.tier_deadline) == (2, at(8))


def test_cases_not_yet_accepted_or_already_resolved_have_no_running_tier_clock() -> None:
    w = world()
    with time_machine.travel(T0, tick=False):
        done = signed(w)
    assert done.tier_deadline is None
    with time_machine.travel(at(100), tick=False):
        assert escalation_sweep() == 0


def test_judicial_confirmation_is_applied_for_within_30_days_of_signing() -> None:
    w = world()
    with time_machine.travel(T0, tick=False):
        dispute = signed(w)
    agreement = Agreement.objects.get(dispute=dispute)
    assert agreement.jc_deadline == at(30)
    with (
        time_machine.travel(at(30) + dt.timedelta(seconds=1), tick=False),
        pytest.raises(InvalidTransition, match=r"30 days .* ended on 2026-04-01"),
    ):
        judicial_confirmation_apply(actor=w.mediator_user, agreement=agreement, court="柯城区人民法院")
    agreement.refresh_from_db()
    assert agreement.jc_status == ""
    with time_machine.travel(at(30), tick=False):
        judicial_confirmation_apply(actor=w.mediator_user, agreement=agreement, court="柯城区人民法院")
        again = judicial_confirmation_apply(
            actor=w.mediator_user, agreement=agreement, court="柯城区人民法院"
        )
    assert again.jc_status == "pending"
    assert dispute.events.filter(verb="jc_applied").count() == 1


def test_the_courts_answer_is_recorded_and_a_rejection_needs_the_reasons() -> None:
    w = world()
    dispute = signed(w)
    agreement = Agreement.objects.get(dispute=dispute)
    with pytest.raises(InvalidTransition, match="No application"):
        judicial_confirmation_answer(actor=w.mediator_user, agreement=agreement, confirmed=True)
    judicial_confirmation_apply(actor=w.mediator_user, agreement=agreement, court="柯城区人民法院")
    with pytest.raises(ValidationFailed):
        judicial_confirmation_answer(actor=w.mediator_user, agreement=agreement, confirmed=False, note="")
    judicial_confirmation_answer(
        actor=w.mediator_user, agreement=agreement, confirmed=False, note="协议内容违反法律"
    )
    agreement.refresh_from_db()
    assert (agreement.jc_status, agreement.jc_note) == ("rejected", "协议内容违反法律")
    with pytest.raises(InvalidTransition, match="already answered"):
        judicial_confirmation_apply(actor=w.mediator_user, agreement=agreement, court="柯城区人民法院")


def test_reminders_go_out_once_before_each_deadline(django_capture_on_commit_callbacks) -> None:
    w = world()
    with time_machine.travel(T0, tick=False):
        dispute = signed(w)  # an obligation due 2099-01-31, the JC deadline 30 days on
        open_case = accepted(w, summary="在办")
        mediator_assign(actor=w.officer, dispute=open_case, mediator=w.mediator)
    Obligation.objects.filter(agreement__dispute=dispute).update(due_date=dt.date(2026, 3, 30))
    with time_machine.travel(at(5), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert reminder_sweep() == {"mediation": 0, "obligation": 0, "confirmation": 0}
    with time_machine.travel(at(26), tick=False), django_capture_on_commit_callbacks(execute=True):
        counts = reminder_sweep()
    assert counts == {"mediation": 0, "obligation": 1, "confirmation": 1}
    with time_machine.travel(at(27.5), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert reminder_sweep() == {"mediation": 1, "obligation": 0, "confirmation": 0}
        assert reminder_sweep() == {"mediation": 0, "obligation": 0, "confirmation": 0}
    kinds = sorted(
        Notification.objects.filter(kind__startswith="dispute.reminder").values_list("kind", flat=True)
    )
    assert kinds == [
        "dispute.reminder.confirmation",
        "dispute.reminder.mediation",
        "dispute.reminder.obligation",
    ]
    assert set(
        Notification.objects.filter(kind__startswith="dispute.reminder").values_list("recipient", flat=True)
    ) == {w.mediator_user.pk}
    assert timezone.now() > T0
