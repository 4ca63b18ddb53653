"""Monthly figures: the page (county total and a row per station) and its CSV and XLSX exports.

Who sees what: shift commanders and county administrators see the area they command or
administer (the county total, a row per station seated there, and the alerts no station took);
station staff see their own stations; anyone else gets a 404, as for the board.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from governance.models import Region
from governance.replicas import replica_ok
from governance.selectors import jurisdiction_for
from governance.spreadsheets import csv_response, xlsx_response
from stations.figures import CLOCKS, Figures, MonthlyFigures, monthly_figures
from stations.models import Alert, ClockBreach, Station
from stations.selectors import stations_staffed_by

# Capabilities that make a whole area's figures visible: commanders command it
# (orders.command), county administrators administer it (region.manage).
AREA_CAPABILITIES = ("orders.command", "region.manage")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class BadMonth(ValueError):
    pass


def parse_month(value: str | None) -> date:
    """``2026-10`` to 1 October 2026; empty means the current month (local time)."""
    if not value:
        return timezone.localdate().replace(day=1)
    found = _MONTH.match(value.strip())
    if found is None:
        raise BadMonth(_("The month must be given as YYYY-MM, for example 2026-10."))
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise BadMonth(_("There is no month %(month)s.") % {"month": value.strip()})
    return date(year, month, 1)


@dataclass(frozen=True)
class FiguresScope:
    """What the user may see: one of their areas (with the others to switch to), or their
    stations, or (a superuser) the whole platform."""

    area: Region | None
    areas: list[Region]
    stations: QuerySet[Station] | None
    slug: str  # for file names: the area code, "stations" or "all"


def _minimal(paths: set[str]) -> list[str]:
    kept: list[str] = []
    for p in sorted(paths, key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept


def figures_scope(request: HttpRequest) -> FiguresScope:
    user = request.user
    j = jurisdiction_for(user)
    paths = _minimal({p for capability in AREA_CAPABILITIES for p in j.paths(capability)})
    if paths:
        areas = list(Region.objects.filter(path__in=paths).order_by("code"))
        wanted = request.GET.get("area")
        area = next((a for a in areas if a.code == wanted), None) if wanted else areas[0]
        if area is None:
            raise Http404
        return FiguresScope(area=area, areas=areas, stations=None, slug=area.code)
    staffed = stations_staffed_by(user)
    if staffed.exists():
        return FiguresScope(area=None, areas=[], stations=staffed, slug="stations")
    if j.is_superuser:
        return FiguresScope(area=None, areas=[], stations=None, slug="all")
    raise Http404


def _bad_month(request: HttpRequest, scope: FiguresScope, message: str) -> HttpResponse:
    return render(request, "stations/figures.html", {"scope": scope, "error": message}, status=400)


def _figures_or_error(request: HttpRequest) -> tuple[FiguresScope, MonthlyFigures | HttpResponse]:
    scope = figures_scope(request)  # who may see comes first: a stranger learns nothing more
    try:
        month = parse_month(request.GET.get("month"))
    except BadMonth as exc:
        return scope, _bad_month(request, scope, str(exc))
    return scope, monthly_figures(stations=scope.stations, villages_under=scope.area, month=month)


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 1)


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class PageRow:
    """One line of the page's tables, with what the template cannot compute (lookups by a
    variable key, percentages)."""

    label: str
    station: Station | None
    figures: Figures
    is_total: bool = False

    @property
    def channels(self) -> list[int]:
        return [self.figures.by_channel[v] for v in Alert.Channel.values]

    @property
    def categories(self) -> list[int]:
        return [self.figures.by_category[v] for v in Alert.Category.values]

    @property
    def clocks(self) -> list[tuple[str, str, int, int, float | None]]:
        """Name, label, due, breached and the on-time percentage of each clock."""
        return [
            (name, str(ClockBreach.Clock(name).label), c.due, c.breached, _percent(c.on_time_rate))
            for name, c in self.figures.clocks.items()
        ]

    @property
    def repeat_percent(self) -> float | None:
        return _percent(self.figures.repeat_rate)

    @property
    def report_in_percent(self) -> float | None:
        return _percent(self.figures.report_in_rate)


def page_rows(result: MonthlyFigures) -> list[PageRow]:
    rows = [PageRow(r.station.name, r.station, r.figures) for r in result.rows]
    if result.other is not None:
        rows.append(PageRow(_("No station or another station"), None, result.other))
    rows.append(PageRow(_("Total"), None, result.total, is_total=True))
    return rows


@login_required
@require_GET
@replica_ok
def figures(request: HttpRequest) -> HttpResponse:
    """The month's figures: the total of the area (or of the user's stations) and a row each."""
    scope, result = _figures_or_error(request)
    if isinstance(result, HttpResponse):
        return result
    rows = page_rows(result)
    area_query = f"&area={scope.area.code}" if scope.area else ""
    return render(
        request,
        "stations/figures.html",
        {
            "scope": scope,
            "result": result,
            "rows": rows,
            "total": rows[-1],
            "month_value": f"{result.month:%Y-%m}",
            "previous_month": f"{_add_months(result.month, -1):%Y-%m}",
            "next_month": f"{_add_months(result.month, 1):%Y-%m}",
            "area_query": area_query,
            "clock_labels": [ClockBreach.Clock(c).label for c in CLOCKS],
            "channel_labels": Alert.Channel.labels,
            "category_labels": Alert.Category.labels,
        },
    )


# --- Exports -----------------------------------------------------------------------------------


def _export_cells(f: Figures) -> list[tuple[str, Any]]:
    """The export's columns after the station name: each header (translated) with its value."""
    cells: list[tuple[str, Any]] = [(_("Alerts"), f.alerts)]
    cells += [
        (_("Channel: %(name)s") % {"name": label}, f.by_channel[value])
        for value, label in Alert.Channel.choices
    ]
    cells += [
        (_("Category: %(name)s") % {"name": label}, f.by_category[value])
        for value, label in Alert.Category.choices
    ]
    for clock in CLOCKS:
        label = ClockBreach.Clock(clock).label
        cells += [
            (_("%(clock)s: due") % {"clock": label}, f.clocks[clock].due),
            (_("%(clock)s: breached") % {"clock": label}, f.clocks[clock].breached),
            (_("%(clock)s: on time (%%)") % {"clock": label}, _percent(f.clocks[clock].on_time_rate)),
        ]
    cells += [
        (_("Dispute alerts"), f.disputes),
        (_("Disputes handled jointly"), f.disputes_joint),
        (_("Disputes handled jointly (%)"), f.dispute_joint_percent),
        (_("Repeat calls"), f.repeat_alerts),
        (_("Repeat-call rate (%)"), _percent(f.repeat_rate)),
        (_("Merged duplicates"), f.merged_duplicates),
        (_("Red-risk alerts"), f.red_risk),
        (_("Joint mediations"), f.joint_mediations),
        (_("Settled by the village"), f.settled_by_village),
        (_("Whistles"), f.whistles),
        (_("Joint operations"), f.joint_operations),
        (_("Agencies summoned"), f.summoned),
        (_("Checked in on time"), f.checked_in_on_time),
        (_("Report-in rate (%)"), _percent(f.report_in_rate)),
        (_("Late check-ins"), f.late_check_ins),
    ]
    return cells


def export_table(result: MonthlyFigures) -> list[list[Any]]:
    """The header and one row per station, then the other alerts (if any) and the total."""
    labelled = [(row.label, row.figures) for row in page_rows(result)]
    header = [_("Station"), *(h for h, _v in _export_cells(result.total))]
    return [header] + [[name, *(v for _h, v in _export_cells(f))] for name, f in labelled]


def _filename(scope: FiguresScope, result: MonthlyFigures, extension: str) -> str:
    return f"rongzhi-figures-{scope.slug}-{result.month:%Y-%m}.{extension}"


@login_required
@require_GET
@replica_ok
def figures_csv(request: HttpRequest) -> HttpResponse:
    scope, result = _figures_or_error(request)
    if isinstance(result, HttpResponse):
        return result
    return csv_response(export_table(result), filename=_filename(scope, result, "csv"))


@login_required
@require_GET
@replica_ok
def figures_xlsx(request: HttpRequest) -> HttpResponse:
    scope, result = _figures_or_error(request)
    if isinstance(result, HttpResponse):
        return result
    return xlsx_response(
        export_table(result), filename=_filename(scope, result, "xlsx"), sheet_title=f"{result.month:%Y-%m}"
    )
