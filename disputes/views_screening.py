"""Screening campaigns (排查): township and county staff create a campaign and give villages to
grid workers; a grid worker records household visits from the phone, and a finding becomes a
dispute of the campaign."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.models import Category, ScreeningAssignment, ScreeningCampaign, ScreeningVisit
from disputes.selectors import assignments_visible_to, campaigns_visible_to
from disputes.services import PartyInput, campaign_assign, campaign_create, visit_record
from governance.actors import Actor
from governance.errors import DomainError, form_add_domain_error
from governance.models import Membership, Region
from governance.selectors import jurisdiction_for

_KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    season = forms.ChoiceField(label=gettext_lazy("Season"), choices=ScreeningCampaign.Season.choices)
    region = forms.ChoiceField(label=gettext_lazy("Area"))
    starts_on = forms.DateField(label=gettext_lazy("Starts"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=gettext_lazy("Ends"), widget=forms.DateInput(attrs={"type": "date"}))
    focus = forms.CharField(label=gettext_lazy("Focus"), max_length=300, required=False)

    def __init__(self, *args: Any, areas: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(r.code, r.name) for r in areas]


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
    form = CampaignForm(request.POST or None, areas=areas)
    if request.method == "POST":
        if not areas:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = campaign_create(
                    actor=request.user,
                    name=data["name"],
                    season=data["season"],
                    region=Region.objects.get(code=data["region"]),
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    focus=data["focus"],
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _("Campaign created."))
                return redirect("disputes:campaign", campaign_id=campaign.pk)
    listed = campaigns_visible_to(request.user).annotate(
        villages=Count("assignments", distinct=True), visits=Count("assignments__visits", distinct=True)
    )
    return render(request, "disputes/campaigns.html", {"campaigns": listed, "form": form if areas else None})


class AssignForm(forms.Form):
    village = forms.ChoiceField(label=gettext_lazy("Village"))
    worker = forms.ChoiceField(label=gettext_lazy("Grid worker"))
    households = forms.IntegerField(label=gettext_lazy("Households to visit"), min_value=1, max_value=100_000)

    def __init__(
        self, *args: Any, villages: list[Region], workers: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        worker = self.fields["worker"]
        assert isinstance(village, forms.ChoiceField) and isinstance(worker, forms.ChoiceField)
        village.choices = [(v.code, f"{v.parent.name if v.parent else ''} {v.name}") for v in villages]
        worker.choices = workers


def _workers_under(region: Region) -> list[tuple[int, str]]:
    memberships = (
        Membership.objects.filter(
            role__in=[Membership.Role.GRID_WORKER, Membership.Role.VILLAGE_CADRE],
            active=True,
            scope__path__startswith=region.path,
        )
        .select_related("user__profile", "scope")
        .order_by("scope__code", "user_id")
    )
    seen: dict[int, str] = {}
    for m in memberships:
        profile = getattr(m.user, "profile", None)
        seen.setdefault(
            m.user_id,
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
    form = AssignForm(request.POST or None, villages=villages, workers=_workers_under(item.region))
    if request.method == "POST":
        if not may_manage:
            raise Http404
        if form.is_valid():
            try:
                campaign_assign(
                    actor=request.user,
                    campaign=item,
                    village=Region.objects.get(code=form.cleaned_data["village"]),
                    worker=User.objects.get(pk=form.cleaned_data["worker"]),
                    households=form.cleaned_data["households"],
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
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
    )


class VisitForm(forms.Form):
    household = forms.CharField(label=gettext_lazy("Household"), max_length=100)
    result = forms.ChoiceField(label=gettext_lazy("Result"), choices=ScreeningVisit.Result.choices)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=[("", "—"), *Category.choices], required=False
    )
    summary = forms.CharField(label=gettext_lazy("The dispute in one line"), max_length=200, required=False)
    applicant = forms.CharField(label=gettext_lazy("Applicant"), max_length=100, required=False)
    applicant_phone = forms.CharField(label=gettext_lazy("Applicant's phone"), max_length=20, required=False)
    respondent = forms.CharField(label=gettext_lazy("Respondent"), max_length=100, required=False)
    idempotency_key = forms.CharField(max_length=64, required=False)


@login_required
def visit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The grid worker's phone page for one village of a campaign."""
    assignment = get_object_or_404(
        ScreeningAssignment.objects.select_related("campaign", "village"),
        pk=assignment_id,
        worker_id=request.user.pk,
    )
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key = data["idempotency_key"] if _KEY.match(data["idempotency_key"] or "") else None
        parties = []
        if data["result"] == ScreeningVisit.Result.FINDING:
            parties = [
                PartyInput(role="applicant", name=data["applicant"], phone=data["applicant_phone"]),
                PartyInput(role="respondent", name=data["respondent"]),
            ]
        try:
            recorded = visit_record(
                actor=request.user,
                assignment=assignment,
                household=data["household"],
                result=data["result"],
                note=data["note"],
                category=data["category"],
                summary=data["summary"],
                parties=parties,
                idempotency_key=key,
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            if recorded.dispute_id:
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
