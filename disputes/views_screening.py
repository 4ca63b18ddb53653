"""Screening campaigns (排查): township and county staff create a campaign and give villages to
grid workers; a grid worker records household visits from the phone, and a finding becomes a
dispute of the campaign."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.api.serializers import visit_input
from disputes.models import Party, ScreeningAssignment, ScreeningVisit
from disputes.selectors import assignments_visible_to, campaigns_visible_to
from disputes.services import campaign_assign, campaign_create, visit_record
from governance.action_forms import ActionForm
from governance.actions import action_named
from governance.actors import Actor
from governance.models import Membership, Region
from governance.selectors import jurisdiction_for


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _manageable_areas(user: Actor) -> list[Region]:
    """Townships (and the county) where the user may run campaigns."""
    condition = jurisdiction_for(user).region_filter("disputes.manage")
    if condition is None:
        return []
    return list(
        Region.objects.filter(condition, level__in=[Region.Level.COUNTY, Region.Level.TOWNSHIP]).order_by(
            "code"
        )[:200]
    )


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    areas = _manageable_areas(request.user)
    if request.method == "POST" and not areas:
        raise Http404
    form = ActionForm(
        action_named("disputes.screening.create"),
        data=_posted(request),
        choices={"region": [(r.code, r.name) for r in areas]},
    )
    if form.submit(lambda d: campaign_create(actor=request.user, **d)):
        messages.success(request, _("Campaign created."))
        return redirect("disputes:campaign", campaign_id=form.result.pk)
    listed = campaigns_visible_to(request.user).annotate(
        villages=Count("assignments", distinct=True), visits=Count("assignments__visits", distinct=True)
    )
    return render(
        request,
        "disputes/campaigns.html",
        {"campaigns": listed, "form": form if areas else None},
        status=form.status if form.is_bound else 200,
    )


def _workers_under(region: Region) -> list[tuple[str, str]]:
    memberships = (
        Membership.objects.filter(
            role__in=[Membership.Role.GRID_WORKER, Membership.Role.VILLAGE_CADRE],
            active=True,
            scope__path__startswith=region.path,
        )
        .select_related("user__profile", "scope")
        .order_by("scope__code", "user_id")
    )
    seen: dict[str, str] = {}
    for m in memberships:
        profile = getattr(m.user, "profile", None)
        seen.setdefault(
            m.user.username,
            f"{m.scope.name if m.scope else ''} · {profile.real_name if profile else m.user.username}",
        )
    return list(seen.items())


@login_required
def campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    item = get_object_or_404(campaigns_visible_to(request.user), pk=campaign_id)
    may_manage = jurisdiction_for(request.user).covers("disputes.manage", item.region.path)
    villages = list(
        Region.objects.filter(path__startswith=item.region.path, level=Region.Level.VILLAGE)
        .select_related("parent")
        .order_by("code")
    )
    if request.method == "POST" and not may_manage:
        raise Http404
    form = ActionForm(
        action_named("disputes.screening.assign"),
        data=_posted(request),
        choices={
            "village": [(v.code, f"{v.parent.name if v.parent else ''} {v.name}") for v in villages],
            "worker": _workers_under(item.region),
        },
    )
    if form.submit(lambda d: campaign_assign(actor=request.user, campaign=item, **d)):
        messages.success(request, _("Village assigned."))
        return redirect("disputes:campaign", campaign_id=item.pk)
    assignments = (
        item.assignments.select_related("village__parent", "worker__profile")
        .annotate(
            visited=Count("visits"),
            findings=Count("visits", filter=Q(visits__result=ScreeningVisit.Result.FINDING)),
        )
        .order_by("village__code")
        # The villages the user may see (his own, and those of the area he manages): a county's
        # campaign shows a township official his township's villages, not the others'.
        .filter(pk__in=assignments_visible_to(request.user).values("pk"))
    )
    return render(
        request,
        "disputes/campaign.html",
        {"campaign": item, "assignments": assignments, "form": form if may_manage else None},
        status=form.status if form.is_bound else 200,
    )


# A finding names its two sides; more parties are added on the case page.
FINDING_PARTIES = [{"role": Party.Role.APPLICANT}, {"role": Party.Role.RESPONDENT}]


@login_required
def visit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The grid worker's phone page for one village of a campaign."""
    assignment = get_object_or_404(
        ScreeningAssignment.objects.select_related("campaign", "village"),
        pk=assignment_id,
        worker_id=request.user.pk,
    )
    form = ActionForm(
        action_named("disputes.screening.visit"),
        data=_posted(request),
        # Drawn with the page: a double tap or a resend records one visit.
        initial={"parties": FINDING_PARTIES, "request_key": uuid.uuid4().hex},
    )
    if form.submit(
        lambda d: visit_record(
            actor=request.user, assignment=assignment, **visit_input(d), idempotency_key=d["request_key"]
        )
    ):
        if form.result.dispute_id:
            messages.success(request, _("Visit recorded; the dispute was registered."))
        else:
            messages.success(request, _("Visit recorded."))
        return redirect("disputes:visit", assignment_id=assignment.pk)
    visits = assignment.visits.select_related("dispute").order_by("-visited_at")[:30]
    return render(
        request,
        "disputes/visit.html",
        {
            "assignment": assignment,
            "form": form,
            "visits": visits,
            "visited": assignment.visits.count(),
            "today": timezone.localdate(),
        },
        status=form.status if form.is_bound else 200,
    )


@login_required
def my_screening(request: HttpRequest) -> HttpResponse:
    """The grid worker's villages to visit, in the campaigns running now."""
    today = timezone.localdate()
    assignments = (
        ScreeningAssignment.objects.filter(worker_id=request.user.pk, campaign__ends_on__gte=today)
        .select_related("campaign", "village")
        .annotate(visited=Count("visits"))
        .order_by("campaign__ends_on", "village__code")
    )
    return render(request, "disputes/my_screening.html", {"assignments": assignments})
