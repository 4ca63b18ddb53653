"""Screening campaigns (排查): seasonal sweeps or ad hoc ones; villages and households given to
grid workers, visits recorded from the phone, findings turned into disputes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import Dispute, ScreeningAssignment, ScreeningCampaign, ScreeningVisit
from disputes.selectors import user_may_register, user_may_run_campaigns
from disputes.services.common import person, require_text
from disputes.services.registration import PartyInput, dispute_register
from governance.actors import Actor
from governance.errors import PermissionDenied, ValidationFailed
from governance.idempotency import idempotent
from governance.models import Region
from governance.services.audit import audit_record


@transaction.atomic
def campaign_create(
    *,
    actor: Actor,
    name: str,
    season: str,
    region: Region,
    starts_on: date,
    ends_on: date,
    focus: str = "",
) -> ScreeningCampaign:
    if not user_may_run_campaigns(actor, region):
        raise PermissionDenied(_("You may not run campaigns in this area."))
    errors: dict[str, list[str]] = {}
    name = require_text(errors, "name", name, limit=100)
    focus = require_text(errors, "focus", focus, limit=300, required=False)
    if season not in ScreeningCampaign.Season.values:
        errors["season"] = [_("Choose a season.")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("The campaign must end after it starts.")]
    if errors:
        raise ValidationFailed(_("The campaign is not valid."), fields=errors)
    campaign = ScreeningCampaign.objects.create(
        name=name,
        season=season,
        region=region,
        starts_on=starts_on,
        ends_on=ends_on,
        focus=focus,
        created_by=person(actor),
    )
    audit_record(actor=actor, verb="screening.campaign_create", target=campaign)
    return campaign


@transaction.atomic
def campaign_assign(
    *, actor: Actor, campaign: ScreeningCampaign, village: Region, worker: User, households: int
) -> ScreeningAssignment:
    """Give a village of the campaign's area to a grid worker. Giving it twice changes nothing."""
    if not user_may_run_campaigns(actor, campaign.region):
        raise PermissionDenied(_("You may not run this campaign."))
    errors: dict[str, list[str]] = {}
    if village.level != Region.Level.VILLAGE or not village.path.startswith(campaign.region.path):
        errors["village"] = [_("Choose a village inside the campaign's area.")]
    if not user_may_register(worker, village):
        errors["worker"] = [_("This person does not work in the village.")]
    if not 1 <= households <= 100_000:
        errors["households"] = [_("Enter between 1 and 100,000 households.")]
    if errors:
        raise ValidationFailed(_("The assignment is not valid."), fields=errors)
    try:
        with transaction.atomic():
            assignment = ScreeningAssignment.objects.create(
                campaign=campaign, village=village, worker=worker, households=households
            )
    except IntegrityError:
        return ScreeningAssignment.objects.get(campaign=campaign, village=village, worker=worker)
    audit_record(actor=actor, verb="screening.assign", target=assignment)
    return assignment


@transaction.atomic
def visit_record(
    *,
    actor: Actor,
    assignment: ScreeningAssignment,
    household: str,
    result: str,
    note: str = "",
    category: str = "",
    summary: str = "",
    parties: Sequence[PartyInput] = (),
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> ScreeningVisit:
    """A household visited. A finding becomes a dispute on the campaign (channel: screening).
    The grid worker's own ``idempotency_key`` again with the same visit returns the first (and its
    case); with another visit it is refused (``governance.idempotency``)."""
    now = now or timezone.now()
    if assignment.worker_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the grid worker given this village records its visits."))
    body = {
        "assignment": assignment,
        "household": household,
        "result": result,
        "note": note,
        "category": category,
        "summary": summary,
        "parties": list(parties),
    }

    def record() -> ScreeningVisit:
        errors: dict[str, list[str]] = {}
        household_text = require_text(errors, "household", household, limit=100)
        note_text = require_text(errors, "note", note, limit=500, required=False)
        if result not in ScreeningVisit.Result.values:
            errors["result"] = [_("Choose what the visit found.")]
        if errors:
            raise ValidationFailed(_("The visit is not valid."), fields=errors)
        dispute: Dispute | None = None
        if result == ScreeningVisit.Result.FINDING:
            # Inside the visit's own key: a retried visit never reaches here twice.
            dispute, _created = dispute_register(
                actor=actor,
                channel=Dispute.Channel.SCREENING,
                category=category,
                village_code=assignment.village.code,
                summary=summary,
                description=note_text,
                parties=parties,
                campaign_id=assignment.campaign_id,
                now=now,
            )
        visit = ScreeningVisit.objects.create(
            assignment=assignment,
            household=household_text,
            visited_at=now,
            result=result,
            note=note_text,
            dispute=dispute,
        )
        audit_record(actor=actor, verb="screening.visit", target=visit)
        return visit

    visit, _created = idempotent(
        actor=actor, operation="disputes.screening.visit", key=idempotency_key, body=body, run=record
    )
    return visit
