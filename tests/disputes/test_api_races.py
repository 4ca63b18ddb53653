"""Retries that arrive together on real PostgreSQL connections: one record, and every request
gets it back."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from disputes.models import Dispute, ScreeningVisit
from disputes.services import campaign_assign, campaign_create
from tests.disputes.factories import world
from tests.governance.test_races import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_visit_sent_several_times_at_once_is_recorded_once() -> None:
    w = world()
    campaign = campaign_create(
        actor=w.officer, name="排查", season="summer", region=w.c.township_a,
        starts_on=date(2025, 6, 1), ends_on=date(2025, 8, 31),
    )  # fmt: skip
    assignment = campaign_assign(
        actor=w.officer, campaign=campaign, village=w.c.village_a1, worker=w.grid_worker, households=5
    )
    body = {
        "household": "5幢",
        "result": "finding",
        "category": "neighbour",
        "summary": "漏水纠纷",
        "parties": [{"role": "applicant", "name": "孙七"}, {"role": "respondent", "name": "周八"}],
    }

    def send() -> int:
        api = APIClient()
        api.force_authenticate(w.grid_worker)
        response = api.post(
            f"/api/v1/screening-assignments/{assignment.pk}/visits/",
            body,
            format="json",
            headers={"Idempotency-Key": "visit-race"},
        )
        return response.status_code

    results = race(send, n=6)
    assert set(results) <= {200, 201}, results
    assert ScreeningVisit.objects.count() == 1
    assert Dispute.objects.count() == 1


def test_a_registration_sent_several_times_at_once_makes_one_case() -> None:
    w = world()
    body = {
        "channel": "visit",
        "category": "neighbour",
        "village": w.c.village_a1.code,
        "summary": "宅基地纠纷",
        "parties": [{"role": "applicant", "name": "甲"}, {"role": "respondent", "name": "乙"}],
    }

    def send() -> int:
        api = APIClient()
        api.force_authenticate(w.grid_worker)
        return api.post(
            "/api/v1/disputes/", body, format="json", headers={"Idempotency-Key": "k-1"}
        ).status_code

    results = race(send, n=6)
    assert set(results) <= {200, 201}, results
    assert Dispute.objects.count() == 1
