"""HTML pages of the core: the home page of each persona, the inbox, health."""

from __future__ import annotations

import sys
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import server_error as django_server_error

from governance.action_forms import ActionForm
from governance.actions import action_named
from governance.api.errors import refused_request
from governance.background import BROKER_ERRORS
from governance.errors import DomainError, error_text
from governance.middleware import database_unavailable_response
from governance.models import Grid, Heartbeat, Membership, Region
from governance.selectors import area_summaries, inbox_for, jurisdiction_for, regions_under
from governance.services.notifications import notification_mark_read

R = Membership.Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    j = jurisdiction_for(user)
    roles = j.roles
    context = {
        "roles": [(r, R(r).label) for r in roles],
        "memberships": j.memberships,
        "areas": area_summaries(user),
        "inbox": inbox_for(user, unread_only=True)[:5],
        "is_admin": user.is_staff or R.COUNTY_ADMIN in roles,
    }
    if R.TOWNSHIP_OFFICIAL in roles or R.VILLAGE_CADRE in roles:
        townships = [m.scope or m.agency.region for m in j.memberships if m.role == R.TOWNSHIP_OFFICIAL]
        context["township_villages"] = [
            (t, regions_under(t, level=Region.Level.VILLAGE).order_by("code")) for t in townships
        ]
    if R.GRID_WORKER in roles:
        context["grids"] = Grid.objects.filter(workers=user).select_related("village__parent")
    return render(request, "governance/home.html", context)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox_for(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "governance/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_mark_read(request: HttpRequest) -> HttpResponse:
    form = ActionForm(action_named("governance.notification.read"), data=request.POST)
    if form.submit(lambda d: notification_mark_read(user=request.user, notification_ids=d.get("ids"))):
        messages.success(request, _("%(n)d notifications marked as read.") % {"n": form.result})
    else:
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
    return redirect("inbox")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and administrators: the database, and how long since the
    background worker and beat last proved they run."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        beat = Heartbeat.objects.filter(name="celery").first()
    except Exception:
        return JsonResponse({"database": "down"}, status=503)
    age = (timezone.now() - beat.beat_at).total_seconds() if beat else None
    stale_after = 3 * settings.CELERY_HEARTBEAT_SECONDS + 30
    return JsonResponse(
        {
            "database": "ok",
            "worker": "ok" if age is not None and age <= stale_after else "stale",
            "worker_heartbeat_age_seconds": round(age, 1) if age is not None else None,
        }
    )


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness for load balancers: this node should get traffic only when the database answers,
    the broker answers and a worker proved it runs. 503 names what is missing."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        beat = Heartbeat.objects.filter(name="celery").first()
        checks["database"] = "ok"
    except (OperationalError, InterfaceError):
        beat = None
        checks["database"] = "down"
    checks["broker"] = "ok" if broker_answers() else "down"
    age = (timezone.now() - beat.beat_at).total_seconds() if beat else None
    checks["worker"] = (
        "ok" if age is not None and age <= 3 * settings.CELERY_HEARTBEAT_SECONDS + 30 else "stale"
    )
    ready = all(v == "ok" for v in checks.values())
    body: dict[str, object] = {"ready": ready, **checks}
    body["worker_heartbeat_age_seconds"] = round(age, 1) if age is not None else None
    return JsonResponse(body, status=200 if ready else 503)


def broker_answers() -> bool:
    """One short connection to the broker (at most two seconds), no retries."""
    from governance.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except BROKER_ERRORS:
        return False
    return True


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: the API's error shape (JSON) for an API request refused before its view (a
    body too large for a middleware that read it); a page that says why for a refusal of ours (a
    ``BadRequest`` raised from a domain error, like a month written wrong); Django's plain page
    for the rest (a bad Host header: nothing of the site is rendered for it)."""
    if request.path.startswith("/api/"):
        body, code = refused_request(exception)
        return JsonResponse(body, status=code)
    cause = exception.__cause__ if exception is not None else None
    if isinstance(cause, DomainError):
        return render(request, "400.html", {"reason": error_text(cause)}, status=400)
    return django_bad_request(request, exception)  # type: ignore[arg-type]


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a lost database connection outside a view (a session saved after it) is a 503
    with a message, like inside one; anything else is Django's plain 500."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        return database_unavailable_response(request)
    return django_server_error(request)
