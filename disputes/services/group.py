"""Group disputes: one case with many parties (a gym's prepaid cards, wages of a building site),
imported from a spreadsheet, and the progress of each party."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import Dispute, Party, Tier
from disputes.selectors import user_may_manage, user_may_mediate
from disputes.services.common import locked, record_event
from disputes.services.registration import GROUP_PARTIES, PartyInput, clean_party, party_rows
from governance.actors import Actor
from governance.errors import InvalidTransition, PermissionDenied, ValidationFailed
from governance.spreadsheets import read_table

# Column titles accepted in the first row, in English or Chinese.
PARTY_COLUMNS = {
    "role": "role",
    "角色": "role",
    "kind": "kind",
    "类型": "kind",
    "name": "name",
    "姓名": "name",
    "名称": "name",
    "phone": "phone",
    "手机": "phone",
    "手机号": "phone",
    "id_number": "id_number",
    "身份证号": "id_number",
    "household_code": "household_code",
    "户号": "household_code",
    "village_code": "village_code",
    "村代码": "village_code",
    "claim_amount": "claim_amount",
    "诉求金额": "claim_amount",
    "金额": "claim_amount",
    "note": "note",
    "备注": "note",
}
ROLE_WORDS = {"申请人": "applicant", "被申请人": "respondent", "第三人": "third"}
KIND_WORDS = {"个人": "person", "单位": "organisation", "组织": "organisation", "政府": "government"}
MAX_PARTIES = 5000


def group_parties_import(
    *, actor: Actor, dispute: Dispute, file_name: str, content: bytes, now: datetime | None = None
) -> int:
    """Add the parties listed in a CSV or XLSX file. Every row is checked first; if any row is
    wrong, the errors are reported by line and nothing is added. Returns how many were added.

    The file is read and its rows checked before the case is locked: reading and refusing a
    large upload must not keep every other act on the case waiting. Who may import, and whether
    the case is open, is asked before the file is read, and again under the lock."""
    _may_import(actor, dispute)
    rows = read_table(name=file_name, content=content, headers=PARTY_COLUMNS, max_rows=MAX_PARTIES)
    parties = _parties_of(dispute, rows)
    return _group_parties_add(actor=actor, dispute=dispute, parties=parties, now=now or timezone.now())


def _may_import(actor: Actor, dispute: Dispute) -> None:
    if not user_may_mediate(actor, dispute):
        raise PermissionDenied(_("You may not add parties to this case."))
    if not dispute.is_open:
        raise InvalidTransition(_("The case has ended."))


def _parties_of(dispute: Dispute, rows: list[tuple[int, dict[str, str]]]) -> list[Party]:
    """The rows as parties to add (validated, encrypted), or every row's problem at once."""
    problems: list[str] = []
    cleaned = []
    seen_ids: dict[str, int] = {}
    for line, row in rows:
        role = ROLE_WORDS.get(row.get("role", ""), row.get("role", "") or "applicant")
        kind = KIND_WORDS.get(row.get("kind", ""), row.get("kind", "") or "person")
        party = clean_party(
            PartyInput(role=role, kind=kind, **{k: v for k, v in row.items() if k not in ("role", "kind")})
        )
        for name, messages in party.errors.items():
            problems.append(
                _("Line %(line)d, %(field)s: %(message)s")
                % {"line": line, "field": name, "message": " ".join(messages)}
            )
        if party.id_number and not party.errors:
            if party.id_number in seen_ids:
                problems.append(
                    _("Line %(line)d: the same ID number as line %(other)d.")
                    % {"line": line, "other": seen_ids[party.id_number]}
                )
            seen_ids[party.id_number] = line
        cleaned.append(party)
    if not cleaned:
        problems.append(_("The file lists no parties."))
    if problems:
        raise ValidationFailed(
            _("%(n)d problems in the file; nothing was imported.") % {"n": len(problems)},
            fields={"rows": problems[:200]},
        )
    return party_rows(dispute, cleaned)


@transaction.atomic
def _group_parties_add(*, actor: Actor, dispute: Dispute, parties: list[Party], now: datetime) -> int:
    dispute = locked(dispute)
    _may_import(actor, dispute)
    existing_hashes = set(dispute.parties.exclude(id_number_hash="").values_list("id_number_hash", flat=True))
    duplicates = [p for p in parties if p.id_number_hash and p.id_number_hash in existing_hashes]
    if duplicates:
        raise ValidationFailed(
            _("%(n)d rows are already parties to this case; nothing was imported.") % {"n": len(duplicates)},
            fields={
                "rows": [
                    _("%(name)s is already a party.") % {"name": p.masked_name} for p in duplicates[:200]
                ]
            },
        )
    Party.objects.bulk_create(parties, batch_size=1000)
    total = dispute.parties.count()
    update = ["people_involved", "updated_at"]
    dispute.people_involved = max(dispute.people_involved, total)
    if total >= GROUP_PARTIES and not dispute.is_group:
        dispute.is_group = dispute.key_case = True
        update += ["is_group", "key_case"]
    raised = False
    if dispute.is_group and dispute.tier < Tier.TOWNSHIP:
        dispute.tier = Tier.TOWNSHIP
        update.append("tier")
        raised = True
    dispute.save(update_fields=update)
    record_event(
        dispute=dispute,
        actor=actor,
        verb="parties_imported",
        at=now,
        data={"added": len(parties), "total": total},
    )
    if raised:
        record_event(
            dispute=dispute,
            actor=None,
            verb="escalated",
            at=now,
            note=_("five or more parties"),
            data={"to_tier": int(Tier.TOWNSHIP), "reasons": ["group"]},
        )
    return len(parties)


@transaction.atomic
def party_progress(
    *, actor: Actor, party: Party, progress: str, note: str = "", now: datetime | None = None
) -> Party:
    """Where one party of a group dispute stands (contacted, agreed, settled, withdrawn)."""
    now = now or timezone.now()
    dispute = locked(party.dispute_id)
    if not user_may_mediate(actor, dispute) and not user_may_manage(actor, dispute):
        raise PermissionDenied(_("You may not update this case."))
    if progress not in Party.Progress.values:
        raise ValidationFailed(_("Choose a progress."), fields={"progress": [_("Unknown progress.")]})
    party = Party.objects.select_for_update().get(pk=party.pk)
    if party.progress == progress:
        return party
    before = party.progress
    party.progress = progress
    if note:
        party.note = note.strip()[:300]
    party.save(update_fields=["progress", "note"])
    record_event(
        dispute=dispute,
        actor=actor,
        verb="party_progress",
        at=now,
        note=f"{party.masked_name}: {party.get_progress_display()}",
        data={"party": party.pk, "from": before, "to": progress},
    )
    return party
