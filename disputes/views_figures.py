"""The disputes' figures page: a year (or any period) of the cases the user may see."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from disputes.figures import SEASONS, dispute_figures
from disputes.models import ScreeningCampaign
from governance.selectors import jurisdiction_for


def user_may_view_figures(user: object) -> bool:
    j = jurisdiction_for(user)  # type: ignore[arg-type]
    return j.is_superuser or bool(j.paths("disputes.view"))


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    if not user_may_view_figures(request.user):
        raise Http404
    this_year = timezone.localdate().year
    error = ""
    try:
        year = int(request.GET.get("year") or this_year)
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        error = _("The year must be a number such as %(year)d.") % {"year": this_year}
        year = this_year
    result = dispute_figures(request.user, since=date(year, 1, 1), until=date(year + 1, 1, 1))
    season_labels = dict(ScreeningCampaign.Season.choices)
    seasons = [(s, season_labels[s]) for s in SEASONS]
    # Next season's screening is planned from the busiest category of that season.
    busiest = {}
    for season, _label in seasons:
        ranked = sorted(result.categories, key=lambda r: -r.by_season.get(season, 0))
        busiest[season] = ranked[0] if ranked and ranked[0].by_season.get(season) else None
    return render(
        request,
        "disputes/figures.html",
        {
            "f": result,
            "year": year,
            "years": list(range(this_year, this_year - 5, -1)),
            "seasons": seasons,
            "busiest": busiest,
            "error": error,
            "rows": [(r, [r.by_season.get(s, 0) for s, _l in seasons]) for r in result.categories],
        },
    )
