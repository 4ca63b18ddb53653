"""The disputes' share of the benchmark city (``governance.citygen``): a year of disputes
with their parties and follow-up visits, generated inside PostgreSQL."""

# ruff: noqa: S608 (the SQL is assembled from this module's constants, integers and dates, never from input)
from __future__ import annotations

from django.db import connection

from disputes.models import Dispute, FollowUp, Party
from governance.citygen import SURNAMES, City, insert_select

# Its place among the apps' parts (governance.contributions): after the stations' alerts and
# before the volunteers' tasks, the order a seed's city was first generated in.
ORDER = 20

DISPUTE_STATUSES = {
    "closed": 70, "terminated": 6, "not_accepted": 5, "referred_police": 2, "performing": 3, "follow_up": 3,
    "breach": 1, "in_mediation": 3, "assigned": 2, "accepted": 1, "triaged": 1, "registered": 1,
    "agreement": 1, "reopened": 1,
}  # fmt: skip
ENDED_DISPUTE_STATUSES = ("closed", "terminated", "not_accepted", "referred_police")
DISPUTE_CATEGORIES = {
    "neighbour": 24, "family": 18, "land": 10, "labour": 9, "medical": 3, "property": 8, "lending": 8,
    "consumer": 6, "traffic": 8, "ecological": 2, "other": 4,
}  # fmt: skip
DISPUTE_CHANNELS = {
    "police_work": 25,
    "alert": 30,
    "visit": 25,
    "online": 5,
    "screening": 8,
    "court": 4,
    "petition": 3,
}


def build_history(city: City) -> None:
    """A year of disputes with two parties each, and follow-up visits of the resolved ones."""
    h = city.h
    ended = str(ENDED_DISPUTE_STATUSES)
    resolved = "('closed', 'performing', 'follow_up', 'breach', 'agreement')"
    # A case registered more than a year ago has ended, whatever the mix of this year's.
    ended_mix = {k: v for k, v in DISPUTE_STATUSES.items() if k in ENDED_DISPUTE_STATUSES}
    source = (
        f"(SELECT y.*, CASE WHEN y.at < '{city.now.isoformat()}'::timestamptz - interval '1 year'"
        f" THEN {h.pick('y.g', 31, ended_mix)} ELSE {h.pick('y.g', 31, DISPUTE_STATUSES)} END AS status"
        f" FROM (SELECT g, {city.at('g', 30)} AS at,"
        f" CASE WHEN {h('g', 32, 100)} < 64 THEN 1 WHEN {h('g', 32, 100)} < 92 THEN 2"
        f"      WHEN {h('g', 32, 100)} < 99 THEN 3 ELSE 4 END AS tier"
        f" FROM generate_series(1, {city.size.disputes}) g) y) x JOIN {city.pick('x.g', 33)}"
    )
    open_deadline = {1: "3 days", 2: "7 days", 3: "15 days", 4: "30 days"}
    deadline = (
        "CASE x.tier " + " ".join(f"WHEN {t} THEN interval '{d}'" for t, d in open_deadline.items()) + " END"
    )
    disputes = insert_select(
        connection, Dispute, {
            "number": f"'CG{city.now:%Y}' || lpad(x.g::text, 7, '0')",
            "channel": h.pick("x.g", 34, DISPUTE_CHANNELS),
            "category": h.pick("x.g", 35, DISPUTE_CATEGORIES),
            "village_id": "p.village", "county_id": "p.county",
            "summary": f"(ARRAY['邻里通行纠纷','家庭矛盾','宅基地界址纠纷','欠薪纠纷','物业费纠纷','民间借贷纠纷',"
                       f"'交通事故赔偿纠纷','消费退款纠纷'])[1 + {h('x.g', 36, 8)}]",
            "people_involved": f"2 + {h('x.g', 37, 4)}",
            "risk": f"(ARRAY['blue','blue','blue','blue','blue','blue','yellow','yellow','orange','red'])[1 + {h('x.g', 38, 10)}]",
            "status": "x.status", "tier": "x.tier",
            "registered_at": "x.at", "created_at": "x.at", "updated_at": "x.at",
            "accepted_at": "CASE WHEN x.status NOT IN ('registered', 'triaged', 'not_accepted', 'referred_police')"
                           " THEN x.at + interval '1 day' END",
            "tier_deadline": f"CASE WHEN x.status NOT IN {ended} THEN x.at + {deadline} END",
            "escalations": "x.tier - 1",
            "resolved_at": f"CASE WHEN x.status IN {resolved} THEN x.at + interval '5 days' END",
            "resolved_tier": f"CASE WHEN x.status IN {resolved} THEN x.tier END",
            "closed_at": f"CASE WHEN x.status IN {ended} THEN x.at + interval '20 days' END",
        }, source,
    )  # fmt: skip
    city.step("disputes", disputes)
    surname = f"substr('{SURNAMES}', 1 + {{}}, 1)"
    parties = insert_select(
        connection, Party, {
            "dispute_id": "d.id", "role": "r.role", "kind": "'person'", "village_id": "d.village_id",
            "name": surname.format(h("d.id * 3 + r.n", 40, len(SURNAMES))) + " || '某'",
            "consented_at": "d.accepted_at", "rights_informed_at": "d.accepted_at",
            "created_at": "d.registered_at",
        },
        "disputes_dispute d, (VALUES (1, 'applicant'), (2, 'respondent')) r(n, role)",
    )  # fmt: skip
    city.step("dispute parties", parties)
    visitor = city.users["city_admin"].pk
    followups = insert_select(
        connection, FollowUp, {
            "dispute_id": "d.id", "visited_at": "d.resolved_at + interval '10 days'", "visited_by_id": str(visitor),
            "satisfaction": f"CASE WHEN {h('d.id', 41, 10)} < 7 THEN 5 ELSE 2 + {h('d.id', 42, 3)} END",
            "recurred": f"{h('d.id', 43, 20)} = 0",
        },
        "disputes_dispute d WHERE d.status IN ('closed', 'follow_up') AND d.resolved_at IS NOT NULL",
    )  # fmt: skip
    city.step("dispute follow-ups", followups)
