"""Reads of the volunteers app, already filtered by who may see them; the one place that says who
may manage a team (station and township staff over its area, and the team's own leaders)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, ExpressionWrapper, F, FloatField, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from governance.actors import Actor
from governance.models import Agency, Membership, Region
from governance.selectors import jurisdiction_for
from volunteers.models import Certificate, Claim, PointsEntry, Redemption, RewardItem, Task, Team, Volunteer

MANAGE = "volunteers.manage"
UNMASK = "personal_data.unmask"
# Default star thresholds: verified hours over the last twelve months for 1..5 stars.
DEFAULT_STAR_HOURS = (50, 100, 200, 400, 800)
YEAR = timedelta(days=365)


def star_thresholds() -> tuple[int, ...]:
    """Hours for 1..5 stars; a county may configure ``VOLUNTEER_STAR_HOURS``."""
    return tuple(getattr(settings, "VOLUNTEER_STAR_HOURS", DEFAULT_STAR_HOURS))


def star_for(hours: Decimal | float) -> int:
    return sum(1 for threshold in star_thresholds() if hours >= threshold)


def volunteer_of(user: Actor) -> Volunteer | None:
    if user is None or not user.is_authenticated:
        return None
    return Volunteer.objects.select_related("team").filter(user_id=user.pk).first()


def _led_team_ids(user: Actor) -> list[int]:
    if user is None or not user.is_authenticated:
        return []
    return list(Team.objects.filter(leaders=user.pk).values_list("pk", flat=True))


def user_leads(user: Actor, team_id: int) -> bool:
    return team_id in _led_team_ids(user)


def user_may_manage_team(user: Actor, team: Team) -> bool:
    """Vet volunteers, publish tasks, verify attendance: staff with the capability over the
    team's area, and the team's leaders. ``None`` is the system itself (demo data, commands)."""
    if user is None:
        return True
    j = jurisdiction_for(user)
    return j.is_superuser or j.covers(MANAGE, team.region.path) or user_leads(user, team.pk)


def user_may_unmask_volunteer(user: Actor, volunteer: Volunteer) -> bool:
    """Police with the unmask right over the team's area (officers, commanders, county
    administrators). Volunteers never have it (ROLE_CAPABILITIES), nor does leading a team."""
    if user is None or not user.is_authenticated:
        return False
    j = jurisdiction_for(user)
    return j.is_superuser or j.covers(UNMASK, volunteer.team.region.path)


def user_may_hand_over(user: Actor, item: RewardItem) -> bool:
    """Hand an item over or cancel a redemption: the staff of the agency that stocks it (not its
    volunteers) and those who manage volunteers over its seat."""
    j = jurisdiction_for(user)
    if j.is_superuser or j.covers(MANAGE, item.agency.region.path):
        return True
    return any(m.agency_id == item.agency_id and m.role != Membership.Role.VOLUNTEER for m in j.memberships)


SHOP_AGENCY_KINDS = (Agency.Kind.POLICE_STATION, Agency.Kind.TOWNSHIP_GOVERNMENT)


def shop_agencies_for(user: Actor) -> QuerySet[Agency]:
    """The agencies whose reward shop the user runs: the staff of an agency (not its volunteers),
    those who manage volunteers over its seat, and the leaders of a team it hosts."""
    if user is None or not user.is_authenticated:
        return Agency.objects.none()
    j = jurisdiction_for(user)
    if j.is_superuser:
        return Agency.objects.filter(kind__in=SHOP_AGENCY_KINDS)
    condition = Q(pk__in=[m.agency_id for m in j.memberships if m.role != Membership.Role.VOLUNTEER])
    condition |= Q(pk__in=Team.objects.filter(leaders=user.pk).values("agency_id"))
    managed = j.region_filter(MANAGE, prefix="region__")
    if managed is not None:
        condition |= managed
    # Shops are run where teams are: police stations and township governments.
    return Agency.objects.filter(condition, kind__in=SHOP_AGENCY_KINDS)


def user_may_stock(user: Actor, agency: Agency) -> bool:
    """Create, price, restock and withdraw the items of an agency's shop (see shop_agencies_for).
    ``None`` is the system itself (demo data)."""
    if user is None:
        return True
    return shop_agencies_for(user).filter(pk=agency.pk).exists()


def items_stocked_by(user: Actor) -> QuerySet[RewardItem]:
    return RewardItem.objects.filter(agency__in=shop_agencies_for(user)).select_related("agency")


def _team_condition(user: Actor, prefix: str) -> Q | None:
    """Teams the user manages or leads, as a Q over ``<prefix>`` (a path to Team); None: none."""
    j = jurisdiction_for(user)
    if j.is_superuser:
        return Q()
    condition = j.region_filter(MANAGE, prefix=f"{prefix}region__")
    led = _led_team_ids(user)
    if led:
        by_lead = Q(**{f"{prefix}pk__in": led})
        condition = by_lead if condition is None else condition | by_lead
    return condition


def teams_managed_by(user: Actor) -> QuerySet[Team]:
    condition = _team_condition(user, "")
    if condition is None:
        return Team.objects.none()
    return Team.objects.filter(condition).select_related("agency", "region")


def volunteers_visible_to(user: Actor) -> QuerySet[Volunteer]:
    """Oneself, and the volunteers of the teams one manages (always shown masked)."""
    if user is None or not user.is_authenticated:
        return Volunteer.objects.none()
    managed = _team_condition(user, "team__")
    if managed is not None and not managed:
        return Volunteer.objects.select_related("team")
    condition = Q(user_id=user.pk)
    if managed is not None:
        condition |= managed
    return Volunteer.objects.filter(condition).select_related("team")


def tasks_visible_to(user: Actor) -> QuerySet[Task]:
    """A volunteer sees his team's tasks; staff and leaders the tasks of the teams they manage."""
    if user is None or not user.is_authenticated:
        return Task.objects.none()
    managed = _team_condition(user, "team__")
    if managed is not None and not managed:
        return Task.objects.select_related("team", "required_course")
    condition = Q(team__volunteers__user_id=user.pk)
    if managed is not None:
        condition |= managed
    ids = Task.objects.filter(condition).values("pk")
    return Task.objects.filter(pk__in=ids).select_related("team", "required_course")


@dataclass(frozen=True)
class Near:
    """A point (the phone's location) and a distance: only tasks that close, nearest first."""

    lng: float
    lat: float
    within_m: int

    def box(self) -> tuple[float, float]:
        """Half the side of the box around the point, in degrees of (longitude, latitude)."""
        dlat = self.within_m / METRES_PER_DEGREE
        return dlat / max(math.cos(math.radians(self.lat)), 0.01), dlat


METRES_PER_DEGREE = 111_320


def tasks_open_for(volunteer: Volunteer, *, now: datetime, near: Near | None = None) -> QuerySet[Task]:
    """What the volunteer may take now: his team's published tasks that have not started, with a
    free slot, at his level, whose course he holds, not overlapping a claim he holds. One query,
    whatever the number of tasks and volunteers. With ``near``: only the tasks inside the
    distance's box around the point, nearest first (the page shows the exact distance)."""
    holding = Claim.objects.filter(volunteer=volunteer, status__in=Claim.HOLDING)
    overlapping = holding.filter(
        task__starts_at__lt=OuterRef("ends_at"), task__ends_at__gt=OuterRef("starts_at")
    )
    has_course = Certificate.objects.filter(volunteer=volunteer, course_id=OuterRef("required_course_id"))
    qs = (
        Task.objects.filter(
            team_id=volunteer.team_id,
            status=Task.Status.PUBLISHED,
            starts_at__gt=now,
            taken__lt=F("capacity"),
            min_star__lte=volunteer.star,
        )
        .filter(Q(required_course__isnull=True) | Exists(has_course))
        .exclude(Exists(overlapping))
        .select_related("required_course")
    )
    if near is None:
        return qs.order_by("starts_at", "id")
    dlng, dlat = near.box()
    # Squared distance on the local plane (longitude shrunk by the cosine of the latitude): good
    # enough to order tasks a few kilometres apart, and computed by the database.
    k = math.cos(math.radians(near.lat))
    dx = (F("lng") - Value(near.lng)) * Value(k)
    dy = F("lat") - Value(near.lat)
    return (
        qs.filter(
            lng__gte=near.lng - dlng,
            lng__lte=near.lng + dlng,
            lat__gte=near.lat - dlat,
            lat__lte=near.lat + dlat,
        )
        .annotate(closeness=ExpressionWrapper(dx * dx + dy * dy, output_field=FloatField()))
        .order_by("closeness", "starts_at", "id")
    )


def claims_visible_to(user: Actor) -> QuerySet[Claim]:
    if user is None or not user.is_authenticated:
        return Claim.objects.none()
    managed = _team_condition(user, "task__team__")
    condition = Q(volunteer__user_id=user.pk)
    if managed is not None:
        if not managed:
            return Claim.objects.select_related("task__team", "volunteer")
        condition |= managed
    return Claim.objects.filter(condition).select_related("task__team", "volunteer")


def redemptions_visible_to(user: Actor) -> QuerySet[Redemption]:
    """One's own redemptions, and those to hand over at one's agencies or area."""
    if user is None or not user.is_authenticated:
        return Redemption.objects.none()
    j = jurisdiction_for(user)
    base = Redemption.objects.select_related("item__agency", "volunteer")
    if j.is_superuser:
        return base
    condition = Q(volunteer__user_id=user.pk)
    area = j.region_filter(MANAGE, prefix="item__agency__region__")
    if area is not None:
        condition |= area
    staff_agencies = [m.agency_id for m in j.memberships if m.role != Membership.Role.VOLUNTEER]
    if staff_agencies:
        condition |= Q(item__agency_id__in=staff_agencies)
    return base.filter(condition)


def shop_for(volunteer: Volunteer) -> QuerySet[RewardItem]:
    """Items on sale at the team's agency and at agencies seated in the team's area."""
    return RewardItem.objects.filter(active=True).filter(
        Q(agency_id=volunteer.team.agency_id) | Q(agency__region__path__startswith=volunteer.team.region.path)
    )


def points_balance(volunteer_id: int) -> int:
    total = PointsEntry.objects.filter(volunteer_id=volunteer_id).aggregate(s=Sum("amount"))["s"]
    return int(total or 0)


def verified_hours(volunteer_id: int, *, now: datetime) -> Decimal:
    minutes = Claim.objects.filter(
        volunteer_id=volunteer_id, status=Claim.Status.VERIFIED, task__starts_at__gte=now - YEAR
    ).aggregate(m=Sum("minutes"))["m"]
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class StarProgress:
    star: int
    hours: Decimal
    balance: int
    next_star: int | None
    next_hours: int | None


def star_progress(volunteer: Volunteer, *, now: datetime) -> StarProgress:
    """The star as last computed, the live hours and balance, and what the next star needs."""
    hours = verified_hours(volunteer.pk, now=now)
    thresholds = star_thresholds()
    star = volunteer.star
    upcoming = star + 1 if star < len(thresholds) else None
    return StarProgress(
        star=star,
        hours=hours,
        balance=points_balance(volunteer.pk),
        next_star=upcoming,
        next_hours=thresholds[star] if upcoming else None,
    )


@dataclass(frozen=True)
class Standing:
    volunteer_id: int
    masked_name: str
    team: str
    hours: Decimal
    star: int


def _leaderboard(volunteers: QuerySet[Volunteer], *, now: datetime, limit: int) -> list[Standing]:
    rows = (
        volunteers.filter(status=Volunteer.Status.ACTIVE)
        .annotate(
            minutes=Coalesce(
                Sum(
                    "claims__minutes",
                    filter=Q(claims__status=Claim.Status.VERIFIED, claims__task__starts_at__gte=now - YEAR),
                ),
                0,
            )
        )
        .select_related("team")
        .order_by("-minutes", "id")[:limit]
    )
    return [
        Standing(
            volunteer_id=v.pk,
            masked_name=v.masked_name,
            team=v.team.name,
            hours=(Decimal(v.minutes) / 60).quantize(Decimal("0.1")),
            star=v.star,
        )
        for v in rows
    ]


def team_leaderboard(team: Team, *, now: datetime, limit: int = 20) -> list[Standing]:
    """Most verified hours over twelve months in one team; names masked (volunteers see it)."""
    return _leaderboard(Volunteer.objects.filter(team=team), now=now, limit=limit)


def township_leaderboard(township: Region, *, now: datetime, limit: int = 20) -> list[Standing]:
    """The same over every team serving the township or a village of it."""
    return _leaderboard(
        Volunteer.objects.filter(team__region__path__startswith=township.path), now=now, limit=limit
    )
