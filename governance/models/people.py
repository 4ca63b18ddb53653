"""Agencies, people and their memberships."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.models.regions import Region
from governance.pii import mask_id_number, mask_name, mask_phone, pii_decrypt


class Agency(models.Model):
    class Kind(models.TextChoices):
        PUBLIC_SECURITY_BUREAU = "psb", _("Public security bureau")
        POLICE_STATION = "police_station", _("Police station")
        TRAFFIC_SQUAD = "traffic_squad", _("Traffic police squad")
        PATROL = "patrol", _("Patrol unit")
        JUDICIAL_OFFICE = "judicial_office", _("Judicial office")
        COURT_TRIBUNAL = "court_tribunal", _("People's court tribunal")
        PETITION_OFFICE = "petition_office", _("Petition office")
        POLITICAL_LEGAL_COMMITTEE = "plc", _("Political and legal affairs committee")
        TOWNSHIP_GOVERNMENT = "township_government", _("Township government")
        VILLAGE_COMMITTEE = "village_committee", _("Village committee")
        MEDIATION_COMMITTEE = "mediation_committee", _("People's mediation committee")
        MARKET_REGULATION = "market_regulation", _("Market regulation")
        LAW_ENFORCEMENT = "law_enforcement", _("Comprehensive law enforcement")
        EMERGENCY_MANAGEMENT = "emergency_management", _("Emergency management")
        HOTLINE_12345 = "hotline_12345", _("12345 hotline centre")

    # Police units; matters that are not police work are handed to one of the others.
    POLICE_KINDS = frozenset(
        {Kind.PUBLIC_SECURITY_BUREAU, Kind.POLICE_STATION, Kind.TRAFFIC_SQUAD, Kind.PATROL}
    )

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("seat"), on_delete=models.PROTECT, related_name="seated_agencies"
    )
    served_regions = models.ManyToManyField(
        Region, verbose_name=_("regions served"), related_name="serving_agencies", blank=True
    )
    phone = models.CharField(_("duty phone"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region__code", "kind", "name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="agency_name_unique_in_region")
        ]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    """What the platform keeps about a person beyond the login. Personal data: masked by default."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    real_name = models.CharField(_("real name"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    # GB 11643 ID number: encrypted at rest; the keyed hash allows exact lookup without decrypting.
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

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


class Membership(models.Model):
    """A user's role in an agency. One person may hold several (a station chief who is also deputy
    township head); jurisdiction is the union of what the memberships cover."""

    class Role(models.TextChoices):
        OFFICER = "officer", _("Police officer")
        AUXILIARY = "auxiliary", _("Auxiliary officer")
        COMMANDER = "commander", _("Shift commander")
        GRID_WORKER = "grid_worker", _("Grid worker")
        VILLAGE_CADRE = "village_cadre", _("Village cadre")
        TOWNSHIP_OFFICIAL = "township_official", _("Township official")
        MEDIATOR = "mediator", _("Mediator")
        COUNTY_ADMIN = "county_admin", _("County administrator")
        VOLUNTEER = "volunteer", _("Volunteer police")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    # Narrows the jurisdiction below what the agency serves (a grid worker's village, say).
    scope = models.ForeignKey(
        Region,
        verbose_name=_("scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scoped_memberships",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id", "agency_id", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="membership_unique_role_in_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.agency} · {self.get_role_display()}"
