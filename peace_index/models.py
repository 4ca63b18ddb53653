"""The village peace index (平安指数, DESIGN.md section 7): methodology versions as data, the inputs
the platform does not produce itself (criminal cases, petitions, surveys), the monthly scores with
their decomposition, the township review that freezes a month, and the recomputation runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from governance.errors import InvalidTransition
from governance.models import Region
from governance.transitions import StateTable


class Band(models.TextChoices):
    EXCELLENT = "excellent", pgettext_lazy("peace band", "Model safe village")
    SAFE = "safe", pgettext_lazy("peace band", "Safe village")
    BASIC = "basic", pgettext_lazy("peace band", "Basically safe")
    ATTENTION = "attention", pgettext_lazy("peace band", "Needs attention")
    INSUFFICIENT = "insufficient", pgettext_lazy("peace band", "Insufficient data")


class Dimension(models.TextChoices):
    INCIDENTS = "incidents", pgettext_lazy("peace dimension", "Incidents")
    CASES = "cases", pgettext_lazy("peace dimension", "Criminal cases")
    PETITIONS = "petitions", pgettext_lazy("peace dimension", "Petitions")
    SENTIMENT = "sentiment", pgettext_lazy("peace dimension", "Public sentiment")


class Indicator(models.TextChoices):
    ESCALATED_DISPUTES = "escalated_disputes", _("Disputes that became a public-order or criminal matter")
    REPEAT_CALLS = "repeat_calls", _("Repeat calls about an unresolved dispute")
    CRIMINAL_CASES = "criminal_cases", _("Criminal cases, weighted by severity")
    PETITIONS = "petitions", _("Skip-level, repeat and collective petitions")
    SURVEY_SAFE = "survey_safe", _("Residents who feel safe (survey)")
    FOLLOWUP_SATISFIED = "followup_satisfied", _("Satisfied at the follow-up visit")
    RESOLVED_IN_VILLAGE = "resolved_in_village", _("Disputes resolved at village level")
    AGREEMENTS_PERFORMED = "agreements_performed", _("Agreement terms performed")


class MethodVersion(models.Model):
    """A methodology (weights, goalposts, bands, bonus and penalty rules) for a county's villages.
    Drafts may change; a published version is frozen, and publishing recomputes earlier periods
    under it so that trends compare like with like."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("method status", "Draft")
        PUBLISHED = "published", pgettext_lazy("method status", "Published")
        RETIRED = "retired", pgettext_lazy("method status", "Retired")

    county = models.ForeignKey(Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=100)
    params = models.JSONField(_("parameters"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    note = models.TextField(_("what changed"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["county_id", "-number"]
        verbose_name = _("methodology version")
        verbose_name_plural = _("methodology versions")
        constraints = [
            models.UniqueConstraint(fields=["county", "number"], name="method_version_unique_number"),
            # At most one version in force per county.
            models.UniqueConstraint(
                fields=["county"], condition=models.Q(status="published"), name="method_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.name}"

    # A draft may be edited and published; a published version is frozen until a newer one
    # retires it.
    TRANSITIONS = StateTable(
        (Status.DRAFT, "edit", Status.DRAFT),
        (Status.DRAFT, "publish", Status.PUBLISHED),
        (Status.PUBLISHED, "retire", Status.RETIRED),
    )

    def require_draft(self) -> None:
        if not self.TRANSITIONS.allows(self.status, "edit"):
            raise InvalidTransition(_("A published or retired methodology version cannot be changed."))


class DataSource(models.TextChoices):
    CASES = "cases", _("Criminal cases (police case system)")
    PETITIONS = "petitions", _("Petitions (petition office)")
    SURVEYS = "surveys", _("Safety survey")


class DataCoverage(models.Model):
    """That a source delivered its data for a county and month. A month without coverage is missing
    data, never zero: the dimension reads 'insufficient data' rather than a perfect score."""

    source = models.CharField(_("source"), max_length=10, choices=DataSource.choices)
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    batch = models.ForeignKey(
        "ImportBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["source", "county_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["source", "county", "month"], name="coverage_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.county_id} {self.month:%Y-%m}"


class ImportBatch(models.Model):
    """One upload (or API delivery) of external rows; all rows or none."""

    source = models.CharField(_("source"), max_length=10, choices=DataSource.choices)
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.source} #{self.pk} ({self.rows})"


class CriminalCase(models.Model):
    """A criminal case (案情) from the police case system, weighted by severity. A case that grew
    out of a platform alert names it, and replaces that alert in the incidents dimension."""

    class Severity(models.TextChoices):
        MINOR = "minor", pgettext_lazy("case severity", "Minor")
        ORDINARY = "ordinary", pgettext_lazy("case severity", "Ordinary")
        SERIOUS = "serious", pgettext_lazy("case severity", "Serious")
        MAJOR = "major", pgettext_lazy("case severity", "Major")

    class Veto(models.TextChoices):
        NONE = "", pgettext_lazy("veto", "None")
        HOMICIDE = "homicide", pgettext_lazy("veto", "Homicide")
        DISPUTE_DEATH = "dispute_death", pgettext_lazy("veto", "A dispute ending in death")
        MASS_INCIDENT = "mass_incident", pgettext_lazy("veto", "Major mass incident")

    external_ref = models.CharField(_("case number"), max_length=50)
    village = models.ForeignKey(Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    occurred_on = models.DateField(_("occurred on"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    veto = models.CharField(_("veto event"), max_length=15, choices=Veto.choices, blank=True, default="")
    # Concealed or reported late: the village learned of it and did not report (a penalty).
    reported_late = models.BooleanField(_("concealed or reported late"), default=False)
    alert_id = models.PositiveBigIntegerField(_("alert"), null=True, blank=True)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="cases")

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("criminal case")
        verbose_name_plural = _("criminal cases")
        constraints = [
            models.UniqueConstraint(fields=["county", "external_ref"], name="case_unique_ref"),
        ]
        indexes = [models.Index(fields=["village", "month"], name="case_village_month")]

    def __str__(self) -> str:
        return self.external_ref


class Petition(models.Model):
    """A petition (信访) from the petition office. First petitions are a right and never count
    against a village; skip-level, repeat and collective ones do."""

    class Kind(models.TextChoices):
        FIRST = "first", pgettext_lazy("petition kind", "First petition")
        REPEAT = "repeat", pgettext_lazy("petition kind", "Repeat petition")
        SKIP_LEVEL = "skip_level", pgettext_lazy("petition kind", "Skip-level petition")
        COLLECTIVE = "collective", pgettext_lazy("petition kind", "Collective petition")

    COUNTED = (Kind.REPEAT, Kind.SKIP_LEVEL, Kind.COLLECTIVE)

    external_ref = models.CharField(_("petition number"), max_length=50)
    village = models.ForeignKey(Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    received_on = models.DateField(_("received on"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="petitions")

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        constraints = [
            models.UniqueConstraint(fields=["county", "external_ref"], name="petition_unique_ref"),
        ]
        indexes = [models.Index(fields=["village", "month"], name="petition_village_month")]

    def __str__(self) -> str:
        return self.external_ref


class SurveyResult(models.Model):
    """A village's safety survey (安全感调查) for a month: how many answered, how many feel safe."""

    village = models.ForeignKey(Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    respondents = models.PositiveIntegerField(_("respondents"))
    feel_safe = models.PositiveIntegerField(_("feel safe"))
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="surveys")

    class Meta:
        ordering = ["-month", "village_id"]
        verbose_name = _("survey result")
        verbose_name_plural = _("survey results")
        constraints = [
            models.UniqueConstraint(fields=["village", "month"], name="survey_unique_village_month"),
            models.CheckConstraint(
                condition=models.Q(feel_safe__lte=models.F("respondents")),
                name="survey_safe_within_respondents",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.month:%Y-%m} {self.feel_safe}/{self.respondents}"


class VillageScore(models.Model):
    """A village's score for a month under a methodology version, with everything that explains it."""

    village = models.ForeignKey(Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    version = models.ForeignKey(MethodVersion, on_delete=models.PROTECT, related_name="scores")
    score = models.FloatField(_("score"), null=True)
    band = models.CharField(_("band"), max_length=12, choices=Band.choices)
    # Standard error of the score (Poisson and binomial noise of its rates), for the trend arrows.
    se = models.FloatField(_("standard error"), default=0.0)
    dimensions = models.JSONField(_("dimension scores"), default=dict)
    bonus = models.FloatField(_("bonus"), default=0.0)
    penalty = models.FloatField(_("penalty"), default=0.0)
    veto = models.BooleanField(_("veto"), default=False)
    peer_rank = models.PositiveIntegerField(null=True)
    rank_low = models.PositiveIntegerField(null=True)
    rank_high = models.PositiveIntegerField(null=True)
    peer_size = models.PositiveIntegerField(default=0)
    decomposition = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["month", "village_id"]
        verbose_name = _("village score")
        verbose_name_plural = _("village scores")
        constraints = [
            models.UniqueConstraint(fields=["version", "village", "month"], name="score_unique"),
        ]
        indexes = [models.Index(fields=["township", "month", "version"], name="score_township_month")]

    def __str__(self) -> str:
        return f"{self.village_id} {self.month:%Y-%m} {self.score}"


class TownshipReview(models.Model):
    """A township official's review of a month's results. Approval freezes the month for the
    township's villages under that version: no recomputation changes them afterwards."""

    class Status(models.TextChoices):
        APPROVED = "approved", pgettext_lazy("review status", "Approved")
        RETURNED = "returned", pgettext_lazy("review status", "Returned")

    # A month not reviewed yet has no row: its state is PENDING. Approving freezes it for good;
    # returned results may be returned again (a new comment) or approved once corrected.
    PENDING = "pending"
    TRANSITIONS = StateTable(
        (PENDING, "approve", Status.APPROVED),
        (PENDING, "return", Status.RETURNED),
        (Status.RETURNED, "approve", Status.APPROVED),
        (Status.RETURNED, "return", Status.RETURNED),
    )

    township = models.ForeignKey(
        Region, verbose_name=_("township"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    version = models.ForeignKey(MethodVersion, on_delete=models.PROTECT, related_name="reviews")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"))

    class Meta:
        ordering = ["-month", "township_id"]
        verbose_name = _("township review")
        verbose_name_plural = _("township reviews")
        constraints = [
            models.UniqueConstraint(fields=["township", "month", "version"], name="review_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.township_id} {self.month:%Y-%m} {self.status}"

    @classmethod
    def state_of(cls, review: TownshipReview | None) -> str:
        return cls.PENDING if review is None else str(review.status)

    @classmethod
    def state_label(cls, review: TownshipReview | None) -> str:
        return str(_("Not reviewed yet")) if review is None else str(review.get_status_display())


class RecomputeRun(models.Model):
    """A full recomputation started by an administrator (or the schedule), with its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("run status", "Queued")
        RUNNING = "running", pgettext_lazy("run status", "Running")
        DONE = "done", pgettext_lazy("run status", "Done")
        FAILED = "failed", pgettext_lazy("run status", "Failed")

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(MethodVersion, on_delete=models.PROTECT, related_name="runs")
    months = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    scores_written = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"run #{self.pk} {self.status}"

    @property
    def total(self) -> int:
        return len(self.months)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100
