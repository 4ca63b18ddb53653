"""The points ledger and the reward shop (积分超市).

The ledger is append-only; the balance is the sum of a volunteer's entries. Every entry that
takes points away is written under the volunteer's row lock after reading the balance, so two
redemptions at once cannot both spend the same points and the balance never goes below zero.
Stock is taken with a conditional update (``stock >= 1``) under the item's row lock: the last
item goes to one person. Locks in order: volunteer -> item -> redemption.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.actors import Actor, user_of
from governance.errors import Conflict, PermissionDenied, ValidationFailed
from governance.idempotency import idempotent
from governance.models import Agency
from governance.services.audit import audit_record, audit_record_many
from volunteers.models import PointsEntry, Redemption, RewardItem, Volunteer
from volunteers.selectors import points_balance, user_may_hand_over, user_may_manage_team, user_may_stock

K = PointsEntry.Kind
RS = Redemption.Status
EXPIRY_BATCH = 1000


@transaction.atomic
def points_adjust(
    *, actor: Actor, volunteer: Volunteer, amount: int, reason: str, now: datetime | None = None
) -> PointsEntry:
    """A correction by the team's managers, with a reason; never below a zero balance."""
    now = now or timezone.now()
    volunteer = (
        Volunteer.objects.select_for_update(of=("self",)).select_related("team__region").get(pk=volunteer.pk)
    )
    if not user_may_manage_team(actor, volunteer.team) or (
        actor is not None and volunteer.user_id == actor.pk
    ):
        raise PermissionDenied(_("You may not adjust this volunteer's points."))
    reason = (reason or "").strip()
    fields: dict[str, list[str]] = {}
    if not reason:
        fields["reason"] = [_("Give a reason.")]
    if amount == 0 or abs(amount) > 10_000:
        fields["amount"] = [_("Enter a non-zero amount up to 10,000.")]
    if fields:
        raise ValidationFailed(_("The adjustment is not valid."), fields=fields)
    if points_balance(volunteer.pk) + amount < 0:
        raise Conflict(_("The balance cannot go below zero."))
    entry = PointsEntry.objects.create(
        volunteer=volunteer,
        kind=K.ADJUST,
        amount=amount,
        reason=reason[:300],
        created_by=user_of(actor),
        at=now,
    )
    audit_record(
        actor=actor,
        verb="volunteer_points.adjust",
        target=volunteer,
        changes={"points": [0, amount]},
        reason=reason,
    )
    return entry


def _item_fields(*, name: str | None = None, price: int | None = None, stock: int | None = None) -> None:
    fields: dict[str, list[str]] = {}
    if name is not None and not name.strip():
        fields["name"] = [_("This field is required.")]
    if price is not None and not 1 <= price <= 100_000:
        fields["price"] = [_("The price is at least one point.")]
    if stock is not None and not 0 <= stock <= 100_000:
        fields["stock"] = [_("The stock cannot be negative.")]
    if fields:
        raise ValidationFailed(_("The item is not valid."), fields=fields)


def _locked_item(item: RewardItem) -> RewardItem:
    return RewardItem.objects.select_for_update(of=("self",)).select_related("agency__region").get(pk=item.pk)


@transaction.atomic
def reward_item_create(
    *,
    actor: Actor,
    agency: Agency,
    name: str,
    price: int,
    stock: int,
    description: str = "",
    idempotency_key: str | None = None,
) -> RewardItem:
    """Put an item on sale in an agency's shop (its staff, the managers over its seat, the leaders
    of a team it hosts). The same key of the same person again returns the first item."""
    if not user_may_stock(actor, agency):
        raise PermissionDenied(_("You may not stock this agency's shop."))

    def create() -> RewardItem:
        _item_fields(name=name, price=price, stock=stock)
        item = RewardItem.objects.create(
            agency=agency, name=name.strip(), price=price, stock=stock, description=description.strip()
        )
        audit_record(
            actor=actor,
            verb="reward_item.create",
            target=item,
            changes={"stock": [None, stock], "price": [None, price]},
        )
        return item

    body = {"agency": agency, "name": name, "price": price, "stock": stock, "description": description}
    item, _created = idempotent(
        actor=actor, operation="volunteers.reward_item.create", key=idempotency_key, body=body, run=create
    )
    return item


@transaction.atomic
def reward_item_restock(
    *, actor: Actor, item: RewardItem, add: int, idempotency_key: str | None = None
) -> RewardItem:
    """Add units to the shelf, under the item's row lock. A retry with the same key adds nothing
    more (``governance.idempotency``; the item as it is now is the answer)."""
    item = _locked_item(item)
    if not user_may_stock(actor, item.agency):
        raise PermissionDenied(_("You may not stock this item."))

    def restock() -> RewardItem:
        if not 1 <= add <= 100_000:
            raise ValidationFailed(_("Add at least one."), fields={"add": [_("Add at least one.")]})
        RewardItem.objects.filter(pk=item.pk).update(stock=F("stock") + add, updated_at=timezone.now())
        item.refresh_from_db()
        audit_record(
            actor=actor,
            verb="reward_item.restock",
            target=item,
            changes={"stock": [item.stock - add, item.stock]},
        )
        return item

    restocked, _created = idempotent(
        actor=actor,
        operation="volunteers.reward_item.restock",
        key=idempotency_key,
        body={"item": item, "add": add},
        run=restock,
    )
    return restocked


@transaction.atomic
def reward_item_price(*, actor: Actor, item: RewardItem, price: int) -> RewardItem:
    """A new price in points. Reservations already made keep the points they cost."""
    item = _locked_item(item)
    if not user_may_stock(actor, item.agency):
        raise PermissionDenied(_("You may not stock this item."))
    _item_fields(price=price)
    if item.price == price:
        return item
    before = item.price
    item.price = price
    item.save(update_fields=["price", "updated_at"])
    audit_record(actor=actor, verb="reward_item.price", target=item, changes={"price": [before, price]})
    return item


@transaction.atomic
def reward_item_withdraw(*, actor: Actor, item: RewardItem, reason: str) -> RewardItem:
    """Take an item off sale. Reservations already made are still handed over or cancelled.
    Withdrawing twice is a no-op."""
    item = _locked_item(item)
    if not user_may_stock(actor, item.agency):
        raise PermissionDenied(_("You may not stock this item."))
    if not item.active:
        return item
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give a reason."), fields={"reason": [_("Give a reason.")]})
    item.active = False
    item.save(update_fields=["active", "updated_at"])
    audit_record(
        actor=actor,
        verb="reward_item.withdraw",
        target=item,
        changes={"active": [True, False]},
        reason=reason[:300],
    )
    return item


@transaction.atomic
def redemption_reserve(
    *, actor: Actor, item: RewardItem, idempotency_key: str | None = None, now: datetime | None = None
) -> Redemption:
    """A volunteer redeems an item: one unit of stock and its price in points are reserved in one
    transaction. Refused when out of stock or short of points; the same key returns the first."""
    now = now or timezone.now()
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Log in as a volunteer."))
    volunteer = Volunteer.objects.select_for_update().filter(user_id=actor.pk).first()
    if volunteer is None or volunteer.status in (Volunteer.Status.APPLIED, Volunteer.Status.REJECTED):
        raise PermissionDenied(_("Only volunteers redeem points."))
    redemption, _created = idempotent(
        actor=actor,
        operation="volunteers.redemption.reserve",
        key=idempotency_key,
        body={"item": item},
        run=lambda: _reserve(actor=actor, volunteer=volunteer, item=item, now=now),
    )
    return redemption


def _reserve(*, actor: Actor, volunteer: Volunteer, item: RewardItem, now: datetime) -> Redemption:
    item = RewardItem.objects.select_for_update().get(pk=item.pk)
    if not item.active:
        raise Conflict(_("This item is no longer on sale."))
    balance = points_balance(volunteer.pk)
    if balance < item.price:
        raise Conflict(
            _("You have %(balance)s points; this item costs %(price)s.")
            % {"balance": balance, "price": item.price}
        )
    if RewardItem.objects.filter(pk=item.pk, stock__gte=1).update(stock=F("stock") - 1) != 1:
        raise Conflict(_("This item is out of stock."))
    redemption = Redemption.objects.create(volunteer=volunteer, item=item, points=item.price, reserved_at=now)
    PointsEntry.objects.create(
        volunteer=volunteer,
        kind=K.REDEEM,
        amount=-item.price,
        reason=item.name[:300],
        redemption=redemption,
        created_by=user_of(actor),
        at=now,
    )
    audit_record(
        actor=actor, verb="redemption.reserve", target=redemption, changes={"points": [None, item.price]}
    )
    return redemption


def _locked_redemption(redemption: Redemption) -> Redemption:
    Volunteer.objects.select_for_update().filter(pk=redemption.volunteer_id).first()
    RewardItem.objects.select_for_update().filter(pk=redemption.item_id).first()
    return (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("item__agency__region", "volunteer")
        .get(pk=redemption.pk)
    )


@transaction.atomic
def redemption_collect(*, actor: Actor, redemption: Redemption, now: datetime | None = None) -> Redemption:
    """The agency hands the item over. Collecting twice is a no-op."""
    now = now or timezone.now()
    redemption = _locked_redemption(redemption)
    if not user_may_hand_over(actor, redemption.item):
        raise PermissionDenied(_("You may not hand this item over."))
    if redemption.status == RS.COLLECTED:
        return redemption
    redemption.step("collect")
    redemption.status = RS.COLLECTED
    redemption.closed_at = now
    redemption.closed_by = user_of(actor)
    redemption.save(update_fields=["status", "closed_at", "closed_by"])
    audit_record(
        actor=actor,
        verb="redemption.collect",
        target=redemption,
        changes={"status": [RS.RESERVED, RS.COLLECTED]},
    )
    return redemption


@transaction.atomic
def redemption_cancel(
    *, actor: Actor, redemption: Redemption, reason: str = "", now: datetime | None = None
) -> Redemption:
    """The volunteer or the agency cancels a reservation: the stock goes back on the shelf and the
    points are refunded (one refund per redemption). Cancelling twice is a no-op."""
    now = now or timezone.now()
    redemption = _locked_redemption(redemption)
    own = actor is not None and actor.is_authenticated and redemption.volunteer.user_id == actor.pk
    if not (own or user_may_hand_over(actor, redemption.item)):
        raise PermissionDenied(_("You may not cancel this redemption."))
    if redemption.status == RS.CANCELLED:
        return redemption
    redemption.step("cancel")
    redemption.status = RS.CANCELLED
    redemption.closed_at = now
    redemption.closed_by = user_of(actor)
    redemption.reason = (reason or "").strip()[:300]
    redemption.save(update_fields=["status", "closed_at", "closed_by", "reason"])
    RewardItem.objects.filter(pk=redemption.item_id).update(stock=F("stock") + 1)
    PointsEntry.objects.create(
        volunteer_id=redemption.volunteer_id,
        kind=K.REFUND,
        amount=redemption.points,
        reason=redemption.item.name[:300],
        redemption=redemption,
        created_by=user_of(actor),
        at=now,
    )
    audit_record(
        actor=actor,
        verb="redemption.cancel",
        target=redemption,
        changes={"status": [RS.RESERVED, RS.CANCELLED]},
        reason=redemption.reason,
    )
    return redemption


def points_expiry_period() -> timedelta | None:
    """How long points stay spendable (``VOLUNTEER_POINTS_EXPIRE_DAYS``, two years by default;
    0 turns expiry off)."""
    days = int(getattr(settings, "VOLUNTEER_POINTS_EXPIRE_DAYS", 730))
    return timedelta(days=days) if days > 0 else None


def _expirable(volunteer_ids: list[int] | None, cutoff: datetime) -> list[tuple[int, int]]:
    """(volunteer, points to expire) in one grouped query. Points are spent oldest first, so what
    is left of the credits older than ``cutoff`` is the balance less the credits since then."""
    entries = PointsEntry.objects.all()
    if volunteer_ids is not None:
        entries = entries.filter(volunteer_id__in=volunteer_ids)
    rows = (
        entries.values("volunteer_id")
        .annotate(
            balance=Sum("amount"),
            recent=Coalesce(Sum("amount", filter=Q(amount__gt=0, at__gte=cutoff)), 0),
        )
        .filter(balance__gt=F("recent"))
        .order_by("volunteer_id")
        .values_list("volunteer_id", "balance", "recent")
    )
    return [(pk, balance - recent) for pk, balance, recent in rows]


def points_expire(*, now: datetime | None = None) -> int:
    """Append an EXPIRE entry for each volunteer holding points credited longer ago than the
    expiry period and not spent since (oldest points are spent first). Set-based: one grouped
    query finds them; each batch locks those volunteers (in id order, as a redemption locks
    one), reads their figures again under the lock and writes the entries in one insert. Running
    it again expires nothing more: the entries just written bring the balance down to the recent
    credits. Returns the number of points expired."""
    now = now or timezone.now()
    period = points_expiry_period()
    if period is None:
        return 0
    cutoff = now - period
    reason = _("Points older than %(days)s days expired.") % {"days": period.days}
    candidates = [pk for pk, _amount in _expirable(None, cutoff)]
    expired = 0
    for start in range(0, len(candidates), EXPIRY_BATCH):
        with transaction.atomic():
            ids = list(
                Volunteer.objects.select_for_update()
                .filter(pk__in=candidates[start : start + EXPIRY_BATCH])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            due = _expirable(ids, cutoff)
            PointsEntry.objects.bulk_create(
                PointsEntry(volunteer_id=pk, kind=K.EXPIRE, amount=-amount, reason=reason, at=now)
                for pk, amount in due
            )
            if due:
                audit_record_many(
                    actor=None,
                    verb="volunteer_points.expire",
                    model=Volunteer,
                    items=[(pk, f"#{pk}", {"points": [0, -amount]}) for pk, amount in due],
                    reason=reason,
                )
            expired += sum(amount for _pk, amount in due)
    return expired
