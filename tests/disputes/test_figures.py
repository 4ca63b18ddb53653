"""The disputes' figures count what happened, by category and season, for the user's area."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from disputes.figures import dispute_figures
from disputes.models import Obligation
from disputes.services import dispute_escalate, follow_up_record, obligation_breach, obligation_perform
from tests.disputes.factories import accepted, registered, signed, world

pytestmark = pytest.mark.django_db


def at(month: int, day: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, 2, 0, tzinfo=dt.UTC)


def test_rates_times_and_seasons_over_a_year() -> None:
    w = world()
    with time_machine.travel(at(4), tick=False):  # spring: land, resolved at the village
        land = signed(w, category="land", summary="土地")
    with time_machine.travel(at(4, 14), tick=False):
        obligation_perform(actor=w.mediator_user, obligation=Obligation.objects.get(agreement__dispute=land))
        follow_up_record(actor=w.mediator_user, dispute=land, satisfaction=5, recurred=False)
    with time_machine.travel(at(7), tick=False):  # summer: neighbours, escalated, then breached
        neighbour = accepted(w, summary="邻里")
        dispute_escalate(actor=w.officer, dispute=neighbour, reason="当事人申请")
    with time_machine.travel(at(7, 12), tick=False):
        from disputes.services import mediator_assign, session_record

        mediator_assign(actor=w.officer, dispute=neighbour, mediator=w.mediator)
        session_record(
            actor=w.mediator_user,
            dispute=neighbour,
            held_at=at(7, 12),
            attendees="双方",
            minutes="x",
            place="室",
        )
        from disputes.services import TermInput, agreement_draft, agreement_sign

        respondent = neighbour.parties.get(role="respondent")
        agreement = agreement_draft(
            actor=w.mediator_user, dispute=neighbour, facts="f", responsibilities="r",
            terms=[TermInput(obligor_id=respondent.pk, description="赔偿", due_date="2026-08-01", amount="800")],
        )  # fmt: skip
        agreement_sign(
            actor=w.mediator_user,
            agreement=agreement,
            signed_by=list(neighbour.parties.values_list("pk", flat=True)),
        )
    with time_machine.travel(at(8, 5), tick=False):
        obligation_breach(
            actor=w.mediator_user,
            obligation=Obligation.objects.get(agreement__dispute=neighbour),
            note="未付",
            next_route="起诉",
        )
    with time_machine.travel(at(12), tick=False):  # winter: lending, only registered
        registered(w, category="lending", summary="借贷")
    with time_machine.travel(at(12, 20), tick=False):  # another village's case: not the township's
        registered(
            w, actor=w.county_admin, village_code=w.c.village_b1.code, category="lending", summary="外镇"
        )

    f = dispute_figures(w.township_official, since=dt.date(2026, 1, 1), until=dt.date(2027, 1, 1))
    assert (f.registered, f.accepted, f.resolved, f.resolved_at_village, f.closed) == (3, 2, 2, 1, 1)
    assert (f.resolution_rate, f.village_share) == (1.0, 0.5)
    assert (f.obligations_performed, f.obligations_breached, f.performance_rate) == (1, 1, 0.5)
    assert (f.follow_ups, f.mean_satisfaction, f.satisfied_share) == (1, 5.0, 1.0)
    assert f.escalated == 1
    assert f.season_totals == {"spring": 1, "summer": 1, "autumn": 0, "winter": 1}
    rows = {r.category: r for r in f.categories}
    assert set(rows) == {"land", "neighbour", "lending"}
    assert rows["land"].by_season == {"spring": 1} and rows["lending"].resolution_rate == 0.0
    assert rows["land"].mean_days == 0.0 and rows["neighbour"].mean_days == 2.0
    # The county sees both townships.
    assert (
        dispute_figures(w.county_admin, since=dt.date(2026, 1, 1), until=dt.date(2027, 1, 1)).registered == 4
    )
    # Outside the period: nothing.
    assert (
        dispute_figures(w.county_admin, since=dt.date(2025, 1, 1), until=dt.date(2026, 1, 1)).registered == 0
    )


def test_figures_cost_a_fixed_number_of_queries(django_assert_max_num_queries) -> None:
    w = world()
    for i in range(5):
        registered(w, summary=f"纠纷{i}")
    with django_assert_max_num_queries(8):
        f = dispute_figures(w.county_admin, since=dt.date(2000, 1, 1), until=dt.date(2100, 1, 1))
    assert f.registered == 5
