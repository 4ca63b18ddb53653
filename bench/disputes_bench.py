"""Benchmark of the disputes app, printed as a table and saved as JSON in bench/results/.

    .venv/bin/python bench/disputes_bench.py [--disputes 200000] [--runs 50] [--explain]

Seeds the demo county into a scratch database (PostgreSQL ``rongzhi_bench_disputes`` when it
answers on localhost), bulk-loads ``--disputes`` cases over a year (COPY on PostgreSQL) with two
parties each, live and ended mediator assignments and joint agencies, spread over the 250
villages, the categories (seasonal mix) and the statuses, then measures in-process:

- the ledger's first page of 50 with its count (``selectors.ledger``), for the county admin and
  for a township official, as a request would: a fresh user, so the jurisdiction is read too;
- a search of the summaries (a word) and an exact phone number (through the parties' keyed hash);
- the escalation sweep, once every case is open at the village or township with its time box
  passed (all of them move in one run).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import percentiles, recreate_and_migrate, use_scratch_database  # noqa: E402

STATUS_WEIGHTS = {
    "closed": 70, "terminated": 6, "not_accepted": 5, "referred_police": 2, "performing": 3,
    "follow_up": 3, "breach": 1, "in_mediation": 3, "assigned": 1.5, "accepted": 1, "triaged": 1,
    "registered": 1.5, "agreement": 1, "reopened": 1,
}  # fmt: skip
ENDED = {"closed", "terminated", "not_accepted", "referred_police"}
TIER_WEIGHTS = {1: 64, 2: 28, 3: 7, 4: 1}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--disputes", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each measured read")
    args = parser.parse_args()
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
    use_scratch_database("rongzhi_bench_disputes")

    import django

    django.setup()
    from unittest import mock

    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from governance.celery import app as celery_app

    # Enqueued notifications would need a worker; the benchmark measures the application's work.
    celery_app.conf.task_always_eager = False
    recreate_and_migrate()

    from disputes.demo import SEASON_WEIGHTS, SUMMARIES, _season
    from disputes.models import Assignment, Dispute, DisputeEvent, Party
    from disputes.selectors import LedgerQuery, ledger
    from disputes.services import escalation_sweep, ledger_search
    from disputes.services.mediation import mediator_enrol
    from governance.demo import COUNTY_CODE, _real_name, demo_seed
    from governance.models import Agency, Membership, Region
    from governance.pii import pii_encrypt, pii_lookup_hash

    with mock.patch("celery.app.task.Task.delay"):
        demo_seed(seed=2026)
    county = Region.objects.get(code=COUNTY_CODE)
    villages = list(Region.objects.filter(path__startswith=county.path, level=Region.Level.VILLAGE))
    weights = [v.population for v in villages]
    stations = {
        t.pk: a
        for a in Agency.objects.filter(kind=Agency.Kind.POLICE_STATION).prefetch_related("served_regions")
        for t in a.served_regions.all()
    }
    mediators = []
    for m in Membership.objects.filter(role__in=["mediator", "officer"]).select_related(
        "user", "agency__region"
    ):
        mediators.append(
            mediator_enrol(
                actor=None, user=m.user, team="peoples", agency=m.agency, region=county, max_load=100
            )
        )

    rng = random.Random(2026)
    now = datetime.now(UTC)
    statuses, status_w = zip(*STATUS_WEIGHTS.items(), strict=True)
    tiers, tier_w = zip(*TIER_WEIGHTS.items(), strict=True)
    channels = ["police_work", "alert", "visit", "online", "screening", "court", "petition"]
    dispute_rows, party_rows, assignment_rows, agency_rows = [], [], [], []
    first_id = (Dispute.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    phones: list[str] = []
    started = time.perf_counter()
    for i in range(args.disputes):
        pk = first_id + i
        at = now - timedelta(seconds=rng.randint(60, 365 * 86400))
        village = rng.choices(villages, weights)[0]
        category = rng.choices(*zip(*SEASON_WEIGHTS[_season(at.date())].items(), strict=True))[0]
        status = rng.choices(statuses, status_w)[0]
        tier = rng.choices(tiers, tier_w)[0]
        channel = rng.choice(channels)
        station = stations.get(village.parent_id)
        ended = status in ENDED
        a_name, b_name = _real_name(rng)[0], _real_name(rng)[0]
        summary = f"{a_name[0]}某与{b_name[0]}某{rng.choice(SUMMARIES[category])}"
        accepted = (
            at + timedelta(days=1)
            if status not in ("registered", "triaged", "not_accepted", "referred_police")
            else None
        )
        dispute_rows.append((
            pk, f"TJ{at:%Y}{pk:07d}", channel, category, village.pk, county.pk, summary, "",
            Decimal(rng.randrange(0, 50000, 100)), 2, rng.choice(["blue", "blue", "yellow", "orange", "red"]),
            status, tier, 1, tier >= 3, False, False, "", "", "", "",
            station.pk if station and channel in ("police_work", "alert") else None, None, at, accepted,
            accepted + timedelta(days=7) if accepted and not ended else None, 0,
            at + timedelta(days=5) if status in ("closed", "performing", "follow_up") else None,
            at + timedelta(days=20) if ended else None, at, at,
        ))  # fmt: skip
        for role, name in (("applicant", a_name), ("respondent", b_name)):
            phone = f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
            if len(phones) < 100:
                phones.append(phone)
            party_rows.append(
                (pk, role, "person", name, pii_encrypt(phone), pii_lookup_hash(phone), "", "", "", village.pk, "pending", "", at)
            )  # fmt: skip
        if (
            status not in ("registered", "triaged", "accepted", "not_accepted", "referred_police")
            and rng.random() < 0.5
        ):
            m = rng.choice(mediators)
            assignment_rows.append((pk, m.pk, at + timedelta(days=1), at + timedelta(days=20) if ended else None, "case_ended" if ended else "", ""))  # fmt: skip
        if station and rng.random() < 0.1:
            agency_rows.append((pk, station.pk))
    build_s = time.perf_counter() - started

    started = time.perf_counter()
    _load(connection, Dispute, [
        "id", "number", "channel", "category", "village_id", "county_id", "summary", "description", "amount",
        "people_involved", "risk", "status", "tier", "mediators_needed", "key_case", "is_group", "government_party",
        "other_process", "other_process_status", "triage_reason", "advised_route", "owner_agency_id",
        "registered_by_id", "registered_at", "accepted_at", "tier_deadline", "escalations", "resolved_at",
        "closed_at", "created_at", "updated_at",
    ], dispute_rows)  # fmt: skip
    _load(connection, Party, [
        "dispute_id", "role", "kind", "name", "phone_encrypted", "phone_hash", "id_number_encrypted",
        "id_number_hash", "household_code", "village_id", "progress", "note", "created_at",
    ], party_rows)  # fmt: skip
    _load(
        connection,
        Assignment,
        ["dispute_id", "mediator_id", "assigned_at", "ended_at", "end_reason", "end_note"],
        assignment_rows,
    )
    _load(connection, Dispute.agencies.through, ["dispute_id", "agency_id"], agency_rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM disputes_dispute))", ["disputes_dispute"])  # fmt: skip
            cursor.execute("ANALYZE")
    load_s = time.perf_counter() - started
    print(
        f"Built {args.disputes:,} cases in {build_s:.1f}s, loaded with {len(party_rows):,} parties, "
        f"{len(assignment_rows):,} assignments in {load_s:.1f}s"
    )

    results: dict[str, dict[str, float]] = {}
    county_admin = User.objects.get(username="county_admin")
    official = User.objects.get(username="township_official")

    def page(user_pk: int, query: LedgerQuery) -> tuple[int, int]:
        user = User.objects.get(pk=user_pk)  # a fresh user per request: its jurisdiction is read
        # As the pages do: an exact search by personal data is run (and logged) by the search service.
        qs = ledger(user, ledger_search(actor=user, query=query).query)
        rows = list(qs[:50])
        for d in rows:
            _ = d.village.parent.name if d.village.parent else d.village.name
        return len(rows), qs.count()

    word = "宅基地"
    measures = [
        ("ledger page 1 + count, county admin", county_admin, LedgerQuery()),
        ("ledger page 1 + count, township official", official, LedgerQuery()),
        (f"search '{word}' (summary), county admin", county_admin, LedgerQuery(q=word)),
        (f"search '{word}' (summary), township official", official, LedgerQuery(q=word)),
        ("search exact phone (party hash), county admin", county_admin, LedgerQuery(q=phones[7], reason="benchmark run")),
        ("search a case number, county admin", county_admin, LedgerQuery(q=f"tj{now:%Y}{first_id + 123:07d}")),
        ("open cases of one township, county admin", county_admin, LedgerQuery(township=f"{COUNTY_CODE}001000", open_only=True)),
    ]  # fmt: skip
    # Exact searches are counted per person (PERSONAL_DATA_SEARCH_LIMIT); the benchmark repeats one.
    settings.PERSONAL_DATA_SEARCH_LIMIT = 10**9
    for label, user, query in measures:
        page(user.pk, query)  # warm the caches once, as a running server would be
        samples = []
        for _ in range(args.runs):
            t = time.perf_counter()
            shown, total = page(user.pk, query)
            samples.append((time.perf_counter() - t) * 1000)
        results[label] = percentiles(samples)
        connection.queries_log.clear()  # it holds 9,000 at most; a full log counts nothing
        with CaptureQueriesContext(connection) as q:
            page(user.pk, query)
        results[label].update(queries=len(q), rows=shown, total=total)
        if args.explain and connection.vendor == "postgresql":
            print(f"\n=== {label}")
            for sql in q.captured_queries[-2:]:
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql['sql']}")
                    print("\n".join(row[0] for row in cursor.fetchall()), "\n")

    # Every case open in mediation, most at the village; first 1 % of the time boxes passed (a
    # busy day), then all of them at once (a sweep that did not run for weeks).
    def sweep(label: str, passed_every: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE disputes_dispute SET status = 'in_mediation', closed_at = NULL, resolved_at = NULL, "
                "accepted_at = registered_at, tier_deadline = CASE WHEN id %% %s = 0 THEN %s ELSE %s END, "
                "tier = CASE WHEN id %% 10 < 7 THEN 1 WHEN id %% 10 < 9 THEN 2 ELSE 3 END",
                [passed_every, now - timedelta(hours=1), now + timedelta(days=3)],
            )
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE disputes_dispute")
        events_before = DisputeEvent.objects.count()
        with mock.patch("celery.app.task.Task.delay"):
            t = time.perf_counter()
            moved = escalation_sweep(now=now)
            results[label] = {
                "p50_ms": round((time.perf_counter() - t) * 1000, 1),
                "p95_ms": 0.0,
                "n": moved,
                "events": DisputeEvent.objects.count() - events_before,
            }

    sweep(f"escalation sweep, {args.disputes // 100:,} of {args.disputes:,} passed", 100)
    sweep(f"escalation sweep, all {args.disputes:,} passed", 1)
    with mock.patch("celery.app.task.Task.delay"):
        t = time.perf_counter()
        again = escalation_sweep(now=now)
    results["escalation sweep again (nothing left to move)"] = {
        "p50_ms": round((time.perf_counter() - t) * 1000, 1),
        "p95_ms": 0.0,
        "n": again,
    }

    total_cases = Dispute.objects.count()
    print(f"\nDatabase: {connection.vendor}; {total_cases:,} disputes, {Party.objects.count():,} parties\n")
    print(f"{'measure':52} {'p50 ms':>10} {'p95 ms':>10} {'queries':>8} {'rows':>9}")
    for label, f in results.items():
        rows = f.get("total", f.get("n", ""))
        print(f"{label:52} {f['p50_ms']:>10.2f} {f['p95_ms']:>10.2f} {f.get('queries', ''):>8} {rows:>9}")
    out = ROOT / "bench" / "results" / f"disputes-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "database": connection.vendor,
                "disputes": total_cases,
                "load_s": round(load_s, 1),
                "results": results,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"\nSaved {out.relative_to(ROOT)}")


def _load(connection, model, columns: list[str], rows: list[tuple]) -> None:
    """COPY on PostgreSQL (tens of seconds for 200,000 cases, not minutes); executemany elsewhere."""
    if not rows:
        return
    table = model._meta.db_table
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


if __name__ == "__main__":
    main()
