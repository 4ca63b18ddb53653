"""The team and station figures page of the volunteer police, and its CSV and XLSX exports.

Who sees what: the teams one manages (station and township staff over their area, team leaders
their own team, administrators every team); anyone else gets a 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from governance.errors import ValidationFailed
from governance.replicas import replica_ok
from governance.spreadsheets import csv_response, xlsx_response
from volunteers.figures import VolunteerFigures, export_table, figures_for
from volunteers.selectors import teams_managed_by


def _managed_or_404(request: HttpRequest) -> None:
    if not teams_managed_by(request.user).exists():
        raise Http404


@login_required
@require_GET
@replica_ok
def figures(request: HttpRequest) -> HttpResponse:
    _managed_or_404(request)
    try:
        teams, result = figures_for(request.user, request.GET)
        errors: dict[str, list[str]] = {}
    except ValidationFailed as exc:
        errors = exc.fields
        teams, result = figures_for(request.user, {})
    return render(
        request,
        "volunteers/figures.html",
        {
            "teams": teams,
            "f": result,
            "errors": errors,
            "chosen_team": request.GET.get("team", ""),
            "since": request.GET.get("since") or result.since.isoformat(),
            "until": request.GET.get("until") or result.until.isoformat(),
            "query": request.GET.urlencode(),
        },
        status=400 if errors else 200,
    )


def _export(request: HttpRequest) -> VolunteerFigures | HttpResponse:
    _managed_or_404(request)
    try:
        return figures_for(request.user, request.GET)[1]
    except ValidationFailed as exc:
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
        return HttpResponse(f"{exc.message} {detail}", status=400, content_type="text/plain; charset=utf-8")


def _filename(result: VolunteerFigures, extension: str) -> str:
    return f"rongzhi-volunteers-{result.since:%Y%m%d}-{result.until:%Y%m%d}.{extension}"


@login_required
@require_GET
@replica_ok
def figures_csv(request: HttpRequest) -> HttpResponse:
    result = _export(request)
    if isinstance(result, HttpResponse):
        return result
    return csv_response(export_table(result), filename=_filename(result, "csv"))


@login_required
@require_GET
@replica_ok
def figures_xlsx(request: HttpRequest) -> HttpResponse:
    result = _export(request)
    if isinstance(result, HttpResponse):
        return result
    return xlsx_response(
        export_table(result), filename=_filename(result, "xlsx"), sheet_title=_("Volunteers")
    )
