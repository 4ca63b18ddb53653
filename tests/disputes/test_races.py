"""Races on real PostgreSQL connections: one winner."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import time_machine

from disputes.models import Assignment, Dispute, DisputeEvent
from disputes.services import dispute_accept, escalation_sweep, mediator_assign
from governance.errors import Conflict
from tests.disputes.factories import accepted, registered, world
from tests.governance.test_races import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_mediators_last_place_goes_to_one_case_only() -> None:
    w = world()
    w.mediator.max_load = 1
    w.mediator.save(update_fields=["max_load"])
    cases = iter([accepted(w, summary=f"纠纷{i}") for i in range(6)])
    results = race(lambda: mediator_assign(actor=w.officer, dispute=next(cases), mediator=w.mediator), n=6)
    assert sum(isinstance(r, Assignment) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 5
    assert Assignment.objects.filter(mediator=w.mediator, ended_at__isnull=True).count() == 1


def test_one_mediator_assigned_to_one_case_from_many_clicks_is_assigned_once() -> None:
    w = world()
    dispute = accepted(w)
    results = race(lambda: mediator_assign(actor=w.officer, dispute=dispute, mediator=w.mediator), n=6)
    assert all(isinstance(r, Assignment) for r in results), results
    assert Assignment.objects.filter(dispute=dispute).count() == 1
    assert DisputeEvent.objects.filter(dispute=dispute, verb="mediator_assigned").count() == 1


def test_concurrent_registrations_with_one_key_make_one_case() -> None:
    w = world()
    results = race(lambda: registered(w, idempotency_key="phone-form-7"), n=8)
    assert all(isinstance(r, Dispute) for r in results), results
    assert Dispute.objects.count() == 1


def test_concurrent_acceptance_accepts_once() -> None:
    from disputes.services import dispute_triage, party_consent

    w = world()
    dispute = registered(w)
    dispute_triage(actor=w.officer, dispute=dispute, decision="accept")
    for party in dispute.parties.all():
        party_consent(actor=w.officer, party=party, rights_informed=True)
    results = race(lambda: dispute_accept(actor=w.officer, dispute=dispute), n=6)
    assert all(isinstance(r, Dispute) for r in results), results
    assert DisputeEvent.objects.filter(dispute=dispute, verb="accepted").count() == 1


def test_overlapping_escalation_sweeps_move_each_case_once() -> None:
    w = world()
    t0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(t0, tick=False):
        for i in range(20):
            accepted(w, summary=f"纠纷{i}")
    counter = itertools.count()
    with time_machine.travel(t0 + dt.timedelta(days=8), tick=False):
        results = race(lambda: (next(counter), escalation_sweep())[1], n=4)
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 20
    assert DisputeEvent.objects.filter(verb="escalated").count() == 20
    assert set(Dispute.objects.values_list("tier", flat=True)) == {2}
