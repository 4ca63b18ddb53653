"""The stations' share of the benchmark city (``governance.citygen``): a few stations per
township covering its villages, then a year of alerts with their dispatch orders, generated
inside PostgreSQL."""

# ruff: noqa: S608 (the SQL is assembled from this module's constants, integers and dates, never from input)
from __future__ import annotations

from typing import Any

from django.db import connection

from governance.citygen import City, chunks, insert_select, split
from stations.models import Alert, DispatchOrder, Station

# Its place among the apps' parts (governance.contributions). The parts draw from the seed's one
# random stream (``city.rng``) in turn, so their order is part of the city a seed gives: the
# stations' come first.
ORDER = 10

ALERT_CHANNELS = {"110": 55, "12345": 20, "hotline": 5, "grid": 7, "walk_in": 5, "volunteer": 2, "online": 6}
ALERT_CATEGORIES = {
    "criminal": 8, "public_order": 20, "traffic": 22, "dispute": 24, "help": 16, "fire_disaster": 3,
    "non_police": 7,
}  # fmt: skip
# What an order younger than 90 minutes has reached.
ORDER_OPEN_MIX = {"dispatched": 20, "accepted": 20, "contacted": 20, "on_scene": 20, "handling": 20}


def build_structure(city: City) -> None:
    """The stations, each covering a run of its township's villages; the township's workstation
    also hosts the township government."""
    villages_of: dict[int | None, list[Any]] = {}
    for v in city.villages:
        villages_of.setdefault(v.parent_id, []).append(v)
    per_township = split(city.size.stations, len(city.townships), city.rng, spread=0.0)
    stations, covered = [], []
    for township, k in zip(city.townships, per_township, strict=True):
        villages = villages_of.get(township.pk, [])
        k = max(1, min(k, len(villages)))
        for si, group in enumerate(chunks(villages, k)):
            station_kind: str = (
                Station.Kind.TOWNSHIP_WORKSTATION
                if si == 0
                else (Station.Kind.JOINT_DUTY if si % 2 else Station.Kind.VILLAGE_ROOM)
            )
            label = {
                "township_workstation": "综治工作站",
                "joint_duty": "联勤警务站",
                "village_room": "驻村警务室",
            }
            stations.append(
                Station(
                    name=f"{township.name}{label[station_kind]}{si + 1}",
                    kind=station_kind,
                    police_agency=city.police_of[township.pk],
                    region=group[0],
                )
            )
            covered.append(group)
    stations = Station.objects.bulk_create(stations)
    Covered = Station.covered_regions.through
    Covered.objects.bulk_create(
        [
            Covered(station_id=s.pk, region_id=v.pk)
            for s, group in zip(stations, covered, strict=True)
            for v in group
        ],
        batch_size=5000,
    )
    Stationed = Station.stationed_agencies.through
    Stationed.objects.bulk_create(
        [
            Stationed(station_id=s.pk, agency_id=city.government_of[s.police_agency.region_id].pk)
            for s in stations
            if s.kind == Station.Kind.TOWNSHIP_WORKSTATION
        ]
    )
    city.step("stations", len(stations))


def build_history(city: City) -> None:
    """A year of alerts, each with its dispatch order to the station covering its village."""
    h = city.h
    category = h.pick("g", 2, ALERT_CATEGORIES)
    source = (
        f"(SELECT g, {city.at('g', 10)} AS at, {category} AS category FROM generate_series(1, {city.size.alerts}) g) x"
        f" JOIN {city.pick('x.g', 3)}"
    )
    summaries = (
        "CASE x.category WHEN 'criminal' THEN '报称被盗' WHEN 'public_order' THEN '有人打架斗殴'"
        " WHEN 'traffic' THEN '交通事故，车辆刮擦' WHEN 'dispute' THEN '邻里纠纷，双方争吵'"
        " WHEN 'help' THEN '老人走失求助' WHEN 'fire_disaster' THEN '发现火情' ELSE '噪音扰民投诉' END"
    )
    alerts = insert_select(
        connection, Alert, {
            "channel": h.pick("x.g", 1, ALERT_CHANNELS),
            "category": "x.category",
            "priority": "CASE WHEN x.category IN ('criminal', 'fire_disaster') THEN 1"
                        f" WHEN x.category = 'public_order' AND {h('x.g', 4, 3)} = 0 THEN 2 ELSE 3 END",
            "summary": summaries,
            "address": f"(ARRAY['人民路','新华路','解放路','府山路','荷花路','白云路','衢州大道','花园路'])"
                       f"[1 + {h('x.g', 5, 8)}] || (1 + {h('x.g', 11, 300)}) || '号'",
            "village_id": "p.village", "lng": f"p.lng + ({h('x.g', 6, 1000)} - 500) / 200000.0",
            "lat": f"p.lat + ({h('x.g', 7, 1000)} - 500) / 200000.0",
            "reported_at": "x.at", "received_at": "x.at + interval '4 seconds'",
            "repeat_count": f"CASE WHEN {h('x.g', 8, 12)} = 0 THEN 1 ELSE 0 END",
            "needs_dispute_case": f"x.category = 'dispute' AND {h('x.g', 9, 10)} = 0",
        }, source,
    )  # fmt: skip
    city.step("alerts", alerts)
    # What each order reached, by its age: today's are open, the rest closed (a few followed up).
    status = (
        f"CASE WHEN a.received_at > '{city.now.isoformat()}'::timestamptz - interval '90 minutes'"
        f" THEN {h.pick('a.id', 20, ORDER_OPEN_MIX)}"
        f" WHEN {h('a.id', 21, 100)} < 8 THEN 'followed_up' WHEN {h('a.id', 21, 100)} < 10 THEN 'invalid'"
        " ELSE 'closed' END"
    )
    ranks = {
        "dispatched": 0,
        "accepted": 1,
        "contacted": 2,
        "on_scene": 3,
        "handling": 4,
        "closed": 6,
        "followed_up": 7,
    }
    rank = "CASE o.status " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in ranks.items()) + " ELSE -1 END"

    def reached(n: int, offset: str) -> str:
        return f"CASE WHEN {rank} >= {n} THEN o.at + {offset} END"

    orders = insert_select(
        connection, DispatchOrder, {
            "alert_id": "o.id", "station_id": "o.station", "status": "o.status", "priority": "o.priority",
            "dispatched_at": "o.at",
            "accepted_at": reached(1, f"(20 + {h('o.id', 22, 60)}) * interval '1 second'"),
            "contacted_at": reached(2, f"(100 + {h('o.id', 23, 120)}) * interval '1 second'"),
            "on_scene_at": reached(3, f"(300 + {h('o.id', 24, 900)}) * interval '1 second'"),
            "handling_at": reached(4, f"(900 + {h('o.id', 25, 900)}) * interval '1 second'"),
            "resolved_at": reached(5, f"(3600 + {h('o.id', 26, 7200)}) * interval '1 second'"),
            "closed_at": reached(6, f"(4000 + {h('o.id', 26, 7200)}) * interval '1 second'"),
            "followed_up_at": reached(7, "interval '2 days'"),
            "accept_due": "CASE WHEN o.priority <= 2 THEN o.at + interval '60 seconds' END",
            "contact_due": "CASE WHEN o.priority <= 2 THEN o.at + interval '180 seconds' END",
            "on_scene_due": "CASE WHEN o.priority <= 2 THEN o.at + CASE WHEN o.rural THEN interval '20 minutes'"
                            " ELSE interval '10 minutes' END END",
            "outcome": "CASE WHEN o.status IN ('closed', 'followed_up') THEN '已处置' ELSE '' END",
            "updated_at": "o.at",
        },
        f"(SELECT a.id, a.priority, a.received_at + interval '2 seconds' AS at, {status} AS status,"
        " s.station_id AS station, vr.urban_rural LIKE '2%' AS rural FROM stations_alert a"
        " JOIN governance_region vr ON vr.id = a.village_id"
        " LEFT JOIN LATERAL (SELECT station_id FROM stations_station_covered_regions c"
        "  WHERE c.region_id = a.village_id ORDER BY station_id LIMIT 1) s ON true) o",
    )  # fmt: skip
    city.step("dispatch orders", orders)
