"""Disputes pages: the ledger (台账) with its CSV and XLSX exports, registering a case (desktop
and the grid worker's phone) and the mediator pool (调解超市). The case page and its actions are
in ``views_case``.

Who sees what is the selectors' business: the ledger lists ``disputes_visible_to``; people with
no part in disputes work (volunteers above all) get a 404, as if the pages did not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from disputes.api.serializers import register_input
from disputes.forms import LedgerFilterForm
from disputes.models import Assignment, Category, Dispute, MediatorTeam, Party
from disputes.selectors import (
    DISPUTE_CAPABILITIES,
    LedgerQuery,
    exact_party_term,
    ledger,
    mediators_for,
    user_may_search_parties,
    user_works_disputes,
    villages_for,
)
from disputes.services import dispute_register, ledger_search
from governance.action_forms import ActionForm
from governance.actions import action_named
from governance.actors import Actor
from governance.errors import DomainError
from governance.paging import CappedPaginator
from governance.replicas import replica_ok
from governance.spreadsheets import csv_response, xlsx_response

PAGE_SIZES = (25, 50, 100, 200)
# A screenful; rendering a row costs about a quarter of a millisecond (bench/suite.py).
PER_PAGE = 25
# An export is for a township's or a county's ledger; past this it asks for a narrower filter.
EXPORT_LIMIT = 50_000
# The ledger counts this many cases at most ("more than 1,000"): its cost stays flat over the years.
LEDGER_COUNTED = 1_000


def require_disputes_user(request: HttpRequest) -> None:
    if not user_works_disputes(request.user):
        raise Http404


def _live_assignments() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(ended_at__isnull=True).select_related("mediator__user__profile"),
        to_attr="live_assignments",
    )


# --- the ledger -------------------------------------------------------------------------------


def _ledger_query(request: HttpRequest) -> tuple[LedgerFilterForm, LedgerQuery, str]:
    """The ledger's form, the query to run and why a full ID number or phone found nothing
    personal (an exact search is an unmasking: ``disputes.services.ledger_search``)."""
    villages = villages_for(request.user, DISPUTE_CAPABILITIES)
    form = LedgerFilterForm(request.GET or None, villages=villages)
    if form.is_bound:
        form.is_valid()
    try:
        search = ledger_search(actor=request.user, query=form.query())
    except DomainError as exc:
        # A reason that is no reason, or one search too many: the exact search finds nothing.
        form.add_domain_error(exc)
        return form, form.query(), ""
    return form, search.query, search.refusal


@login_required
@require_GET
@replica_ok
def ledger_page(request: HttpRequest) -> HttpResponse:
    """The register of the disputes the user may see: searched, filtered, a page at a time. The
    same handful of queries whatever the page size."""
    require_disputes_user(request)
    form, query, refusal = _ledger_query(request)
    per_page = int(request.GET["per_page"]) if request.GET.get("per_page", "").isdigit() else PER_PAGE
    if per_page not in PAGE_SIZES:
        per_page = PER_PAGE
    rows = ledger(request.user, query).prefetch_related(_live_assignments())
    page = CappedPaginator(rows, per_page, cap=LEDGER_COUNTED).get_page(request.GET.get("page"))
    return render(
        request,
        "disputes/ledger.html",
        {
            "form": form,
            "page": page,
            "per_page": per_page,
            "page_sizes": PAGE_SIZES,
            "now": timezone.now(),
            "exact_refusal": refusal,
            # The reason field, for those who may search by a full ID number or phone.
            "offer_reason": exact_party_term(query.q) is not None and user_may_search_parties(request.user),
        },
    )


def _export_header() -> list[str]:
    return [
        _("Case number"),
        _("Registered at"),
        _("Found through"),
        _("Category"),
        _("Township"),
        _("Village"),
        _("Summary of the dispute"),
        _("Amount in dispute (yuan)"),
        _("People involved"),
        _("Risk"),
        _("Status"),
        _("Tier"),
        _("Key or difficult"),
        _("Group dispute"),
        _("Parties"),
        _("Mediators"),
        _("Mediation due by"),
        _("Resolved at"),
        _("Closed at"),
    ]


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _party_cell(parties: Iterable[Party]) -> str:
    # Masked: an export leaves the platform, where no unmasking is logged.
    return "; ".join(
        " ".join(x for x in (p.get_role_display(), p.masked_name, p.masked_phone) if x) for p in parties
    )


def export_rows(user: Actor, query: LedgerQuery) -> Iterator[list[Any]]:
    """The header, then one row per case of the filtered ledger (parties masked)."""
    yes, no = _("Yes"), _("No")
    yield _export_header()
    rows = (
        ledger(user, query)
        .prefetch_related(Prefetch("parties", queryset=Party.objects.order_by("id")), _live_assignments())
        .order_by("-registered_at", "-id")[:EXPORT_LIMIT]
    )
    for d in rows.iterator(chunk_size=1000):
        yield [
            d.number,
            _when(d.registered_at),
            d.get_channel_display(),
            d.get_category_display(),
            d.village.parent.name if d.village.parent else "",
            d.village.name,
            d.summary,
            d.amount,
            d.people_involved,
            d.get_risk_display(),
            d.get_status_display(),
            d.get_tier_display(),
            yes if d.key_case else no,
            yes if d.is_group else no,
            _party_cell(d.parties.all()),
            "、".join(str(a.mediator) for a in d.live_assignments),  # type: ignore[attr-defined]
            _when(d.mediation_deadline),
            _when(d.resolved_at),
            _when(d.closed_at),
        ]


def _filename(extension: str) -> str:
    return f"rongzhi-disputes-{timezone.localdate():%Y%m%d}.{extension}"


@login_required
@require_GET
@replica_ok
def ledger_csv(request: HttpRequest) -> HttpResponse:
    require_disputes_user(request)
    _form, query, _refusal = _ledger_query(request)
    return csv_response(export_rows(request.user, query), filename=_filename("csv"))


@login_required
@require_GET
@replica_ok
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    require_disputes_user(request)
    _form, query, _refusal = _ledger_query(request)
    return xlsx_response(
        export_rows(request.user, query), filename=_filename("xlsx"), sheet_title=_("Disputes")
    )


# --- registering a case -----------------------------------------------------------------------


# The rows a new case starts with: an applicant, a respondent, another party if there is one.
NEW_CASE_PARTIES = [
    {"role": Party.Role.APPLICANT},
    {"role": Party.Role.RESPONDENT},
    {"role": Party.Role.THIRD},
]


def _register(request: HttpRequest, action: str, template: str) -> HttpResponse:
    """Register a case through the declared action ``action`` (its serializer is the form)."""
    villages = villages_for(request.user, ["disputes.register"])
    if not villages:
        raise Http404
    form = ActionForm(
        action_named(action),
        data=request.POST if request.method == "POST" else None,
        initial={
            "channel": Dispute.Channel.VISIT,
            "village": villages[0].code if len(villages) == 1 else "",
            "parties": NEW_CASE_PARTIES,
            # Drawn with the form: the same form sent twice is one case.
            "request_key": uuid.uuid4().hex,
        },
        choices={"village": [(v.code, v.label) for v in villages]},
        exclude=["grid"],
    )
    if form.submit(
        lambda d: dispute_register(actor=request.user, **register_input(d), idempotency_key=d["request_key"])
    ):
        dispute, created = form.result
        if created:
            messages.success(request, _("Case %(number)s registered.") % {"number": dispute.number})
        else:
            messages.info(request, _("Case %(number)s was already registered.") % {"number": dispute.number})
        return redirect("disputes:case", dispute_id=dispute.pk)
    return render(request, template, {"form": form}, status=form.status if form.is_bound else 200)


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """Staff at a desk register a dispute found by any channel."""
    return _register(request, "disputes.dispute.register", "disputes/register.html")


@login_required
def grid_register(request: HttpRequest) -> HttpResponse:
    """The same on a grid worker's phone: one column, big touch targets."""
    return _register(request, "disputes.dispute.register_grid", "disputes/grid_register.html")


# --- the mediator pool ------------------------------------------------------------------------


@login_required
@require_GET
def mediator_pool(request: HttpRequest) -> HttpResponse:
    """The mediator pool (调解超市): who serves here, their team and agency, what they know, how
    loaded they are and how many cases they resolved, so that parties can choose."""
    require_disputes_user(request)
    team = request.GET.get("team", "")
    qs = mediators_for(request.user).annotate(handled=Count("assignments", distinct=True))
    if team in MediatorTeam.values:
        qs = qs.filter(team=team)
    labels = dict(Category.choices)
    pool = [
        {
            "mediator": m,
            "specialties": [labels.get(s, s) for s in m.specialties or []],
            "full": m.load >= m.max_load,
        }
        for m in qs.order_by("team", "region__path", "id")
    ]
    return render(
        request, "disputes/mediators.html", {"pool": pool, "teams": MediatorTeam.choices, "team": team}
    )
