"""Benchmark of the stations app, printed as a table and saved as JSON in bench/results/.

    .venv/bin/python bench/stations_bench.py [--history 100000] [--open 10000] [--intakes 300]

Seeds the demo county into a scratch database (PostgreSQL ``rongzhi_bench_stations`` when it
answers on localhost), bulk-loads ``--history`` closed alerts over a year and ``--open`` open
P1 orders, then measures, in-process (no HTTP server, so these are the application's own costs):
the intake API (POST /api/v1/alerts/), the station dashboard's open-orders fragment (time and
SQL queries, which must not grow with history), the order-list API, and one SLA sweep over all
open clocks.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import percentiles, recreate_and_migrate, use_scratch_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--intakes", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
    use_scratch_database("rongzhi_bench_stations")

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from governance.celery import app as celery_app

    # Enqueued notifications would need a worker; the benchmark measures the request path only.
    celery_app.conf.task_always_eager = False
    from unittest import mock

    recreate_and_migrate()

    from django.contrib.auth.models import User

    from governance.demo import demo_seed
    from governance.models import Region
    from stations.demo import seed_demo_history
    from stations.models import Alert, DispatchOrder, Station
    from stations.services import sla_sweep

    with mock.patch("celery.app.task.Task.delay"):
        demo_seed(seed=2026)
        seed_demo_history(seed=2026)
    station = Station.objects.order_by("pk").first()
    assert station is not None
    villages = list(
        Region.objects.filter(
            level=Region.Level.VILLAGE, path__startswith="/330000/330800/330802/330802001000/"
        )
    )
    rng = random.Random(7)
    now = datetime.now(UTC)
    started = time.perf_counter()
    for start in range(0, args.history + args.open, 5000):
        batch = range(start, min(start + 5000, args.history + args.open))
        alerts = []
        for i in batch:
            at = (
                now - timedelta(minutes=rng.randint(1, 525_600))
                if i < args.history
                else now - timedelta(seconds=rng.randint(70, 3000))
            )
            alerts.append(
                Alert(channel="110", category="public_order", priority=1 if i >= args.history else 3, summary=f"历史警情{i}",
                      address=f"地址{i}", village=rng.choice(villages), reported_at=at)
            )  # fmt: skip
        with transaction.atomic():
            created = Alert.objects.bulk_create(alerts)
            DispatchOrder.objects.bulk_create(
                DispatchOrder(
                    alert=a, station=station, priority=a.priority, dispatched_at=a.reported_at,
                    status="closed" if a.priority == 3 else "dispatched",
                    accept_due=a.reported_at + timedelta(seconds=60) if a.priority == 1 else None,
                )
                for a in created
            )  # fmt: skip
    load_s = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    officer = User.objects.get(username="officer")
    client = Client()
    client.force_login(officer)
    results: dict[str, dict[str, float]] = {}

    intake_ms = []
    with mock.patch("celery.app.task.Task.delay"):
        for i in range(args.intakes):
            v = rng.choice(villages)
            t = time.perf_counter()
            r = client.post(
                "/api/v1/alerts/",
                {"channel": "110", "category": "public_order", "summary": f"压测警情{i}", "address": f"压测地址{i}", "village_code": v.code},
                content_type="application/json",
            )  # fmt: skip
            intake_ms.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 201, r.content
    results["POST /api/v1/alerts/ (intake + dispatch)"] = percentiles(intake_ms)

    # The dashboard shows today's work: measure it against a small station too (the demo's).
    for label, url in (
        ("dashboard open-orders fragment", f"/stations/{station.pk}/open-orders/"),
        ("GET /api/v1/orders/?status=dispatched", "/api/v1/orders/?status=dispatched&limit=50"),
    ):
        samples = []
        for _ in range(20):
            t = time.perf_counter()
            assert client.get(url).status_code == 200
            samples.append((time.perf_counter() - t) * 1000)
        results[label] = percentiles(samples)
        with CaptureQueriesContext(connection) as q:
            client.get(url)
        results[label]["queries"] = len(q)

    with mock.patch("celery.app.task.Task.delay"):
        t = time.perf_counter()
        escalated = 0
        while True:
            n = sla_sweep(limit=5000)
            escalated += n
            if n == 0:
                break
        results[f"SLA sweep over {args.open:,} open clocks"] = {
            "p50_ms": round((time.perf_counter() - t) * 1000, 1),
            "p95_ms": 0.0,
            "n": escalated,
        }

    total = Alert.objects.count()
    print(
        f"\nDatabase: {connection.vendor}; {total:,} alerts (loaded {args.history + args.open:,} in {load_s:.1f}s)\n"
    )
    print(f"{'measure':48} {'p50 ms':>10} {'p95 ms':>10} {'queries':>8}")
    for label, f in results.items():
        print(f"{label:48} {f['p50_ms']:>10.2f} {f['p95_ms']:>10.2f} {f.get('queries', ''):>8}")
    out = ROOT / "bench" / "results" / f"stations-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"database": connection.vendor, "alerts": total, "results": results}, indent=2))
    print(f"\nSaved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
