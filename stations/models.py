"""Stations, alerts and dispatch orders with their clocks (the 1310 principle)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.models import Agency, Grid, Region
from governance.models.labels import ChoiceLabels
from governance.transitions import StateTable


class Station(models.Model):
    """A physical post where several agencies sit together and take alerts for the regions it covers."""

    class Kind(models.TextChoices):
        TOWNSHIP_WORKSTATION = "township_workstation", _("Township workstation")
        VILLAGE_ROOM = "village_room", _("Village police room")
        JOINT_DUTY = "joint_duty", _("Joint-duty station")
        ENTERPRISE = "enterprise", _("Enterprise service station")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    police_agency = models.ForeignKey(
        Agency, verbose_name=_("police agency"), on_delete=models.PROTECT, related_name="stations"
    )
    region = models.ForeignKey(Region, verbose_name=_("seat"), on_delete=models.PROTECT, related_name="+")
    covered_regions = models.ManyToManyField(
        Region, verbose_name=_("regions covered"), related_name="stations"
    )
    stationed_agencies = models.ManyToManyField(
        Agency, verbose_name=_("agencies stationed"), related_name="joint_stations", blank=True
    )
    phone = models.CharField(_("duty phone"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")

    def __str__(self) -> str:
        return self.name


class SlaProfile(models.Model):
    """Clock limits for one priority, per county (``county`` empty: the platform default).
    The default P1/P2 profile is the 1310 principle: 1 minute to accept, 3 to contact the
    parties, 10 to be on scene."""

    county = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.CASCADE, related_name="sla_profiles"
    )
    priority = models.PositiveSmallIntegerField(_("priority"))
    accept_seconds = models.PositiveIntegerField(_("accept within (s)"))
    contact_seconds = models.PositiveIntegerField(_("contact within (s)"))
    on_scene_seconds = models.PositiveIntegerField(_("on scene within (s)"))
    rural_on_scene_seconds = models.PositiveIntegerField(_("rural: on scene within (s)"))

    class Meta:
        verbose_name = _("SLA profile")
        verbose_name_plural = _("SLA profiles")
        constraints = [
            models.UniqueConstraint(fields=["county", "priority"], name="sla_profile_unique_priority"),
            models.UniqueConstraint(
                fields=["priority"],
                condition=models.Q(county__isnull=True),
                name="sla_default_unique_priority",
            ),
        ]

    def __str__(self) -> str:
        return f"P{self.priority} {self.county or '-'}"


class Alert(ChoiceLabels, models.Model):
    """An incident reported by any channel (警情)."""

    class Channel(models.TextChoices):
        CALL_110 = "110", _("110 emergency call")
        HOTLINE_12345 = "12345", _("12345 hotline")
        HOTLINE = "hotline", _("Township hotline")
        GRID = "grid", _("Grid worker")
        WALK_IN = "walk_in", _("Walk-in")
        VOLUNTEER = "volunteer", _("Volunteer")
        ONLINE = "online", _("Online")

    class Category(models.TextChoices):
        CRIMINAL = "criminal", _("Criminal")
        PUBLIC_ORDER = "public_order", _("Public order")
        TRAFFIC = "traffic", _("Traffic")
        DISPUTE = "dispute", _("Dispute")
        HELP = "help", _("Help-seeking")
        FIRE_DISASTER = "fire_disaster", _("Fire or disaster")
        NON_POLICE = "non_police", _("Non-police matter")

    # What a village may settle before the police come (village-first response): quarrels and
    # disturbances, a call for help; never a crime, a crash or a fire, which stay the police's.
    VILLAGE_FIRST_CATEGORIES = (Category.DISPUTE, Category.PUBLIC_ORDER, Category.HELP)

    class Risk(models.TextChoices):
        YELLOW = "yellow", _("Repeat: flagged")
        RED = "red", _("Red risk")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), default=3)
    summary = models.CharField(_("summary"), max_length=200)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    address = models.CharField(_("address"), max_length=300)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="alerts"
    )
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    caller_name = models.CharField(_("caller name"), max_length=50, blank=True)
    # Personal data: the phone is kept encrypted, with a keyed hash to recognise repeat callers.
    caller_phone_encrypted = models.TextField(blank=True)
    caller_phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    reported_at = models.DateTimeField(_("reported at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_client = models.ForeignKey(
        "IntegrationClient", null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    # Repeat and duplicate recognition (DESIGN.md section 4), decided at intake.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    repeat_count = models.PositiveSmallIntegerField(_("earlier related alerts (30 days)"), default=0)
    risk_level = models.CharField(_("risk"), max_length=6, choices=Risk.choices, blank=True)
    risk_reasons = models.JSONField(_("risk reasons"), default=list, blank=True)
    needs_dispute_case = models.BooleanField(_("needs a dispute case"), default=False)
    # The dispute case the alert was handed to (the disputes app's row, by id).
    dispute_id = models.PositiveBigIntegerField(_("dispute case"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [
            models.Index(fields=["village", "received_at"], name="alert_village_received"),
            # Repeat recognition looks up the same village and address within 90 days.
            models.Index(fields=["village", "address", "received_at"], name="alert_village_address"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.summary}"

    @property
    def village_may_settle(self) -> bool:
        """Whether its village may settle it before the police come: a quarrel, a disturbance or
        a call for help, never one at red risk (a weapon, a threat) that the police must attend."""
        return self.category in self.VILLAGE_FIRST_CATEGORIES and self.risk_level != self.Risk.RED

    # The same rule as a filter on orders (``alert__``), for the lists of the village.
    VILLAGE_MAY_SETTLE_Q = models.Q(alert__category__in=VILLAGE_FIRST_CATEGORIES) & ~models.Q(
        alert__risk_level="red"
    )


class DispatchOrder(ChoiceLabels, models.Model):
    """An alert pushed to a station to handle (警单), walked through its life one step at a time."""

    class Status(models.TextChoices):
        DISPATCHED = "dispatched", _("Dispatched")
        ACCEPTED = "accepted", _("Accepted")
        CONTACTED = "contacted", _("Parties contacted")
        ON_SCENE = "on_scene", _("On scene")
        HANDLING = "handling", _("Handling")
        RESOLVED = "resolved", _("Resolved")
        TRANSFERRED = "transferred", _("Transferred")
        CLOSED = "closed", _("Closed")
        FOLLOWED_UP = "followed_up", _("Followed up")
        REDIRECTED = "redirected", _("Redirected to the owning agency")
        # The village settled it before the police came (Changshan's "你们不用过来"): reported by
        # its cadre or grid worker, confirmed by the station's call-back.
        VILLAGE_SETTLED = "by_village", _("Settled by the village")
        MERGED = "merged", _("Merged into an earlier alert")
        INVALID = "invalid", _("Invalid")

    OPEN = (Status.DISPATCHED, Status.ACCEPTED, Status.CONTACTED, Status.ON_SCENE, Status.HANDLING)
    # Before the police are on scene, the village may report that it settled the matter.
    VILLAGE_MAY_SETTLE = (Status.DISPATCHED, Status.ACCEPTED, Status.CONTACTED)
    # The order's life, one step at a time (``stations.services.dispatch.order_step``). Rows are
    # in the order the page offers the steps. ``close`` from REDIRECTED is the owning agency's.
    TRANSITIONS = StateTable(
        (Status.DISPATCHED, "accept", Status.ACCEPTED),
        (Status.ACCEPTED, "contact", Status.CONTACTED),
        (Status.CONTACTED, "arrive", Status.ON_SCENE),
        (Status.ON_SCENE, "handle", Status.HANDLING),
        (Status.HANDLING, "resolve", Status.RESOLVED),
        (Status.ON_SCENE, "transfer", Status.TRANSFERRED),
        (Status.HANDLING, "transfer", Status.TRANSFERRED),
        (Status.DISPATCHED, "redirect", Status.REDIRECTED),
        (Status.ACCEPTED, "redirect", Status.REDIRECTED),
        (Status.CONTACTED, "redirect", Status.REDIRECTED),
        (Status.RESOLVED, "close", Status.CLOSED),
        (Status.TRANSFERRED, "close", Status.CLOSED),
        (Status.REDIRECTED, "close", Status.CLOSED),
        (Status.CLOSED, "follow_up", Status.FOLLOWED_UP),
        # The station's call-back confirms the village's report and stands down (one tap).
        (Status.DISPATCHED, "village_confirm", Status.VILLAGE_SETTLED),
        (Status.ACCEPTED, "village_confirm", Status.VILLAGE_SETTLED),
        (Status.CONTACTED, "village_confirm", Status.VILLAGE_SETTLED),
    )

    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="order")
    # Empty when no station covers the village: the commander board shows those first.
    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DISPATCHED)
    priority = models.PositiveSmallIntegerField(_("priority"))
    dispatched_at = models.DateTimeField(_("dispatched at"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contacted_at = models.DateTimeField(null=True, blank=True)
    on_scene_at = models.DateTimeField(null=True, blank=True)
    handling_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    followed_up_at = models.DateTimeField(null=True, blank=True)
    # Deadlines are stored, so a periodic sweep (not a timer in memory) finds breaches.
    accept_due = models.DateTimeField(null=True, blank=True)
    contact_due = models.DateTimeField(null=True, blank=True)
    on_scene_due = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(_("outcome"), max_length=2000, blank=True)
    transferred_to = models.CharField(_("transferred to"), max_length=20, blank=True)
    # Non-police matters go to the agency that owns them and are tracked until it reports back.
    redirected_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="redirected_orders"
    )
    redirected_at = models.DateTimeField(null=True, blank=True)
    redirect_closed_at = models.DateTimeField(null=True, blank=True)
    # The village's report that it settled the matter, and the station's confirmation of it.
    village_reported_at = models.DateTimeField(_("village reported settled at"), null=True, blank=True)
    village_reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    village_report = models.CharField(_("how the village settled it"), max_length=500, blank=True)
    village_settled_at = models.DateTimeField(_("settled by the village at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-dispatched_at", "-id"]
        verbose_name = _("dispatch order")
        verbose_name_plural = _("dispatch orders")
        indexes = [
            models.Index(fields=["station", "status"], name="order_station_status"),
            models.Index(fields=["status", "accept_due"], name="order_status_accept_due"),
            # The dashboard's "today" counts: without it they read every order the station ever had
            # (123 ms at ten years of a city's history, 18 ms with it; bench/suite.py --scale 10x).
            models.Index(fields=["station", "dispatched_at"], name="order_station_dispatched"),
        ]

    def __str__(self) -> str:
        return f"{self.station} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def next_clock(self) -> tuple[str, datetime] | None:
        """The first clock still running (name and deadline), for the dashboard's countdown."""
        for name, due, done in (
            ("accept", self.accept_due, self.accepted_at),
            ("contact", self.contact_due, self.contacted_at),
            ("on_scene", self.on_scene_due, self.on_scene_at),
        ):
            if due is not None and done is None:
                return name, due
        return None


class OrderEvent(models.Model):
    """Who moved an order, from what to what, and when: the order's own history."""

    order = models.ForeignKey(DispatchOrder, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["order_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} -> {self.to_status}"

    @property
    def status_label(self) -> str:
        """The status the event reached, for people; empty for a note that changed no status (a
        re-dispatch, the village's report), which its note says."""
        if self.from_status == self.to_status and self.from_status:
            return ""
        try:
            return str(DispatchOrder.Status(self.to_status).label)
        except ValueError:
            return self.to_status


class ClockBreach(models.Model):
    """A clock that passed. One row per order and clock: the unique constraint is what makes the
    escalation happen exactly once, however many sweeps overlap."""

    class Clock(models.TextChoices):
        ACCEPT = "accept", _("Accept")
        CONTACT = "contact", _("Contact the parties")
        ON_SCENE = "on_scene", _("On scene")

    order = models.ForeignKey(DispatchOrder, on_delete=models.CASCADE, related_name="breaches")
    clock = models.CharField(_("clock"), max_length=10, choices=Clock.choices)
    due_at = models.DateTimeField(_("due"))
    detected_at = models.DateTimeField(_("detected"))

    class Meta:
        ordering = ["detected_at"]
        verbose_name = _("clock breach")
        verbose_name_plural = _("clock breaches")
        constraints = [models.UniqueConstraint(fields=["order", "clock"], name="breach_once_per_clock")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.clock}"


class Summons(models.Model):
    """A whistle (吹哨): a station or a grid worker obliges named agencies to report in and stay
    until the matter is done (事不完人不撤). Works both ways: grid to police, police to grid."""

    class Urgency(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency (check in within 30 minutes)")
        ROUTINE = "routine", _("Routine (check in within 72 hours)")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        HANDLED = "handled", _("Handled, awaiting verification")
        VERIFIED = "verified", _("Verified")

    order = models.ForeignKey(
        DispatchOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="summonses"
    )
    village = models.ForeignKey(Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    whistler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    whistler_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="whistles_blown")
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    reason = models.TextField(_("reason"), max_length=2000)
    # Check-in and handling are each agency's (``SummonsTarget``) while the summons is OPEN; the
    # last agency's handling completes it; the whistler then verifies or reopens.
    TRANSITIONS = StateTable(
        (Status.OPEN, "check_in", Status.OPEN),
        (Status.OPEN, "handle", Status.OPEN),
        (Status.OPEN, "complete", Status.HANDLED),
        (Status.HANDLED, "verify", Status.VERIFIED),
        (Status.HANDLED, "reopen", Status.OPEN),
    )

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("whistled at"))
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopened_count = models.PositiveSmallIntegerField(default=0)
    # Why the whistler reopened it last (each reopening's reason is also in the audit trail).
    reopen_reason = models.TextField(_("reason for reopening"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("summons")
        verbose_name_plural = _("summonses")

    def __str__(self) -> str:
        return f"#{self.pk} {self.reason[:30]}"


class SummonsTarget(models.Model):
    """One agency called by a whistle: it must check in by ``check_in_due``, then handle."""

    summons = models.ForeignKey(Summons, on_delete=models.CASCADE, related_name="targets")
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="summoned"
    )
    check_in_due = models.DateTimeField(_("check in by"))
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    check_in_late = models.BooleanField(default=False)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("what was done"), max_length=2000, blank=True)

    class Meta:
        ordering = ["summons_id", "id"]
        constraints = [models.UniqueConstraint(fields=["summons", "agency"], name="summons_agency_once")]

    def __str__(self) -> str:
        return f"{self.summons_id} → {self.agency_id}"


class IntegrationClient(models.Model):
    """An integrating system (a 110 or 12345 platform) that pushes alerts with an API key.
    Only a hash of the key is stored; the key is shown once when it is issued."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    key_prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("integrating system")
        verbose_name_plural = _("integrating systems")

    def __str__(self) -> str:
        return self.name


class DutyShift(models.Model):
    """One person on the station's 24-hour duty roster for a stretch of time."""

    class Role(models.TextChoices):
        LEADER = "leader", _("Duty leader")
        OFFICER = "officer", _("Officer on duty")
        AUXILIARY = "auxiliary", _("Auxiliary on duty")
        PARTNER = "partner", _("Partner agency on duty")

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="shifts")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="duty_shifts")
    role = models.CharField(_("duty role"), max_length=10, choices=Role.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["station_id", "starts_at"]
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        indexes = [models.Index(fields=["station", "starts_at", "ends_at"], name="shift_station_time")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.person_id} {self.starts_at:%m-%d %H:%M}"
