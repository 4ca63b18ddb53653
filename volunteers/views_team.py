"""The team leader's phone pages beyond vetting and verifying: publish and edit a task (a
recurring school-gate series too), record a no-show, a volunteer's status steps with a reason,
points adjusted with a reason, and the reward shop (积分超市) its keepers stock.

Each page draws its declared action's input (volunteers/actions.py) with ``ActionForm``: GET shows
the form, a POST with bad input shows it again with the field errors (400), a refusal of right is
403 (what one may not see is 404), success goes back with a message. The services do the work.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from governance.action_forms import ActionForm
from governance.actions import action_named
from governance.errors import DomainError, PermissionDenied
from volunteers.models import Claim, Course, RewardItem, Task, Volunteer
from volunteers.selectors import items_stocked_by, shop_agencies_for, teams_managed_by
from volunteers.services import (
    TaskInput,
    claim_no_show,
    points_adjust,
    reward_item_create,
    reward_item_price,
    reward_item_restock,
    reward_item_withdraw,
    task_edit,
    task_publish,
    volunteer_reject,
    volunteer_retire,
    volunteer_suspend,
)

# The status steps a member's page offers, as Volunteer.TRANSITIONS allows them.
STATUS_STEPS = {"reject": volunteer_reject, "suspend": volunteer_suspend, "retire": volunteer_retire}


def action_page(
    request: HttpRequest,
    name: str,
    *,
    call: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], str],
    back: str,
    heading: str,
    summary: str = "",
    initial: Mapping[str, Any] | None = None,
    choices: Mapping[str, Sequence[tuple[Any, Any]]] | None = None,
    prefix: str = "",
    confirm: str = "",
) -> HttpResponse:
    """One declared action on its own page (GET the form, POST it)."""
    posted = request.method == "POST"
    form = ActionForm(
        action_named(name),
        data=request.POST if posted else None,
        initial=initial,
        context={"request": request},
        choices=choices,
        prefix=prefix,
    )
    refused: list[DomainError] = []

    def run(data: dict[str, Any]) -> Any:
        try:
            return call(data)
        except DomainError as exc:
            refused.append(exc)
            raise

    if posted and form.submit(run):
        messages.success(request, done(form.result))
        return redirect(back)
    status = 200
    if posted:
        status = refused[0].http_status if refused else 400
        if refused and isinstance(refused[0], PermissionDenied):
            status = 403
    context = {
        "form": form,
        "heading": heading,
        "summary": summary,
        "post_to": request.path,
        "back": back,
        "confirm": confirm,
    }
    return render(request, "volunteers/action.html", context, status=status)


def _managed_task(request: HttpRequest, task_id: int) -> Task:
    return get_object_or_404(
        Task.objects.select_related("team"), pk=task_id, team__in=teams_managed_by(request.user)
    )


def _managed_member(request: HttpRequest, volunteer_id: int) -> Volunteer:
    return get_object_or_404(
        Volunteer.objects.select_related("team__region", "user"),
        pk=volunteer_id,
        team__in=teams_managed_by(request.user),
    )


def _stocked_item(request: HttpRequest, item_id: int) -> RewardItem:
    return get_object_or_404(items_stocked_by(request.user), pk=item_id)


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%m-%d %H:%M")


# --- tasks ------------------------------------------------------------------------------------


@login_required
def task_new(request: HttpRequest) -> HttpResponse:
    """Publish a task; with "repeats" and "repeat until", a series (a school gate on school days)."""
    teams = list(teams_managed_by(request.user).order_by("name"))
    if not teams:
        raise Http404
    last = Task.objects.filter(team__in=teams).order_by("-created_at").first()
    initial: dict[str, Any] = {"team": teams[0].pk, "request_key": uuid.uuid4().hex}
    if last is not None:
        initial |= {"place": last.place, "lng": last.lng, "lat": last.lat, "radius_m": last.radius_m}

    def call(d: dict[str, Any]) -> Any:
        team = d.pop("team")
        key = d.pop("request_key", "")
        d["kind"] = d.pop("task_type")
        if team.pk not in {t.pk for t in teams}:
            raise PermissionDenied(_("You may not publish tasks for this team."))
        return task_publish(actor=request.user, team=team, data=TaskInput(**d), idempotency_key=key)[0]

    return action_page(
        request,
        "volunteers.task.publish",
        call=call,
        done=lambda task: _("Published: %(title)s.") % {"title": task.title},
        back=reverse("volunteers:team"),
        heading=_("Publish a task"),
        initial=initial,
        choices={
            "team": [(t.pk, t.name) for t in teams],
            "required_course": [
                (c.pk, c.title) for c in Course.objects.filter(active=True).order_by("title")
            ],
        },
    )


@login_required
def task_edit_page(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _managed_task(request, task_id)
    fields = ("title", "description", "starts_at", "ends_at", "place", "lng", "lat", "radius_m", "capacity",
              "min_star", "points")  # fmt: skip
    return action_page(
        request,
        "volunteers.task.edit",
        call=lambda d: task_edit(actor=request.user, task=task, changes=d),
        done=lambda t: (
            _("Saved: %(title)s. The claimants are told of a new time or place.") % {"title": t.title}
        ),
        back=reverse("volunteers:team"),
        heading=_("Edit the task"),
        summary=f"{task.title} · {_local(task.starts_at)} · {task.get_status_display()}",
        initial={f: getattr(task, f) for f in fields},
    )


@login_required
@require_POST
def claim_no_show_page(request: HttpRequest, claim_id: int) -> HttpResponse:
    """The volunteer did not come (offered for claims still "claimed" once the task has started)."""
    claim = get_object_or_404(
        Claim.objects.select_related("task", "volunteer"),
        pk=claim_id,
        task__team__in=teams_managed_by(request.user),
    )
    try:
        claim_no_show(actor=request.user, claim=claim)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("No-show recorded: %(name)s.") % {"name": claim.volunteer.masked_name})
    return redirect("volunteers:team")


# --- a member's status and points -------------------------------------------------------------


def _status_step(request: HttpRequest, volunteer_id: int, step: str) -> HttpResponse:
    member = _managed_member(request, volunteer_id)
    service = STATUS_STEPS[step]
    headings = {"reject": _("Reject the application"), "suspend": _("Suspend the volunteer"),
                "retire": _("Retire the volunteer")}  # fmt: skip
    return action_page(
        request,
        f"volunteers.volunteer.{step}",
        call=lambda d: service(actor=request.user, volunteer=member, **d),
        done=lambda v: (
            _("%(name)s is now %(status)s.") % {"name": v.masked_name, "status": v.get_status_display()}
        ),
        back=reverse("volunteers:team-member", args=[member.pk]),
        heading=headings[step],
        summary=f"{member.masked_name} · {member.get_status_display()}",
        confirm=_("This changes the volunteer's status and is logged. Go ahead?"),
    )


@login_required
def member_reject(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    return _status_step(request, volunteer_id, "reject")


@login_required
def member_suspend(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    return _status_step(request, volunteer_id, "suspend")


@login_required
def member_retire(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    return _status_step(request, volunteer_id, "retire")


@login_required
def member_points(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    member = _managed_member(request, volunteer_id)
    return action_page(
        request,
        "volunteers.points.adjust",
        call=lambda d: points_adjust(actor=request.user, volunteer=member, **d),
        done=lambda e: _("Points adjusted by %(amount)+d.") % {"amount": e.amount},
        back=reverse("volunteers:team-member", args=[member.pk]),
        heading=_("Adjust points"),
        summary=member.masked_name,
        confirm=_("Adjust this volunteer's points? The entry stays in the ledger."),
    )


# --- the reward shop --------------------------------------------------------------------------


@login_required
@require_GET
def shop(request: HttpRequest) -> HttpResponse:
    """The items of the shops one runs, each with a restock form and its other steps."""
    agencies = list(shop_agencies_for(request.user).order_by("name")[:50])
    if not agencies:
        raise Http404
    items = list(items_stocked_by(request.user).order_by("agency__name", "-active", "price", "pk")[:200])
    key = uuid.uuid4().hex
    restock = action_named("volunteers.reward_item.restock")
    rows = [
        (item, ActionForm(restock, initial={"request_key": f"{key}-{item.pk}"}, prefix=f"i{item.pk}"))
        for item in items
    ]
    return render(request, "volunteers/team_shop.html", {"rows": rows, "agencies": agencies})


@login_required
def shop_new(request: HttpRequest) -> HttpResponse:
    agencies = list(shop_agencies_for(request.user).order_by("name")[:50])
    if not agencies:
        raise Http404

    def call(d: dict[str, Any]) -> Any:
        key = d.pop("request_key", "")
        return reward_item_create(actor=request.user, idempotency_key=key, **d)

    return action_page(
        request,
        "volunteers.reward_item.create",
        call=call,
        done=lambda item: _("On sale: %(name)s.") % {"name": item.name},
        back=reverse("volunteers:team-shop"),
        heading=_("A new item for the shop"),
        initial={"agency": agencies[0].pk, "request_key": uuid.uuid4().hex},
        choices={"agency": [(a.pk, a.name) for a in agencies]},
    )


def _item_summary(item: RewardItem) -> str:
    return _("%(name)s · %(price)s points · %(stock)s left") % {
        "name": item.name,
        "price": item.price,
        "stock": item.stock,
    }


@login_required
def shop_restock(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _stocked_item(request, item_id)
    return action_page(
        request,
        "volunteers.reward_item.restock",
        call=lambda d: reward_item_restock(
            actor=request.user, item=item, add=d["add"], idempotency_key=d["request_key"]
        ),
        done=lambda i: _("Restocked: %(name)s, %(stock)s in stock.") % {"name": i.name, "stock": i.stock},
        back=reverse("volunteers:team-shop"),
        heading=_("Restock"),
        summary=_item_summary(item),
        initial={"request_key": uuid.uuid4().hex},
        prefix=f"i{item.pk}",
    )


@login_required
def shop_price(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _stocked_item(request, item_id)
    return action_page(
        request,
        "volunteers.reward_item.price",
        call=lambda d: reward_item_price(actor=request.user, item=item, **d),
        done=lambda i: _("New price of %(name)s: %(price)s points.") % {"name": i.name, "price": i.price},
        back=reverse("volunteers:team-shop"),
        heading=_("Set the price"),
        summary=_item_summary(item),
        initial={"price": item.price},
    )


@login_required
def shop_withdraw(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _stocked_item(request, item_id)
    return action_page(
        request,
        "volunteers.reward_item.withdraw",
        call=lambda d: reward_item_withdraw(actor=request.user, item=item, **d),
        done=lambda i: _("Taken off sale: %(name)s.") % {"name": i.name},
        back=reverse("volunteers:team-shop"),
        heading=_("Take off sale"),
        summary=_item_summary(item),
        confirm=_("Take this item off sale? Volunteers can no longer redeem it."),
    )
