"""Volunteer police (义警): teams, volunteers, tasks and their claims, the points ledger, the reward
shop and training (DESIGN.md section 5)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from governance.models import Agency, Region
from governance.models.labels import ChoiceLabels
from governance.pii import mask_id_number, mask_name, mask_phone, pii_decrypt
from governance.transitions import StateTable


class Team(models.Model):
    """A volunteer team of a police station or a township; its leaders vet members, publish tasks
    and verify attendance."""

    name = models.CharField(_("name"), max_length=100)
    agency = models.ForeignKey(Agency, verbose_name=_("station or township"), on_delete=models.PROTECT)
    # The area the team serves (a township, usually): tasks and jurisdiction hang off it.
    region = models.ForeignKey(Region, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("leaders"), blank=True, related_name="led_volunteer_teams"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="team_name_unique_in_agency")]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    """A public-security volunteer. No police powers; personal data shown masked."""

    class Status(models.TextChoices):
        APPLIED = "applied", pgettext_lazy("volunteer status", "Applied")
        VETTED = "vetted", pgettext_lazy("volunteer status", "Vetted")
        ACTIVE = "active", pgettext_lazy("volunteer status", "Active")
        REJECTED = "rejected", pgettext_lazy("volunteer status", "Rejected")
        SUSPENDED = "suspended", pgettext_lazy("volunteer status", "Suspended")
        RETIRED = "retired", pgettext_lazy("volunteer status", "Retired")

    # The life cycle a team's managers drive (services/people.py refuses what it has no row for).
    TRANSITIONS = StateTable(
        (Status.APPLIED, "vet", Status.VETTED),
        (Status.VETTED, "activate", Status.ACTIVE),
        (Status.SUSPENDED, "activate", Status.ACTIVE),
        (Status.APPLIED, "reject", Status.REJECTED),
        (Status.VETTED, "reject", Status.REJECTED),
        (Status.ACTIVE, "suspend", Status.SUSPENDED),
        (Status.ACTIVE, "retire", Status.RETIRED),
        (Status.SUSPENDED, "retire", Status.RETIRED),
        (Status.VETTED, "retire", Status.RETIRED),
    )

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("login"), on_delete=models.PROTECT, related_name="volunteer"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("volunteer team"), on_delete=models.PROTECT, related_name="volunteers"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    real_name = models.CharField(_("real name"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=11)
    # GB 11643 ID number: encrypted at rest, keyed hash for exact lookup (governance.pii).
    id_number_encrypted = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    record_check_consent_at = models.DateTimeField(_("consented to the record check at"))
    star = models.PositiveSmallIntegerField(_("star level"), default=0, validators=[MaxValueValidator(5)])
    # Verified hours over the last twelve months, as of the last star recomputation.
    hours_12m = models.DecimalField(_("hours in 12 months"), max_digits=8, decimal_places=2, default=0)
    star_computed_at = models.DateTimeField(null=True, blank=True, editable=False)
    applied_at = models.DateTimeField(_("applied at"))
    vetted_at = models.DateTimeField(_("vetted at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team_id", "id"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [
            models.CheckConstraint(condition=models.Q(star__lte=5), name="volunteer_star_range"),
        ]

    def __str__(self) -> str:
        return self.masked_name

    @property
    def masked_name(self) -> str:
        return mask_name(self.real_name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(pii_decrypt(self.id_number_encrypted)) if self.id_number_encrypted else ""

    def step(self, action: str) -> str:
        """The status ``action`` leads to; refused (InvalidTransition) where the table has no row."""
        return self.TRANSITIONS.target(self.status, action, state_label=self.get_status_display())


class Course(models.Model):
    """A training course: lessons, then a short quiz; passing earns a certificate."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["course_id", "number"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        constraints = [models.UniqueConstraint(fields=["course", "number"], name="lesson_number_unique")]

    def __str__(self) -> str:
        return self.title


class QuizQuestion(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.CharField(_("question"), max_length=500)
    choices = models.JSONField(_("choices"), default=list)
    answer = models.PositiveSmallIntegerField(_("index of the right choice"))

    class Meta:
        ordering = ["course_id", "number"]
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        constraints = [models.UniqueConstraint(fields=["course", "number"], name="question_number_unique")]

    def __str__(self) -> str:
        return self.text


class Certificate(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certificates")
    score = models.PositiveSmallIntegerField(_("score (%)"))
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "course"], name="certificate_once_per_course")
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.volunteer}"


class Task(ChoiceLabels, models.Model):
    """A piece of work volunteers claim slots of. At least two people on site: volunteers work in
    pairs, so the capacity is never below two."""

    class Kind(models.TextChoices):
        PATROL = "patrol", _("Patrol")
        TRAFFIC = "traffic", _("Traffic guidance")
        SCHOOL_GATE = "school_gate", _("School gate duty")
        ANTI_FRAUD = "anti_fraud", _("Anti-fraud publicity")
        FLOOD_PATROL = "flood_patrol", _("Flood and river patrol")
        EVENT_SUPPORT = "event_support", _("Event support")
        DISPUTE_ASSIST = "dispute_assist", _("Dispute assistance")
        MISSING_PERSON = "missing_person", _("Missing-person search")

    class Status(models.TextChoices):
        PUBLISHED = "published", pgettext_lazy("volunteer task status", "Published")
        CANCELLED = "cancelled", pgettext_lazy("volunteer task status", "Cancelled")

    # A published task is claimed, edited or called off; a cancelled one is over.
    TRANSITIONS = StateTable(
        (Status.PUBLISHED, "claim", Status.PUBLISHED),
        (Status.PUBLISHED, "edit", Status.PUBLISHED),
        (Status.PUBLISHED, "cancel", Status.CANCELLED),
    )

    class Recurrence(models.TextChoices):
        NONE = "", _("Once")
        SCHOOL_DAYS = "school_days", _("School days")
        DAILY = "daily", _("Every day")
        WEEKLY = "weekly", _("Every week")

    team = models.ForeignKey(
        Team, verbose_name=_("volunteer team"), on_delete=models.PROTECT, related_name="tasks"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200)
    lng = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    radius_m = models.PositiveIntegerField(_("check-in radius (m)"), default=300)
    capacity = models.PositiveIntegerField(_("people needed"))
    # Slots taken, kept under the task's row lock by the claim services: the list shows free slots
    # without counting claims per task.
    taken = models.PositiveIntegerField(_("slots taken"), default=0, editable=False)
    min_star = models.PositiveSmallIntegerField(_("minimum star level"), default=0)
    required_course = models.ForeignKey(
        Course,
        verbose_name=_("required course"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    points = models.PositiveIntegerField(_("points"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    recurrence = models.CharField(
        _("repeats"), max_length=12, choices=Recurrence.choices, default=Recurrence.NONE, blank=True
    )
    repeat_until = models.DateField(_("repeat until"), null=True, blank=True)
    # Occurrences generated from a recurring task point at it; (series, starts_at) is unique so
    # generating twice makes nothing twice.
    series = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="occurrences", editable=False
    )
    # Bumped when time or place change: claims made on an older version may be withdrawn freely.
    version = models.PositiveIntegerField(default=1, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("volunteer task")
        verbose_name_plural = _("volunteer tasks")
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=2), name="task_capacity_pairs"),
            models.CheckConstraint(
                condition=models.Q(taken__lte=models.F("capacity")), name="task_not_overbooked"
            ),
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="task_window"),
            models.CheckConstraint(condition=models.Q(min_star__lte=5), name="task_min_star_range"),
            models.UniqueConstraint(fields=["series", "starts_at"], name="task_occurrence_once"),
        ]
        indexes = [models.Index(fields=["team", "status", "starts_at"], name="task_team_open")]

    def __str__(self) -> str:
        return self.title

    @property
    def free(self) -> int:
        return max(self.capacity - self.taken, 0)

    def step(self, action: str) -> str:
        return self.TRANSITIONS.target(self.status, action, state_label=self.get_status_display())


class Claim(ChoiceLabels, models.Model):
    """One volunteer's slot on one task."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", pgettext_lazy("claim status", "Claimed")
        CANCELLED = "cancelled", pgettext_lazy("claim status", "Cancelled")
        WITHDRAWN = "withdrawn", pgettext_lazy("claim status", "Withdrawn after a change")
        # The publisher cancelled the task: the slot is gone, and it costs the volunteer nothing.
        CALLED_OFF = "called_off", pgettext_lazy("claim status", "Task cancelled")
        CHECKED_IN = "checked_in", pgettext_lazy("claim status", "Checked in")
        CHECKED_OUT = "checked_out", pgettext_lazy("claim status", "Checked out")
        VERIFIED = "verified", pgettext_lazy("claim status", "Verified")
        NO_SHOW = "no_show", pgettext_lazy("claim status", "No-show")

    TRANSITIONS = StateTable(
        (Status.CLAIMED, "check_in", Status.CHECKED_IN),
        (Status.CLAIMED, "cancel", Status.CANCELLED),
        (Status.CLAIMED, "withdraw", Status.WITHDRAWN),
        (Status.CLAIMED, "no_show", Status.NO_SHOW),
        (Status.CLAIMED, "call_off", Status.CALLED_OFF),
        (Status.CHECKED_IN, "check_out", Status.CHECKED_OUT),
        (Status.CHECKED_IN, "call_off", Status.CALLED_OFF),
        (Status.CHECKED_OUT, "verify", Status.VERIFIED),
    )

    # These hold a slot of the task (and count as the volunteer's shift).
    LIVE = (Status.CLAIMED, Status.CHECKED_IN, Status.CHECKED_OUT, Status.VERIFIED)
    # These still commit the volunteer's time, so a claim overlapping them is refused. A shift he
    # has checked out of is over for him; and his finished shifts (years of them) are never read
    # to decide a claim or to list what he may take.
    HOLDING = (Status.CLAIMED, Status.CHECKED_IN)

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="claims")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="claims")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.CLAIMED)
    claimed_at = models.DateTimeField(_("claimed at"))
    task_version = models.PositiveIntegerField(default=1, editable=False)
    ended_at = models.DateTimeField(_("cancelled or withdrawn at"), null=True, blank=True)
    # Check-in and check-out: the time the phone recorded (kept for check-ins queued offline), the
    # time the server received it, and where the phone was.
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_in_received_at = models.DateTimeField(null=True, blank=True, editable=False)
    check_in_lng = models.FloatField(null=True, blank=True)
    check_in_lat = models.FloatField(null=True, blank=True)
    check_in_distance_m = models.PositiveIntegerField(null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    check_out_received_at = models.DateTimeField(null=True, blank=True, editable=False)
    check_out_lng = models.FloatField(null=True, blank=True)
    check_out_lat = models.FloatField(null=True, blank=True)
    check_out_distance_m = models.PositiveIntegerField(null=True, blank=True)
    minutes = models.PositiveIntegerField(_("minutes served"), default=0)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-claimed_at", "-id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            # Backstop of the claim service's lock: one live claim per volunteer and task.
            models.UniqueConstraint(
                fields=["volunteer", "task"],
                condition=models.Q(status__in=["claimed", "checked_in", "checked_out", "verified"]),
                name="claim_live_once",
            )
        ]
        indexes = [models.Index(fields=["volunteer", "status"], name="claim_volunteer_status")]

    def __str__(self) -> str:
        return f"{self.task} · {self.volunteer}"

    @property
    def task_changed(self) -> bool:
        """The task's time or place changed after the claim: withdrawing costs nothing."""
        return self.task_version < self.task.version

    def step(self, action: str) -> str:
        """The status ``action`` leads to; refused (InvalidTransition) where the table has no row."""
        return self.TRANSITIONS.target(self.status, action, state_label=self.get_status_display())


class RewardItem(models.Model):
    """An item of the reward shop (积分超市), handed over by the agency that stocks it."""

    agency = models.ForeignKey(Agency, verbose_name=_("handed over by"), on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=500, blank=True)
    price = models.PositiveIntegerField(_("price in points"), validators=[MinValueValidator(1)])
    stock = models.PositiveIntegerField(_("in stock"), default=0)
    active = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["price", "id"]
        verbose_name = _("reward item")
        verbose_name_plural = _("reward items")
        constraints = [models.CheckConstraint(condition=models.Q(price__gte=1), name="reward_price_positive")]

    def __str__(self) -> str:
        return self.name


class Redemption(models.Model):
    class Status(models.TextChoices):
        RESERVED = "reserved", pgettext_lazy("redemption status", "Reserved")
        COLLECTED = "collected", pgettext_lazy("redemption status", "Collected")
        CANCELLED = "cancelled", pgettext_lazy("redemption status", "Cancelled")

    TRANSITIONS = StateTable(
        (Status.RESERVED, "collect", Status.COLLECTED),
        (Status.RESERVED, "cancel", Status.CANCELLED),
    )

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="redemptions")
    item = models.ForeignKey(RewardItem, on_delete=models.PROTECT, related_name="redemptions")
    points = models.PositiveIntegerField(_("points"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RESERVED)
    reserved_at = models.DateTimeField(_("reserved at"))
    closed_at = models.DateTimeField(_("collected or cancelled at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-reserved_at", "-id"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")

    def __str__(self) -> str:
        return f"{self.item} · {self.volunteer}"

    def step(self, action: str) -> str:
        """The status ``action`` leads to; refused (InvalidTransition) where the table has no row."""
        return self.TRANSITIONS.target(self.status, action, state_label=self.get_status_display())


class PointsEntry(models.Model):
    """The append-only points ledger: the balance is the sum of a volunteer's entries."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        REDEEM = "redeem", _("Redeemed")
        REFUND = "refund", _("Refunded")
        ADJUST = "adjust", _("Adjusted")
        EXPIRE = "expire", _("Expired")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="points_entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.IntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    redemption = models.ForeignKey(
        Redemption, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        constraints = [
            # Points are credited once per claim, refunded once per redemption: whatever the races.
            models.UniqueConstraint(
                fields=["claim"], condition=models.Q(kind="earn"), name="points_earned_once_per_claim"
            ),
            models.UniqueConstraint(
                fields=["redemption", "kind"],
                condition=models.Q(redemption__isnull=False),
                name="points_once_per_redemption_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount:+d}"
