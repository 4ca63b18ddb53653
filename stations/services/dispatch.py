"""Every write of the stations app: alert intake and dispatch, the order's life, the clocks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.actors import Actor, user_of
from governance.background import on_commit_delay
from governance.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from governance.idempotency import idempotent
from governance.models import Agency, Region
from governance.pii import pii_encrypt, pii_lookup_hash, validate_mobile
from governance.selectors import jurisdiction_for, user_may, village_at
from governance.services.audit import audit_record, audit_record_many
from stations.live import publish_order
from stations.models import Alert, ClockBreach, DispatchOrder, IntegrationClient, OrderEvent
from stations.repeats import recognise
from stations.selectors import sla_profile_for, station_for_village, user_may_act_on

S = DispatchOrder.Status
C = Alert.Category

# A report's own time may lag (a hotline system batching) but not lie about the future.
REPORTED_AT_PAST_TOLERANCE = timedelta(hours=24)
REPORTED_AT_FUTURE_TOLERANCE = timedelta(minutes=5)
DEFAULT_PRIORITY = {
    C.CRIMINAL: 1,
    C.FIRE_DISASTER: 1,
    C.PUBLIC_ORDER: 2,
    C.TRAFFIC: 2,
    C.DISPUTE: 3,
    C.HELP: 3,
    C.NON_POLICE: 4,
}
# Without a configured profile, P1/P2 orders run on the 1310 principle.
DEFAULT_1310 = (60, 180, 600)


@dataclass(frozen=True)
class IntakeResult:
    alert: Alert
    order: DispatchOrder
    created: bool


def alert_intake(
    *,
    actor: Actor,
    channel: str,
    category: str,
    summary: str,
    address: str,
    village_code: str = "",
    lng: float | None = None,
    lat: float | None = None,
    description: str = "",
    caller_name: str = "",
    caller_phone: str = "",
    reported_at: datetime | None = None,
    priority: int | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    notify: bool = True,
    source_client: IntegrationClient | None = None,
) -> IntakeResult:
    """Save an alert from any channel and dispatch it to the station covering its village.

    ``idempotency_key`` is the sender's own (the user's, or ``source_client``'s): the same key
    with the same report gives the first alert back and writes nothing; with another report it
    is refused (``governance.idempotency``). It is looked up only once the sender is known to
    cover the village. ``notify=False`` is for back-filling history: nobody is woken for an old
    alert.
    """
    body = {
        "channel": channel,
        "category": category,
        "summary": summary,
        "address": address,
        "village_code": village_code,
        "lng": lng,
        "lat": lat,
        "description": description,
        "caller_name": caller_name,
        "caller_phone": caller_phone,
        "reported_at": reported_at,
        "priority": priority,
    }
    now = now or timezone.now()
    village, phone, fields = _validate_intake(
        channel=channel,
        category=category,
        summary=summary,
        address=address,
        description=description,
        village_code=village_code,
        lng=lng,
        lat=lat,
        caller_phone=caller_phone,
        reported_at=reported_at,
        priority=priority,
        now=now,
    )
    if fields:
        raise ValidationFailed(_("The alert is not valid."), fields=fields)
    assert village is not None
    # ``actor`` None is the platform itself (a sweep, an import); a person must cover the village,
    # and an integrating system may only report for the regions its agency serves.
    if actor is not None and not user_may(actor, "alerts.intake", village):
        raise PermissionDenied(_("You may not report alerts for this village."))
    if source_client is not None and not _client_serves(source_client, village):
        raise PermissionDenied(_("This village is outside the area of the integrating system."))
    alert, created = idempotent(
        actor=actor,
        client=source_client,
        operation="stations.alert.intake",
        key=idempotency_key,
        body=body,
        run=lambda: (
            _intake_write(
                actor=actor,
                channel=channel,
                category=category,
                summary=summary.strip(),
                address=address.strip(),
                village=village,
                lng=lng,
                lat=lat,
                description=description,
                caller_name=caller_name.strip()[:50],
                caller_phone=phone,
                reported_at=reported_at or now,
                priority=priority or DEFAULT_PRIORITY[C(category)],
                now=now,
                notify=notify,
                source_client=source_client,
            ).alert
        ),
    )
    return IntakeResult(alert, alert.order, created=created)


def _client_serves(client: IntegrationClient, village: Region) -> bool:
    paths = [r.path for r in client.agency.served_regions.all()] or [client.agency.region.path]
    return any(village.path.startswith(p) for p in paths)


def _validate_intake(
    *,
    channel: str,
    category: str,
    summary: str,
    address: str,
    description: str,
    village_code: str,
    lng: float | None,
    lat: float | None,
    caller_phone: str,
    reported_at: datetime | None,
    priority: int | None,
    now: datetime,
) -> tuple[Region | None, str, dict[str, list[str]]]:
    fields: dict[str, list[str]] = {}
    if channel not in Alert.Channel.values:
        fields["channel"] = [_("Unknown channel.")]
    if category not in Alert.Category.values:
        fields["category"] = [_("Unknown category.")]
    if not summary.strip():
        fields["summary"] = [_("This field is required.")]
    elif len(summary) > 200:
        fields["summary"] = [_("At most 200 characters.")]
    if not address.strip():
        fields["address"] = [_("This field is required.")]
    elif len(address) > 300:
        fields["address"] = [_("At most 300 characters.")]
    if len(description) > 4000:
        fields["description"] = [_("At most 4000 characters.")]
    if priority is not None and not 1 <= priority <= 4:
        fields["priority"] = [_("Priority is 1 (most urgent) to 4.")]
    if reported_at is not None:
        if reported_at > now + REPORTED_AT_FUTURE_TOLERANCE:
            fields["reported_at"] = [_("The report time is in the future.")]
        elif reported_at < now - REPORTED_AT_PAST_TOLERANCE:
            fields["reported_at"] = [
                _("The report time is more than 24 hours ago; register it as a past case.")
            ]
    phone = ""
    if caller_phone:
        try:
            phone = validate_mobile(caller_phone)
        except ValidationError as exc:
            fields["caller_phone"] = list(exc.messages)
    village = None
    if (lng is None) != (lat is None):
        fields["location"] = [_("Give both longitude and latitude, or neither.")]
    elif lng is not None and lat is not None:
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            fields["location"] = [_("The point must be longitude, latitude in WGS-84.")]
        else:
            village = village_at(lng, lat)
    if village is None and village_code:
        village = Region.objects.filter(code=village_code, level=Region.Level.VILLAGE).first()
        if village is None:
            fields["village_code"] = [_("No village has this code.")]
    if village is None and "location" not in fields and "village_code" not in fields:
        fields["location"] = [_("Give a point inside a village or the caller's village.")]
    return village, phone, fields


def _intake_write(
    *,
    actor: Actor,
    channel: str,
    category: str,
    summary: str,
    address: str,
    village: Region,
    lng: float | None,
    lat: float | None,
    description: str,
    caller_name: str,
    caller_phone: str,
    reported_at: datetime,
    priority: int,
    now: datetime,
    notify: bool,
    source_client: IntegrationClient | None,
) -> IntakeResult:
    phone_hash = pii_lookup_hash(caller_phone) if caller_phone else ""
    seen = recognise(
        category=category,
        village=village,
        address=address,
        lng=lng,
        lat=lat,
        phone_hash=phone_hash,
        text=f"{summary} {description}",
        now=now,
    )
    alert = Alert.objects.create(
        duplicate_of=seen.duplicate_of,
        repeat_count=seen.repeat_count,
        risk_level=seen.risk_level,
        risk_reasons=seen.reasons,
        needs_dispute_case=seen.needs_dispute_case,
        source_client=source_client,
        channel=channel,
        category=category,
        priority=priority,
        summary=summary,
        description=description,
        address=address,
        lng=lng,
        lat=lat,
        village=village,
        caller_name=caller_name,
        caller_phone_encrypted=pii_encrypt(caller_phone) if caller_phone else "",
        caller_phone_hash=phone_hash,
        reported_at=reported_at,
        created_by=user_of(actor),
    )
    if seen.duplicate_of is not None:
        return _merge_duplicate(actor=actor, alert=alert, first=seen.duplicate_of, now=now)
    station = station_for_village(village)
    accept_due = contact_due = on_scene_due = None
    if priority <= 2:
        profile = sla_profile_for(village, priority)
        accept_s, contact_s, on_scene_s = (
            (profile.accept_seconds, profile.contact_seconds, profile.on_scene_seconds)
            if profile
            else DEFAULT_1310
        )
        if profile is not None and village.urban_rural.startswith("2"):
            on_scene_s = profile.rural_on_scene_seconds
        accept_due = now + timedelta(seconds=accept_s)
        contact_due = now + timedelta(seconds=contact_s)
        on_scene_due = now + timedelta(seconds=on_scene_s)
    order = DispatchOrder.objects.create(
        alert=alert,
        station=station,
        priority=priority,
        dispatched_at=now,
        accept_due=accept_due,
        contact_due=contact_due,
        on_scene_due=on_scene_due,
    )
    OrderEvent.objects.create(order=order, at=now, actor=alert.created_by, to_status=S.DISPATCHED)
    if notify:
        publish_order(station_id=order.station_id, order_id=order.pk, status=order.status, new=True)
    audit_record(
        actor=actor,
        verb="alert.intake",
        target=alert,
        changes={"channel": [None, channel], "category": [None, category], "village": [None, village.code]},
    )
    audit_record(
        actor=actor,
        verb="order.dispatch",
        target=order,
        changes={"station": [None, getattr(station, "pk", None)]},
    )
    if notify:
        on_commit_delay("stations.notify_new_order", order.pk)
    if seen.risk_level == Alert.Risk.RED:
        on_commit_delay("stations.escalate_red_risk", alert.pk)
    if seen.needs_dispute_case:
        # The third call about the same matter (or the second in 7 days) opens a dispute case
        # or attaches to the open one; in the worker, so intake stays fast.
        on_commit_delay("stations.open_dispute_case", alert.pk, seen.related_ids)
    return IntakeResult(alert, order, created=True)


def _merge_duplicate(*, actor: Actor, alert: Alert, first: Alert, now: datetime) -> IntakeResult:
    """A second call about the same event: kept (the caller counts) but not dispatched again.
    The first order's history shows the extra call."""
    first_order = first.order
    order = DispatchOrder.objects.create(
        alert=alert, station=first_order.station, priority=alert.priority, dispatched_at=now, status=S.MERGED
    )
    OrderEvent.objects.create(
        order=order, at=now, actor=user_of(actor), to_status=S.MERGED, note=f"#{first_order.pk}"
    )
    OrderEvent.objects.create(
        order=first_order,
        at=now,
        actor=user_of(actor),
        from_status=first_order.status,
        to_status=first_order.status,
        note=f"duplicate call merged: alert #{alert.pk}",
    )
    audit_record(actor=actor, verb="alert.merge", target=alert, changes={"duplicate_of": [None, first.pk]})
    return IntakeResult(alert, order, created=True)


@dataclass(frozen=True)
class Step:
    sources: tuple[str, ...]
    target: str
    stamp: str


# When each step happened is stamped on the order; where it may be taken from and what it leads
# to is ``DispatchOrder.TRANSITIONS`` (the one table the pages and the API offer by).
_STAMP = {
    "accept": "accepted_at",
    "contact": "contacted_at",
    "arrive": "on_scene_at",
    "handle": "handling_at",
    "resolve": "resolved_at",
    "transfer": "resolved_at",
    "redirect": "redirected_at",
    "close": "closed_at",
    "follow_up": "followed_up_at",
    "village_confirm": "village_settled_at",
}


def _steps_from_table() -> dict[str, Step]:
    table = DispatchOrder.TRANSITIONS
    steps: dict[str, Step] = {}
    for source, action, target in table.rows:
        known = steps.get(action)
        steps[action] = Step((*(known.sources if known else ()), source), target, _STAMP[action])
    return steps


STEPS: dict[str, Step] = _steps_from_table()
STEP_LABELS = {
    "accept": gettext_lazy("accept"),
    "contact": gettext_lazy("mark the parties contacted on"),
    "arrive": gettext_lazy("mark on scene"),
    "handle": gettext_lazy("start handling"),
    "resolve": gettext_lazy("resolve"),
    "transfer": gettext_lazy("transfer"),
    "redirect": gettext_lazy("redirect"),
    "close": gettext_lazy("close"),
    "follow_up": gettext_lazy("record the follow-up of"),
    "village_confirm": gettext_lazy("confirm the village's settling of"),
}
TRANSFER_TARGETS = ("dispute", "criminal_case", "summons")
# Which clock a step stops, for on-time statistics.
_CLOCK_OF_STEP = {"accept": "accept", "contact": "contact", "arrive": "on_scene"}


@transaction.atomic
def order_step(
    *,
    order: DispatchOrder,
    step: str,
    actor: Actor,
    note: str = "",
    transfer_to: str = "",
    agency: Agency | None = None,
    at: datetime | None = None,
) -> DispatchOrder:
    """Move an order one step along its life. Repeating the step just taken is a no-op; a step
    out of order is refused with the reason; of two officers accepting at once, one wins and the
    other is told who did. ``redirect`` hands a non-police matter to the ``agency`` that owns it;
    that agency's people then close it with what they did, so it is tracked, not dropped."""
    if step not in STEPS:
        raise ValidationFailed(_("Unknown step."), fields={"step": [_("Unknown step.")]})
    spec = STEPS[step]
    order = (
        # Lock the order row only (the joined station may be NULL: an outer join). The accepting
        # user is read after the lock, so a loser of the race sees who won.
        DispatchOrder.objects.select_for_update(of=("self",))
        .select_related("station__region")
        .get(pk=order.pk)
    )
    owner_closes = (
        step == "close"
        and order.status == S.REDIRECTED
        and order.redirected_agency_id is not None
        and order.redirected_agency_id in jurisdiction_for(actor).agency_ids
    )
    if not owner_closes and not user_may_act_on(actor, order.station):
        raise PermissionDenied(_("You may not act on this station's orders."))
    if order.status == spec.target:
        if step == "accept" and order.accepted_by_id != getattr(actor, "pk", None):
            raise Conflict(
                _("Already accepted by %(name)s at %(time)s.")
                % {
                    "name": _display(order.accepted_by),
                    "time": timezone.localtime(order.accepted_at).strftime("%H:%M:%S")
                    if order.accepted_at
                    else "",
                }
            )
        return order
    if not DispatchOrder.TRANSITIONS.allows(order.status, step):
        raise InvalidTransition(
            _("Cannot %(step)s an order that is %(status)s; it must be %(needed)s first.")
            % {
                "step": STEP_LABELS[step],
                "status": S(order.status).label,
                "needed": " / ".join(str(S(s).label) for s in spec.sources),
            }
        )
    before = order.status
    _CHECK.get(step, _no_check)(order, note=note, transfer_to=transfer_to, agency=agency)
    if _needs_note(step, before) and not note.strip():
        raise ValidationFailed(_("Record the outcome."), fields={"note": [_("This field is required.")]})
    at = at or timezone.now()
    target = DispatchOrder.TRANSITIONS.target(before, step)
    order.status = target
    setattr(order, spec.stamp, at)
    update = ["status", spec.stamp, "updated_at"]
    update += _APPLY.get(step, _no_change)(order, actor=actor, note=note, transfer_to=transfer_to, agency=agency, at=at, before=before)  # fmt: skip
    order.save(update_fields=update)
    OrderEvent.objects.create(
        order=order, at=at, actor=order.accepted_by if step == "accept" else user_of(actor), from_status=before,
        to_status=target, note=note[:500],
    )  # fmt: skip
    audit_record(actor=actor, verb=f"order.{step}", target=order, changes={"status": [before, target]})
    publish_order(station_id=order.station_id, order_id=order.pk, status=order.status)
    if step == "redirect":
        on_commit_delay("stations.notify_redirect", order.pk)
    if step == "transfer" and transfer_to == "dispute":
        on_commit_delay("stations.open_dispute_case", order.alert_id, [])
    if (clock := _CLOCK_OF_STEP.get(step)) is not None:
        _record_breach_if_late(order, clock, at)
    return order


# --- The steps' own checks and changes, beside the table ---------------------------------------


def _needs_note(step: str, before: str) -> bool:
    """Resolving, transferring, redirecting and the owner's closing say what was done."""
    return step in ("resolve", "transfer", "redirect") or (step == "close" and before == S.REDIRECTED)


def _no_check(order: DispatchOrder, **_kw: object) -> None:
    return None


def _check_transfer(order: DispatchOrder, *, transfer_to: str, **_kw: object) -> None:
    if transfer_to not in TRANSFER_TARGETS:
        raise ValidationFailed(
            _("Say where the order is transferred to."),
            fields={"transfer_to": [_("Choose dispute, criminal case or summons.")]},
        )


def _check_redirect(order: DispatchOrder, *, agency: Agency | None, **_kw: object) -> None:
    _check_redirect_agency(order, agency)


def _check_village_confirm(order: DispatchOrder, **_kw: object) -> None:
    if order.village_reported_at is None:
        raise InvalidTransition(
            _("The village has not reported that it settled this matter; call the village first.")
        )


_CHECK: dict[str, Callable[..., None]] = {
    "transfer": _check_transfer,
    "redirect": _check_redirect,
    "village_confirm": _check_village_confirm,
}


def _no_change(order: DispatchOrder, **_kw: object) -> list[str]:
    return []


def _apply_accept(order: DispatchOrder, *, actor: Actor, **_kw: object) -> list[str]:
    order.accepted_by = user_of(actor)
    return ["accepted_by"]


def _apply_resolve(order: DispatchOrder, *, note: str, **_kw: object) -> list[str]:
    order.outcome = note.strip()
    return ["outcome"]


def _apply_transfer(order: DispatchOrder, *, note: str, transfer_to: str, **_kw: object) -> list[str]:
    order.outcome = note.strip()
    order.transferred_to = transfer_to
    return ["outcome", "transferred_to"]


def _apply_redirect(order: DispatchOrder, *, agency: Agency | None, **_kw: object) -> list[str]:
    order.redirected_agency = agency
    return ["redirected_agency"]


def _apply_close(order: DispatchOrder, *, note: str, at: datetime, before: str, **_kw: object) -> list[str]:
    if before != S.REDIRECTED:
        return []
    order.redirect_closed_at = at
    order.outcome = note.strip()
    return ["redirect_closed_at", "outcome"]


def _apply_village_confirm(order: DispatchOrder, *, note: str, at: datetime, **_kw: object) -> list[str]:
    """The station stands down: the order is over, settled by the village (its report is the
    outcome, with what the call-back added)."""
    order.closed_at = at
    order.outcome = "\n".join(t for t in (order.village_report, note.strip()) if t)[:2000]
    return ["closed_at", "outcome"]


_APPLY: dict[str, Callable[..., list[str]]] = {
    "village_confirm": _apply_village_confirm,
    "accept": _apply_accept,
    "resolve": _apply_resolve,
    "transfer": _apply_transfer,
    "redirect": _apply_redirect,
    "close": _apply_close,
}


def _check_redirect_agency(order: DispatchOrder, agency: Agency | None) -> None:
    if agency is None:
        raise ValidationFailed(
            _("Choose the agency that owns the matter."), fields={"agency": [_("This field is required.")]}
        )
    village = order.alert.village
    serves = [r.path for r in agency.served_regions.all()] or [agency.region.path]
    if (
        agency.kind in Agency.POLICE_KINDS
        or not agency.active
        or not any(village.path.startswith(p) for p in serves)
    ):
        raise ValidationFailed(
            _("Choose the agency that owns the matter."),
            fields={
                "agency": [_("%(agency)s does not take matters of this village.") % {"agency": agency.name}]
            },
        )


def _display(user: User | None) -> str:
    if user is None:
        return _("someone")
    profile = getattr(user, "profile", None)
    return profile.real_name if profile else user.get_username()


_DUE_FIELD = {"accept": "accept_due", "contact": "contact_due", "on_scene": "on_scene_due"}
_DONE_FIELD = {"accept": "accepted_at", "contact": "contacted_at", "on_scene": "on_scene_at"}


def _record_breach_if_late(order: DispatchOrder, clock: str, done_at: datetime) -> None:
    """A step taken after its deadline is a breach for the statistics, even if the sweep was
    not quick enough to see it open. Nobody is woken: the step itself shows it is being handled."""
    due = getattr(order, _DUE_FIELD[clock])
    if due is not None and done_at > due and _insert_breaches(clock, [(order.pk, due)], done_at):
        audit_record(actor=None, verb="order.breach", target=order, changes={"clock": [None, clock]})


ESCALATION_BATCH = 100


def sla_sweep(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Find clocks that passed on open orders and escalate each breach exactly once. Safe to run
    in several processes at once: the unique (order, clock) row decides who escalates.

    Set-based: one INSERT ... ON CONFLICT DO NOTHING RETURNING per clock records the breaches
    and tells this sweep which ones it won; their audit events are written in one statement and
    the escalations are enqueued in batches after commit."""
    now = now or timezone.now()
    won: list[tuple[int, int, str]] = []
    for clock, due_field in _DUE_FIELD.items():
        overdue = list(
            DispatchOrder.objects.filter(
                status__in=DispatchOrder.OPEN,
                **{f"{due_field}__lt": now, f"{_DONE_FIELD[clock]}__isnull": True},
            )
            .exclude(breaches__clock=clock)
            .order_by(due_field)
            .values_list("pk", due_field)[:limit]
        )
        if not overdue:
            continue
        with transaction.atomic():
            inserted = _insert_breaches(clock, overdue, now)
            if not inserted:
                continue
            audit_record_many(
                actor=None,
                verb="order.breach",
                model=DispatchOrder,
                items=[(order_id, f"#{order_id}", {"clock": [None, clock]}) for _, order_id in inserted],
            )
            breach_ids = [breach_id for breach_id, _ in inserted]
            for start in range(0, len(breach_ids), ESCALATION_BATCH):
                on_commit_delay("stations.escalate_breaches", breach_ids[start : start + ESCALATION_BATCH])
            won += [(b, o, clock) for b, o in inserted]
    return len(won)


def _insert_breaches(clock: str, overdue: list[tuple[int, datetime]], now: datetime) -> list[tuple[int, int]]:
    """Insert the breaches that nobody recorded yet; return (breach id, order id) of those this
    call inserted. PostgreSQL and SQLite (3.35+) both support ON CONFLICT ... RETURNING."""
    table = ClockBreach._meta.db_table
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(overdue))
    params: list[int | str | datetime] = []
    for order_id, due in overdue:
        params += [order_id, clock, due, now]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (order_id, clock, due_at, detected_at) VALUES {rows} "  # noqa: S608 - table name from the model, values bound
            "ON CONFLICT (order_id, clock) DO NOTHING RETURNING id, order_id",
            params,
        )
        return [(int(r[0]), int(r[1])) for r in cursor.fetchall()]
