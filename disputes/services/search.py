"""Searching the ledger by a party's full ID number or phone.

Such a search answers whether that person is a party, and a mask (``330802********1234``)
leaves few enough ID numbers to try one by one: an exact search is an unmasking. It needs the
unmask right over the case, a reason (the rule of every unmasking), is counted per person and
logged as an access to personal data (PIPL art. 51), like ``party_unmask``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from disputes.models import Dispute
from disputes.selectors import LedgerQuery, exact_party_term, parties_unmaskable_by, user_may_search_parties
from governance.actors import Actor
from governance.errors import PermissionDenied
from governance.pii import mask_id_number, mask_phone, pii_lookup_hash
from governance.services.people import (
    personal_data_search_admit,
    unmask_reason,
    unmask_record,
    unmask_record_many,
)

EXACT_FIELDS = ("phone", "id_number")


def exact_search_refusal() -> str:
    """Why a full ID number or phone found nothing personal (shown on the ledger)."""
    return _("Exact search by ID number or phone needs the unmask right and a reason.")


@transaction.atomic
def party_exact_search(*, actor: Actor, field: str, value: str, reason: str) -> frozenset[int]:
    """The ids of the cases with a party whose ``field`` (``phone`` or ``id_number``, normalised)
    is ``value``, among the cases whose parties ``actor`` may unmask; every party found is logged
    as seen, and a search that finds nobody is logged too."""
    if not user_may_search_parties(actor):
        raise PermissionDenied(exact_search_refusal())
    reason = unmask_reason(field=field, fields=EXACT_FIELDS, reason=reason)
    personal_data_search_admit(actor=actor)
    lookup = pii_lookup_hash(value)
    hashed = Q(phone_hash=lookup) if field == "phone" else Q(id_number_hash=lookup)
    found = list(
        parties_unmaskable_by(actor).filter(hashed).select_related("dispute").order_by("dispute_id", "id")
    )
    shown = mask_phone(value) if field == "phone" else mask_id_number(value)
    unmask_record_many(
        actor=actor, model=Dispute, reason=reason,
        items=[(party.dispute, f"party:{party.pk}:{field}", shown) for party in found],
    )  # fmt: skip
    if not found:
        unmask_record(actor=actor, target=None, field=f"search:{field}", shown=shown, reason=reason)
    return frozenset(p.dispute_id for p in found)


@dataclass(frozen=True)
class LedgerSearch:
    """The ledger query to run, and why a full ID number or phone found nothing personal."""

    query: LedgerQuery
    refusal: str = ""


def ledger_search(*, actor: Actor, query: LedgerQuery) -> LedgerSearch:
    """The ledger's search as asked, with an exact search by personal data run (and logged) when
    the actor holds the right and gave a reason; else that search matches nothing, and says why.
    A reason that is no reason, or one search too many, is refused (``ValidationFailed`` on the
    reason, ``Throttled``)."""
    exact = exact_party_term(query.q)
    if exact is None:
        return LedgerSearch(query)
    if not user_may_search_parties(actor) or not query.reason.strip():
        return LedgerSearch(query, refusal=exact_search_refusal())
    field, value = exact
    found = party_exact_search(actor=actor, field=field, value=value, reason=query.reason)
    return LedgerSearch(replace(query, party_cases=found))
