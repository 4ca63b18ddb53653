"""Peace index pages: the townships in view, a township's ranking with its review, a village's
safety portrait, exports and the printable report, and for county administrators the
methodology versions, imports and recomputation runs. A region the user may not see is a 404."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from governance.action_forms import ActionForm
from governance.actions import action_named
from governance.errors import DomainError, ValidationFailed, error_text
from governance.models import Region
from governance.replicas import replica_ok
from governance.selectors import jurisdiction_for
from governance.spreadsheets import csv_response, xlsx_response
from peace_index import services
from peace_index.api.serializers import params_as_fields
from peace_index.gaming import GamingReview, gaming_review
from peace_index.method import DIMENSIONS
from peace_index.models import (
    Band,
    DataCoverage,
    Dimension,
    ImportBatch,
    Indicator,
    MethodVersion,
    RecomputeRun,
    TownshipReview,
    VillageScore,
)
from peace_index.selectors import (
    Ranking,
    month_asked,
    regions_in_view,
    runs_of,
    township_ranking,
    user_may_manage,
    user_may_review,
    user_may_see_inputs,
    user_may_view,
    user_uses_index,
    version_preview,
    versions_of,
    village_inputs,
    village_portrait,
)

V = Region.Level


def _region(request: HttpRequest, pk: int, level: int) -> Region:
    region = get_object_or_404(Region, pk=pk, level=level)
    if not user_may_view(request.user, region):
        raise Http404
    return region


def _managed_county(request: HttpRequest, pk: int) -> Region:
    county = get_object_or_404(Region, pk=pk, level=V.COUNTY)
    if not user_may_manage(request.user, county):
        raise Http404
    return county


def _month(request: HttpRequest, region: Region, text: str | None = None) -> date:
    """The month asked for in the address (or ``text``), else the latest scored; a month written
    wrong answers 400 with the reason, never the page of another month."""
    try:
        return month_asked(request.GET.get("month") if text is None else text, region)
    except ValidationFailed as exc:
        raise BadRequest(exc.message) from exc


# More villages than this, and a user is no cadre of a few villages: he has a township list.
VILLAGES_LISTED = 100


@login_required
@require_GET
@replica_ok
def index(request: HttpRequest) -> HttpResponse:
    """Where the index starts for the user: his village, his township, or the townships in view."""
    if not user_uses_index(request.user):
        raise Http404
    townships = list(regions_in_view(request.user, V.TOWNSHIP))
    if not townships:
        villages = list(regions_in_view(request.user, V.VILLAGE)[:VILLAGES_LISTED])
        if not villages:
            raise Http404
        if len(villages) == 1:
            return redirect("peace:village", pk=villages[0].pk)
        return _villages(request, villages)
    if len(townships) == 1 and not jurisdiction_for(request.user).is_superuser:
        return redirect("peace:township", pk=townships[0].pk)
    month = _month(request, townships[0])
    counts: dict[int, dict[str, int]] = {}
    for row in (
        VillageScore.objects.filter(
            township__in=townships, month=month, version__status=MethodVersion.Status.PUBLISHED
        )
        .values("township_id", "band")
        .annotate(n=Count("id"))
    ):
        counts.setdefault(row["township_id"], {})[row["band"]] = row["n"]
    managed = [c for c in regions_in_view(request.user, V.COUNTY) if user_may_manage(request.user, c)]
    rows = [(t, [(b, counts.get(t.pk, {}).get(b, 0)) for b in Band.values]) for t in townships]
    return render(
        request,
        "peace_index/index.html",
        {"rows": rows, "month": month, "bands": Band.choices, "managed": managed},
    )


def _villages(request: HttpRequest, villages: list[Region]) -> HttpResponse:
    """Someone whose area is a few villages but no whole township (a cadre of two villages, a
    grid across a boundary): each village's score and band for the month."""
    month = _month(request, villages[0])
    scores = {
        s.village_id: s
        for s in VillageScore.objects.filter(
            village__in=villages, month=month, version__status=MethodVersion.Status.PUBLISHED
        )
    }
    rows = [(v, scores.get(v.pk)) for v in villages]
    return render(request, "peace_index/villages.html", {"rows": rows, "month": month})


def _review_forms(ranking: Ranking, data: Any = None, failed: str = "") -> list[tuple[str, ActionForm]]:
    """The review's forms the month's state allows (``TownshipReview.TRANSITIONS``): approve,
    return, or none once approved. The month and decision are the page's, never the request's."""
    state = TownshipReview.state_of(ranking.review)
    forms = []
    for decision in TownshipReview.TRANSITIONS.offered(state):
        if ranking.review is not None and ranking.review.status == decision:
            continue
        forms.append(
            (
                decision,
                ActionForm(
                    action_named(f"peace_index.review.{decision}"),
                    data=data if failed == decision else None,
                    initial={"month": f"{ranking.month:%Y-%m}", "decision": decision},
                    exclude=["month", "decision"],
                    prefix=decision,
                ),
            )
        )
    return forms


def _township_page(request: HttpRequest, ranking: Ranking, forms: Any, status: int = 200) -> HttpResponse:
    # For review only, never scored (peace_index/gaming.py): whoever sees the ranking sees it.
    gaming = gaming_review(ranking.township, ranking.month) if ranking.version else GamingReview(flags=[])
    return render(
        request,
        "peace_index/township.html",
        {
            "r": ranking,
            "gaming": gaming,
            "may_review": user_may_review(request.user, ranking.township),
            "review_forms": forms,
            "review_url": f"{_url('peace:township-review', ranking.township.pk)}?month={ranking.month:%Y-%m}",
            "bands": Band.choices,
        },
        status=status,
    )


@login_required
@require_GET
@replica_ok
def township(request: HttpRequest, pk: int) -> HttpResponse:
    town = _region(request, pk, V.TOWNSHIP)
    ranking = township_ranking(town, _month(request, town))
    return _township_page(request, ranking, _review_forms(ranking))


@login_required
@require_POST
def township_review(request: HttpRequest, pk: int) -> HttpResponse:
    town = _region(request, pk, V.TOWNSHIP)
    if not user_may_review(request.user, town):
        raise Http404
    month = _month(request, town, request.GET.get("month") or request.POST.get("month"))
    decision = "return" if any(k.startswith("return-") for k in request.POST) else "approve"
    ranking = township_ranking(town, month)
    form = ActionForm(
        action_named(f"peace_index.review.{decision}"),
        data=request.POST,
        initial={"month": f"{month:%Y-%m}", "decision": decision},
        exclude=["month", "decision"],
        prefix=decision,
    )
    if form.submit(
        lambda d: services.review_decide(
            actor=request.user,
            township=town,
            month=d["month"],
            approve=decision == "approve",
            comment=d["comment"],
        )
    ):
        messages.success(
            request,
            _("The month is approved and frozen.") if decision == "approve" else _("The month was returned."),
        )
        return redirect(f"{_url('peace:township', town.pk)}?month={month:%Y-%m}", permanent=False)
    forms = [(d, form if d == decision else f) for d, f in _review_forms(ranking)]
    if decision not in dict(forms):
        forms.append((decision, form))
    return _township_page(request, ranking, forms, status=400)


def _url(name: str, pk: int) -> str:
    return reverse(name, kwargs={"pk": pk})


def export_rows(ranking: Ranking) -> list[list[Any]]:
    labels = dict(Indicator.choices)
    head = [
        _("Village code"), _("Village"), _("Month"), _("Methodology version"), _("Score"), _("Band"),
        _("Change since last month"), _("Change since last year"), _("Rank"), _("Rank interval"),
        *[str(dict(Dimension.choices)[d]) for d in DIMENSIONS], _("Bonus"), _("Penalty"), _("Veto"),
        *[f"{labels[i]} ({_('points lost')})" for i in Indicator.values],
    ]  # fmt: skip
    out: list[list[Any]] = [[str(h) for h in head]]
    version = f"v{ranking.version.number}" if ranking.version else ""
    for row in ranking.rows:
        s = row.score
        if s is None:
            out.append([row.village.code, row.village.name, f"{ranking.month:%Y-%m}", version])
            continue
        lost = {i["indicator"]: i.get("lost") for i in s.decomposition.get("indicators", [])}
        out.append(
            [
                row.village.code, row.village.name, f"{ranking.month:%Y-%m}", version, s.score,
                str(Band(s.band).label), row.change_month, row.change_year, s.peer_rank,
                f"{s.rank_low}-{s.rank_high}" if s.rank_low else "",
                *[s.dimensions.get(d) for d in DIMENSIONS], s.bonus, s.penalty, _("yes") if s.veto else "",
                *[None if lost.get(i) is None else round(lost[i], 2) for i in Indicator.values],
            ]
        )  # fmt: skip
    return out


@login_required
@require_GET
@replica_ok
def township_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    town = _region(request, pk, V.TOWNSHIP)
    ranking = township_ranking(town, _month(request, town))
    name = f"rongzhi-peace-{town.code}-{ranking.month:%Y%m}"
    if fmt == "csv":
        return csv_response(export_rows(ranking), filename=f"{name}.csv")
    return xlsx_response(export_rows(ranking), filename=f"{name}.xlsx", sheet_title=_("Peace index"))


@login_required
@require_GET
@replica_ok
def township_print(request: HttpRequest, pk: int) -> HttpResponse:
    town = _region(request, pk, V.TOWNSHIP)
    ranking = township_ranking(town, _month(request, town))
    return render(request, "peace_index/township_print.html", {"r": ranking, "bands": Band.choices})


def _trend_chart(portrait: Any) -> dict[str, Any]:
    """Points of the twelve-month line in a 600 x 160 box (scores 0-100, bottom up)."""
    points = [(s.month, s.score) for s in portrait.trend if s.score is not None]
    if not points:
        return {"points": "", "dots": []}
    n = max(len(points) - 1, 1)
    dots = [
        {
            "x": round(40 + 540 * i / n, 1),
            "y": round(150 - 1.4 * score, 1),
            "label": f"{m:%Y-%m}",
            "score": score,
        }
        for i, (m, score) in enumerate(points)
    ]
    return {"points": " ".join(f"{d['x']},{d['y']}" for d in dots), "dots": dots}


@login_required
@require_GET
@replica_ok
def village(request: HttpRequest, pk: int) -> HttpResponse:
    vil = _region(request, pk, V.VILLAGE)
    portrait = village_portrait(vil, _month(request, vil))
    labels = dict(Indicator.choices)
    dimension_labels = dict(Dimension.choices)
    dims = []
    if portrait.score is not None:
        for d in DIMENSIONS:
            value = portrait.score.dimensions.get(d)
            dims.append({"key": d, "label": dimension_labels[d], "value": value, "width": value or 0})
    township_visible = vil.parent is not None and user_may_view(request.user, vil.parent)
    inputs = (
        village_inputs(vil, portrait.month, portrait.version)
        if portrait.score is not None
        and portrait.version is not None
        and user_may_see_inputs(request.user, vil)
        else None
    )
    return render(
        request,
        "peace_index/village.html",
        {
            "p": portrait,
            "inputs": inputs,
            "dims": dims,
            "labels": labels,
            "dimension_labels": dimension_labels,
            "chart": _trend_chart(portrait),
            "township_visible": township_visible,
            "change": (
                portrait.score.score - portrait.previous.score
                if portrait.score
                and portrait.previous
                and portrait.score.score is not None
                and portrait.previous.score is not None
                else None
            ),
            "may_open_cases": bool(jurisdiction_for(request.user).paths("disputes.view"))
            or jurisdiction_for(request.user).is_superuser,
        },
    )


# --- County administration: versions, recomputation, imports ---


def _methods_page(
    request: HttpRequest,
    county: Region,
    *,
    form: ActionForm | None = None,
    recompute_form: ActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "peace_index/methods.html",
        {
            "county": county,
            "versions": versions_of(county),
            "form": form or ActionForm(action_named("peace_index.version.create"), exclude=["params"]),
            "recompute_form": recompute_form or ActionForm(action_named("peace_index.recompute.start")),
            "runs": runs_of(county)[:10],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def methods(request: HttpRequest, pk: int) -> HttpResponse:
    """The county's versions; a new draft starts as a copy of the version in force."""
    county = _managed_county(request, pk)
    if request.method == "GET":
        return _methods_page(request, county)
    form = ActionForm(action_named("peace_index.version.create"), data=request.POST, exclude=["params"])
    if form.submit(
        lambda d: services.version_draft_create(
            actor=request.user, county=county, name=d["name"], note=d["note"]
        )
    ):
        messages.success(request, _("Draft v%(n)d saved.") % {"n": form.result.number})
        return redirect("peace:version", pk=form.result.pk)
    return _methods_page(request, county, form=form, status=400)


def _version_page(
    request: HttpRequest, v: MethodVersion, county: Region, form: ActionForm | None, status: int = 200
) -> HttpResponse:
    draft = MethodVersion.TRANSITIONS.allows(v.status, "edit")
    return render(
        request,
        "peace_index/version.html",
        {
            "v": v,
            "county": county,
            "form": form,
            "publish_form": (
                ActionForm(action_named("peace_index.version.publish"))
                if MethodVersion.TRANSITIONS.allows(v.status, "publish")
                else None
            ),
            "preview": version_preview(v) if draft else None,
            "shown": ActionForm(
                action_named("peace_index.version.edit"),
                initial={"name": v.name, "note": v.note, **params_as_fields(v.params)},
            ),
            "band_labels": dict(Band.choices),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def version(request: HttpRequest, pk: int) -> HttpResponse:
    """A version; a draft is edited in the form (a published one is frozen: no form, and a POST
    is refused), with the preview of its bands."""
    v = get_object_or_404(MethodVersion.objects.select_related("county"), pk=pk)
    county = _managed_county(request, v.county_id)
    action = action_named("peace_index.version.edit")
    editable = MethodVersion.TRANSITIONS.allows(v.status, "edit")
    if request.method == "GET":
        form = ActionForm(action, initial={"name": v.name, "note": v.note, **params_as_fields(v.params)})
        return _version_page(request, v, county, form if editable else None)
    if not editable:  # frozen: refused whatever the input, as the API refuses it
        messages.error(request, _("A published or retired methodology version cannot be changed."))
        return _version_page(request, v, county, None, status=409)
    form = ActionForm(action, data=request.POST, context={"request": request, "version": v})
    if form.submit(lambda d: services.version_draft_update(actor=request.user, version=v, **d)):
        messages.success(request, _("Draft saved."))
        return redirect("peace:version", pk=v.pk)
    return _version_page(request, v, county, form, status=400)


@login_required
@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    v = get_object_or_404(MethodVersion.objects.select_related("county"), pk=pk)
    county = _managed_county(request, v.county_id)
    form = ActionForm(action_named("peace_index.version.publish"), data=request.POST)
    if form.submit(lambda d: services.version_publish(actor=request.user, version=v)):
        messages.success(request, _("Published. Earlier months are being recomputed under it."))
        run = form.result
        return redirect("peace:run", pk=run.pk) if run else redirect("peace:methods", pk=county.pk)
    for e in form.non_field_errors:
        messages.error(request, e)
    return redirect("peace:version", pk=v.pk)


@login_required
@require_POST
def recompute(request: HttpRequest, pk: int) -> HttpResponse:
    county = _managed_county(request, pk)
    form = ActionForm(action_named("peace_index.recompute.start"), data=request.POST)
    if form.submit(
        lambda d: services.recompute_start(actor=request.user, county=county, months=d.get("months"))
    ):
        return redirect("peace:run", pk=form.result.pk)
    return _methods_page(request, county, recompute_form=form, status=400)


@login_required
@require_GET
def run(request: HttpRequest, pk: int) -> HttpResponse:
    r = get_object_or_404(RecomputeRun.objects.select_related("county", "version", "started_by"), pk=pk)
    _managed_county(request, r.county_id)
    return render(request, "peace_index/run.html", {"run": r, "finished": r.status in ("done", "failed")})


@login_required
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest, pk: int) -> HttpResponse:
    """A delivery in two steps: the file is checked and previewed (what it adds, changes and
    removes, per month and village), then imported when its importer confirms."""
    county = _managed_county(request, pk)
    action = action_named("peace_index.import.file")
    page_fills = {"dry_run": True, "confirm_removals": False}
    form = (
        ActionForm(
            action, data=request.POST, files=request.FILES, initial=page_fills, exclude=list(page_fills)
        )
        if request.method == "POST" and "staged" not in request.POST
        else ActionForm(action, initial=page_fills, exclude=list(page_fills))
    )
    staged: services.StagedImport | None = None
    refusal = ""
    if request.method == "POST" and "staged" in request.POST:
        try:
            result = services.data_import_confirm(
                actor=request.user, county=county, token=request.POST["staged"],
                confirm_removals=request.POST.get("confirm_removals") == "on",
                idempotency_key=request.POST.get("idempotency_key") or None,
            )  # fmt: skip
        except DomainError as exc:
            refusal = error_text(exc)
        else:
            messages.success(request, _("%(n)d rows imported.") % {"n": result.batch.rows})  # type: ignore[union-attr]
            return redirect("peace:imports", pk=county.pk)
    elif request.method == "POST":

        def preview(d: dict[str, Any]) -> Any:
            upload = d["file"]
            return services.data_import_stage(
                actor=request.user, county=county, source=d["source"], first_month=d["first_month"],
                last_month=d["last_month"], file_name=upload.name, content=upload.read(),
            )  # fmt: skip

        if form.submit(preview):
            staged = form.result
    return render(
        request,
        "peace_index/imports.html",
        {
            "county": county,
            "form": form,
            "staged": staged,
            "refusal": refusal,
            "batches": ImportBatch.objects.filter(county=county).select_related("created_by")[:20],
            "coverage": DataCoverage.objects.filter(county=county).order_by("-month", "source")[:48],
        },
        status=400 if request.method == "POST" and (refusal or not staged) else 200,
    )
