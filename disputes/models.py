"""Disputes (矛盾纠纷): cases, parties, the mediator pool, sessions, agreements and their
obligations, follow-up visits, the case timeline and screening campaigns (DESIGN.md section 6)."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from governance.errors import InvalidTransition
from governance.models import Agency, Grid, Region
from governance.models.labels import ChoiceLabels
from governance.pii import mask_id_number, mask_name, mask_phone, pii_decrypt
from governance.transitions import StateTable


class Category(models.TextChoices):
    NEIGHBOUR = "neighbour", _("Neighbour")
    FAMILY = "family", _("Family or emotional")
    LAND = "land", _("Land")
    LABOUR = "labour", _("Labour")
    MEDICAL = "medical", _("Medical")
    PROPERTY = "property", _("Property management")
    LENDING = "lending", _("Private lending")
    CONSUMER = "consumer", _("Consumer (prepaid cards)")
    TRAFFIC = "traffic", _("Traffic")
    ECOLOGICAL = "ecological", _("Ecological")
    OTHER = "other", _("Other")


class Tier(models.IntegerChoices):
    """Where a case is handled (提级化解 moves it up); SECTOR is the competent sector authority."""

    VILLAGE = 1, pgettext_lazy("dispute tier", "Village")
    TOWNSHIP = 2, pgettext_lazy("dispute tier", "Township")
    COUNTY = 3, pgettext_lazy("dispute tier", "County")
    SECTOR = 4, pgettext_lazy("dispute tier", "Sector authority")


class MediatorTeam(models.TextChoices):
    POLICE = "police", _("Police mediation")
    PEOPLES = "peoples", _("People's mediation")
    ADMINISTRATIVE = "administrative", _("Administrative mediation")
    JUDICIAL = "judicial", _("Judicial mediation")


class Mediator(models.Model):
    """A member of the mediator pool (调解能手库). Load and outcomes are derived from assignments."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("login"), on_delete=models.PROTECT, related_name="mediator"
    )
    team = models.CharField(_("team"), max_length=20, choices=MediatorTeam.choices)
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    # The area the mediator works in: the village, township or county whose cases they take.
    region = models.ForeignKey(Region, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    specialties = models.JSONField(_("specialties"), default=list, blank=True)
    max_load = models.PositiveSmallIntegerField(_("most open cases at once"), default=8)
    # For the conflict-of-interest check: the household registration number (户号) and the
    # keyed hashes of close relatives' ID numbers the mediator has declared.
    household_code = models.CharField(_("household number"), max_length=30, blank=True)
    kin_id_hashes = models.JSONField(default=list, blank=True, editable=False)
    bio = models.CharField(_("introduction"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team", "id"]
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")

    def __str__(self) -> str:
        profile = getattr(self.user, "profile", None)
        return profile.real_name if profile else self.user.get_username()


class Dispute(ChoiceLabels, models.Model):
    """One case, one file (一案一档): everything about a dispute hangs off this row."""

    class Channel(models.TextChoices):
        # The four ways disputes are found (the first "4" of 4+4+1), and referrals.
        POLICE_WORK = "police_work", _("Police daily work")
        ALERT = "alert", _("Alert transferred from a dispatch order")
        VISIT = "visit", _("Grid or cadre household visit")
        ONLINE = "online", _("Online opinion")
        SCREENING = "screening", _("Screening campaign")
        COURT = "court", _("Court referral")
        PETITION = "petition", _("Petition office referral")

    class Risk(models.TextChoices):
        RED = "red", _("Red")
        ORANGE = "orange", _("Orange")
        YELLOW = "yellow", _("Yellow")
        BLUE = "blue", _("Blue")

    class Status(models.TextChoices):
        REGISTERED = "registered", pgettext_lazy("dispute status", "Registered")
        TRIAGED = "triaged", pgettext_lazy("dispute status", "Triaged")
        ACCEPTED = "accepted", pgettext_lazy("dispute status", "Accepted")
        ASSIGNED = "assigned", pgettext_lazy("dispute status", "Mediator assigned")
        IN_MEDIATION = "in_mediation", pgettext_lazy("dispute status", "In mediation")
        AGREEMENT = "agreement", pgettext_lazy("dispute status", "Agreement drafted")
        PERFORMING = "performing", pgettext_lazy("dispute status", "Agreement being performed")
        FOLLOW_UP = "follow_up", pgettext_lazy("dispute status", "Awaiting follow-up")
        CLOSED = "closed", pgettext_lazy("dispute status", "Closed")
        NOT_ACCEPTED = "not_accepted", pgettext_lazy("dispute status", "Not accepted")
        REFERRED_POLICE = "referred_police", pgettext_lazy("dispute status", "Referred to police")
        TERMINATED = "terminated", pgettext_lazy("dispute status", "Mediation terminated")
        BREACH = "breach", pgettext_lazy("dispute status", "Agreement breached")
        REOPENED = "reopened", pgettext_lazy("dispute status", "Reopened")

    class OtherProcess(models.TextChoices):
        COURT = "court", _("Court proceedings")
        ARBITRATION = "arbitration", _("Arbitration")
        ADMINISTRATIVE = "administrative", _("Administrative process")

    number = models.CharField(_("case number"), max_length=30, unique=True)
    channel = models.CharField(_("discovered through"), max_length=20, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    village = models.ForeignKey(Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    # The village's county, kept with the case: time boxes are set per county, and the escalation
    # sweep reads them in one UPDATE without joining the region tree.
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.CharField(_("summary"), max_length=200)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    amount = models.DecimalField(
        _("amount in dispute (yuan)"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    people_involved = models.PositiveIntegerField(_("people involved"), default=2)
    risk = models.CharField(_("risk level"), max_length=6, choices=Risk.choices, default=Risk.BLUE)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, default=Tier.VILLAGE)
    mediators_needed = models.PositiveSmallIntegerField(_("mediators needed"), default=1)
    # Key and difficult cases (重点疑难) are flagged on the ledger and tracked to closure.
    key_case = models.BooleanField(_("key or difficult case"), default=False)
    is_group = models.BooleanField(_("group dispute"), default=False)
    government_party = models.BooleanField(_("a government body is a party"), default=False)
    # Triage outcome when the case is not mediated here.
    other_process = models.CharField(_("already in"), max_length=20, choices=OtherProcess.choices, blank=True)
    other_process_status = models.CharField(_("status of that process"), max_length=200, blank=True)
    triage_reason = models.CharField(_("reason"), max_length=500, blank=True)
    advised_route = models.CharField(_("route advised"), max_length=500, blank=True)
    # Agencies working the case jointly (police + court + judicial office + petition office):
    # each sees the case and its tasks.
    agencies = models.ManyToManyField(
        Agency, verbose_name=_("agencies involved"), related_name="+", blank=True
    )
    # The agency that answers for the case (a station's police for a case opened from alerts).
    owner_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    sector_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("sector")
    )
    # Where the case came from: an alert of the stations app (by id: apps do not share models).
    source_alert_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    campaign = models.ForeignKey(
        "ScreeningCampaign", null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # Stored deadlines, read by the escalation sweep: the tier's time box, and the 30 days of
    # People's Mediation practice (longer only with both parties' consent).
    tier_deadline = models.DateTimeField(_("tier time box ends"), null=True, blank=True, db_index=True)
    mediation_deadline = models.DateTimeField(_("mediation due by"), null=True, blank=True)
    deadline_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalations = models.PositiveSmallIntegerField(_("escalations"), default=0)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_tier = models.PositiveSmallIntegerField(
        _("resolved at tier"), choices=Tier.choices, null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Set when the retention job removed the parties' personal data (disputes/services/retention.py).
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    OPEN_STATUSES = (
        Status.REGISTERED,
        Status.TRIAGED,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.IN_MEDIATION,
        Status.AGREEMENT,
        Status.REOPENED,
    )
    # A mediator may be (re)assigned and sessions held in these.
    # What may be done in which status: the table below the class (``_dispute_transitions``).
    TRANSITIONS: ClassVar[StateTable]
    MEDIATING_STATUSES = (Status.ACCEPTED, Status.ASSIGNED, Status.IN_MEDIATION, Status.REOPENED)
    ENDED_STATUSES = (Status.CLOSED, Status.NOT_ACCEPTED, Status.REFERRED_POLICE, Status.TERMINATED)

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        indexes = [
            models.Index(fields=["status", "tier_deadline"], name="dispute_status_tier_deadline"),
            models.Index(fields=["village", "-registered_at"], name="dispute_village_registered"),
            models.Index(fields=["-registered_at", "-id"], name="dispute_registered"),
            models.Index(fields=["category", "-registered_at"], name="dispute_category_registered"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.summary}"

    def can(self, action: str) -> bool:
        return self.TRANSITIONS.allows(self.status, action)

    def refuse_unless(self, action: str) -> str:
        """The status ``action`` leads to; refused (InvalidTransition) when the table has no row."""
        return self.TRANSITIONS.target(self.status, action, state_label=self.get_status_display())

    def require(self, *statuses: str) -> None:
        if self.status not in statuses:
            raise InvalidTransition(
                _("This is not possible while the case is “%(status)s”.")
                % {"status": self.get_status_display()}
            )

    @property
    def is_open(self) -> bool:
        return self.status not in self.ENDED_STATUSES


def _dispute_transitions() -> StateTable:
    """(from-state, action, to-state): what a person may do to a case in each status. The
    services refuse by it (``Dispute.refuse_unless``); the case page offers by it. An action whose
    outcome depends on its input has one row per outcome (``triage`` / ``triage_not_accepted``)."""
    S = Dispute.Status
    mediating = Dispute.MEDIATING_STATUSES
    rows: list[tuple[str, str, str]] = [
        (S.REGISTERED, "triage", S.TRIAGED),
        (S.REGISTERED, "triage_not_accepted", S.NOT_ACCEPTED),
        (S.REGISTERED, "triage_refer_police", S.REFERRED_POLICE),
        (S.REGISTERED, "consent", S.REGISTERED),
        (S.TRIAGED, "consent", S.TRIAGED),
        (S.TRIAGED, "accept", S.ACCEPTED),
        (S.ACCEPTED, "assign", S.ASSIGNED),
        (S.REOPENED, "assign", S.ASSIGNED),
        (S.ASSIGNED, "assign", S.ASSIGNED),
        (S.IN_MEDIATION, "assign", S.IN_MEDIATION),
        (S.ASSIGNED, "session", S.IN_MEDIATION),
        (S.REOPENED, "session", S.IN_MEDIATION),
        (S.IN_MEDIATION, "session", S.IN_MEDIATION),
        *((s, "consultation", s) for s in (S.TRIAGED, *mediating, S.AGREEMENT, S.BREACH)),
        (S.IN_MEDIATION, "agreement", S.AGREEMENT),
        (S.AGREEMENT, "agreement", S.AGREEMENT),
        (S.AGREEMENT, "sign", S.PERFORMING),
        (S.AGREEMENT, "sign_without_terms", S.FOLLOW_UP),
        (S.PERFORMING, "perform", S.PERFORMING),
        (S.BREACH, "perform", S.BREACH),
        (S.PERFORMING, "perform_last", S.FOLLOW_UP),
        (S.PERFORMING, "breach", S.BREACH),
        (S.BREACH, "breach", S.BREACH),
        *((s, "extend", s) for s in (*mediating, S.AGREEMENT)),
        *((s, "escalate", s) for s in (*Dispute.OPEN_STATUSES, S.BREACH)),
        *((s, "terminate", S.TERMINATED) for s in (*mediating, S.AGREEMENT, S.BREACH)),
        (S.BREACH, "reopen", S.REOPENED),
        (S.FOLLOW_UP, "follow_up", S.CLOSED),
        (S.FOLLOW_UP, "follow_up_recurred", S.REOPENED),
    ]
    return StateTable(*rows)


Dispute.TRANSITIONS = _dispute_transitions()


class Party(models.Model):
    """A party to a dispute. Personal data: masked for display, unmasked only with a logged reason."""

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        RESPONDENT = "respondent", _("Respondent")
        THIRD = "third", _("Third party")

    class Kind(models.TextChoices):
        PERSON = "person", pgettext_lazy("party kind", "Person")
        ORGANISATION = "organisation", _("Organisation")
        GOVERNMENT = "government", _("Government body")

    class Progress(models.TextChoices):
        # For group disputes: where each party stands.
        PENDING = "pending", pgettext_lazy("party progress", "Pending")
        CONTACTED = "contacted", _("Contacted")
        AGREED = "agreed", _("Agreed")
        SETTLED = "settled", _("Settled")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=100)
    phone_encrypted = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    household_code = models.CharField(_("household number"), max_length=30, blank=True)
    village = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    claim_amount = models.DecimalField(
        _("amount claimed (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # People's Mediation Law art. 17 and 23: mediation needs the parties' consent, and they are
    # told their rights first.
    consented_at = models.DateTimeField(_("consented at"), null=True, blank=True)
    rights_informed_at = models.DateTimeField(_("told their rights at"), null=True, blank=True)
    progress = models.CharField(
        _("progress"), max_length=12, choices=Progress.choices, default=Progress.PENDING
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dispute_id", "id"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return self.masked_name

    @property
    def masked_name(self) -> str:
        return self.name if self.kind != self.Kind.PERSON else mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(pii_decrypt(self.phone_encrypted)) if self.phone_encrypted else ""

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(pii_decrypt(self.id_number_encrypted)) if self.id_number_encrypted else ""

    @property
    def is_principal(self) -> bool:
        return self.role in (self.Role.APPLICANT, self.Role.RESPONDENT)


class Assignment(models.Model):
    """A mediator on a case. Ended, never deleted: recusals and replacements stay on the file."""

    class EndReason(models.TextChoices):
        RECUSED = "recused", _("Recused at a party's request")
        REPLACED = "replaced", _("Replaced")
        CASE_ENDED = "case_ended", _("Case ended")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="assignments")
    mediator = models.ForeignKey(Mediator, on_delete=models.PROTECT, related_name="assignments")
    chosen_by_party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("chosen by")
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=12, choices=EndReason.choices, blank=True)
    end_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        verbose_name = _("mediator assignment")
        verbose_name_plural = _("mediator assignments")
        constraints = [
            # One live assignment per mediator and case: a double click assigns once.
            models.UniqueConstraint(
                fields=["dispute", "mediator"],
                condition=models.Q(ended_at__isnull=True),
                name="assignment_one_live_per_mediator",
            )
        ]
        indexes = [models.Index(fields=["mediator", "ended_at"], name="assignment_mediator_live")]

    def __str__(self) -> str:
        return f"{self.mediator} @ {self.dispute_id}"


class MediationRoom(models.Model):
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(Region, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = _("mediation room")
        verbose_name_plural = _("mediation rooms")

    def __str__(self) -> str:
        return self.name


class Session(models.Model):
    """A mediation session, or a consultation (会诊) of several agencies on a difficult case."""

    class Kind(models.TextChoices):
        MEDIATION = "mediation", _("Mediation session")
        CONSULTATION = "consultation", _("Consultation of agencies")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.MEDIATION)
    held_at = models.DateTimeField(_("time"))
    room = models.ForeignKey(
        MediationRoom,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("room"),
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    attendees = models.CharField(_("attendees"), max_length=500)
    agencies = models.ManyToManyField(
        Agency, verbose_name=_("agencies present"), related_name="+", blank=True
    )
    public = models.BooleanField(_("public session"), default=False)
    minutes = models.TextField(_("minutes"), max_length=10000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_at", "id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_at:%Y-%m-%d}"


class Agreement(models.Model):
    """The mediation agreement (People's Mediation Law art. 29-31): parties, facts, each side's
    responsibility and terms; effective when signed. Judicial confirmation is applied for jointly
    within 30 days of effect (art. 33)."""

    class Confirmation(models.TextChoices):
        NONE = "", _("Not applied for")
        PENDING = "pending", _("Pending at the court")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    dispute = models.OneToOneField(Dispute, on_delete=models.CASCADE, related_name="agreement")
    facts = models.TextField(_("facts"), max_length=5000)
    responsibilities = models.TextField(_("each side's responsibility"), max_length=5000)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(_("drafted at"))
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    jc_deadline = models.DateTimeField(_("apply for judicial confirmation by"), null=True, blank=True)
    jc_status = models.CharField(
        _("judicial confirmation"), max_length=10, choices=Confirmation.choices, blank=True, default=""
    )
    jc_applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    jc_court = models.CharField(_("court"), max_length=100, blank=True)
    jc_answered_at = models.DateTimeField(_("court answered at"), null=True, blank=True)
    jc_note = models.CharField(_("court's answer"), max_length=500, blank=True)
    jc_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return f"{self.dispute.number}"


class Obligation(models.Model):
    """One term of an agreement: who does what, how much, by when and how; tracked to performance."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To be performed")
        PERFORMED = "performed", _("Performed")
        BREACHED = "breached", _("Breached")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="obligations")
    obligor = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="obligations", verbose_name=_("obligor")
    )
    description = models.CharField(_("term"), max_length=500)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    due_date = models.DateField(_("due date"))
    method = models.CharField(_("how"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    performed_at = models.DateTimeField(_("performed at"), null=True, blank=True)
    breach_note = models.CharField(_("breach"), max_length=500, blank=True)
    next_route = models.CharField(_("next route"), max_length=500, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        indexes = [models.Index(fields=["status", "due_date"], name="obligation_status_due")]

    def __str__(self) -> str:
        return self.description


class FollowUp(models.Model):
    """A follow-up visit (回访) after the outcome; a case closes only when one confirms it."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups")
    visited_at = models.DateTimeField(_("visited at"))
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1-5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    recurred = models.BooleanField(_("the dispute recurred"), default=False)
    note = models.CharField(_("note"), max_length=1000, blank=True)

    class Meta:
        ordering = ["visited_at", "id"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.visited_at:%Y-%m-%d}"


class CaseTask(models.Model):
    """A task of a joint case for one agency (清单交办), closed in a loop."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="tasks")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    title = models.CharField(_("task"), max_length=200)
    due_at = models.DateTimeField(_("due"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_note = models.CharField(_("result"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("case task")
        verbose_name_plural = _("case tasks")

    def __str__(self) -> str:
        return self.title


class DisputeEvent(models.Model):
    """The case's timeline: every transition and act, in order. Append-only."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verb = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["dispute", "at"], name="dispute_event_timeline")]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.verb}"


class TierPolicy(models.Model):
    """A tier's time box and staffing, per county (``county`` empty: the platform default)."""

    county = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices)
    time_box_days = models.PositiveSmallIntegerField(_("time box (days)"))
    mediators = models.PositiveSmallIntegerField(_("mediators"), default=1)

    class Meta:
        verbose_name = _("tier policy")
        verbose_name_plural = _("tier policies")
        constraints = [
            models.UniqueConstraint(fields=["county", "tier"], name="tier_policy_unique"),
            models.UniqueConstraint(
                fields=["tier"], condition=models.Q(county__isnull=True), name="tier_policy_default_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} {self.time_box_days}d"


class ScreeningCampaign(models.Model):
    """A screening sweep (排查): seasonal (四季排查) or ad hoc, over the villages of an area."""

    class Season(models.TextChoices):
        SPRING = "spring", _("Spring: land")
        SUMMER = "summer", _("Summer: neighbours")
        AUTUMN = "autumn", _("Autumn: family")
        WINTER = "winter", _("Winter: private lending")
        AD_HOC = "ad_hoc", _("Ad hoc")

    name = models.CharField(_("name"), max_length=100)
    season = models.CharField(_("season"), max_length=10, choices=Season.choices)
    region = models.ForeignKey(Region, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    focus = models.CharField(_("focus"), max_length=300, blank=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("screening campaign")
        verbose_name_plural = _("screening campaigns")

    def __str__(self) -> str:
        return self.name


class ScreeningAssignment(models.Model):
    """A village of a campaign, given to a grid worker with the households to visit."""

    campaign = models.ForeignKey(ScreeningCampaign, on_delete=models.CASCADE, related_name="assignments")
    village = models.ForeignKey(Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("grid worker"), on_delete=models.PROTECT, related_name="+"
    )
    households = models.PositiveIntegerField(_("households to visit"))

    class Meta:
        ordering = ["campaign_id", "village__code"]
        verbose_name = _("screening assignment")
        verbose_name_plural = _("screening assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "village", "worker"], name="screening_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.village}"


class ScreeningVisit(models.Model):
    class Result(models.TextChoices):
        NOTHING = "nothing", _("Nothing found")
        FINDING = "finding", _("Dispute found")
        RESOLVED_ON_SITE = "resolved_on_site", _("Small matter resolved on the spot")

    assignment = models.ForeignKey(ScreeningAssignment, on_delete=models.CASCADE, related_name="visits")
    household = models.CharField(_("household"), max_length=100)
    visited_at = models.DateTimeField(_("visited at"))
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    dispute = models.ForeignKey(Dispute, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-visited_at", "id"]
        verbose_name = _("screening visit")
        verbose_name_plural = _("screening visits")

    def __str__(self) -> str:
        return self.household
