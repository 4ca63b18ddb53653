"""Opening a case from any discovery channel, its parties, and the alerts attached to it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.models import Category, Dispute, Party, Tier
from disputes.selectors import (
    user_may_mediate,
    user_may_register,
)
from disputes.services.common import locked, record_event, require_text
from governance.actors import Actor, user_of
from governance.background import on_commit_delay
from governance.errors import InvalidTransition, PermissionDenied, ValidationFailed
from governance.idempotency import idempotent
from governance.models import Grid, Region
from governance.models.regions import path_ancestors
from governance.pii import pii_encrypt, pii_lookup_hash, validate_mobile, validate_resident_id

# Escalation triggers (DESIGN.md section 6): five or more parties make a group dispute.
GROUP_PARTIES = 5


# --- registration -----------------------------------------------------------------------------


@dataclass
class PartyInput:
    role: str
    name: str
    kind: str = Party.Kind.PERSON
    phone: str = ""
    id_number: str = ""
    household_code: str = ""
    village_code: str = ""
    claim_amount: Any = None
    note: str = ""


@dataclass
class _CleanParty:
    role: str
    kind: str
    name: str
    phone: str
    id_number: str
    household_code: str
    village: Region | None
    claim_amount: Decimal | None
    note: str
    errors: dict[str, list[str]] = field(default_factory=dict)


def clean_party(data: PartyInput) -> _CleanParty:
    """Validate one party; errors keyed by field name (for forms, the API and spreadsheet rows)."""
    errors: dict[str, list[str]] = {}
    if data.role not in Party.Role.values:
        errors["role"] = [_("Choose applicant, respondent or third party.")]
    if data.kind not in Party.Kind.values:
        errors["kind"] = [_("Choose person, organisation or government body.")]
    name = require_text(errors, "name", data.name, limit=100)
    phone = ""
    if (data.phone or "").strip():
        try:
            phone = validate_mobile(data.phone)
        except ValidationError as exc:
            errors["phone"] = list(exc.messages)
    id_number = ""
    if (data.id_number or "").strip():
        try:
            id_number = validate_resident_id(data.id_number)
        except ValidationError as exc:
            errors["id_number"] = list(exc.messages)
    village = None
    if data.village_code:
        village = Region.objects.filter(code=data.village_code, level=Region.Level.VILLAGE).first()
        if village is None:
            errors["village"] = [_("No village has this code.")]
    claim = None
    if data.claim_amount not in (None, ""):
        try:
            claim = Decimal(str(data.claim_amount))
            if claim < 0 or claim >= Decimal("1e12"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["claim_amount"] = [_("Enter an amount in yuan between 0 and 999,999,999,999.")]
    household = require_text(errors, "household_code", data.household_code, limit=30, required=False)
    note = require_text(errors, "note", data.note, limit=300, required=False)
    return _CleanParty(data.role, data.kind, name, phone, id_number, household, village, claim, note, errors)


def party_rows(dispute: Dispute, parties: Iterable[_CleanParty]) -> list[Party]:
    rows = []
    for p in parties:
        rows.append(
            Party(
                dispute=dispute,
                role=p.role,
                kind=p.kind,
                name=p.name,
                phone_encrypted=pii_encrypt(p.phone) if p.phone else "",
                phone_hash=pii_lookup_hash(p.phone) if p.phone else "",
                id_number_encrypted=pii_encrypt(p.id_number) if p.id_number else "",
                id_number_hash=pii_lookup_hash(p.id_number) if p.id_number else "",
                household_code=p.household_code,
                village=p.village,
                claim_amount=p.claim_amount,
                note=p.note,
            )
        )
    return rows


def escalation_triggers(dispute: Dispute, parties: Sequence[Party]) -> list[str]:
    """Why a case must be handled above the village at once (DESIGN.md section 6)."""
    reasons = []
    if dispute.risk == Dispute.Risk.RED:
        reasons.append("red_risk")
    if len(parties) >= GROUP_PARTIES or dispute.people_involved >= GROUP_PARTIES:
        reasons.append("group")
    villages = {p.village_id for p in parties if p.village_id} | {dispute.village_id}
    if len(villages) > 1:
        reasons.append("cross_village")
    if dispute.government_party or any(p.kind == Party.Kind.GOVERNMENT for p in parties):
        reasons.append("government_party")
    return reasons


# Why a case went up a tier: the one list. A person escalates for any of them but ``time_box``,
# which only the escalation sweep records (services/deadlines.py).
TRIGGERS = {
    "party_request": gettext_lazy("a party's request"),
    "red_risk": gettext_lazy("red risk"),
    "group": gettext_lazy("five or more parties"),
    "cross_village": gettext_lazy("parties in more than one village"),
    "government_party": gettext_lazy("a government body is a party"),
    "time_box": gettext_lazy("the tier's time box passed"),
}
SYSTEM_TRIGGERS = ("time_box",)
PERSON_TRIGGERS = [(code, label) for code, label in TRIGGERS.items() if code not in SYSTEM_TRIGGERS]


def trigger_label(code: str) -> str:
    return str(TRIGGERS.get(code, code))


def tier_for_triggers(reasons: Sequence[str]) -> int:
    if "red_risk" in reasons:
        return Tier.COUNTY
    if reasons:
        return Tier.TOWNSHIP
    return Tier.VILLAGE


def dispute_register(
    *,
    actor: Actor,
    channel: str,
    category: str,
    village_code: str,
    summary: str,
    parties: Sequence[PartyInput],
    description: str = "",
    amount: Any = 0,
    people_involved: int | None = None,
    risk: str = Dispute.Risk.BLUE,
    government_party: bool = False,
    grid_id: int | None = None,
    source_alert_id: int | None = None,
    campaign_id: int | None = None,
    owner_agency_id: int | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    check_permission: bool = True,
    notify: bool = True,
) -> tuple[Dispute, bool]:
    """Open a case from any discovery channel. Returns (case, created); the registrar's own
    ``idempotency_key`` again with the same case returns the first case and writes nothing, with
    another case it is refused (``governance.idempotency``, looked up once the registrar may
    register in the village). ``notify=False`` is for back-filling history: nobody is told of an
    old case."""
    body = {
        "channel": channel,
        "category": category,
        "village_code": village_code,
        "summary": summary,
        "description": description,
        "parties": list(parties),
        "amount": amount,
        "people_involved": people_involved,
        "risk": risk,
        "government_party": government_party,
        "grid_id": grid_id,
        "source_alert_id": source_alert_id,
        "campaign_id": campaign_id,
        "owner_agency_id": owner_agency_id,
    }
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if channel not in Dispute.Channel.values:
        errors["channel"] = [_("Choose how the dispute was found.")]
    if category not in Category.values:
        errors["category"] = [_("Choose a category.")]
    if risk not in Dispute.Risk.values:
        errors["risk"] = [_("Choose red, orange, yellow or blue.")]
    summary = require_text(errors, "summary", summary, limit=200)
    description = require_text(errors, "description", description, limit=4000, required=False)
    village = Region.objects.filter(code=(village_code or "").strip(), level=Region.Level.VILLAGE).first()
    if village is None:
        errors["village"] = [_("Choose a village.")]
    try:
        amount_value = Decimal(str(amount or 0))
        if amount_value < 0 or amount_value >= Decimal("1e12"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["amount"] = [_("Enter an amount in yuan between 0 and 999,999,999,999.")]
        amount_value = Decimal(0)
    if people_involved is not None and not (1 <= int(people_involved) <= 1_000_000):
        errors["people_involved"] = [_("Enter a number of people between 1 and 1,000,000.")]
    cleaned = [clean_party(p) for p in parties]
    party_errors = {str(i): c.errors for i, c in enumerate(cleaned) if c.errors}
    if party_errors:
        errors["parties"] = [
            f"{int(i) + 1}: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in e.items())
            for i, e in party_errors.items()
        ]
    roles = {c.role for c in cleaned}
    # A case opened from alerts may not know the other side yet; it is added before acceptance.
    if (
        channel != Dispute.Channel.ALERT
        and not party_errors
        and not {Party.Role.APPLICANT, Party.Role.RESPONDENT} <= roles
    ):
        errors.setdefault("parties", []).append(_("Name at least one applicant and one respondent."))
    grid = None
    if grid_id is not None and village is not None:
        grid = Grid.objects.filter(pk=grid_id, village=village).first()
        if grid is None:
            errors["grid"] = [_("This grid is not in the village.")]
    if errors:
        raise ValidationFailed(_("The dispute is not valid."), fields=errors)
    assert village is not None
    if check_permission and actor is not None and not user_may_register(actor, village):
        raise PermissionDenied(_("You may not register disputes for this village."))
    return idempotent(
        actor=actor,
        operation="disputes.dispute.register",
        key=idempotency_key,
        body=body,
        run=lambda: _register_write(
            actor=actor,
            channel=channel,
            category=category,
            village=village,
            grid=grid,
            summary=summary,
            description=description,
            amount=amount_value,
            people_involved=people_involved or max(len(cleaned), 2),
            risk=risk,
            government_party=government_party,
            cleaned=cleaned,
            source_alert_id=source_alert_id,
            campaign_id=campaign_id,
            owner_agency_id=owner_agency_id,
            now=now,
            notify=notify,
        ),
    )


def _register_write(
    *,
    actor: Actor,
    village: Region,
    cleaned: list[_CleanParty],
    now: datetime,
    notify: bool,
    **values: Any,
) -> Dispute:
    county = Region.objects.filter(path__in=path_ancestors(village.path), level=Region.Level.COUNTY).first()
    dispute = Dispute.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:24]}",
        village=village,
        county=county or village,
        registered_by=user_of(actor),
        registered_at=now,
        **values,
    )
    # The case number is readable and dated: 调 + year + a running number.
    dispute.number = f"TJ{now.astimezone(timezone.get_current_timezone()):%Y}{dispute.pk:07d}"
    parties = Party.objects.bulk_create(party_rows(dispute, cleaned))
    reasons = escalation_triggers(dispute, parties)
    dispute.tier = tier_for_triggers(reasons)
    dispute.is_group = "group" in reasons
    dispute.key_case = dispute.tier >= Tier.COUNTY or dispute.is_group
    dispute.save(update_fields=["number", "tier", "is_group", "key_case", "updated_at"])
    record_event(
        dispute=dispute,
        actor=actor,
        verb="registered",
        at=now,
        data={"channel": dispute.channel, "parties": len(parties), "triggers": reasons},
    )
    if reasons:
        record_event(
            dispute=dispute,
            actor=None,
            verb="escalated",
            at=now,
            note=", ".join(trigger_label(r) for r in reasons),
            data={"to_tier": dispute.tier, "reasons": reasons},
        )
    if notify:
        on_commit_delay("disputes.notify_registered", dispute.pk)
    return dispute


@transaction.atomic
def party_add(*, actor: Actor, dispute: Dispute, party: PartyInput, now: datetime | None = None) -> Party:
    """Add a party to an open case (the other side of a case opened from alerts, a third party)."""
    now = now or timezone.now()
    dispute = locked(dispute)
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not add parties to this case."))
    cleaned = clean_party(party)
    if cleaned.errors:
        raise ValidationFailed(_("The party is not valid."), fields=cleaned.errors)
    if not dispute.is_open:
        raise InvalidTransition(_("The case has ended."))
    row = party_rows(dispute, [cleaned])[0]
    if row.id_number_hash and dispute.parties.filter(id_number_hash=row.id_number_hash).exists():
        raise ValidationFailed(
            _("This person is already a party."), fields={"id_number": [_("This person is already a party.")]}
        )
    row.save()
    record_event(
        dispute=dispute, actor=actor, verb="party_added", at=now, note=row.masked_name, data={"party": row.pk}
    )
    return row


@transaction.atomic
def dispute_attach_alert(
    *, dispute_id: int, alert_id: int, summary: str, now: datetime | None = None
) -> bool:
    """Note a further alert on an open case (a repeat call about the same matter). False if the
    case has ended, so that the caller opens a new one."""
    now = now or timezone.now()
    dispute = Dispute.objects.select_for_update().filter(pk=dispute_id).first()
    if dispute is None or not dispute.is_open:
        return False
    if dispute.events.filter(verb="alert_attached", data__alert=alert_id).exists():
        return True
    record_event(
        dispute=dispute,
        actor=None,
        verb="alert_attached",
        at=now,
        note=summary[:200],
        data={"alert": alert_id},
    )
    return True
