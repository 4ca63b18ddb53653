"""Imports, the township review, methodology versions and the debounced recomputation."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
import time_machine

from governance.errors import InvalidTransition, PermissionDenied, ValidationFailed
from peace_index import services
from peace_index.compute import scores_compute
from peace_index.models import (
    CriminalCase,
    DataCoverage,
    DataSource,
    ImportBatch,
    MethodVersion,
    RecomputeRun,
    SurveyResult,
    TownshipReview,
    VillageScore,
)
from tests.peace_index.factories import NOW, THIS_MONTH, alert, deliver, peace_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw():
    with time_machine.travel(NOW, tick=False):
        yield peace_world()


# --- imports ---


def test_a_delivery_with_a_bad_row_imports_nothing_and_names_each_line(pw):
    rows = [
        {"ref": "A1", "village": pw.c.village_a1.code, "date": "2026-10-03", "severity": "minor"},
        {"ref": "A2", "village": "999999999999", "date": "2026-10-03", "severity": "minor"},
        {"ref": "A3", "village": pw.c.village_a1.code, "date": "2026-13-03", "severity": "huge"},
        {"ref": "A1", "village": pw.c.village_a1.code, "date": "2026-10-04", "severity": "minor"},
    ]
    with pytest.raises(ValidationFailed) as exc:
        deliver(pw, DataSource.CASES, rows)
    assert exc.value.fields["rows"] == [
        "Line 3, village: no village of this county has this code.",
        "Line 4, date: write the date as YYYY-MM-DD.",
        "Line 4, severity: one of minor, ordinary, serious, major.",
        "Line 5: the same as line 2.",
    ]
    assert (CriminalCase.objects.count(), ImportBatch.objects.count(), DataCoverage.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_row_outside_the_delivered_months_is_refused(pw):
    with pytest.raises(ValidationFailed) as exc:
        deliver(
            pw,
            DataSource.CASES,
            [{"ref": "A1", "village": pw.c.village_a1.code, "date": "2025-12-31", "severity": "minor"}],
        )
    assert exc.value.fields["rows"] == ["Line 2, date: outside the months of the delivery."]


def test_a_future_month_and_reversed_months_are_refused_by_field(pw):
    with pytest.raises(ValidationFailed) as exc:
        deliver(pw, DataSource.CASES, [], first=date(2026, 11, 1), last=date(2026, 12, 1))
    assert list(exc.value.fields) == ["last_month"]
    with pytest.raises(ValidationFailed) as exc:
        deliver(pw, DataSource.CASES, [], first=date(2026, 10, 1), last=date(2026, 9, 1))
    assert list(exc.value.fields) == ["first_month"]


def test_a_survey_with_more_safe_than_asked_is_refused(pw):
    with pytest.raises(ValidationFailed) as exc:
        deliver(
            pw,
            DataSource.SURVEYS,
            [{"village": pw.c.village_a1.code, "month": "2026-09", "respondents": "10", "safe": "11"}],
        )
    assert exc.value.fields["rows"][0].startswith("Line 2, respondents:")
    assert SurveyResult.objects.count() == 0


def test_a_new_delivery_replaces_the_months_it_covers(pw):
    a1 = pw.c.village_a1.code
    deliver(pw, DataSource.CASES, [{"ref": "A1", "village": a1, "date": "2026-10-03", "severity": "minor"},
                                   {"ref": "A2", "village": a1, "date": "2026-09-03", "severity": "minor"}], recompute=False)  # fmt: skip
    october = [{"ref": "A3", "village": a1, "date": "2026-10-09", "severity": "major"}]
    # It would remove A1 of October: refused until confirmed, and nothing changes meanwhile.
    with pytest.raises(ValidationFailed) as refused:
        deliver(
            pw, DataSource.CASES, october, first=date(2026, 10, 1), last=date(2026, 10, 1), recompute=False
        )
    assert "confirm_removals" in refused.value.fields
    assert sorted(CriminalCase.objects.values_list("external_ref", flat=True)) == ["A1", "A2"]
    deliver(pw, DataSource.CASES, october, first=date(2026, 10, 1), last=date(2026, 10, 1), recompute=False,
            confirm_removals=True)  # fmt: skip
    assert sorted(CriminalCase.objects.values_list("external_ref", flat=True)) == ["A2", "A3"]


def test_a_dry_run_says_what_a_delivery_adds_changes_and_removes_and_writes_nothing(pw):
    a1, a2 = pw.c.village_a1, pw.c.village_a2
    deliver(pw, DataSource.CASES, [
        {"ref": "A1", "village": a1.code, "date": "2026-10-03", "severity": "minor"},
        {"ref": "A2", "village": a1.code, "date": "2026-10-05", "severity": "minor"},
        {"ref": "A3", "village": a2.code, "date": "2026-10-07", "severity": "minor"},
    ], first=date(2026, 10, 1), last=date(2026, 10, 1), recompute=False)  # fmt: skip
    batches = ImportBatch.objects.count()
    result = deliver(pw, DataSource.CASES, [
        {"ref": "A1", "village": a1.code, "date": "2026-10-03", "severity": "minor"},  # the same
        {"ref": "A2", "village": a1.code, "date": "2026-10-05", "severity": "serious"},  # changed
        {"ref": "A4", "village": a2.code, "date": "2026-10-08", "severity": "minor"},  # added; A3 removed
    ], first=date(2026, 10, 1), last=date(2026, 10, 1), recompute=False, dry_run=True)  # fmt: skip
    p = result.preview
    assert result.batch is None and (p.added, p.changed, p.removed) == (1, 1, 1)
    cells = {(r["village_id"], r["month"]): (r["added"], r["changed"], r["removed"]) for r in p.rows}
    assert cells == {(a1.pk, date(2026, 10, 1)): (0, 1, 0), (a2.pk, date(2026, 10, 1)): (1, 0, 1)}
    assert ImportBatch.objects.count() == batches and CriminalCase.objects.count() == 3
    assert CriminalCase.objects.get(external_ref="A2").severity == "minor"


def test_a_retried_delivery_with_its_key_imports_nothing_twice(pw):
    rows = [{"ref": "A1", "village": pw.c.village_a1.code, "date": "2026-10-03", "severity": "minor"}]
    first = deliver(pw, DataSource.CASES, rows, idempotency_key="k1", recompute=False)
    again = deliver(pw, DataSource.CASES, rows, idempotency_key="k1", recompute=False)
    assert (first.created, again.created, again.batch.pk) == (True, False, first.batch.pk)
    assert (ImportBatch.objects.count(), CriminalCase.objects.count()) == (1, 1)


def test_only_the_county_administrator_imports(pw):
    with pytest.raises(PermissionDenied):
        services.data_import(actor=pw.w.township_official, county=pw.c.county, source="cases",
                             first_month=THIS_MONTH, last_month=THIS_MONTH, rows=[], now=NOW)  # fmt: skip
    assert ImportBatch.objects.count() == 0


def test_an_import_file_is_read_with_chinese_headers(pw):
    content = f"案件编号,村代码,发案日期,严重程度,否决事件,迟报瞒报\nA9,{pw.c.village_a1.code},2026-10-02,重大,,是\n"
    result = services.data_import_file(
        actor=pw.w.county_admin, county=pw.c.county, source="cases", first_month=date(2026, 10, 1),
        last_month=date(2026, 10, 1), file_name="cases.csv", content=content.encode(),
    )  # fmt: skip
    case = CriminalCase.objects.get(batch=result.batch)
    assert (case.severity, case.reported_late, case.veto) == ("major", True, "")


# --- township review ---


def scored(pw):
    deliver(pw, DataSource.CASES, [], recompute=False)
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)


def test_approving_twice_is_a_no_op(pw):
    scored(pw)
    with time_machine.travel(NOW, tick=False):
        first = services.review_decide(
            actor=pw.w.township_official, township=pw.c.township_a, month=THIS_MONTH, approve=True
        )
        again = services.review_decide(
            actor=pw.w.township_official, township=pw.c.township_a, month=THIS_MONTH, approve=True
        )
    assert first.pk == again.pk and TownshipReview.objects.count() == 1


def test_returning_needs_a_comment_and_an_approved_month_cannot_be_returned(pw):
    scored(pw)
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(ValidationFailed) as exc:
            services.review_decide(
                actor=pw.w.township_official, township=pw.c.township_a, month=THIS_MONTH, approve=False
            )
        assert list(exc.value.fields) == ["comment"]
        returned = services.review_decide(
            actor=pw.w.township_official,
            township=pw.c.township_a,
            month=THIS_MONTH,
            approve=False,
            comment="核实下张村的案件数",
        )
        assert returned.status == "returned"
        services.review_decide(
            actor=pw.w.township_official, township=pw.c.township_a, month=THIS_MONTH, approve=True
        )
        with pytest.raises(InvalidTransition):
            services.review_decide(
                actor=pw.w.township_official,
                township=pw.c.township_a,
                month=THIS_MONTH,
                approve=False,
                comment="再看看",
            )
    assert TownshipReview.objects.get().status == "approved"


def test_another_townships_official_cannot_review(pw):
    scored(pw)
    with time_machine.travel(NOW, tick=False), pytest.raises(PermissionDenied):
        services.review_decide(actor=pw.official_b, township=pw.c.township_a, month=THIS_MONTH, approve=True)
    assert TownshipReview.objects.count() == 0


def test_a_month_without_scores_cannot_be_reviewed(pw):
    with time_machine.travel(NOW, tick=False), pytest.raises(InvalidTransition):
        services.review_decide(
            actor=pw.w.township_official, township=pw.c.township_a, month=THIS_MONTH, approve=True
        )


# --- methodology versions ---


def test_a_published_version_is_frozen(pw):
    with pytest.raises(InvalidTransition):
        services.version_draft_update(actor=pw.w.county_admin, version=pw.version, name="changed")
    assert MethodVersion.objects.get(pk=pw.version.pk).name == "v1"


def test_unsound_parameters_are_refused_and_nothing_is_saved(pw):
    params = dict(pw.version.params, dimensions={"incidents": 25})
    with pytest.raises(ValidationFailed) as exc:
        services.version_draft_create(actor=pw.w.county_admin, county=pw.c.county, name="v2", params=params)
    assert list(exc.value.fields) == ["params.dimensions"]
    assert MethodVersion.objects.count() == 1


def test_publishing_retires_the_old_version_and_recomputes_earlier_months_under_the_new(
    pw, django_capture_on_commit_callbacks
):
    scored(pw)
    params = dict(
        pw.version.params, dimensions={"incidents": 10, "cases": 40, "petitions": 20, "sentiment": 30}
    )
    with time_machine.travel(NOW, tick=False):
        draft = services.version_draft_create(
            actor=pw.w.county_admin, county=pw.c.county, name="v2", params=params
        )
        with django_capture_on_commit_callbacks(execute=True):
            run = services.version_publish(actor=pw.w.county_admin, version=draft)
    run.refresh_from_db()
    assert run.status == "done" and run.done == run.total == 12  # this month and the eleven before
    assert MethodVersion.objects.get(pk=pw.version.pk).status == "retired"
    assert MethodVersion.objects.get(pk=draft.pk).status == "published"
    assert VillageScore.objects.filter(version=draft, month=THIS_MONTH).count() == 3
    # The old version's scores are kept: the page says which version a score used.
    assert VillageScore.objects.filter(version=pw.version, month=THIS_MONTH).count() == 3


def test_a_recomputation_asked_twice_while_queued_starts_once(pw):
    with time_machine.travel(NOW, tick=False), mock.patch("peace_index.tasks.recompute_run_task.delay"):
        first = services.recompute_start(actor=pw.w.county_admin, county=pw.c.county)
        again = services.recompute_start(actor=pw.w.county_admin, county=pw.c.county)
    assert first.pk == again.pk and RecomputeRun.objects.count() == 1


def test_a_failed_run_is_shown_failed(pw):
    with time_machine.travel(NOW, tick=False), mock.patch("peace_index.tasks.recompute_run_task.delay"):
        run = services.recompute_start(actor=pw.w.county_admin, county=pw.c.county)
    with (
        mock.patch("peace_index.services.scores_compute", side_effect=RuntimeError("database gone")),
        pytest.raises(RuntimeError),
    ):
        services.recompute_run(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "database gone")


# --- debounce ---


def test_a_burst_of_events_costs_one_recomputation(pw, django_capture_on_commit_callbacks, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "debounce"}
    }
    with mock.patch("peace_index.tasks.recompute_pending_task.apply_async") as enqueue:
        with django_capture_on_commit_callbacks(execute=True):
            marks = [services.recompute_mark(county_id=pw.c.county.pk, month=THIS_MONTH) for _ in range(25)]
        assert marks.count(True) == 1
        assert enqueue.call_count == 1
        assert enqueue.call_args.kwargs == {
            "args": (pw.c.county.pk, "2026-11-01"),
            "kwargs": {},
            "countdown": 30,
        }
        # Once the recomputation starts, the next event asks for one more.
        services.recompute_pending(county_id=pw.c.county.pk, month=THIS_MONTH, now=NOW)
        with django_capture_on_commit_callbacks(execute=True):
            assert services.recompute_mark(county_id=pw.c.county.pk, month=THIS_MONTH) is True
        assert enqueue.call_count == 2


def test_the_event_sweep_marks_the_counties_of_new_alerts(pw, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sweep"}
    }
    with mock.patch("peace_index.services.recompute_mark", return_value=True) as mark:
        assert services.events_sweep(now=NOW) == 0  # the first sweep only sets the watermark
        alert(pw.c.village_a1, category="help", at=NOW + timedelta(seconds=30))
        assert services.events_sweep(now=NOW + timedelta(minutes=1)) == 1
        mark.assert_called_once_with(county_id=pw.c.county.pk, month=THIS_MONTH)
        assert services.events_sweep(now=NOW + timedelta(minutes=2)) == 0


def test_a_mark_made_while_the_broker_is_down_waits_in_the_outbox(
    pw, django_capture_on_commit_callbacks, settings
):
    from governance.models import PendingTask

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "outbox"}
    }
    refused = ConnectionError("broker down")
    with (
        mock.patch("peace_index.tasks.recompute_pending_task.apply_async", side_effect=refused),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.recompute_mark(county_id=pw.c.county.pk, month=THIS_MONTH) is True
    kept = PendingTask.objects.get()
    assert (kept.name, kept.args) == ("peace_index.recompute_pending", [pw.c.county.pk, "2026-11-01"])
