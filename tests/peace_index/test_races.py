"""Races of the peace index on PostgreSQL (real concurrent transactions): one winner each."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from governance.errors import Conflict, InvalidTransition
from governance.models import IdempotencyKey
from peace_index import services
from peace_index.compute import scores_compute
from peace_index.models import DataSource, ImportBatch, MethodVersion, TownshipReview
from tests.governance.test_races import race
from tests.peace_index.factories import NOW, THIS_MONTH, deliver, peace_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL); the embedded default is SQLite")


@pytest.fixture
def pw():
    with time_machine.travel(NOW, tick=False):
        pw = peace_world()
        deliver(pw, DataSource.CASES, [], recompute=False)
        scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
        yield pw


def test_an_approval_and_a_return_at_once_leave_one_review(pw):
    official = pw.w.township_official

    def decide(i=[0]):  # noqa: B006 - alternate approve and return between the threads
        i[0] += 1
        approve = i[0] % 2 == 0
        return services.review_decide(
            actor=official, township=pw.c.township_a, month=THIS_MONTH, approve=approve,
            comment="" if approve else "再核实", now=NOW + timedelta(minutes=1),
        )  # fmt: skip

    results = race(decide)
    assert TownshipReview.objects.count() == 1
    assert all(isinstance(r, TownshipReview | InvalidTransition) for r in results), results


def test_drafts_created_at_once_get_distinct_numbers_or_a_clear_conflict(pw):
    results = race(
        lambda: services.version_draft_create(actor=pw.w.county_admin, county=pw.c.county, name="v2")
    )
    made = [r for r in results if isinstance(r, MethodVersion)]
    assert all(isinstance(r, MethodVersion | Conflict) for r in results), results
    numbers = list(MethodVersion.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == len(made) + 1


def test_one_delivery_sent_eight_times_at_once_is_imported_once(pw):
    rows = [(2, {"ref": "A1", "village": pw.c.village_a1.code, "date": "2026-10-03", "severity": "minor"})]
    batches_before = ImportBatch.objects.count()
    results = race(
        lambda: services.data_import(
            actor=pw.w.county_admin,
            county=pw.c.county,
            source="cases",
            first_month=THIS_MONTH.replace(month=10),
            last_month=THIS_MONTH.replace(month=10),
            rows=rows,
            idempotency_key="once",
            now=NOW,
            recompute=False,
        )
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(1 for r in results if r.created) == 1
    batch_id = IdempotencyKey.objects.get(key="once").result_id
    assert {r.batch.pk for r in results} == {batch_id}
    assert ImportBatch.objects.count() == batches_before + 1
