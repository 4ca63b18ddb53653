"""The whistle and report-in (吹哨报到).

A station officer (from a dispatch order) or a grid worker, village cadre or township official
(from the grid) names agencies; each must check in within the limit of the urgency, then record
what it did; when every agency has handled, the whistler verifies or reopens. Both directions
work: the grid summons the police station, the station summons the village committee.

Locks are always taken summons first, then target, so that handling (which must see every
target of its summons) and reopening cannot deadlock; a check-in locks its target only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.actors import Actor, user_of
from governance.background import on_commit_delay
from governance.errors import InvalidTransition, PermissionDenied, ValidationFailed
from governance.idempotency import idempotent
from governance.models import Agency, Membership, Region
from governance.selectors import ROLE_PRIORITY, jurisdiction_for, user_may
from governance.services.audit import audit_record
from governance.services.notifications import notification_send
from stations.models import DispatchOrder, Summons, SummonsTarget
from stations.selectors import GRID_ROLES, STATION_ROLES, user_may_act_on

R = Membership.Role
U = Summons.Urgency
CHECK_IN_LIMITS = {U.EMERGENCY: timedelta(minutes=30), U.ROUTINE: timedelta(hours=72)}
WHISTLE_ROLES = STATION_ROLES | GRID_ROLES
MAX_AGENCIES = 20
MAX_TEXT = 2000
# Orders that are over: a new matter is whistled from the grid, not from a finished order.
ORDER_FINISHED = {
    DispatchOrder.Status.CLOSED,
    DispatchOrder.Status.FOLLOWED_UP,
    DispatchOrder.Status.REDIRECTED,
    DispatchOrder.Status.MERGED,
    DispatchOrder.Status.INVALID,
    DispatchOrder.Status.VILLAGE_SETTLED,
}


def membership_paths(membership: Membership) -> list[str]:
    """The region paths one membership covers (the same rule as ``jurisdiction_for``)."""
    if membership.scope is not None:
        return [membership.scope.path]
    return [r.path for r in membership.agency.served_regions.all()] or [membership.agency.region.path]


def _agency_serves(agency: Agency, village: Region) -> bool:
    paths = [r.path for r in agency.served_regions.all()] or [agency.region.path]
    return any(village.path.startswith(p) for p in paths)


def answering_memberships(actor: Actor, agency_id: int) -> list[Membership]:
    """The actor's active memberships of the agency through which he may answer a summons:
    any role but volunteer (volunteers have no powers to commit their agency)."""
    return [
        m for m in jurisdiction_for(actor).memberships if m.agency_id == agency_id and m.role != R.VOLUNTEER
    ]


def _role_rank(role: str) -> int:
    return ROLE_PRIORITY.index(R(role))


@transaction.atomic
def summons_whistle(
    *,
    actor: Actor,
    agencies: Sequence[Agency],
    urgency: str,
    reason: str,
    village: Region | None = None,
    order: DispatchOrder | None = None,
    now: datetime | None = None,
    idempotency_key: str | None = None,
    notify: bool = True,
) -> Summons:
    """Summon ``agencies`` to the village (or to the order's village). Each gets a check-in
    deadline from the urgency and an inbox message after commit. The whistler's own
    ``idempotency_key`` again, with the same whistle, returns the first summons and changes
    nothing; with another whistle it is refused (``governance.idempotency``), and it is looked up
    only once the whistler may whistle there. ``notify=False`` is for back-filling history:
    nobody is summoned to a past whistle."""
    body = {
        "agencies": [getattr(a, "pk", a) for a in agencies],
        "urgency": urgency,
        "reason": reason,
        "village": village,
        "order": order,
    }
    j = jurisdiction_for(actor)
    if not isinstance(actor, User) or not any(m.role in WHISTLE_ROLES for m in j.memberships):
        raise PermissionDenied(
            _("Only station staff, grid workers, village cadres and township officials may whistle.")
        )
    now = now or timezone.now()
    fields: dict[str, list[str]] = {}
    reason = reason.strip()
    if not reason:
        fields["reason"] = [_("This field is required.")]
    elif len(reason) > MAX_TEXT:
        fields["reason"] = [_("At most %(n)d characters.") % {"n": MAX_TEXT}]
    if urgency not in U.values:
        fields["urgency"] = [_("Choose emergency or routine.")]
    agency_ids = [a.pk for a in agencies]
    if not agency_ids:
        fields["agencies"] = [_("Name at least one agency.")]
    elif len(set(agency_ids)) != len(agency_ids):
        fields["agencies"] = [_("Each agency may be named once.")]
    elif len(agency_ids) > MAX_AGENCIES:
        fields["agencies"] = [_("At most %(n)d agencies.") % {"n": MAX_AGENCIES}]

    whistler_agency: Agency | None = None
    if order is not None:
        order = (
            DispatchOrder.objects.select_related("alert__village", "station__region")
            .filter(pk=order.pk)
            .first()
        )
    if order is not None:
        station = order.station
        order_village = order.alert.village
        may_act = (
            user_may_act_on(actor, station)
            if station is not None
            else j.covers("orders.command", order_village.path)
        )
        if not may_act:
            fields["order"] = [_("You may not act on this order.")]
        elif order.status in ORDER_FINISHED:
            fields["order"] = [
                _("Cannot whistle on an order that is %(status)s.")
                % {"status": DispatchOrder.Status(order.status).label}
            ]
        elif village is not None and village.pk != order_village.pk:
            fields["village"] = [_("The village must be the order's village.")]
        else:
            whistler_agency = _order_whistler_agency(actor, order)
        village = order_village
    elif village is None:
        fields["village"] = [_("Give the village or the order.")]
    elif village.level != Region.Level.VILLAGE:
        fields["village"] = [_("Choose a village.")]
    else:
        whistler_agency = _grid_whistler_agency(actor, village)
        if whistler_agency is None:
            fields["village"] = [_("This village is outside your area.")]

    summoned: list[Agency] = []
    if "agencies" not in fields and agency_ids and village is not None:
        found = {
            a.pk: a
            for a in Agency.objects.filter(pk__in=agency_ids)
            .select_related("region")
            .prefetch_related("served_regions")
        }
        summoned = [found[pk] for pk in agency_ids if pk in found]
        refused = [a.name for a in summoned if not a.active or not _agency_serves(a, village)]
        if len(summoned) != len(agency_ids):
            fields["agencies"] = [_("No such agency.")]
        elif refused:
            fields["agencies"] = [
                _("%(names)s cannot be summoned to this village.") % {"names": ", ".join(refused)}
            ]
    if fields:
        raise ValidationFailed(_("The summons is not valid."), fields=fields)
    assert village is not None
    # A superuser may act on any order but whistles on behalf of an agency, which he may lack there.
    if whistler_agency is None:
        raise PermissionDenied(_("You belong to no agency that may whistle here."))

    def whistle() -> Summons:
        summons = Summons.objects.create(
            order=order,
            village=village,
            whistler=actor,
            whistler_agency=whistler_agency,
            urgency=urgency,
            reason=reason,
            created_at=now,
        )
        due = now + CHECK_IN_LIMITS[U(urgency)]
        SummonsTarget.objects.bulk_create(
            [SummonsTarget(summons=summons, agency=agency, check_in_due=due) for agency in summoned]
        )
        audit_record(
            actor=actor,
            verb="summons.whistle",
            target=summons,
            changes={
                "agencies": [None, agency_ids],
                "urgency": [None, urgency],
                "village": [None, village.code],
                "order": [None, order.pk if order else None],
            },
        )
        if notify:
            on_commit_delay("stations.notify_summons", summons.pk, 0)
        return summons

    summons, _created = idempotent(
        actor=actor, operation="stations.summons.whistle", key=idempotency_key, body=body, run=whistle
    )
    return summons


def _order_whistler_agency(actor: Actor, order: DispatchOrder) -> Agency | None:
    """On an order, the whistler speaks for the station: his membership of its police agency or
    of an agency stationed there, else his commander membership covering the village."""
    memberships = sorted(jurisdiction_for(actor).memberships, key=lambda m: (_role_rank(m.role), m.agency_id))
    if order.station is not None:
        station_agencies = {order.station.police_agency_id}
        station_agencies.update(order.station.stationed_agencies.values_list("pk", flat=True))
        for m in memberships:
            if m.role in STATION_ROLES and m.agency_id in station_agencies:
                return m.agency
    path = order.alert.village.path
    for m in memberships:
        if m.role == R.COMMANDER and any(path.startswith(p) for p in membership_paths(m)):
            return m.agency
    return None


def _grid_whistler_agency(actor: Actor, village: Region) -> Agency | None:
    """From the grid: the most local of the actor's whistling memberships that covers the
    village (a grid worker's village before a township official's township)."""
    if not user_may(actor, "region.view", village):
        return None
    best: tuple[int, int, int, Agency] | None = None
    for m in jurisdiction_for(actor).memberships:
        if m.role not in WHISTLE_ROLES:
            continue
        depth = max((len(p) for p in membership_paths(m) if village.path.startswith(p)), default=0)
        if depth == 0:
            continue
        key = (-depth, _role_rank(m.role), m.agency_id, m.agency)
        if best is None or key[:3] < best[:3]:
            best = key
    return best[3] if best else None


def _lock_target(target: SummonsTarget) -> SummonsTarget:
    return (
        SummonsTarget.objects.select_for_update(of=("self",))
        .select_related("summons", "agency", "checked_in_by")
        .get(pk=target.pk)
    )


def _require_answering_member(actor: Actor, target: SummonsTarget) -> None:
    if not isinstance(actor, User) or not answering_memberships(actor, target.agency_id):
        raise PermissionDenied(
            _("Only members of %(agency)s may answer for it.") % {"agency": target.agency.name}
        )


@transaction.atomic
def summons_check_in(*, actor: Actor, target: SummonsTarget, now: datetime | None = None) -> SummonsTarget:
    """Report in for one's agency. The agency checks in once: of several members reporting at
    the same moment, the first is recorded and the others' requests change nothing."""
    target = _lock_target(target)
    _require_answering_member(actor, target)
    if target.checked_in_at is not None:
        return target  # a verified summons has every agency checked in, so it ends here too
    now = now or timezone.now()
    target.checked_in_at = now
    target.checked_in_by = user_of(actor)
    target.check_in_late = target.check_in_late or now > target.check_in_due
    target.save(update_fields=["checked_in_at", "checked_in_by", "check_in_late"])
    audit_record(
        actor=actor,
        verb="summons.check_in",
        target=target.summons,
        changes={"agency": [None, target.agency_id], "late": [None, target.check_in_late]},
    )
    return target


@transaction.atomic
def summons_handle(
    *, actor: Actor, target: SummonsTarget, note: str, now: datetime | None = None
) -> SummonsTarget:
    """Record what the agency did. When the last agency has handled, the summons is HANDLED and
    the whistler is asked to verify. Handling twice is a no-op."""
    # The summons row is locked first: two agencies finishing at once must not each see the
    # other unfinished and leave the summons OPEN for ever.
    summons = Summons.objects.select_for_update().get(pk=target.summons_id)
    target = _lock_target(target)
    _require_answering_member(actor, target)
    if target.handled_at is not None:
        return target
    if not Summons.TRANSITIONS.allows(summons.status, "handle"):
        raise InvalidTransition(
            _("Cannot record what was done on a summons that is %(status)s.")
            % {"status": Summons.Status(summons.status).label}
        )
    if target.checked_in_at is None:
        raise InvalidTransition(
            _("%(agency)s has not checked in yet; check in before recording what was done.")
            % {"agency": target.agency.name}
        )
    note = note.strip()
    if not note:
        raise ValidationFailed(_("Record what was done."), fields={"note": [_("This field is required.")]})
    if len(note) > MAX_TEXT:
        raise ValidationFailed(
            _("Record what was done."), fields={"note": [_("At most %(n)d characters.") % {"n": MAX_TEXT}]}
        )
    now = now or timezone.now()
    target.handled_at = now
    target.handled_by = user_of(actor)
    target.note = note
    target.save(update_fields=["handled_at", "handled_by", "note"])
    audit_record(
        actor=actor, verb="summons.handle", target=summons, changes={"agency": [None, target.agency_id]}
    )
    if not SummonsTarget.objects.filter(summons=summons, handled_at__isnull=True).exists():
        summons.status = Summons.TRANSITIONS.target(summons.status, "complete")
        summons.save(update_fields=["status"])
        audit_record(
            actor=actor, verb="summons.handled", target=summons, changes={"status": ["open", "handled"]}
        )
        notification_send(
            recipient=summons.whistler,
            title=_("Every agency has handled: %(reason)s") % {"reason": summons.reason[:60]},
            body=_("Verify the outcome or reopen the summons."),
            link=_link(summons),
            kind="summons.handled",
            idempotency_key=f"summons:{summons.pk}:handled:{summons.reopened_count}",
        )
    return target


def may_conclude(actor: Actor, summons: Summons) -> bool:
    """Whether ``actor`` may verify or reopen the summons: its whistler, or a shift commander
    covering its village (the pages offer the two steps by this and the table)."""
    if getattr(actor, "pk", None) == summons.whistler_id:
        return True
    return jurisdiction_for(actor).covers("orders.command", summons.village.path)


def _require_whistler_or_commander(actor: Actor, summons: Summons) -> None:
    if may_conclude(actor, summons):
        return
    raise PermissionDenied(_("Only the whistler or a shift commander covering the village may do this."))


@transaction.atomic
def summons_verify(*, actor: Actor, summons: Summons, now: datetime | None = None) -> Summons:
    """The whistler confirms the matter is done. Verifying twice is a no-op."""
    summons = Summons.objects.select_for_update(of=("self",)).select_related("village").get(pk=summons.pk)
    _require_whistler_or_commander(actor, summons)
    if summons.status == Summons.Status.VERIFIED:
        return summons
    if not Summons.TRANSITIONS.allows(summons.status, "verify"):
        raise InvalidTransition(
            _("Cannot verify a summons that is still open: not every agency has handled it.")
        )
    summons.status = Summons.TRANSITIONS.target(summons.status, "verify")
    summons.verified_at = now or timezone.now()
    summons.verified_by = user_of(actor)
    summons.save(update_fields=["status", "verified_at", "verified_by"])
    audit_record(
        actor=actor, verb="summons.verify", target=summons, changes={"status": ["handled", "verified"]}
    )
    return summons


@transaction.atomic
def summons_reopen(*, actor: Actor, summons: Summons, reason: str, now: datetime | None = None) -> Summons:
    """The whistler is not satisfied: the summons is OPEN again, every agency must handle it
    again (their check-ins stand), and they are told."""
    summons = Summons.objects.select_for_update(of=("self",)).select_related("village").get(pk=summons.pk)
    _require_whistler_or_commander(actor, summons)
    if not Summons.TRANSITIONS.allows(summons.status, "reopen"):
        raise InvalidTransition(
            _("Only a handled summons can be reopened; this one is %(status)s.")
            % {"status": Summons.Status(summons.status).label}
        )
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            _("Say why it is reopened."), fields={"reason": [_("This field is required.")]}
        )
    if len(reason) > MAX_TEXT:
        raise ValidationFailed(
            _("Say why it is reopened."),
            fields={"reason": [_("At most %(n)d characters.") % {"n": MAX_TEXT}]},
        )
    SummonsTarget.objects.filter(summons=summons).update(handled_at=None, handled_by=None)
    Summons.objects.filter(pk=summons.pk).update(
        status=Summons.TRANSITIONS.target(summons.status, "reopen"),
        reopened_count=F("reopened_count") + 1,
        reopen_reason=reason,
    )
    summons.refresh_from_db(fields=["status", "reopened_count", "reopen_reason"])
    audit_record(
        actor=actor,
        verb="summons.reopen",
        target=summons,
        changes={
            "status": ["handled", "open"],
            "reopened_count": [summons.reopened_count - 1, summons.reopened_count],
        },
        reason=reason,
    )
    on_commit_delay("stations.notify_summons", summons.pk, summons.reopened_count)
    return summons


def summons_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Flag the agencies that did not check in by their deadline and tell the whistler, once per
    agency. Overlapping sweeps are safe: the conditional update on ``check_in_late=False`` lets
    only one of them count (and notify) each target."""
    now = now or timezone.now()
    overdue = list(
        SummonsTarget.objects.filter(
            summons__status=Summons.Status.OPEN,
            checked_in_at__isnull=True,
            check_in_late=False,
            check_in_due__lt=now,
        )
        .select_related("summons__whistler", "agency")
        .order_by("check_in_due")[:limit]
    )
    flagged = 0
    for target in overdue:
        with transaction.atomic():
            won = (
                SummonsTarget.objects.filter(
                    pk=target.pk, check_in_late=False, checked_in_at__isnull=True
                ).update(check_in_late=True)
                == 1
            )
            if not won:
                continue  # another sweep, or the check-in itself, got there first
            summons = target.summons
            audit_record(
                actor=None,
                verb="summons.overdue",
                target=summons,
                changes={"agency": [None, target.agency_id]},
            )
            notification_send(
                recipient=summons.whistler,
                title=_("%(agency)s has not checked in: %(reason)s")
                % {"agency": target.agency.name, "reason": summons.reason[:60]},
                body=_("It was due by %(time)s.")
                % {"time": timezone.localtime(target.check_in_due).strftime("%Y-%m-%d %H:%M")},
                link=_link(summons),
                kind="summons.overdue",
                idempotency_key=f"summons:{summons.pk}:overdue:{target.pk}",
            )
            flagged += 1
    return flagged


def summons_notify(*, summons_id: int, wave: int) -> int:
    """Put the summons in the inbox of every active member of each summoned agency (volunteers
    excepted: they cannot answer for their agency). ``wave`` is 0 for the whistle and the
    reopen count after a reopen, so a repeated task sends nothing twice and a reopen sends again."""
    summons = (
        Summons.objects.select_related("village", "whistler_agency", "order").filter(pk=summons_id).first()
    )
    if summons is None:
        return 0
    targets = {t.agency_id: t for t in summons.targets.all()}
    members = (
        Membership.objects.filter(agency_id__in=targets, active=True, user__is_active=True)
        .exclude(role=R.VOLUNTEER)
        .select_related("user")
        .order_by("agency_id", "user_id")
    )
    urgency = U(summons.urgency)
    title = (_("Emergency whistle: %(reason)s") if urgency == U.EMERGENCY else _("Whistle: %(reason)s")) % {
        "reason": summons.reason[:60]
    }
    if wave:  # a reopening: what the whistler still asks for comes first
        title = _("Reopened: %(reason)s") % {"reason": summons.reopen_reason[:60]}
    sent: set[tuple[int, int]] = set()
    for membership in members:
        if (membership.agency_id, membership.user_id) in sent:
            continue
        target = targets[membership.agency_id]
        notification_send(
            recipient=membership.user,
            title=title,
            body=_("%(village)s · from %(whistler)s · check in by %(time)s")
            % {
                "village": summons.village.name,
                "whistler": summons.whistler_agency.name,
                "time": timezone.localtime(target.check_in_due).strftime("%Y-%m-%d %H:%M"),
            },
            link=_link(summons),
            kind="summons.new" if wave == 0 else "summons.reopened",
            idempotency_key=f"summons:{summons.pk}:wave:{wave}:agency:{membership.agency_id}:user:{membership.user_id}",
        )
        sent.add((membership.agency_id, membership.user_id))
    return len(sent)


def _link(summons: Summons) -> str:
    """The whistle's page: each agency's report-in and handling, verify and reopen."""
    return reverse("stations:summons", args=[summons.pk])
