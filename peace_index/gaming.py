"""A guard against gaming the peace index, for review only: the villages of a township whose own
reported disputes fell while 110 calls about disputes from the same village rose.

A village must never be rewarded for not reporting (DESIGN.md section 7). The score already
counts harm rather than reports, but a village could still keep quiet and let its disputes reach
the police as 110 calls instead. This module only points at such villages for the township
official to look at: it is never an input of the score and changes no stored row.

Reads only, set-based: one aggregate query per source (the village's own disputes, the 110
dispute calls) for all villages of the township, plus one for the flagged villages' names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from disputes.models import Dispute
from governance.models import Region
from governance.months import add_months
from peace_index.compute import window
from stations.models import Alert

# The thresholds, in one place.
#
# Two windows of three months: the quarter ending with the month against the quarter before it.
# One month is too noisy for counts this small; a quarter against the one before still shows a
# change within the season.
WINDOW_MONTHS = 3
# The village's own reporting: disputes its grid workers and cadres found on their household
# visits (``visit``, also the default of the register form used by the village and its mediation
# committee) and on the screening campaigns' visits they record (``screening``). Not ``alert``
# (a case opened from a 110 or other alert: that is the call side, counted separately),
# ``police_work`` (found by the station), ``online``, ``court`` or ``petition`` (found outside
# the village): none of these shows whether the village itself reports.
OWN_CHANNELS = (Dispute.Channel.VISIT, Dispute.Channel.SCREENING)
# Dispute calls must rise by at least 3 AND by at least 50% before a village is flagged. Calls
# are rare, Poisson-like counts: without the absolute minimum a village going from 0 to 1 or
# 1 to 2 calls (a "100% rise" that happens by chance every quarter somewhere) would be flagged;
# without the relative one a large village going from 40 to 43 (a third of the ~9 standard
# deviation of the difference of two such counts) would be. Any fall of the own reports counts:
# the calls decide.
MIN_CALL_RISE = 3
MIN_CALL_RISE_SHARE = 0.5


@dataclass(frozen=True)
class GamingFlag:
    """A village to look at: its own reported disputes and its 110 dispute calls, the quarter
    before (``*_before``) and the quarter ending with the month (``*_after``)."""

    village: Region
    own_before: int
    own_after: int
    calls_before: int
    calls_after: int
    reason: str


@dataclass(frozen=True)
class GamingReview:
    """The township's flagged villages for the month, with the rule that flagged them (for the
    page to state it)."""

    flags: list[GamingFlag]
    window_months: int = WINDOW_MONTHS
    min_call_rise: int = MIN_CALL_RISE
    min_call_rise_percent: int = round(MIN_CALL_RISE_SHARE * 100)

    @property
    def village_ids(self) -> set[int]:
        return {f.village.pk for f in self.flags}


def is_flagged(*, own_before: int, own_after: int, calls_before: int, calls_after: int) -> bool:
    """Own reports fell and dispute calls rose by at least the minimum, absolute and relative."""
    return (
        own_after < own_before
        and calls_after - calls_before >= MIN_CALL_RISE
        and calls_after >= calls_before * (1 + MIN_CALL_RISE_SHARE)
    )


def gaming_review(township: Region, month: date) -> GamingReview:
    """The villages of ``township`` flagged for review for ``month``, by village code. The
    windows are local (Asia/Shanghai) months, as the score's window (``compute.window``)."""
    since, split = window(add_months(month, -WINDOW_MONTHS), WINDOW_MONTHS)
    until = window(month, WINDOW_MONTHS)[1]
    villages = Region.objects.filter(parent=township, level=Region.Level.VILLAGE).values("id")

    def halves(at: str) -> dict[str, Count]:
        return {
            "before": Count("id", filter=Q(**{f"{at}__lt": split})),
            "after": Count("id", filter=Q(**{f"{at}__gte": split})),
        }

    own = {
        r["village_id"]: (r["before"], r["after"])
        for r in Dispute.objects.filter(
            village__in=villages,
            channel__in=OWN_CHANNELS,
            registered_at__gte=since,
            registered_at__lt=until,
        )
        .values("village_id")
        .annotate(**halves("registered_at"))
    }
    # The peace index dates an alert by its arrival (``received_at``) and does not count a
    # duplicate of the same event (merged within 200 m and 30 min): one event called in five
    # times is one dispute, and must not trip the flag alone.
    calls = {
        r["village_id"]: (r["before"], r["after"])
        for r in Alert.objects.filter(
            village__in=villages,
            channel=Alert.Channel.CALL_110,
            category=Alert.Category.DISPUTE,
            duplicate_of__isnull=True,
            received_at__gte=since,
            received_at__lt=until,
        )
        .values("village_id")
        .annotate(**halves("received_at"))
    }

    counts = {
        vid: (*own.get(vid, (0, 0)), *calls.get(vid, (0, 0)))
        for vid in calls  # no call, no rise: only villages with calls can be flagged
    }
    flagged = {
        vid: c
        for vid, c in counts.items()
        if is_flagged(own_before=c[0], own_after=c[1], calls_before=c[2], calls_after=c[3])
    }
    if not flagged:
        return GamingReview(flags=[])
    first, last = add_months(month, 1 - WINDOW_MONTHS), month
    out = []
    for village in Region.objects.filter(pk__in=flagged).order_by("code"):
        own_before, own_after, calls_before, calls_after = flagged[village.pk]
        reason = _(
            "Disputes the village reported itself fell from %(own_before)d to %(own_after)d while "
            "110 calls about disputes from it rose from %(calls_before)d to %(calls_after)d "
            "(%(first)s to %(last)s against the %(months)d months before)."
        ) % {
            "own_before": own_before,
            "own_after": own_after,
            "calls_before": calls_before,
            "calls_after": calls_after,
            "first": f"{first:%Y-%m}",
            "last": f"{last:%Y-%m}",
            "months": WINDOW_MONTHS,
        }
        out.append(
            GamingFlag(
                village=village,
                own_before=own_before,
                own_after=own_after,
                calls_before=calls_before,
                calls_after=calls_after,
                reason=reason,
            )
        )
    return GamingReview(flags=out)
