"""Recognising the same event twice, repeat calls and risk (DESIGN.md section 4).

- Same event: same category, within 200 m (or the same village and address) and 30 minutes,
  while the first alert's order is open: the new call is merged into it.
- Repeat: same place (within 50 m, or the same village and address) or the same caller (phone
  hash), same category, within 30 days: flagged. The third time, or twice in 7 days: a dispute
  case is needed, with the station as owner until the disputes desk takes it.
- Five in 90 days, or risk words in the report: red risk, escalated to the shift commander.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q

from governance.geo import distance_m
from governance.models import Region
from stations.models import Alert, DispatchOrder

MERGE_WINDOW = timedelta(minutes=30)
MERGE_DISTANCE_M = 200
REPEAT_WINDOW = timedelta(days=30)
REPEAT_DISTANCE_M = 50
DISPUTE_SHORT_WINDOW = timedelta(days=7)
RED_WINDOW = timedelta(days=90)
RED_COUNT = 5
# Words that make any report red at once (a weapon, self-harm, a threat).
RISK_WORDS = (
    "刀",
    "砍",
    "杀",
    "自杀",
    "跳楼",
    "跳河",
    "喝药",
    "威胁",
    "报复",
    "枪",
    "knife",
    "suicide",
    "threat",
    "kill",
    "gun",
)
# About 90 days of a 50 m neighbourhood: a degree of latitude is ~111 km.
_DEG_PER_M = 1 / 111_000


@dataclass
class Recognition:
    duplicate_of: Alert | None = None
    repeat_count: int = 0
    risk_level: str = ""
    reasons: list[str] = field(default_factory=list)
    needs_dispute_case: bool = False
    # The earlier alerts about the same matter in 30 days, newest first.
    related_ids: list[int] = field(default_factory=list)


def _same_place(
    a: Alert, *, village: Region, address: str, lng: float | None, lat: float | None, within_m: float
) -> bool:
    if lng is not None and lat is not None and a.lng is not None and a.lat is not None:
        return distance_m(lng, lat, a.lng, a.lat) <= within_m
    return a.village_id == village.pk and a.address.strip() == address.strip()


def recognise(
    *,
    category: str,
    village: Region,
    address: str,
    lng: float | None,
    lat: float | None,
    phone_hash: str,
    text: str,
    now: datetime,
) -> Recognition:
    """Look back 90 days for related alerts (one query on indexed columns) and decide."""
    # Only what could match: the same village and address, a small box around the point, or the
    # same caller; always the same category. Each branch is an indexed lookup.
    related = Q(village=village, address=address.strip())
    if lng is not None and lat is not None:
        d = MERGE_DISTANCE_M * _DEG_PER_M * 2
        related |= Q(village=village, lng__range=(lng - d, lng + d), lat__range=(lat - d, lat + d))
    if phone_hash:
        related |= Q(caller_phone_hash=phone_hash)
    earlier = list(
        Alert.objects.filter(
            related, category=category, received_at__gte=now - RED_WINDOW, received_at__lte=now
        )
        .select_related("order")
        .order_by("-received_at")[:500]
    )
    result = Recognition()
    lowered = text.lower()
    words = [w for w in RISK_WORDS if w in lowered]
    if words:
        result.risk_level = Alert.Risk.RED
        result.reasons.append("risk words: " + ", ".join(words))

    for a in earlier:
        if (
            a.category == category
            and a.duplicate_of_id is None
            and now - a.received_at <= MERGE_WINDOW
            and getattr(a, "order", None) is not None
            and a.order.status in DispatchOrder.OPEN
            and _same_place(a, village=village, address=address, lng=lng, lat=lat, within_m=MERGE_DISTANCE_M)
        ):
            result.duplicate_of = a
            return result  # the same event: the first alert carries the repeat and risk signals

    def linked(a: Alert) -> bool:
        return a.duplicate_of_id is None and (
            (bool(phone_hash) and a.caller_phone_hash == phone_hash)
            or _same_place(a, village=village, address=address, lng=lng, lat=lat, within_m=REPEAT_DISTANCE_M)
        )

    same_matter = [a for a in earlier if a.category == category and linked(a)]
    last_30 = [a for a in same_matter if now - a.received_at <= REPEAT_WINDOW]
    last_7 = [a for a in same_matter if now - a.received_at <= DISPUTE_SHORT_WINDOW]
    result.repeat_count = len(last_30)
    result.related_ids = [a.pk for a in last_30]
    if last_30:
        result.risk_level = result.risk_level or Alert.Risk.YELLOW
        result.reasons.append(f"repeat: {len(last_30)} earlier in 30 days")
    if len(last_30) >= 2 or last_7:
        result.needs_dispute_case = True
    if len(same_matter) + 1 >= RED_COUNT:
        result.risk_level = Alert.Risk.RED
        result.reasons.append(f"{len(same_matter) + 1} calls in 90 days")
    return result
