"""The peace index on a real worker (Redis and PostgreSQL, the ``scores`` queue): a recomputation
started by an administrator runs month by month and shows its progress; a burst of marks costs
one recomputation."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from governance.months import current_month
from peace_index.models import DataSource, RecomputeRun, VillageScore
from peace_index.services import recompute_mark, recompute_start
from tests.integration.conftest import wait_for
from tests.peace_index.factories import deliver, peace_world

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_recomputation_runs_on_the_worker_and_shows_its_progress(worker, worker_log):
    pw = peace_world()
    # The worker scores the month of the real clock, so the delivery is made at the real time.
    now = timezone.now()
    deliver(
        pw, DataSource.CASES, [], recompute=False, first=current_month(now), last=current_month(now), now=now
    )
    run = recompute_start(actor=pw.w.county_admin, county=pw.c.county)
    wait_for(
        lambda: RecomputeRun.objects.get(pk=run.pk).status == "done",
        what=f"the run\n{worker_log.read_text()[-2000:]}",
    )
    run.refresh_from_db()
    assert (run.done, run.scores_written) == (1, 3)
    assert VillageScore.objects.filter(month=current_month(), version=pw.version).count() == 3


@override_settings(PEACE_INDEX_DEBOUNCE_SECONDS=1)
def test_a_burst_of_marks_is_recomputed_once_by_the_worker(worker, worker_log):
    pw = peace_world()
    month = current_month()
    for _ in range(10):
        with transaction.atomic():
            recompute_mark(county_id=pw.c.county.pk, month=month)
    wait_for(
        lambda: VillageScore.objects.filter(month=month).count() == 3,
        what=f"the recomputation\n{worker_log.read_text()[-2000:]}",
    )
    done = re.compile(r"Task peace_index\.recompute_pending\[[^\]]+\] succeeded")
    wait_for(lambda: done.search(worker_log.read_text()), what="the task's log line")
    assert len(done.findall(worker_log.read_text())) == 1  # ten marks, one recomputation
