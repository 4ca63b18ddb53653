"""Benchmark of the peace index's full recomputation, printed as a table and saved as JSON in
bench/results/.

    .venv/bin/python bench/peace_bench.py [--villages-per-township 20] [--alerts 1500000] [--disputes 150000]
    .venv/bin/python bench/peace_bench.py --small        # a quick run (a tenth of the rows)

Builds a synthetic city in a scratch PostgreSQL database (``rongzhi_bench_peace``): 6 counties,
17 townships each, 20 villages each (2,040 villages, 300 to 6,000 residents, urban and rural), a
year of alerts, disputes with follow-up visits, criminal cases, petitions and quarterly surveys,
generated inside PostgreSQL (INSERT ... SELECT over generate_series: seconds, not minutes). Then:

1. the full recomputation of every village for one month (all six counties, as the nightly run
   and a version change do), several times;
2. one hand-written SQL aggregate over the same rows (per village: the harm alerts, the disputes'
   outcomes, follow-ups, cases by severity, counted petitions, survey sums) and the ratio;
3. the township page's SQL query count and latency, with 20 and with 40 villages in a township.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import percentiles, recreate_and_migrate, use_scratch_database  # noqa: E402

HAND_WRITTEN = """
WITH v AS (
    SELECT r.id FROM governance_region r WHERE r.level = 5
), a AS (
    SELECT village_id,
           count(*) FILTER (WHERE category IN ('criminal', 'public_order') AND dispute_id IS NOT NULL) AS escalated,
           count(*) FILTER (WHERE category = 'dispute' AND repeat_count > 0) AS repeats
    FROM stations_alert
    WHERE received_at >= %(since)s AND received_at < %(until)s AND duplicate_of_id IS NULL
      AND ((category IN ('criminal', 'public_order') AND dispute_id IS NOT NULL)
           OR (category = 'dispute' AND repeat_count > 0))
    GROUP BY village_id
), verified AS (
    SELECT DISTINCT dispute_id FROM disputes_followup WHERE NOT recurred
), d AS (
    SELECT village_id,
           count(*) FILTER (WHERE status = 'referred_police' AND registered_at >= %(since)s) AS referred,
           count(*) FILTER (WHERE resolved_at >= %(since)s AND resolved_at < %(until)s) AS resolved,
           count(*) FILTER (WHERE resolved_at >= %(since)s AND resolved_at < %(until)s AND resolved_tier = 1)
               AS in_village,
           count(*) FILTER (WHERE resolved_at >= %(since)s AND resolved_at < %(until)s AND resolved_tier = 1
                            AND resolved_at <= registered_at + interval '15 days' AND vf.dispute_id IS NOT NULL)
               AS early
    FROM disputes_dispute LEFT JOIN verified vf ON vf.dispute_id = disputes_dispute.id
    WHERE (registered_at >= %(since)s AND registered_at < %(until)s)
       OR (resolved_at >= %(since)s AND resolved_at < %(until)s)
    GROUP BY village_id
), f AS (
    SELECT d.village_id, count(*) AS visits, count(*) FILTER (WHERE f.satisfaction >= 4) AS satisfied
    FROM disputes_followup f JOIN disputes_dispute d ON d.id = f.dispute_id
    WHERE f.visited_at >= %(since)s AND f.visited_at < %(until)s
    GROUP BY d.village_id
), c AS (
    SELECT village_id, sum(CASE severity WHEN 'minor' THEN 1 WHEN 'ordinary' THEN 2 WHEN 'serious' THEN 4 ELSE 8 END)
           AS weighted
    FROM peace_index_criminalcase WHERE month >= %(first)s AND month <= %(month)s GROUP BY village_id
), p AS (
    SELECT village_id, count(*) AS counted FROM peace_index_petition
    WHERE month >= %(first)s AND month <= %(month)s AND kind <> 'first' GROUP BY village_id
), s AS (
    SELECT village_id, sum(feel_safe) AS safe, sum(respondents) AS asked FROM peace_index_surveyresult
    WHERE month >= %(first)s AND month <= %(month)s GROUP BY village_id
)
SELECT v.id, a.escalated, a.repeats, d.referred, d.resolved, d.in_village, d.early, f.visits, f.satisfied, c.weighted,
       p.counted, s.safe, s.asked
FROM v LEFT JOIN a ON a.village_id = v.id LEFT JOIN d ON d.village_id = v.id LEFT JOIN f ON f.village_id = v.id
       LEFT JOIN c ON c.village_id = v.id LEFT JOIN p ON p.village_id = v.id LEFT JOIN s ON s.village_id = v.id
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counties", type=int, default=6)
    parser.add_argument("--townships-per-county", type=int, default=17)
    parser.add_argument("--villages-per-township", type=int, default=20)
    parser.add_argument("--alerts", type=int, default=1_500_000)
    parser.add_argument("--disputes", type=int, default=150_000)
    parser.add_argument("--cases", type=int, default=150_000)
    parser.add_argument("--petitions", type=int, default=150_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--small", action="store_true", help="a tenth of the rows, for a quick run")
    args = parser.parse_args()
    if args.small:
        args.alerts, args.disputes, args.cases, args.petitions = 150_000, 15_000, 15_000, 15_000
    use_scratch_database("rongzhi_bench_peace")

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from governance.celery import app as celery_app

    celery_app.conf.task_always_eager = False
    recreate_and_migrate()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL on 127.0.0.1:5432.")

    from disputes.models import Dispute, FollowUp
    from governance.citygen import insert_select
    from governance.models import Region
    from governance.months import add_months, current_month
    from governance.services.regions import region_create
    from peace_index.compute import scores_compute, scores_compute_many, window
    from peace_index.models import (
        CriminalCase,
        DataCoverage,
        ImportBatch,
        MethodVersion,
        Petition,
        SurveyResult,
        VillageScore,
    )
    from peace_index.services import version_draft_create, version_publish
    from stations.models import Alert

    L = Region.Level
    started = time.perf_counter()
    admin = User.objects.create_superuser("bench_admin", password="bench-password-1")
    province = region_create(actor=None, code="330000", name="浙江省", level=L.PROVINCE)
    city = region_create(actor=None, code="330800", name="衢州市", level=L.CITY, parent=province)
    counties = []
    for ci in range(args.counties):
        county = region_create(
            actor=None, code=f"3308{ci + 1:02d}", name=f"县{ci + 1}", level=L.COUNTY, parent=city
        )
        counties.append(county)
        Region.objects.bulk_create(
            [
                Region(code=f"{county.code}{ti + 1:03d}000", name=f"乡镇{ci + 1}-{ti + 1}", level=L.TOWNSHIP,
                       parent=county, path=f"{county.path}{county.code}{ti + 1:03d}000/")
                for ti in range(args.townships_per_county)
            ]
        )  # fmt: skip
        villages = []
        for t in Region.objects.filter(parent=county):
            for vi in range(args.villages_per_township):
                code = f"{t.code[:9]}{vi + 1:03d}"
                villages.append(
                    Region(code=code, name=f"村{code[-6:]}", level=L.VILLAGE, parent=t, path=f"{t.path}{code}/",
                           population=300 + (hash(code) % 5700), households=100,
                           urban_rural="111" if vi % 4 == 0 else "220")
                )  # fmt: skip
        Region.objects.bulk_create(villages, batch_size=2000)
    n_villages = Region.objects.filter(level=L.VILLAGE).count()
    month = current_month()
    since, until = window(month, 12)
    first = add_months(month, -11)
    villages_sql = (
        "(SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM governance_region WHERE level = 5) vs"
    )
    pick = "vs.ids[1 + (hashint4(g::int) & 2147483647) % vs.n]"
    # A moment in the year before the window's end, spread by a hash of the row number.
    when = f"'{until.isoformat()}'::timestamptz - (((hashint4(g::int + 7) & 2147483647) % 31536000) || ' seconds')::interval"

    def fill(model, given, source):
        return insert_select(connection, model, given, source)

    alerts = fill(Alert, {
        "channel": "'110'",
        "category": "(ARRAY['criminal','public_order','public_order','traffic','traffic','traffic','dispute',"
                    "'dispute','dispute','dispute','help','help','help','help','fire_disaster','non_police'])"
                    "[1 + (hashint4(g::int + 1) & 15)]",
        "summary": "'警情'", "address": "'某路1号'", "village_id": pick,
        "reported_at": when, "received_at": when,
        "repeat_count": "CASE WHEN (hashint4(g::int + 2) & 7) = 0 THEN 1 ELSE 0 END",
        "dispute_id": "CASE WHEN (hashint4(g::int + 3) & 15) = 0 THEN g ELSE NULL END",
        "priority": "3",
    }, f"generate_series(1, {args.alerts}) g, {villages_sql}")  # fmt: skip
    county_of_village = (
        "(SELECT r.id FROM governance_region r WHERE r.level = 3 AND "
        "(SELECT path FROM governance_region WHERE id = x.village) LIKE r.path || '%')"
    )
    disputes = fill(Dispute, {
        "number": "'TJ' || g", "channel": "'visit'",
        "category": "(ARRAY['neighbour','family','land','labour','property','lending','other'])[1 + (hashint4(g::int + 4) & 2147483647) % 7]",
        "village_id": "x.village", "county_id": county_of_village, "summary": "'纠纷'",
        "status": "(ARRAY['closed','closed','closed','closed','follow_up','performing','in_mediation','referred_police','terminated','accepted'])[1 + (hashint4(g::int + 5) & 2147483647) % 10]",
        "tier": "1 + (hashint4(g::int + 6) & 1)", "registered_at": "x.at", "created_at": "x.at", "updated_at": "x.at",
        "resolved_at": "CASE WHEN (hashint4(g::int + 5) & 2147483647) % 10 < 6 THEN x.at + interval '5 days' END",
        "resolved_tier": "CASE WHEN (hashint4(g::int + 5) & 2147483647) % 10 < 6 THEN 1 + (hashint4(g::int + 6) & 1) END",
        "people_involved": "2", "mediators_needed": "1",
    }, f"(SELECT g, {pick} AS village, {when} AS at FROM generate_series(1, {args.disputes}) g, {villages_sql}) x")  # fmt: skip
    fill(FollowUp, {
        "dispute_id": "d.id", "visited_at": "d.resolved_at + interval '10 days'", "visited_by_id": str(admin.pk),
        "satisfaction": "1 + (hashint4(d.id::int) & 2147483647) % 5", "recurred": "false", "note": "''",
    }, "disputes_dispute d WHERE d.resolved_at IS NOT NULL")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM disputes_followup")
        followups = cursor.fetchone()[0]
    cases = petitions = surveys = 0
    for county in counties:
        batches = {
            source: ImportBatch.objects.create(source=source, county=county, file_name="bench", rows=0)
            for source in ("cases", "petitions", "surveys")
        }
        in_county = f"(SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM governance_region WHERE level = 5 AND path LIKE '{county.path}%') vs"
        share = max(1, len(counties))
        month_of = f"date_trunc('month', {when})::date"
        cases += fill(CriminalCase, {
            "external_ref": "'A' || g", "village_id": pick, "county_id": str(county.pk),
            "month": month_of, "occurred_on": month_of,
            "severity": "(ARRAY['minor','minor','ordinary','serious'])[1 + (hashint4(g::int + 8) & 3)]",
            "veto": "CASE WHEN (hashint4(g::int + 9) & 8191) = 0 THEN 'homicide' ELSE '' END",
            "reported_late": "(hashint4(g::int + 10) & 511) = 0", "batch_id": str(batches["cases"].pk),
        }, f"generate_series(1, {args.cases // share}) g, {in_county}")  # fmt: skip
        petitions += fill(Petition, {
            "external_ref": "'X' || g", "village_id": pick, "county_id": str(county.pk),
            "month": month_of, "received_on": month_of,
            "kind": "(ARRAY['first','first','repeat','skip_level','collective','first'])[1 + (hashint4(g::int + 11) & 2147483647) % 6]",
            "batch_id": str(batches["petitions"].pk),
        }, f"generate_series(1, {args.petitions // share}) g, {in_county}")  # fmt: skip
        surveys += fill(SurveyResult, {
            "village_id": "r.id", "county_id": str(county.pk), "month": "m.month",
            "respondents": "30", "feel_safe": "24 + (hashint4(r.id::int) & 5)", "batch_id": str(batches["surveys"].pk),
        }, f"governance_region r, (SELECT generate_series('{first.isoformat()}'::date, '{month.isoformat()}'::date, "
           "interval '3 months')::date AS month) m "
           f"WHERE r.level = 5 AND r.path LIKE '{county.path}%'")  # fmt: skip
        DataCoverage.objects.bulk_create(
            [DataCoverage(source=s, county=county, month=add_months(first, k), batch=batches[s])
             for s in ("cases", "petitions", "surveys") for k in range(12)]
        )  # fmt: skip
        version = version_draft_create(actor=admin, county=county, name="bench")
        version_publish(actor=admin, version=version, recompute=False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    load_s = time.perf_counter() - started
    print(
        f"Loaded {n_villages} villages, {alerts} alerts, {disputes} disputes, {followups} follow-ups, {cases} cases, "
        f"{petitions} petitions, {surveys} survey results in {load_s:.1f} s"
    )

    versions = {
        v.county_id: v for v in MethodVersion.objects.filter(status="published").select_related("county")
    }

    def full() -> int:
        return scores_compute_many(versions=[versions[c.pk] for c in counties], month=month)

    full_runs, per_query = [], []
    written = 0
    for _ in range(args.runs):
        t0 = time.perf_counter()
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            written = full()
        full_runs.append(time.perf_counter() - t0)
        per_query.append(len(queries))
    sql_runs = []
    sql_params = {"since": since, "until": until, "first": first, "month": month}
    for _ in range(args.runs):
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(HAND_WRITTEN, sql_params)
            rows = cursor.fetchall()
        sql_runs.append(time.perf_counter() - t0)
    assert len(rows) == n_villages
    full_s, sql_s = statistics.median(full_runs), statistics.median(sql_runs)

    # The township page: 20 villages, then the same township with 20 more.
    client = Client()
    client.force_login(admin)
    township = Region.objects.filter(level=L.TOWNSHIP).order_by("code").first()
    url = f"/peace/townships/{township.pk}/"
    client.get(url)

    def page() -> tuple[dict[str, float], int]:
        samples = []
        connection.queries_log.clear()  # a full log (9,000 entries) would count nothing
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        for _ in range(30):
            t0 = time.perf_counter()
            assert client.get(url).status_code == 200
            samples.append((time.perf_counter() - t0) * 1000)
        return percentiles(samples), len(ctx)

    page_20, queries_20 = page()
    extra = [
        Region(code=f"{township.code[:9]}{200 + i:03d}", name=f"新村{i}", level=L.VILLAGE, parent=township,
               path=f"{township.path}{township.code[:9]}{200 + i:03d}/", population=1000, urban_rural="220")
        for i in range(args.villages_per_township)
    ]  # fmt: skip
    Region.objects.bulk_create(extra)
    scores_compute(county=counties[0], month=month, version=versions[counties[0].pk])
    page_40, queries_40 = page()

    results = {
        "villages": n_villages,
        "alerts": alerts,
        "disputes": disputes,
        "follow_ups": followups,
        "criminal_cases": cases,
        "petitions": petitions,
        "survey_results": surveys,
        "scores_written_per_run": written,
        "full_recompute_s": {"median": round(full_s, 3), "runs": [round(r, 3) for r in full_runs]},
        "full_recompute_queries": per_query[0],
        "hand_written_sql_s": {"median": round(sql_s, 3), "runs": [round(r, 3) for r in sql_runs]},
        "ratio_full_to_sql": round(full_s / sql_s, 2),
        "township_page_20_villages": {**page_20, "queries": queries_20},
        "township_page_40_villages": {**page_40, "queries": queries_40},
        "scores_in_database": VillageScore.objects.count(),
    }
    print()
    print(f"{'measure':52} {'value':>14}")
    print(f"{'full recomputation, all villages, one month (s)':52} {full_s:>14.2f}")
    print(f"{'  SQL queries of that recomputation':52} {per_query[0]:>14}")
    print(f"{'one hand-written SQL aggregate, same rows (s)':52} {sql_s:>14.2f}")
    print(f"{'ratio (target: under 2)':52} {full_s / sql_s:>14.2f}")
    print(
        f"{'township page, 20 villages: p50 / p95 (ms)':52} {page_20['p50_ms']:>6.1f} / {page_20['p95_ms']:.1f}"
    )
    print(
        f"{'township page, 40 villages: p50 / p95 (ms)':52} {page_40['p50_ms']:>6.1f} / {page_40['p95_ms']:.1f}"
    )
    print(f"{'township page SQL queries (20 / 40 villages)':52} {queries_20:>9} / {queries_40}")
    out = ROOT / "bench" / "results" / f"peace-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps({"when": datetime.now(UTC).isoformat(), "args": vars(args), "results": results}, indent=2)
    )
    print(f"\nSaved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
