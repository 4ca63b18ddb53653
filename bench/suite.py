"""The benchmark suite: one synthetic city, every figure measured on it, one table, one JSON file.

    .venv/bin/python bench/suite.py --scale small          # the whole city's structure, a tenth of its history (minutes)
    .venv/bin/python bench/suite.py --scale city           # the full city: 500,000 alerts, 50,000 disputes
    .venv/bin/python bench/suite.py --scale 10x            # ten years of history: what grows with the data
    .venv/bin/python bench/suite.py --scale tiny --database rongzhi_citysmoke --drop   # the CI smoke run

Needs PostgreSQL (``DATABASE_URL``, else postgres@127.0.0.1:5432). Drops and recreates the scratch
database (``rongzhi_bench_city`` unless ``--database``), migrates it, generates the city with
``governance.citygen`` (``manage.py city_generate``), then measures in-process, so the figures are
the application's own costs without a network or a web server in between:

1. alert intake (the ``alert_intake`` service: save, repeat check, dispatch to the covering
   station, live-channel publish): p50/p95/p99;
2. dispatch order transitions per second (``order_step`` along accept ... close);
3. the peace index's full recomputation for every village (``scores_compute_many``) and its
   ratio to one hand-written SQL aggregate over the same rows (``bench.peace_bench.HAND_WRITTEN``);
4. each persona's main page through ``django.test.Client``: p50/p95 and the SQL query count
   (station dashboard, commander board, township ranking, volunteer task list, dispute ledger);
5. the SLA sweep over ``--open-clocks`` open orders whose clocks have all run out.

Celery tasks are not run (``Task.delay`` is stubbed): the suite measures the request path.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import recreate_and_migrate, use_scratch_database  # noqa: E402

# How many samples each scale takes: enough for a p95 without making the tiny run slow.
SAMPLES = {
    "tiny": {"intakes": 30, "page_runs": 5, "recompute_runs": 1, "open_clocks": 500, "http_users": 0, "http_seconds": 0},
    "small": {"intakes": 300, "page_runs": 30, "recompute_runs": 3, "open_clocks": 10_000, "http_users": 50, "http_seconds": 30},
    "city": {"intakes": 300, "page_runs": 30, "recompute_runs": 3, "open_clocks": 10_000, "http_users": 50, "http_seconds": 30},
    "10x-busy": {"intakes": 300, "page_runs": 30, "recompute_runs": 2, "open_clocks": 10_000, "http_users": 50, "http_seconds": 30},
    "10x": {"intakes": 300, "page_runs": 30, "recompute_runs": 2, "open_clocks": 10_000, "http_users": 50, "http_seconds": 30},
}  # fmt: skip
PAGES = (
    ("station dashboard", "city_officer", "/stations/"),
    ("commander board", "city_commander", "/stations/board/"),
    ("township ranking", "city_official", "/peace/townships/{township}/"),
    ("volunteer task list", "city_volunteer", "/volunteers/"),
    ("dispute ledger", "city_admin", "/disputes/"),
)


def quantiles(samples_ms: list[float]) -> dict[str, float]:
    s = sorted(samples_ms)

    def at(q: float) -> float:
        return round(s[min(len(s) - 1, max(0, round(q * len(s)) - 1))], 2)

    return {"p50_ms": round(statistics.median(s), 2), "p95_ms": at(0.95), "p99_ms": at(0.99), "n": len(s)}


def timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def _database_url(name: str) -> str:
    current = os.environ.get("DATABASE_URL", "")
    if current.startswith("postgres"):
        parts = urlsplit(current)
        return urlunsplit(parts._replace(path=f"/{name}"))
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    # Nothing of the project is imported before the database is chosen: importing ``governance``
    # loads the settings.
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=list(SAMPLES), default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="rongzhi_bench_city", help="scratch database (dropped first)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"), help="directory of the JSON file")
    parser.add_argument("--drop", action="store_true", help="drop the scratch database afterwards")
    parser.add_argument(
        "--no-jit",
        action="store_true",
        help="measure with PostgreSQL's JIT compilation off (ALTER DATABASE ... SET jit = off)",
    )
    for key in SAMPLES["small"]:
        parser.add_argument(f"--{key.replace('_', '-')}", type=int, help="override the scale's default")
    args = parser.parse_args(argv)
    samples = {k: v if getattr(args, k) is None else getattr(args, k) for k, v in SAMPLES[args.scale].items()}
    os.environ["DATABASE_URL"] = _database_url(args.database)
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
    use_scratch_database(args.database)

    import django

    django.setup()
    from django.db import connection

    from governance.celery import app as celery_app

    celery_app.conf.task_always_eager = False
    recreate_and_migrate()
    if connection.vendor != "postgresql":
        sys.exit("The suite needs PostgreSQL.")
    try:
        with mock.patch("celery.app.task.Task.delay"), mock.patch("celery.app.task.Task.apply_async"):
            report = _run(args, samples)
    finally:
        if args.drop:
            _drop(args.database)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"suite-{args.scale}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    _print(report)
    print(f"\nSaved {path}")
    return report


def _drop(name: str) -> None:
    import psycopg
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True
    ) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(args: argparse.Namespace, samples: dict[str, int]) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.db import connection

    from governance.citygen import SCALES, city_generate

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0] == "on" and not args.no_jit
    print(f"Generating the {args.scale} city (seed {args.seed}) in {args.database} ...")
    city = city_generate(seed=args.seed, size=SCALES[args.scale], scale=args.scale, log=print)
    print(f"Generated in {city.seconds} s; measuring ...")
    if args.no_jit:
        # JIT pays off for long analytical queries; a page's queries are short, and on tables of
        # millions of rows the planner's estimates pass jit_above_cost and each query compiles.
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{args.database}" SET jit = off')
        connection.close()
    users = {u.username: u for u in User.objects.filter(username__startswith="city_")}
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "bench/suite.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "postgresql": server,
                    "redis_live_channel": bool(os.environ.get("REDIS_URL")), "postgresql_jit": jit},
        "scale": args.scale, "seed": args.seed, "samples": samples,
        "generate_s": city.seconds, "rows": city.counts,
        "results": {},
    }  # fmt: skip
    results = report["results"]
    orders = _intake(results, samples["intakes"], users)
    _transitions(results, orders, users["city_root"])
    _recompute(results, samples["recompute_runs"])
    _pages(results, samples["page_runs"], users)
    if samples["http_users"]:
        _http_load(results, samples["http_users"], samples["http_seconds"], users)
    _sla_sweep(results, samples["open_clocks"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        report["database_mb"] = round(cursor.fetchone()[0] / 2**20)
    return report


def _intake(results: dict[str, Any], n: int, users: dict[str, Any]) -> list[Any]:
    from governance.models import Region
    from stations.services import alert_intake

    villages = list(Region.objects.filter(level=Region.Level.VILLAGE).values_list("code", flat=True))
    rng = random.Random(7)
    mixes = [
        ("110", "public_order"),
        ("110", "criminal"),
        ("12345", "dispute"),
        ("110", "traffic"),
        ("grid", "help"),
    ]
    samples, created = [], []
    for i in range(n):
        channel, category = rng.choice(mixes)
        started = time.perf_counter()
        result = alert_intake(
            actor=users["city_root"], channel=channel, category=category, summary=f"压测警情{i}",
            address=f"压测路{i}号", village_code=rng.choice(villages),
        )  # fmt: skip
        samples.append((time.perf_counter() - started) * 1000)
        created.append(result)
    results["alert intake (service)"] = quantiles(samples)
    return [r.order for r in created]


def _transitions(results: dict[str, Any], orders: list[Any], actor: Any) -> None:
    from stations.services import order_step

    steps = ("accept", "contact", "arrive", "handle", "resolve", "close")
    done, samples = 0, []
    started = time.perf_counter()
    for order in orders:
        if order is None or order.status != "dispatched":
            continue
        for step in steps:
            t = time.perf_counter()
            order = order_step(
                order=order, step=step, actor=actor, note="已处置" if step == "resolve" else ""
            )
            samples.append((time.perf_counter() - t) * 1000)
            done += 1
    seconds = time.perf_counter() - started
    results["dispatch transitions"] = {
        **quantiles(samples or [0.0]),
        "per_second": round(done / seconds, 1) if seconds else 0.0,
    }


def _recompute(results: dict[str, Any], runs: int) -> None:
    from django.db import connection

    from bench.peace_bench import HAND_WRITTEN
    from governance.models import Region
    from peace_index.compute import add_months, current_month, scores_compute_many, window
    from peace_index.models import MethodVersion

    versions = list(
        MethodVersion.objects.filter(status="published").select_related("county").order_by("county__code")
    )
    month = current_month()
    full, written = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        written = scores_compute_many(versions=versions, month=month)
        full.append(time.perf_counter() - t)
    since, until = window(month, 12)
    params = {"since": since, "until": until, "first": add_months(month, -11), "month": month}
    sql = []
    for _ in range(runs):
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(HAND_WRITTEN, params)
            rows = cursor.fetchall()
        sql.append(time.perf_counter() - t)
    assert len(rows) == Region.objects.filter(level=Region.Level.VILLAGE).count()
    full_s, sql_s = statistics.median(full), statistics.median(sql)
    results["peace index full recomputation"] = {
        "seconds": round(full_s, 3), "villages": written, "sql_aggregate_seconds": round(sql_s, 3),
        "ratio_to_sql": round(full_s / sql_s, 2) if sql_s else None, "runs": runs,
    }  # fmt: skip


def _pages(results: dict[str, Any], runs: int, users: dict[str, Any]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from governance.models import Membership

    township = Membership.objects.get(user=users["city_official"]).agency.region
    for label, username, url in PAGES:
        url = url.format(township=township.pk)
        client = Client()
        client.force_login(users[username])
        first = client.get(url)  # warm: templates, the first connection
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        samples = [timed(lambda u=url, c=client: c.get(u)) for _ in range(runs)]  # type: ignore[misc]
        results[f"page: {label} ({url})"] = {
            **quantiles(samples), "queries": len(queries), "status": first.status_code, "persona": username,
        }  # fmt: skip


def _http_load(results: dict[str, Any], n_users: int, seconds: int, users: dict[str, Any]) -> None:
    """``n_users`` simulated users (threads, each with its own keep-alive connection and a session
    of its persona) request their persona's page back to back for ``seconds`` against gunicorn
    (one worker per core, 8 threads each, DEBUG off), as the production stack serves them."""
    import http.client
    import socket
    import subprocess
    import threading

    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connections

    from governance.models import Membership

    township = Membership.objects.get(user=users["city_official"]).agency.region
    cookies = {}
    for _, username, _ in PAGES:
        # A session row as the login view writes it, so gunicorn's processes find it.
        session = SessionStore()
        session["_auth_user_id"] = str(users[username].pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = users[username].get_session_auth_hash()
        session.save()
        cookies[username] = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    connections.close_all()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DEBUG": "false", "LOG_FORMAT": "plain"}
    workers = str(max(1, os.cpu_count() or 1))
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "governance.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", workers, "--threads", "8", "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/healthz")
                c.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or web.poll() is not None:
                    web.kill()
                    raise RuntimeError(
                        "gunicorn did not start: " + web.communicate()[1].decode()[-2000:]
                    ) from None
                time.sleep(0.5)
        figures: dict[str, list[tuple[float, int]]] = {label: [] for label, _, _ in PAGES}
        lock = threading.Lock()
        stop = time.monotonic() + seconds

        def user(i: int) -> None:
            label, username, url = PAGES[i % len(PAGES)]
            path = url.format(township=township.pk)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine: list[tuple[float, int]] = []
            while time.monotonic() < stop:
                t = time.perf_counter()
                try:
                    conn.request("GET", path, headers={"Cookie": cookies[username]})
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    status = 0
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                mine.append(((time.perf_counter() - t) * 1000, status))
            with lock:
                figures[label] += mine

        threads = [threading.Thread(target=user, args=(i,)) for i in range(n_users)]
        started = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - started
    finally:
        web.terminate()
        try:
            web.wait(timeout=15)
        except subprocess.TimeoutExpired:
            web.kill()
    total = sum(len(v) for v in figures.values())
    results[f"HTTP load: {n_users} users, {seconds} s"] = {
        "requests_per_second": round(total / elapsed, 1),
        "error_rate": round(sum(1 for v in figures.values() for _, st in v if st != 200) / max(1, total), 4),
        "gunicorn": f"{workers} workers x 8 threads",
        "pages": {
            label: {**quantiles([ms for ms, _ in v] or [0.0]), "errors": sum(1 for _, st in v if st != 200),
                    "requests_per_second": round(len(v) / elapsed, 1)}
            for label, v in figures.items()
        },
    }  # fmt: skip


def _sla_sweep(results: dict[str, Any], open_clocks: int) -> None:
    """``open_clocks`` P1 orders dispatched a few minutes ago and never accepted: every clock has
    run out, and one sweep escalates them all (in batches of 5,000, as the beat does)."""
    from django.db import connection

    from governance.citygen import insert_select
    from stations.models import Alert, DispatchOrder
    from stations.services import sla_sweep

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM stations_alert")
        last = cursor.fetchone()[0]
    insert_select(
        connection, Alert, {
            "channel": "'110'", "category": "'public_order'", "priority": "1", "summary": "'SLA 压测'",
            "address": "'压测路'", "village_id": "v.id", "reported_at": "now() - interval '15 minutes'",
            "received_at": "now() - interval '15 minutes'",
        },
        f"generate_series(1, {open_clocks}) g JOIN LATERAL (SELECT id FROM governance_region"
        " WHERE level = 5 ORDER BY id OFFSET (g % 50) LIMIT 1) v ON true",
    )  # fmt: skip
    insert_select(
        connection, DispatchOrder, {
            "alert_id": "a.id", "station_id": "c.station_id", "status": "'dispatched'", "priority": "1",
            "dispatched_at": "a.received_at", "accept_due": "a.received_at + interval '60 seconds'",
            "contact_due": "a.received_at + interval '180 seconds'",
            "on_scene_due": "a.received_at + interval '600 seconds'", "updated_at": "a.received_at",
        },
        f"stations_alert a LEFT JOIN LATERAL (SELECT station_id FROM stations_station_covered_regions"
        f" WHERE region_id = a.village_id LIMIT 1) c ON true WHERE a.id > {last}",
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stations_dispatchorder")
    started = time.perf_counter()
    escalated = 0
    while True:
        n = sla_sweep(limit=5000)
        escalated += n
        if n == 0:
            break
    results["SLA sweep"] = {
        "seconds": round(time.perf_counter() - started, 3), "open_orders": open_clocks, "breaches": escalated,
    }  # fmt: skip


def _print(report: dict[str, Any]) -> None:
    rows = report["rows"]
    print(
        f"\n{report['scale']} city, seed {report['seed']}: {rows['villages']:,} villages, "
        f"{rows['residents']:,} residents, {rows['alerts']:,} alerts, {rows['disputes']:,} disputes, "
        f"{rows['volunteers']:,} volunteers; generated in {report['generate_s']} s; "
        f"database {report.get('database_mb', '?')} MB"
    )
    print(f"\n{'measure':62} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'queries':>8}")
    for label, r in report["results"].items():
        if "p50_ms" in r:
            extra = f"  ({r['per_second']}/s)" if "per_second" in r else ""
            status = f"  [HTTP {r['status']}]" if r.get("status", 200) != 200 else ""
            print(
                f"{label:62} {r['p50_ms']:>9.1f} {r['p95_ms']:>9.1f} {r['p99_ms']:>9.1f} "
                f"{r.get('queries', ''):>8}{extra}{status}"
            )
    p = report["results"]["peace index full recomputation"]
    print(
        f"{'peace index: all villages, one month':62} {p['seconds']:>8.2f}s  SQL aggregate {p['sql_aggregate_seconds']:.2f}s"
        f"  ratio {p['ratio_to_sql']}"
    )
    for label, r in report["results"].items():
        if label.startswith("HTTP load"):
            print(
                f"\n{label} ({r['gunicorn']}): {r['requests_per_second']} requests/s, error rate {r['error_rate']:.2%}"
            )
            for page, f in r["pages"].items():
                print(
                    f"  {page:60} {f['p50_ms']:>9.1f} {f['p95_ms']:>9.1f} {f['p99_ms']:>9.1f}   "
                    f"{f['requests_per_second']}/s, {f['errors']} errors"
                )
    s = report["results"]["SLA sweep"]
    print(
        f"{'SLA sweep over ' + format(s['open_orders'], ',') + ' open clocks':62} {s['seconds']:>8.2f}s  breaches {s['breaches']:,}"
    )


if __name__ == "__main__":
    main()
