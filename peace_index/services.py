"""Every write of the peace index: methodology versions, the township review, recomputation
(full, debounced after an event, and after a new version), and the imports of the inputs the
platform does not produce itself."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, models, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.selectors import villages_with_dispute_changes_since
from governance.actors import Actor, user_of
from governance.background import on_commit_delay, on_commit_delay_by
from governance.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from governance.idempotency import idempotent
from governance.models import Region
from governance.models.regions import path_ancestors
from governance.months import add_months, current_month, months_between
from governance.selectors import user_may
from governance.services.audit import audit_record
from governance.spreadsheets import read_table
from peace_index.compute import scores_compute
from peace_index.method import default_params, validate_params
from peace_index.models import (
    CriminalCase,
    DataCoverage,
    DataSource,
    ImportBatch,
    MethodVersion,
    Petition,
    RecomputeRun,
    SurveyResult,
    TownshipReview,
    VillageScore,
)
from peace_index.selectors import county_of, published_version
from stations.selectors import villages_with_alerts_since

log = logging.getLogger(__name__)


def _require(actor: Actor, capability: str, region: Region, message: str) -> None:
    if not user_may(actor, capability, region):
        raise PermissionDenied(message)


# --- Methodology versions ---


@transaction.atomic
def version_draft_create(
    *, actor: Actor, county: Region, name: str, params: Mapping[str, Any] | None = None, note: str = ""
) -> MethodVersion:
    """A new draft, starting from the given parameters, the version in force, or the defaults."""
    _require(actor, "peace.manage", county, _("You may not manage the methodology of this county."))
    if params is None:
        current = published_version(county)
        params = current.params if current else default_params()
    _check_params(params)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the version a name."), fields={"name": [_("This field is required.")]})
    number = (MethodVersion.objects.filter(county=county).aggregate(n=Max("number"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            version = MethodVersion.objects.create(
                county=county, number=number, name=name[:100], params=dict(params), note=note[:2000],
                created_by=user_of(actor),
            )  # fmt: skip
    except IntegrityError as exc:
        raise Conflict(_("Another version was created at the same time; try again.")) from exc
    audit_record(actor=actor, verb="peace.version_create", target=version)
    return version


@transaction.atomic
def version_draft_update(
    *,
    actor: Actor,
    version: MethodVersion,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    note: str | None = None,
) -> MethodVersion:
    version = MethodVersion.objects.select_for_update().get(pk=version.pk)
    _require(actor, "peace.manage", version.county, _("You may not manage the methodology of this county."))
    version.require_draft()
    if params is not None:
        _check_params(params)
        version.params = dict(params)
    if name is not None:
        if not name.strip():
            raise ValidationFailed(
                _("Give the version a name."), fields={"name": [_("This field is required.")]}
            )
        version.name = name.strip()[:100]
    if note is not None:
        version.note = note[:2000]
    version.save(update_fields=["params", "name", "note", "updated_at"])
    audit_record(actor=actor, verb="peace.version_update", target=version)
    return version


def _check_params(params: Any) -> None:
    errors = validate_params(params)
    if errors:
        raise ValidationFailed(
            _("The parameters are not sound; nothing was saved."),
            fields={f"params.{k}" if not k.startswith("params") else k: v for k, v in errors.items()},
        )


@transaction.atomic
def version_publish(
    *, actor: Actor, version: MethodVersion, now: datetime | None = None, recompute: bool = True
) -> RecomputeRun | None:
    """Publish a draft: it is frozen from now on, the version in force retires, and every month
    that has scores in the county is recomputed under it (so trends compare like with like)."""
    now = now or timezone.now()
    version = MethodVersion.objects.select_for_update().get(pk=version.pk)
    _require(actor, "peace.manage", version.county, _("You may not manage the methodology of this county."))
    if version.status == MethodVersion.Status.PUBLISHED:
        run = RecomputeRun.objects.filter(version=version).order_by("created_at").first()
        if run is not None:
            return run
    version.require_draft()
    _check_params(version.params)
    MethodVersion.objects.select_for_update().filter(
        county=version.county, status=MethodVersion.Status.PUBLISHED
    ).update(status=MethodVersion.Status.RETIRED, updated_at=now)
    version.status = MethodVersion.Status.PUBLISHED
    version.published_at = now
    version.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(actor=actor, verb="peace.version_publish", target=version)
    if not recompute:  # the demo computes its own history
        return None
    scored = set(
        VillageScore.objects.filter(version__county=version.county).values_list("month", flat=True).distinct()
    )
    this_month = current_month(now)
    months = sorted(scored | set(months_between(add_months(this_month, -11), this_month)))
    return _run_start(actor=actor, county=version.county, version=version, months=months)


# --- Recomputation ---


def _run_start(
    *, actor: Actor, county: Region, version: MethodVersion, months: Iterable[date]
) -> RecomputeRun:
    run = RecomputeRun.objects.create(
        county=county,
        version=version,
        months=[m.isoformat() for m in months],
        started_by=user_of(actor),
    )
    on_commit_delay("peace_index.recompute_run", run.pk)
    return run


@transaction.atomic
def recompute_start(
    *, actor: Actor, county: Region, months: Iterable[date] | None = None, now: datetime | None = None
) -> RecomputeRun:
    """A full recomputation of the county's villages (the current month unless months are given),
    on the ``scores`` queue; the run shows its progress."""
    _require(actor, "peace.manage", county, _("You may not recompute the scores of this county."))
    version = published_version(county)
    if version is None:
        raise InvalidTransition(_("No methodology version is published for this county."))
    this_month = current_month(now)
    chosen = sorted(set(months or [this_month]))
    if any(m > this_month for m in chosen):
        raise ValidationFailed(
            _("A month in the future has no score."), fields={"months": [_("Future month.")]}
        )
    running = RecomputeRun.objects.filter(
        county=county, status__in=[RecomputeRun.Status.QUEUED, RecomputeRun.Status.RUNNING]
    ).first()
    if running is not None:
        return running  # one at a time: pressing the button twice starts nothing more
    run = _run_start(actor=actor, county=county, version=version, months=chosen)
    audit_record(actor=actor, verb="peace.recompute", target=run)
    return run


def recompute_run(*, run_id: int, now: datetime | None = None) -> RecomputeRun | None:
    """Execute a run month by month, committing the progress after each month so that the page
    of the administrator who started it can show it. Running a finished run again does nothing."""
    claimed = RecomputeRun.objects.filter(
        pk=run_id, status__in=[RecomputeRun.Status.QUEUED, RecomputeRun.Status.RUNNING]
    ).update(status=RecomputeRun.Status.RUNNING)
    run = RecomputeRun.objects.select_related("county", "version").filter(pk=run_id).first()
    if run is None or not claimed:
        return run
    try:
        for index, iso in enumerate(run.months):
            if index < run.done:
                continue  # a retried run resumes where it stopped
            written = scores_compute(
                county=run.county, month=date.fromisoformat(iso), version=run.version, now=now
            )
            RecomputeRun.objects.filter(pk=run.pk).update(
                done=F("done") + 1, scores_written=F("scores_written") + written
            )
    except Exception as exc:  # recorded for the administrator, then re-raised for the worker log
        RecomputeRun.objects.filter(pk=run.pk).update(
            status=RecomputeRun.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    RecomputeRun.objects.filter(pk=run.pk).update(status=RecomputeRun.Status.DONE, finished_at=timezone.now())
    run.refresh_from_db()
    return run


def _pending_key(county_id: int, month: date) -> str:
    return f"peace:pending:{county_id}:{month.isoformat()}"


def recompute_mark(*, county_id: int, month: date) -> bool:
    """Ask for the county's month to be recomputed soon. Debounced: however many events land
    before the recomputation starts, it runs once. Returns whether this call scheduled it."""
    delay = int(settings.PEACE_INDEX_DEBOUNCE_SECONDS)
    if not cache.add(_pending_key(county_id, month), 1, timeout=delay + 600):
        return False
    on_commit_delay_by("peace_index.recompute_pending", delay, county_id, month.isoformat())
    return True


def recompute_pending(*, county_id: int, month: date, now: datetime | None = None) -> int:
    """The debounced recomputation. The mark is cleared first, so an event landing while this
    runs asks for one more run rather than being lost."""
    cache.delete(_pending_key(county_id, month))
    county = Region.objects.filter(pk=county_id).first()
    version = published_version(county) if county else None
    if county is None or version is None:
        return 0
    return scores_compute(county=county, month=month, version=version, now=now)


def counties_of_villages(village_ids: Iterable[int]) -> set[int]:
    paths = Region.objects.filter(pk__in=list(village_ids)).values_list("path", flat=True)
    ancestors = {a for p in paths for a in path_ancestors(p)}
    return set(
        Region.objects.filter(level=Region.Level.COUNTY, path__in=ancestors).values_list("pk", flat=True)
    )


WATERMARK_KEY = "peace:events:watermark"


def events_sweep(*, now: datetime | None = None) -> int:
    """Alerts and dispute changes since the last sweep mark their counties' current month for a
    (debounced) recomputation. Returns the number of counties marked."""
    now = now or timezone.now()
    since_iso = cache.get(WATERMARK_KEY)
    cache.set(WATERMARK_KEY, now.isoformat(), timeout=None)
    if since_iso is None:
        return 0  # first sweep: nothing to compare with; the nightly full run covers the gap
    since = datetime.fromisoformat(since_iso) - timedelta(seconds=5)  # rows committed at the edge
    villages = villages_with_alerts_since(since) | villages_with_dispute_changes_since(since)
    month = current_month(now)
    marked = 0
    for county_id in counties_of_villages(villages):
        marked += recompute_mark(county_id=county_id, month=month)
    return marked


def scheduled_recompute(*, now: datetime | None = None) -> int:
    """The nightly full run: every county with a version in force, this month and the last."""
    this_month = current_month(now)
    started = 0
    for version in MethodVersion.objects.filter(status=MethodVersion.Status.PUBLISHED).select_related(
        "county"
    ):
        with transaction.atomic():
            _run_start(
                actor=None,
                county=version.county,
                version=version,
                months=[add_months(this_month, -1), this_month],
            )
        started += 1
    return started


# --- Township review ---


@transaction.atomic
def review_decide(
    *,
    actor: Actor,
    township: Region,
    month: date,
    approve: bool,
    comment: str = "",
    now: datetime | None = None,
) -> TownshipReview:
    """Approve the month's results for the township (which freezes them) or return them with a
    comment, as ``TownshipReview.TRANSITIONS`` allows. Approving twice is a no-op; an approved
    month cannot be returned."""
    now = now or timezone.now()
    _require(actor, "peace.review", township, _("You may not review the scores of this township."))
    county = county_of(township)
    version = published_version(county)
    if version is None:
        raise InvalidTransition(_("No methodology version is published for this county."))
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationFailed(
            _("Say why the results are returned."), fields={"comment": [_("This field is required.")]}
        )
    if month > current_month(now):
        raise ValidationFailed(
            _("A month in the future has no score."), fields={"month": [_("Future month.")]}
        )
    if not VillageScore.objects.filter(township=township, month=month, version=version).exists():
        raise InvalidTransition(_("There are no scores for this month yet."))
    Region.objects.select_for_update().filter(pk=township.pk).first()  # one decision at a time
    review = TownshipReview.objects.filter(township=township, month=month, version=version).first()
    action = "approve" if approve else "return"
    if approve and review is not None and review.status == TownshipReview.Status.APPROVED:
        return review  # approving twice (a retried request) changes nothing
    status = TownshipReview.TRANSITIONS.target(
        TownshipReview.state_of(review), action, state_label=TownshipReview.state_label(review)
    )
    if review is None:
        review = TownshipReview(township=township, month=month, version=version)
    reviewer = user_of(actor)
    if reviewer is None:
        raise PermissionDenied(_("A review is made by a person."))
    review.status, review.comment, review.reviewed_by, review.reviewed_at = (
        TownshipReview.Status(status),
        comment[:2000],
        reviewer,
        now,
    )
    review.save()
    audit_record(
        actor=actor,
        verb="peace.approve" if approve else "peace.return",
        target=review,
        changes={"status": [None, status], "month": [None, month.isoformat()]},
        reason=comment,
    )
    return review


# --- Imports of criminal cases, petitions and surveys ---

SEVERITY_WORDS = {"轻微": "minor", "一般": "ordinary", "严重": "serious", "重大": "major"}
VETO_WORDS = {"命案": "homicide", "民转刑命案": "dispute_death", "重大群体性事件": "mass_incident", "无": ""}
KIND_WORDS = {"初访": "first", "重复访": "repeat", "越级访": "skip_level", "集体访": "collective"}
YES = {"yes", "y", "true", "1", "是"}
NO = {"", "no", "n", "false", "0", "否"}

COLUMNS: dict[str, dict[str, str]] = {
    DataSource.CASES: {
        "case number": "ref", "案件编号": "ref", "village code": "village", "村代码": "village",
        "occurred on": "date", "发案日期": "date", "severity": "severity", "严重程度": "severity",
        "veto": "veto", "否决事件": "veto", "reported late": "late", "迟报瞒报": "late",
        "alert": "alert", "警情编号": "alert",
    },
    DataSource.PETITIONS: {
        "petition number": "ref", "信访编号": "ref", "village code": "village", "村代码": "village",
        "received on": "date", "受理日期": "date", "kind": "kind", "类型": "kind",
    },
    DataSource.SURVEYS: {
        "village code": "village", "村代码": "village", "month": "month", "月份": "month",
        "respondents": "respondents", "受访人数": "respondents", "feel safe": "safe", "感到安全": "safe",
    },
}  # fmt: skip
MAX_IMPORT_ROWS = 50_000
IMPORT_MODELS: dict[str, type[models.Model]] = {
    DataSource.CASES: CriminalCase,
    DataSource.PETITIONS: Petition,
    DataSource.SURVEYS: SurveyResult,
}


@dataclass
class ImportResult:
    batch: ImportBatch | None  # None for a dry run
    created: bool
    preview: ImportPreview | None = None


@dataclass
class ImportPreview:
    """What a delivery changes before it changes it: per month and village, the rows it adds,
    changes and removes of those held (a delivery replaces its months), and the totals."""

    rows: list[dict[str, Any]]
    added: int
    changed: int
    removed: int


def data_import_file(
    *,
    actor: Actor,
    county: Region,
    source: str,
    first_month: date,
    last_month: date,
    file_name: str,
    content: bytes,
    idempotency_key: str | None = None,
    dry_run: bool = False,
    confirm_removals: bool = False,
) -> ImportResult:
    rows = read_table(name=file_name, content=content, headers=COLUMNS[source], max_rows=MAX_IMPORT_ROWS)
    return data_import(
        actor=actor, county=county, source=source, first_month=first_month, last_month=last_month, rows=rows,
        file_name=file_name, idempotency_key=idempotency_key, dry_run=dry_run, confirm_removals=confirm_removals,
    )  # fmt: skip


# A file previewed on the page waits here for its confirmation (the browser cannot send it again).
STAGED_IMPORT_SECONDS = 3600


@dataclass
class StagedImport:
    token: str
    source: str
    first_month: date
    last_month: date
    file_name: str
    result: ImportResult


def _staged_key(actor: Actor, county: Region, token: str) -> str:
    return f"peace-import:{getattr(user_of(actor), 'pk', 0)}:{county.pk}:{token}"


def data_import_stage(
    *, actor: Actor, county: Region, source: str, first_month: date, last_month: date, file_name: str,
    content: bytes,
) -> StagedImport:  # fmt: skip
    """The page's first step: the file checked and previewed (a dry run), and kept for an hour
    for its importer alone to confirm (``data_import_confirm``)."""
    result = data_import_file(
        actor=actor, county=county, source=source, first_month=first_month, last_month=last_month,
        file_name=file_name, content=content, dry_run=True,
    )  # fmt: skip
    token = secrets.token_urlsafe(16)
    cache.set(
        _staged_key(actor, county, token),
        {"source": source, "first_month": first_month, "last_month": last_month, "file_name": file_name,
         "content": content},
        STAGED_IMPORT_SECONDS,
    )  # fmt: skip
    return StagedImport(token, source, first_month, last_month, file_name, result)


def data_import_confirm(
    *, actor: Actor, county: Region, token: str, confirm_removals: bool, idempotency_key: str | None = None
) -> ImportResult:
    """The page's second step: the staged file imported, as previewed. A token of another person
    or county, or one past its hour, finds nothing."""
    staged = cache.get(_staged_key(actor, county, token))
    if staged is None:
        raise ValidationFailed(_("This preview has expired or is not yours; choose the file again."))
    result = data_import_file(
        actor=actor, county=county, source=staged["source"], first_month=staged["first_month"],
        last_month=staged["last_month"], file_name=staged["file_name"], content=staged["content"],
        idempotency_key=idempotency_key, confirm_removals=confirm_removals,
    )  # fmt: skip
    cache.delete(_staged_key(actor, county, token))
    return result


@transaction.atomic
def data_import(
    *,
    actor: Actor,
    county: Region,
    source: str,
    first_month: date,
    last_month: date,
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    file_name: str = "",
    idempotency_key: str | None = None,
    now: datetime | None = None,
    recompute: bool = True,
    dry_run: bool = False,
    confirm_removals: bool = False,
) -> ImportResult:
    """A delivery of a source for the months [first_month, last_month] of a county. Every row is
    checked first; any error is reported by line and nothing is imported. The delivery replaces
    what the source said earlier about those months, and records them as covered: a month with no
    case is then zero cases, not missing data. Repeating a delivery with its key does nothing.

    ``dry_run`` checks the rows and returns the preview (what would be added, changed and
    removed), writing nothing. A delivery that would remove rows already held is refused unless
    ``confirm_removals``: a one-row file never silently erases the rest of a month."""
    _require(actor, "peace.manage", county, _("You may not import data for this county."))
    if source not in DataSource.values:
        raise ValidationFailed(_("Unknown source."), fields={"source": [_("Unknown source.")]})
    if dry_run:
        _cleaned, _months, preview = _checked(
            county=county, source=source, first_month=first_month, last_month=last_month, rows=rows,
            now=now or timezone.now(),
        )  # fmt: skip
        return ImportResult(batch=None, created=False, preview=preview)
    body = {
        "county": county,
        "source": source,
        "first_month": first_month,
        "last_month": last_month,
        "rows": list(rows),
        "file_name": file_name,
    }
    batch, created = idempotent(
        actor=actor,
        operation="peace.data.import",
        key=idempotency_key,
        body=body,
        run=lambda: _import(
            actor=actor, county=county, source=source, first_month=first_month, last_month=last_month,
            rows=rows, file_name=file_name, now=now or timezone.now(), recompute=recompute,
            confirm_removals=confirm_removals,
        ),
    )  # fmt: skip
    return ImportResult(batch=batch, created=created)


def _checked(
    *,
    county: Region,
    source: str,
    first_month: date,
    last_month: date,
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    now: datetime,
) -> tuple[list[dict[str, Any]], list[date], ImportPreview]:
    """The delivery's rows checked (any problem refuses it, by line), its months, and its preview."""
    first_month, last_month = first_month.replace(day=1), last_month.replace(day=1)
    if first_month > last_month:
        raise ValidationFailed(
            _("The first month comes after the last."), fields={"first_month": [_("After the last month.")]}
        )
    if last_month > current_month(now):
        raise ValidationFailed(
            _("The delivery covers a future month."), fields={"last_month": [_("Future month.")]}
        )
    months = months_between(first_month, last_month)
    if len(months) > 24:
        raise ValidationFailed(
            _("Deliver at most 24 months at once."), fields={"last_month": [_("Too many months.")]}
        )
    villages = dict(
        Region.objects.filter(level=Region.Level.VILLAGE, path__startswith=county.path).values_list(
            "code", "pk"
        )
    )
    cleaned, problems = _clean_rows(source, rows, villages=villages, months=set(months))
    if problems:
        raise ValidationFailed(
            _("%(n)d problems in the delivery; nothing was imported.") % {"n": len(problems)},
            fields={"rows": problems[:200]},
        )
    return cleaned, months, _preview(county=county, source=source, months=months, cleaned=cleaned)


# What identifies a row of each source across deliveries, and what a change of it is.
_ROW_KEY: dict[str, tuple[str, ...]] = {
    DataSource.CASES: ("external_ref",),
    DataSource.PETITIONS: ("external_ref",),
    DataSource.SURVEYS: ("village_id", "month"),
}
_ROW_FIELDS: dict[str, tuple[str, ...]] = {
    DataSource.CASES: ("village_id", "month", "occurred_on", "severity", "veto", "reported_late", "alert_id"),
    DataSource.PETITIONS: ("village_id", "month", "received_on", "kind"),
    DataSource.SURVEYS: ("village_id", "month", "respondents", "feel_safe"),
}


def _preview(
    *, county: Region, source: str, months: list[date], cleaned: list[dict[str, Any]]
) -> ImportPreview:
    """Per month and village, the rows the delivery adds, changes and removes: one query for
    what is held in its months."""
    key_fields, fields = _ROW_KEY[source], _ROW_FIELDS[source]
    model: type[models.Model] = IMPORT_MODELS[source]
    held = {
        tuple(r[k] for k in key_fields): r
        for r in model._default_manager.filter(county=county, month__in=months).values(*fields, *key_fields)
    }
    counts: dict[tuple[date, int], dict[str, int]] = {}

    def tally(row: Mapping[str, Any], what: str) -> None:
        cell = counts.setdefault((row["month"], row["village_id"]), {"added": 0, "changed": 0, "removed": 0})
        cell[what] += 1

    delivered = set()
    for row in cleaned:
        key = tuple(row[k] for k in key_fields)
        delivered.add(key)
        before = held.get(key)
        if before is None:
            tally(row, "added")
        elif any(before[f] != row[f] for f in fields):
            tally(row, "changed")
    for key, before in held.items():
        if key not in delivered:
            tally(before, "removed")
    names = dict(Region.objects.filter(pk__in={v for _m, v in counts}).values_list("pk", "name"))
    rows = [
        {"month": month, "village_id": village, "village": names.get(village, ""), **cell}
        for (month, village), cell in sorted(
            counts.items(), key=lambda kv: (kv[0][0], names.get(kv[0][1], ""))
        )
    ]
    total = {what: sum(cell[what] for cell in counts.values()) for what in ("added", "changed", "removed")}
    return ImportPreview(rows=rows, **total)


def _import(
    *,
    actor: Actor,
    county: Region,
    source: str,
    first_month: date,
    last_month: date,
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    file_name: str,
    now: datetime,
    recompute: bool,
    confirm_removals: bool = False,
) -> ImportBatch:
    cleaned, months, preview = _checked(
        county=county, source=source, first_month=first_month, last_month=last_month, rows=rows, now=now
    )
    first_month, last_month = months[0], months[-1]
    if preview.removed and not confirm_removals:
        message = _(
            "This delivery removes %(n)d rows held for its months (it replaces them whole). Look at the "
            "preview and confirm the removals, or deliver the months complete."
        ) % {"n": preview.removed}
        raise ValidationFailed(message, fields={"confirm_removals": [message]})
    batch = ImportBatch.objects.create(
        source=source, county=county, file_name=file_name[:200], rows=len(cleaned), created_by=user_of(actor),
    )  # fmt: skip
    model: type[models.Model] = IMPORT_MODELS[source]
    model._default_manager.filter(county=county, month__in=months).delete()
    model._default_manager.bulk_create(
        [model(county=county, batch=batch, **row) for row in cleaned], batch_size=2000
    )
    for month in months:
        DataCoverage.objects.update_or_create(
            source=source, county=county, month=month, defaults={"batch": batch}
        )
    audit_record(
        actor=actor, verb="peace.import", target=batch,
        changes={"source": [None, source], "months": [None, [m.isoformat() for m in months]], "rows": [None, len(cleaned)]},
    )  # fmt: skip
    if not recompute:  # the demo's back-filled history computes its months itself
        return batch
    # A month's data changes the scores of the twelve months whose window holds it.
    this_month = current_month(now)
    scored = set(
        VillageScore.objects.filter(version__county=county, month__gte=first_month).values_list(
            "month", flat=True
        )
    )
    for month in sorted(
        (scored | {this_month}) & set(months_between(first_month, add_months(last_month, 11)))
    ):
        recompute_mark(county_id=county.pk, month=month)
    return batch


def _parse_date(text: str) -> date | None:
    text = text.strip()[:10].replace("/", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _parse_month(text: str) -> date | None:
    m = re.fullmatch(r"(\d{4})[-/](\d{1,2})(?:[-/]\d{1,2})?", text.strip()[:10])
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return date(int(m.group(1)), int(m.group(2)), 1)


def _clean_rows(
    source: str,
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    villages: Mapping[str, int],
    months: set[date],
) -> tuple[list[dict[str, Any]], list[str]]:
    problems: list[str] = []
    cleaned: list[dict[str, Any]] = []
    seen: dict[Any, int] = {}

    def bad(line: int, field: str, message: str) -> None:
        problems.append(
            _("Line %(line)d, %(field)s: %(message)s") % {"line": line, "field": field, "message": message}
        )

    for line, raw in rows:
        row = {k: str(v if v is not None else "").strip() for k, v in raw.items()}
        before = len(problems)
        village = villages.get(row.get("village", ""))
        if village is None:
            bad(line, "village", _("no village of this county has this code."))
        out: dict[str, Any] = {"village_id": village}
        if source == DataSource.SURVEYS:
            month = _parse_month(row.get("month", ""))
            if month is None:
                bad(line, "month", _("write the month as YYYY-MM."))
            elif month not in months:
                bad(line, "month", _("outside the months of the delivery."))
            try:
                respondents, safe = int(row.get("respondents", "")), int(row.get("safe", ""))
                if respondents <= 0 or safe < 0 or safe > respondents:
                    raise ValueError
            except ValueError:
                bad(
                    line,
                    "respondents",
                    _(
                        "respondents must be a positive whole number, and those who feel safe between 0 and it."
                    ),
                )
                respondents = safe = 0
            out.update(month=month, respondents=respondents, feel_safe=safe)
            key: Any = (village, month)
        else:
            ref = row.get("ref", "")
            if not ref or len(ref) > 50:
                bad(line, "ref", _("give the number, at most 50 characters."))
            day = _parse_date(row.get("date", ""))
            if day is None:
                bad(line, "date", _("write the date as YYYY-MM-DD."))
            elif day.replace(day=1) not in months:
                bad(line, "date", _("outside the months of the delivery."))
            month = day.replace(day=1) if day else None
            if source == DataSource.CASES:
                severity = SEVERITY_WORDS.get(row.get("severity", ""), row.get("severity", "").lower())
                if severity not in CriminalCase.Severity.values:
                    bad(line, "severity", _("one of minor, ordinary, serious, major."))
                veto = VETO_WORDS.get(row.get("veto", ""), row.get("veto", "").lower())
                if veto not in CriminalCase.Veto.values:
                    bad(line, "veto", _("empty, or one of homicide, dispute_death, mass_incident."))
                late_word = row.get("late", "").lower()
                if late_word not in YES | NO:
                    bad(line, "reported late", _("yes or no."))
                alert_text = row.get("alert", "")
                if alert_text and not alert_text.isdigit():
                    bad(line, "alert", _("the alert number is a whole number."))
                out.update(
                    external_ref=ref, month=month, occurred_on=day, severity=severity, veto=veto,
                    reported_late=late_word in YES, alert_id=int(alert_text) if alert_text.isdigit() else None,
                )  # fmt: skip
            else:
                kind = KIND_WORDS.get(row.get("kind", ""), row.get("kind", "").lower())
                if kind not in Petition.Kind.values:
                    bad(line, "kind", _("one of first, repeat, skip_level, collective."))
                out.update(external_ref=ref, month=month, received_on=day, kind=kind)
            key = ref
        if key in seen and len(problems) == before:
            problems.append(
                _("Line %(line)d: the same as line %(other)d.") % {"line": line, "other": seen[key]}
            )
        seen.setdefault(key, line)
        cleaned.append(out)
    return cleaned, problems
