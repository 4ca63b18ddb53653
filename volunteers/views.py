"""The volunteer's phone pages: tasks he may take (one tap to claim), his claims with check-in and
check-out by the phone's location, points and star, the reward shop, and applying to a team; and
the team leader's page to vet applicants and verify attendance.

Made for a 360 px phone held in one hand on a poor network: plain forms, a few lines of script for
the location (and a queue for check-ins made offline), every write safe to send twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from governance.action_forms import ActionForm
from governance.actions import action_named
from governance.errors import DomainError, PermissionDenied
from governance.geo import distance_m
from governance.replicas import replica_ok
from volunteers.models import Certificate, Claim, Course, Redemption, Task, Volunteer
from volunteers.selectors import (
    Near,
    claims_visible_to,
    redemptions_visible_to,
    shop_agencies_for,
    shop_for,
    star_progress,
    tasks_open_for,
    team_leaderboard,
    teams_managed_by,
    user_may_unmask_volunteer,
    volunteer_of,
    volunteers_visible_to,
)
from volunteers.services import (
    claim_cancel,
    claim_check_in,
    claim_check_out,
    claim_verify,
    claim_withdraw,
    quiz_submit,
    redemption_cancel,
    redemption_collect,
    redemption_reserve,
    task_cancel,
    task_claim,
    volunteer_activate,
    volunteer_apply,
    volunteer_unmask,
    volunteer_vet,
)

TASKS_SHOWN = 50
HISTORY_SHOWN = 30


def _volunteer(request: HttpRequest) -> Volunteer:
    volunteer = volunteer_of(request.user)
    if volunteer is None:
        raise Http404
    return volunteer


def _error(request: HttpRequest, exc: DomainError) -> None:
    detail = " ".join(m for msgs in exc.fields.values() for m in msgs if m not in exc.message)
    messages.error(request, f"{exc.message} {detail}".strip())


@login_required
@replica_ok
def home(request: HttpRequest) -> HttpResponse:
    """The tasks the volunteer may take now; someone not (yet) a volunteer is offered to apply,
    a leader or staff member who is no volunteer goes to the team page."""
    volunteer = volunteer_of(request.user)
    if volunteer is None:
        if teams_managed_by(request.user).exists():
            return redirect("volunteers:team")
        return redirect("volunteers:apply")
    near, near_error = _near(request)
    tasks = (
        list(tasks_open_for(volunteer, now=timezone.now(), near=near)[:TASKS_SHOWN])
        if volunteer.status == Volunteer.Status.ACTIVE
        else []
    )
    if near is not None:
        for task in tasks:
            task.distance_m = round(distance_m(near.lng, near.lat, task.lng, task.lat))  # type: ignore[attr-defined]
            task.distance_km = f"{task.distance_m / 1000:.1f}"  # type: ignore[attr-defined]
    return render(
        request,
        "volunteers/home.html",
        {
            "volunteer": volunteer,
            "tasks": tasks,
            "near": near,
            "near_error": near_error,
            "distances": NEAR_DISTANCES_KM,
            "within_km": near.within_m // 1000 if near else 5,
        },
    )


# The distances a volunteer may choose on the phone ("near me").
NEAR_DISTANCES_KM = (1, 3, 5, 10, 20)


def _near(request: HttpRequest) -> tuple[Near | None, str]:
    """``?lng=&lat=&within=<km>`` from the phone's location; a bad value drops the filter with a
    message rather than failing the page."""
    if "lng" not in request.GET and "lat" not in request.GET:
        return None, ""
    lng, lat = _float(request.GET.get("lng")), _float(request.GET.get("lat"))
    within = _float(request.GET.get("within") or 5)
    if lng is None or lat is None or not (-180 <= lng <= 180 and -90 <= lat <= 90):
        return None, _("Your location could not be read; all tasks are shown.")
    if within is None or int(within) not in NEAR_DISTANCES_KM:
        return None, _("Choose a distance of 1, 3, 5, 10 or 20 km.")
    return Near(lng=lng, lat=lat, within_m=int(within) * 1000), ""


@login_required
@require_POST
def claim(request: HttpRequest, task_id: int) -> HttpResponse:
    volunteer = _volunteer(request)
    task = get_object_or_404(Task, pk=task_id, team_id=volunteer.team_id)
    try:
        task_claim(actor=request.user, task=task)
    except DomainError as exc:
        _error(request, exc)
        return redirect("volunteers:home")
    messages.success(request, _("Claimed: %(title)s.") % {"title": task.title})
    return redirect("volunteers:claims")


@login_required
def claims(request: HttpRequest) -> HttpResponse:
    volunteer = _volunteer(request)
    mine = Claim.objects.filter(volunteer=volunteer).select_related("task")
    upcoming = list(
        mine.filter(status__in=[Claim.Status.CLAIMED, Claim.Status.CHECKED_IN]).order_by("task__starts_at")
    )
    history = list(mine.exclude(status__in=[Claim.Status.CLAIMED, Claim.Status.CHECKED_IN])[:HISTORY_SHOWN])
    return render(
        request, "volunteers/claims.html", {"volunteer": volunteer, "upcoming": upcoming, "history": history}
    )


def _own_claim(request: HttpRequest, claim_id: int) -> Claim:
    volunteer = _volunteer(request)
    return get_object_or_404(Claim.objects.select_related("task"), pk=claim_id, volunteer=volunteer)


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _claim_step(
    request: HttpRequest, claim_id: int, act: Callable[[Claim], object], done: str
) -> HttpResponse:
    claim = _own_claim(request, claim_id)
    try:
        act(claim)
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, done)
    return redirect("volunteers:claims")


def _declared_step(
    request: HttpRequest, name: str, call: Callable[[dict[str, Any]], object], done: str, then: str
) -> HttpResponse:
    """A one-button step of a declared action: its serializer reads the form, the service decides;
    a refusal of right answers 403 (as the API does), any other is said above the page ``then``."""
    form = ActionForm(action_named(name), data=request.POST)
    if form.submit(call):
        messages.success(request, done)
    elif isinstance(form.refusal, PermissionDenied):
        raise DjangoPermissionDenied(form.refusal.message)
    else:
        messages.error(request, " ".join(form.all_errors))
    return redirect(then)


def _on_site(
    request: HttpRequest, claim_id: int, name: str, step: Callable[..., object], done: str
) -> HttpResponse:
    """Check in or out with the phone's position: the declared PositionSerializer reads the form
    (the page's script fills it)."""
    claim = _own_claim(request, claim_id)
    return _declared_step(
        request, name, lambda d: step(actor=request.user, claim=claim, **d), done, "volunteers:claims"
    )


@login_required
@require_POST
def check_in(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _on_site(request, claim_id, "volunteers.claim.check_in", claim_check_in, _("Checked in."))


@login_required
@require_POST
def check_out(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _on_site(
        request,
        claim_id,
        "volunteers.claim.check_out",
        claim_check_out,
        _("Checked out. Your team leader will verify it."),
    )


@login_required
@require_POST
def cancel(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _claim_step(
        request, claim_id, lambda c: claim_cancel(actor=request.user, claim=c), _("Claim cancelled.")
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _claim_step(
        request,
        claim_id,
        lambda c: claim_withdraw(actor=request.user, claim=c),
        _("Withdrawn without penalty."),
    )


@login_required
def points(request: HttpRequest) -> HttpResponse:
    volunteer = _volunteer(request)
    now = timezone.now()
    progress = star_progress(volunteer, now=now)
    return render(
        request,
        "volunteers/points.html",
        {
            "volunteer": volunteer,
            "progress": progress,
            "star_marks": "★" * progress.star,
            "entries": volunteer.points_entries.all()[:HISTORY_SHOWN],
            "certificates": volunteer.certificates.select_related("course"),
            "leaderboard": team_leaderboard(volunteer.team, now=now, limit=10),
        },
    )


@login_required
def shop(request: HttpRequest) -> HttpResponse:
    volunteer = _volunteer(request)
    return render(
        request,
        "volunteers/shop.html",
        {
            "volunteer": volunteer,
            "balance": star_progress(volunteer, now=timezone.now()).balance,
            "items": shop_for(volunteer).select_related("agency"),
            # One key per page and item: a double tap sends it twice and reserves once; a new
            # page is a new wish. Made here, not in the browser (no inline script: CSP).
            "page_key": uuid.uuid4().hex,
            "redemptions": volunteer.redemptions.select_related("item")[:HISTORY_SHOWN],
        },
    )


@login_required
@require_POST
def redeem(request: HttpRequest, item_id: int) -> HttpResponse:
    volunteer = _volunteer(request)
    item = get_object_or_404(shop_for(volunteer), pk=item_id)
    key = (request.POST.get("idempotency_key") or "").strip()[:60]
    try:
        redemption_reserve(actor=request.user, item=item, idempotency_key=key or None)
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(
            request,
            _("Reserved: %(name)s. Collect it at %(agency)s.")
            % {"name": item.name, "agency": item.agency.name},
        )
    return redirect("volunteers:shop")


@login_required
@require_POST
def redemption_cancel_view(request: HttpRequest, redemption_id: int) -> HttpResponse:
    """The volunteer cancels his reservation from the shop, or the agency's staff from the team
    page (the item will not be collected): the points go back either way."""
    redemption = get_object_or_404(
        redemptions_visible_to(request.user).select_related("volunteer"), pk=redemption_id
    )
    own = redemption.volunteer.user_id == request.user.pk
    return _declared_step(
        request,
        "volunteers.redemption.cancel",
        lambda d: redemption_cancel(actor=request.user, redemption=redemption, **d),
        _("Redemption cancelled; your points are back.")
        if own
        else _("Redemption cancelled; the points are refunded."),
        "volunteers:shop" if own else "volunteers:team",
    )


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    if volunteer_of(request.user) is not None:
        return redirect("volunteers:points")
    form = ActionForm(
        action_named("volunteers.volunteer.apply"), data=request.POST if request.method == "POST" else None
    )
    if form.submit(lambda d: volunteer_apply(actor=request.user, **d)):  # type: ignore[arg-type]
        messages.success(request, _("Application sent. The team will contact you."))
        return redirect("volunteers:points")
    return render(
        request, "volunteers/apply.html", {"form": form}, status=form.status if form.is_bound else 200
    )


@login_required
def team(request: HttpRequest) -> HttpResponse:
    """The leader's page: applicants to vet and activate, attendance to verify."""
    teams = list(teams_managed_by(request.user))
    if not teams:
        raise Http404
    ids = [t.pk for t in teams]
    pending = volunteers_visible_to(request.user).filter(
        team_id__in=ids, status__in=[Volunteer.Status.APPLIED, Volunteer.Status.VETTED]
    )
    to_verify = claims_visible_to(request.user).filter(task__team_id__in=ids, status=Claim.Status.CHECKED_OUT)
    now = timezone.now()
    upcoming = Task.objects.filter(
        team_id__in=ids, status=Task.Status.PUBLISHED, starts_at__gt=now
    ).select_related("team")
    # Claims still "claimed" once their task has started: the volunteer came (he checks in) or
    # did not (the leader records a no-show), as Claim.TRANSITIONS offers.
    absent = (
        claims_visible_to(request.user)
        .filter(
            task__team_id__in=ids,
            status__in=Claim.TRANSITIONS.sources("no_show"),
            task__starts_at__lte=now,
            task__starts_at__gte=now - timedelta(days=7),
        )
        .select_related("task", "volunteer")
        .order_by("task__starts_at")
    )
    return render(
        request,
        "volunteers/team.html",
        {
            "teams": teams,
            "upcoming": upcoming.order_by("starts_at", "pk")[:TASKS_SHOWN],
            "absent": absent[:100],
            "runs_shop": shop_agencies_for(request.user).exists(),
            "pending": pending[:100],
            "to_verify": to_verify.order_by("task__starts_at")[:100],
            "to_hand_over": redemptions_visible_to(request.user).filter(status=Redemption.Status.RESERVED)[
                :100
            ],
        },
    )


def _team_step(request: HttpRequest, act: Callable[[], object], done: str) -> HttpResponse:
    try:
        act()
    except PermissionDenied as exc:
        # A refusal of right answers 403, as the API does (one's own claim is visible, not one's
        # to verify).
        raise DjangoPermissionDenied(exc.message) from exc
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, done)
    return redirect("volunteers:team")


@login_required
@require_POST
def team_verify(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(claims_visible_to(request.user), pk=claim_id)
    return _team_step(
        request, lambda: claim_verify(actor=request.user, claim=claim), _("Attendance verified.")
    )


@login_required
@require_POST
def team_admit(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    """Vet, then activate: one button per step on the phone."""
    volunteer = get_object_or_404(volunteers_visible_to(request.user), pk=volunteer_id)
    if volunteer.status == Volunteer.Status.APPLIED:
        return _team_step(
            request, lambda: volunteer_vet(actor=request.user, volunteer=volunteer), _("Vetted.")
        )
    return _team_step(
        request, lambda: volunteer_activate(actor=request.user, volunteer=volunteer), _("Activated.")
    )


@login_required
@require_POST
def team_task_cancel(request: HttpRequest, task_id: int) -> HttpResponse:
    task = get_object_or_404(Task, pk=task_id, team__in=teams_managed_by(request.user))
    return _declared_step(
        request,
        "volunteers.task.cancel",
        lambda d: task_cancel(actor=request.user, task=task, **d),
        _("Cancelled: %(title)s. The claimants are told.") % {"title": task.title},
        "volunteers:team",
    )


def _member(request: HttpRequest, volunteer_id: int) -> Volunteer:
    """A volunteer of a team one manages (never oneself as a mere volunteer)."""
    return get_object_or_404(
        Volunteer.objects.select_related("team__region", "user"),
        pk=volunteer_id,
        team__in=teams_managed_by(request.user),
    )


def _unmask_form(data: Any = None) -> ActionForm:
    return ActionForm(action_named("volunteers.volunteer.unmask"), data=data)


def _member_page(
    request: HttpRequest,
    member: Volunteer,
    *,
    form: ActionForm | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    context = {
        "member": member,
        "steps": Volunteer.TRANSITIONS.offered(member.status, among=("suspend", "reject", "retire")),
        "may_unmask": user_may_unmask_volunteer(request.user, member),
        "unmask_form": form or _unmask_form(),
    } | extra
    response = render(request, "volunteers/member.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may hold the data unmasked once
    return response


@login_required
def team_member(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    return _member_page(request, _member(request, volunteer_id))


@login_required
@require_POST
def team_member_unmask(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    """One field in clear, once, for a stated reason (the declared VolunteerUnmaskSerializer); the
    service logs who saw what and why. The value is in this response only: never in a redirect, a
    message or a cache."""
    member = _member(request, volunteer_id)
    form = _unmask_form(request.POST)
    if not form.submit(lambda d: volunteer_unmask(actor=request.user, volunteer=member, **d)):
        return _member_page(request, member, form=form, status=form.status)
    labels = dict(form.fields["field"].choices)
    field = form.validated_data["field"]
    return _member_page(request, member, unmasked={"field": labels.get(field, field), "value": form.result})


@login_required
@require_POST
def team_collect(request: HttpRequest, redemption_id: int) -> HttpResponse:
    redemption = get_object_or_404(redemptions_visible_to(request.user), pk=redemption_id)
    return _team_step(
        request, lambda: redemption_collect(actor=request.user, redemption=redemption), _("Handed over.")
    )


# --- training ---------------------------------------------------------------------------------


@login_required
def training(request: HttpRequest) -> HttpResponse:
    """The courses, with the ones the volunteer passed marked."""
    volunteer = _volunteer(request)
    passed = {c.course_id: c for c in volunteer.certificates.all()}
    courses = Course.objects.filter(active=True).annotate(lesson_count=Count("lessons")).order_by("title")
    return render(
        request,
        "volunteers/training.html",
        {"volunteer": volunteer, "courses": [(c, passed.get(c.pk)) for c in courses]},
    )


def _course_page(
    request: HttpRequest, volunteer: Volunteer, course: Course, *, error: str = "", status: int = 200
) -> HttpResponse:
    questions = list(course.questions.order_by("number"))
    chosen = {q.number: request.POST.get(f"q{q.number}", "") for q in questions}
    return render(
        request,
        "volunteers/course.html",
        {
            "volunteer": volunteer,
            "course": course,
            "lessons": course.lessons.order_by("number"),
            "questions": [
                (q, [(str(i), text) for i, text in enumerate(q.choices)], chosen[q.number]) for q in questions
            ],
            "certificate": volunteer.certificates.filter(course=course).first(),
            "error": error,
        },
        status=status,
    )


@login_required
def course(request: HttpRequest, course_id: int) -> HttpResponse:
    volunteer = _volunteer(request)
    return _course_page(request, volunteer, get_object_or_404(Course, pk=course_id, active=True))


@login_required
@require_POST
def quiz(request: HttpRequest, course_id: int) -> HttpResponse:
    """Mark the quiz: a pass leads to the certificate; a fail or a missing answer is shown on the
    course page with the answers kept."""
    volunteer = _volunteer(request)
    course_obj = get_object_or_404(Course, pk=course_id, active=True)
    # The page asks each question by its number; the declaration reads the answers in order (an
    # unanswered question leaves the list short, which the service refuses by name).
    posted = (request.POST.get(f"q{q.number}", "") for q in course_obj.questions.order_by("number"))
    data = QueryDict(mutable=True)
    data.setlist("answers", [a for a in posted if a])
    form = ActionForm(action_named("volunteers.course.quiz"), data=data)
    if not form.submit(lambda d: quiz_submit(actor=request.user, course=course_obj, **d)):
        return _course_page(
            request, volunteer, course_obj, error=" ".join(form.all_errors), status=form.status
        )
    certificate = form.result
    if certificate is None:
        return _course_page(
            request,
            volunteer,
            course_obj,
            error=_("Not passed: the pass mark is %(mark)s%%. Read the lessons again and try once more.")
            % {"mark": course_obj.pass_mark},
        )
    messages.success(request, _("Passed: %(title)s.") % {"title": course_obj.title})
    return redirect("volunteers:certificate", certificate_id=certificate.pk)


@login_required
def certificate(request: HttpRequest, certificate_id: int) -> HttpResponse:
    volunteer = _volunteer(request)
    cert = get_object_or_404(
        Certificate.objects.select_related("course"), pk=certificate_id, volunteer=volunteer
    )
    return render(request, "volunteers/certificate.html", {"volunteer": volunteer, "certificate": cert})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The offline check-in queue (static/volunteers/sw.js), served from /volunteers/ so that its
    scope covers the volunteers' pages: a worker controls only pages under its own path."""
    path = finders.find("volunteers/sw.js")
    assert isinstance(path, str)
    with open(path, "rb") as source:
        response = HttpResponse(source.read(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # a new version is picked up on the next visit
    return response
