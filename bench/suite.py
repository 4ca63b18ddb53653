"""The benchmark suite: one synthetic city, every figure measured on it, one table, one JSON file.

    .venv/bin/python bench/suite.py --scale small          # the whole city's structure, a tenth of its history (minutes)
    .venv/bin/python bench/suite.py --scale city           # the full city: 500,000 alerts, 50,000 disputes
    .venv/bin/python bench/suite.py --scale 10x            # ten years of history: what grows with the data
    .venv/bin/python bench/suite.py --scale tiny --database rongzhi_citysmoke --drop   # the CI smoke run

Needs PostgreSQL (``DATABASE_URL``, else postgres@127.0.0.1:5432) and Redis. Drops and recreates
the scratch database (``rongzhi_bench_city`` unless ``--database``), migrates it, empties the
suite's own Redis database (``--redis-url``, database 13 by default: the live channel, the cache
and the Celery broker of every process of the run), generates the city with ``governance.citygen``
(``manage.py city_generate``), then measures.

In-process, the application's own costs without a network or a web server in between (Celery
tasks are not run there: ``Task.delay`` is stubbed):

1. alert intake (the ``alert_intake`` service: save, repeat check, dispatch to the covering
   station, live-channel publish): p50/p95/p99;
2. dispatch order transitions per second (``order_step`` along accept ... close);
3. the peace index's full recomputation for every village (``scores_compute_many``) and its
   ratio to one hand-written SQL aggregate over the same rows (``bench.peace_bench.HAND_WRITTEN``);
4. each persona's main page through ``django.test.Client``: p50/p95/p99 and the SQL query count
   (station dashboard, commander board, township ranking, volunteer task list, dispute ledger);

on the real stack (``bench.live_bench.stack``: gunicorn, two workers per core with 8 gthread
threads, DEBUG off, and one Celery worker; PostgreSQL; Redis):

5. HTTP load on the five persona pages with locust (``bench/locustfile.py``, headless, in a
   process of its own, each user with a session of its persona, the users dealt out to the
   personas in turn), twice: ``--http-users`` users at a human pace (each waits between
   ``--think`` MIN MAX seconds, 1 to 5 by default, after every answer; the figure "p95 under
   200 ms at 50 users" is judged on), then the same users with no wait (saturation: the
   capacity in requests per second, counted once every user runs). Per page and overall:
   p50/p95/p99 (locust keeps times above 100 ms to two significant digits: 10 ms steps up to
   a second), requests per second, errors (anything but a 200), and the generator's own CPU;
6. alert intake to the station live channel (``bench.live_bench.live_rates``): ``city_officer``'s
   station dashboard listens on ``/stations/<id>/live/`` while alerts are posted to the intake
   API (his DRF token) at each of ``--live-rates`` (5, 20, 50 per second) for ``--live-seconds``
   to villages his station covers: p50/p95/p99 from sending to the event, the intake API's own
   time, failures and lost events;

and in-process again, through the real API views from many threads, each with its own database
connection (``bench.volunteers_bench``):

7. claim storm: ``--claims`` active volunteers of the city's largest teams (1,000; new ones added
   to those teams when they hold too few) claim at once tasks published for them with ``--slots``
   slots in all (100), each task asked for more than it holds: successes (must equal the slots),
   overbookings (must be 0), p50/p95/p99;
8. redemption storm: ``--redemptions`` volunteers redeem rewards of their stations' shops with the
   last ``--stock`` units in stock between them: successes (must equal the stock), oversells and
   balances below zero (must be 0);
9. the SLA sweep over ``--open-clocks`` open orders whose clocks have all run out.

The tiny scale runs every step briefly (two low live rates, small storms, 5 locust users for
5 s), so CI exercises every code path; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.live_bench import redis_flush  # noqa: E402
from bench.scratch import quantiles, recreate_and_migrate, use_scratch_database  # noqa: E402

# How many samples each scale takes: enough for a p95 without making the tiny run slow.
_FULL = {
    "intakes": 300, "page_runs": 30, "recompute_runs": 3, "open_clocks": 10_000, "http_users": 50,
    "http_seconds": 60, "live_rates": (5, 20, 50), "live_seconds": 10, "claims": 1_000, "slots": 100,
    "redemptions": 1_000, "stock": 100, "storm_concurrency": 32,
}  # fmt: skip
SAMPLES: dict[str, dict[str, Any]] = {
    "tiny": {
        "intakes": 30, "page_runs": 5, "recompute_runs": 1, "open_clocks": 500, "http_users": 5,
        "http_seconds": 5, "live_rates": (2, 5), "live_seconds": 2, "claims": 50, "slots": 5,
        "redemptions": 20, "stock": 3, "storm_concurrency": 8,
    },
    "small": _FULL,
    "city": _FULL,
    "10x-busy": {**_FULL, "recompute_runs": 2},
    "10x": {**_FULL, "recompute_runs": 2},
}  # fmt: skip
PAGES = (
    ("station dashboard", "city_officer", "/stations/"),
    ("commander board", "city_commander", "/stations/board/"),
    ("township ranking", "city_official", "/peace/townships/{township}/"),
    ("volunteer task list", "city_volunteer", "/volunteers/"),
    ("dispute ledger", "city_admin", "/disputes/"),
)
REDIS_URL = "redis://127.0.0.1:6379/13"
# locust starts this many users a second (50 users: running within 5 s).
SPAWN_RATE = 10
HUMAN_PACE, SATURATION = "HTTP load: human pace", "HTTP load: saturation"


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
    parser.add_argument(
        "--redis-url", default=REDIS_URL, help="a Redis database of the suite's own (emptied first)"
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"), help="directory of the JSON file")
    parser.add_argument("--drop", action="store_true", help="drop the scratch database afterwards")
    parser.add_argument(
        "--no-jit",
        action="store_true",
        help="measure with PostgreSQL's JIT compilation off (ALTER DATABASE ... SET jit = off)",
    )
    parser.add_argument(
        "--think", type=float, nargs=2, default=[1.0, 5.0], metavar=("MIN", "MAX"),
        help="the human-pace HTTP run: seconds each user waits after an answer (locust's between)",
    )  # fmt: skip
    for key, value in SAMPLES["small"].items():
        many = {"nargs": "+", "type": float} if isinstance(value, tuple) else {"type": int}
        parser.add_argument(f"--{key.replace('_', '-')}", help="override the scale's default", **many)
    args = parser.parse_args(argv)
    samples = {k: v if getattr(args, k) is None else getattr(args, k) for k, v in SAMPLES[args.scale].items()}
    os.environ["DATABASE_URL"] = _database_url(args.database)
    # Every process of the run (this one, gunicorn, the Celery worker) shares this Redis: the
    # live channel is Redis publish/subscribe only when REDIS_URL is set.
    os.environ["REDIS_URL"] = args.redis_url
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
    use_scratch_database(args.database)
    redis_flush(args.redis_url)

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


def _run(args: argparse.Namespace, samples: dict[str, Any]) -> dict[str, Any]:
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
        "results": {}, "phase_s": {},
    }  # fmt: skip
    results, phases = report["results"], report["phase_s"]
    lap = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal lap
        phases[name] = round(time.perf_counter() - lap, 1)
        lap = time.perf_counter()

    orders = _intake(results, samples["intakes"], users)
    _transitions(results, orders, users["city_root"])
    _recompute(results, samples["recompute_runs"])
    _pages(results, samples["page_runs"], users)
    phase("in-process")
    _http(results, samples, users, think=(args.think[0], args.think[1]))
    phase("real stack")
    _storms(results, samples, users)
    phase("storms")
    _sla_sweep(results, samples["open_clocks"])
    phase("SLA sweep")
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
    from governance.months import add_months, current_month
    from peace_index.compute import scores_compute_many, window
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


def _session_cookie(user: Any) -> str:
    """A session row as the login view writes it, so gunicorn's processes find it."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _http(
    results: dict[str, Any], samples: dict[str, Any], users: dict[str, Any], think: tuple[float, float]
) -> None:
    """The real stack once: the two locust runs on the persona pages, then the live-channel rates
    (their alerts would add open orders to the station dashboard the first run measures)."""
    if not samples["http_users"] and not samples["live_rates"]:
        return
    from django.db import connections

    from bench.live_bench import live_rates, stack
    from governance.models import Membership, Region
    from governance.services.tokens import api_token_issue
    from stations.selectors import stations_staffed_by, villages_covered_by

    township = Membership.objects.get(user=users["city_official"]).agency.region
    cookies = {username: _session_cookie(users[username]) for _, username, _ in PAGES}
    personas = [
        {"label": label, "path": url.format(township=township.pk), "cookie": cookies[username]}
        for label, username, url in PAGES
    ]
    officer = users["city_officer"]
    station = stations_staffed_by(officer).order_by("pk").first()
    assert station is not None, "city_officer staffs no station"
    villages = list(
        villages_covered_by(station)
        .filter(level=Region.Level.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)
    )
    token = api_token_issue(user=officer)[1]
    connections.close_all()
    # Two processes per core, as docker-compose runs the web: with one per core, two requests in
    # one process share its interpreter lock while the other core may idle (p95 220 against 180 ms
    # at a human pace on the city, 2026-11-23).
    workers = 2 * max(1, os.cpu_count() or 1)
    with (
        stack(env=dict(os.environ), workers=workers, threads=8) as running,
        tempfile.TemporaryDirectory(prefix="rongzhi-locust-") as folder,
    ):
        _warm(running.base, personas, workers)
        if samples["http_users"]:
            for key, pace in ((HUMAN_PACE, think), (SATURATION, (0.0, 0.0))):
                print(f"{key}: {samples['http_users']} users, {samples['http_seconds']} s ...")
                results[key] = {
                    **_locust(running.base, personas, samples["http_users"], samples["http_seconds"], pace,
                              Path(folder) / key.split(": ")[1].replace(" ", "-")),
                    "gunicorn": running.shape,
                }  # fmt: skip
        for r in live_rates(
            base=running.base, station_id=station.pk, token=token, cookie=cookies["city_officer"],
            villages=villages, rates=samples["live_rates"], seconds=samples["live_seconds"],
        ):  # fmt: skip
            results[f"live channel: {r.rate:g} alerts/s"] = {
                **r.summary(), "seconds": samples["live_seconds"], "station": station.pk,
            }  # fmt: skip


def _warm(base: str, personas: list[dict[str, str]], workers: int) -> None:
    """Each page a few times on every worker's threads, as a running server would have been."""
    import requests

    def get(persona: dict[str, str]) -> int:
        return requests.get(
            base + persona["path"], headers={"Cookie": persona["cookie"]}, timeout=60, allow_redirects=False
        ).status_code

    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        list(pool.map(get, personas * 2 * workers))


def _locust(
    base: str,
    personas: list[dict[str, str]],
    users: int,
    seconds: int,
    think: tuple[float, float],
    prefix: Path,
) -> dict[str, Any]:
    """One headless locust run of ``bench/locustfile.py``; its CSV statistics, per page and overall.
    With no think time the statistics are reset once every user runs (locust's --reset-stats), so
    the requests per second are the steady state's."""
    from importlib.metadata import version

    personas_file = prefix.with_suffix(".personas.json")
    personas_file.write_text(json.dumps(personas, ensure_ascii=False))
    env = {
        **os.environ,
        "BENCH_LOCUST_PERSONAS": str(personas_file),
        "BENCH_LOCUST_THINK": f"{think[0]},{think[1]}",
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--host", base,
        "--users", str(users), "--spawn-rate", str(SPAWN_RATE), "--run-time", f"{seconds}s", "--csv", str(prefix),
        "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    if think[1] <= 0:
        command.append("--reset-stats")
    log = prefix.with_suffix(".log")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            process.wait(timeout=seconds + 60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stats = Path(f"{prefix}_stats.csv")
    rows = list(csv.DictReader(stats.open())) if stats.exists() else []
    # Exit code 1 only says that some request failed, which the statistics count.
    if process.returncode not in (0, 1) or not rows:
        raise RuntimeError(
            f"locust failed (exit {process.returncode}):\n{log.read_text(errors='replace')[-3000:]}"
        )
    failures_file = Path(f"{prefix}_failures.csv")
    failures = list(csv.DictReader(failures_file.open())) if failures_file.exists() else []

    def figures(row: dict[str, str]) -> dict[str, Any]:
        requests, errors = int(row["Request Count"]), int(row["Failure Count"])
        return {
            "p50_ms": _number(row["50%"]), "p95_ms": _number(row["95%"]), "p99_ms": _number(row["99%"]),
            "mean_ms": _number(row["Average Response Time"]), "requests": requests, "errors": errors,
            "error_rate": round(errors / requests, 4) if requests else 0.0,
            "requests_per_second": _number(row["Requests/s"]),
        }  # fmt: skip

    overall = next(r for r in rows if r["Name"] == "Aggregated")
    return {
        "users": users,
        "seconds": seconds,
        "think_s": list(think),
        **figures(overall),
        "pages": {r["Name"]: figures(r) for r in rows if r["Name"] != "Aggregated"},
        "failures": [
            {"page": f["Name"], "error": f["Error"], "occurrences": int(f["Occurrences"])}
            for f in failures[:10]
        ],
        "load_generator": {
            "tool": f"locust {version('locust')} (FastHttpUser, one process)",
            "cpu_s": round(cpu, 1),
            "cpu_percent_of_one_core": round(100 * cpu / seconds, 1),
        },
    }


def _number(value: str) -> float | None:
    """locust's CSV cell: a number, or N/A for a page that got no request."""
    try:
        return round(float(value), 2)
    except ValueError:
        return None


def _storms(results: dict[str, Any], samples: dict[str, Any], users: dict[str, Any]) -> None:
    """The claim and redemption storms on the city's own teams and shops (``bench.volunteers_bench``)."""
    from bench.volunteers_bench import claim_storm, redemption_storm, volunteers_bulk_create
    from volunteers.models import Team, Volunteer

    def pools(by: str) -> list[tuple[Any, list[Any]]]:
        """The active volunteers' users by team or by the team's agency (its shop)."""
        owners: dict[int, Any] = {}
        members: dict[int, list[Any]] = {}
        for v in (
            Volunteer.objects.filter(status=Volunteer.Status.ACTIVE)
            .select_related("user", "team__agency")
            .order_by("pk")
        ):
            owner = v.team if by == "team" else v.team.agency
            owners.setdefault(owner.pk, owner)
            members.setdefault(owner.pk, []).append(v.user)
        return [(owners[pk], members[pk]) for pk in owners]

    added = {"claims": 0, "redemptions": 0}

    def grow_team(team: Any, count: int) -> list[Any]:
        added["claims"] += count
        return volunteers_bulk_create(team, count, prefix="storm")

    def grow_agency(agency: Any, count: int) -> list[Any]:
        added["redemptions"] += count
        team = Team.objects.filter(agency_id=agency.pk).order_by("pk").first()
        return volunteers_bulk_create(team, count, prefix="shop")

    if samples["claims"]:
        plan = _storm_plan(
            pools("team"), requests=samples["claims"], units=samples["slots"], minimum=2, grow=grow_team
        )
        print(
            f"Claim storm: {samples['claims']} volunteers of {len(plan)} teams, {samples['slots']} slots ..."
        )
        results["claim storm"] = {
            **claim_storm(
                actor=users["city_root"], groups=[(team, group, [units]) for team, group, units in plan],
                concurrency=samples["storm_concurrency"],
            ),
            "volunteers_added": added["claims"],
        }  # fmt: skip
    if samples["redemptions"]:
        plan = _storm_plan(
            pools("agency"),
            requests=samples["redemptions"],
            units=samples["stock"],
            minimum=1,
            grow=grow_agency,
        )
        print(
            f"Redemption storm: {samples['redemptions']} volunteers, {samples['stock']} units in {len(plan)} shops ..."
        )
        results["redemption storm"] = {
            **redemption_storm(groups=plan, concurrency=samples["storm_concurrency"]),
            "volunteers_added": added["redemptions"],
        }


def _storm_plan(
    pools: list[tuple[Any, list[Any]]], *, requests: int, units: int, minimum: int,
    grow: Callable[[Any, int], list[Any]],
) -> list[tuple[Any, list[Any], int]]:  # fmt: skip
    """(owner, requesters, units) for a storm of ``requests`` requesters on ``units`` units (slots,
    stock) drawn from ``pools`` (owner, members): the fewest largest pools that hold the
    requesters, but no more than ``units // minimum`` (every task needs two slots, every item one
    unit); the requesters spread as evenly as the pools allow; the units in proportion to the
    requesters, so every pool asks for more than it holds. When those pools hold too few members
    (a small city), ``grow(owner, count)`` adds the rest to them evenly."""
    ordered = sorted(pools, key=lambda p: (-len(p[1]), p[0].pk))
    most = max(1, min(len(ordered), units // minimum))
    chosen: list[tuple[Any, list[Any]]] = []
    while len(chosen) < most and sum(len(m) for _, m in chosen) < requests:
        chosen.append(ordered[len(chosen)])
    if not chosen:
        raise RuntimeError("the city has no active volunteers")
    # Water-filling from the smallest pool up: each takes its even share of what is left, or all.
    takes, left = {}, requests
    for i, (owner, members) in enumerate(sorted(chosen, key=lambda p: (len(p[1]), p[0].pk))):
        takes[owner.pk] = min(len(members), left // (len(chosen) - i))
        left -= takes[owner.pk]
    groups = []
    for j, (owner, members) in enumerate(chosen):
        extra = left // len(chosen) + (1 if j < left % len(chosen) else 0)
        groups.append((owner, members[: takes[owner.pk]] + (grow(owner, extra) if extra else [])))
    shares = _shares(units, [len(g) for _, g in groups], minimum)
    for (owner, group), share in zip(groups, shares, strict=True):
        if not minimum <= share < len(group):
            raise RuntimeError(f"storm plan: {owner} would get {share} units for {len(group)} requesters")
    return [(owner, group, share) for (owner, group), share in zip(groups, shares, strict=True)]


def _shares(total: int, weights: list[int], minimum: int) -> list[int]:
    """``total`` split in proportion to ``weights`` by largest remainders, each share at least
    ``minimum``."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError(f"{total} cannot give {minimum} to each of {len(weights)}")
    exact = [spare * w / sum(weights) for w in weights]
    shares = [int(x) for x in exact]
    behind = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in behind[: spare - sum(shares)]:
        shares[i] += 1
    return [minimum + s for s in shares]


def _sla_sweep(results: dict[str, Any], open_clocks: int) -> None:
    """``open_clocks`` P1 orders dispatched a few minutes ago and never accepted: every clock has
    run out, and one sweep escalates them all (in batches of 5,000, as the beat does).

    The sweep's ``now`` is fixed first, and the clocks that had already run out by then (those of
    the live-channel alerts, still open minutes later) are swept unmeasured, so the measured sweep
    escalates exactly the new orders' clocks whatever the machine's speed."""
    from django.db import connection
    from django.utils import timezone

    from governance.citygen import insert_select
    from stations.models import Alert, DispatchOrder
    from stations.services import sla_sweep

    now = timezone.now()
    earlier = 0
    while n := sla_sweep(now=now, limit=5000):
        earlier += n
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
    while n := sla_sweep(now=now, limit=5000):
        escalated += n
    results["SLA sweep"] = {
        "seconds": round(time.perf_counter() - started, 3), "open_orders": open_clocks, "breaches": escalated,
        "earlier_breaches_swept_first": earlier,
    }  # fmt: skip


def _print(report: dict[str, Any]) -> None:
    rows, results = report["rows"], report["results"]
    print(
        f"\n{report['scale']} city, seed {report['seed']}: {rows['villages']:,} villages, "
        f"{rows['residents']:,} residents, {rows['alerts']:,} alerts, {rows['disputes']:,} disputes, "
        f"{rows['volunteers']:,} volunteers; generated in {report['generate_s']} s; "
        f"database {report.get('database_mb', '?')} MB; "
        + ", ".join(f"{name} {seconds} s" for name, seconds in report["phase_s"].items())
    )
    print(f"\n{'measure (in-process)':62} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'queries':>8}")
    for label, r in results.items():
        if label == "alert intake (service)" or label == "dispatch transitions" or label.startswith("page: "):
            extra = f"  ({r['per_second']}/s)" if "per_second" in r else ""
            status = f"  [HTTP {r['status']}]" if r.get("status", 200) != 200 else ""
            print(
                f"{label:62} {r['p50_ms']:>9.1f} {r['p95_ms']:>9.1f} {r['p99_ms']:>9.1f} "
                f"{r.get('queries', ''):>8}{extra}{status}"
            )
    p = results["peace index full recomputation"]
    print(
        f"{'peace index: all villages, one month':62} {p['seconds']:>8.2f}s  SQL aggregate {p['sql_aggregate_seconds']:.2f}s"
        f"  ratio {p['ratio_to_sql']}"
    )
    for key in (HUMAN_PACE, SATURATION):
        if key not in results:
            continue
        r = results[key]
        pace = f"think {r['think_s'][0]:g}-{r['think_s'][1]:g} s" if r["think_s"][1] > 0 else "no think time"
        g = r["load_generator"]
        print(
            f"\n{key}: {r['users']} users, {pace}, {r['seconds']} s ({r['gunicorn']}; {g['tool']}, "
            f"{g['cpu_percent_of_one_core']}% of a core): {r['requests_per_second']} requests/s, "
            f"{r['errors']} errors of {r['requests']:,} ({r['error_rate']:.2%})"
        )
        print(f"  {'page':60} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}  requests/s, errors")
        for page, f in [*r["pages"].items(), ("all pages", r)]:
            print(
                f"  {page:60} {_ms(f['p50_ms'])} {_ms(f['p95_ms'])} {_ms(f['p99_ms'])}  "
                f"{f['requests_per_second']}/s, {f['errors']} errors"
            )
    live = {k: v for k, v in results.items() if k.startswith("live channel: ")}
    if live:
        print(
            f"\n{'live channel: request sent to the event on the dashboard':62} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}"
        )
        for label, r in live.items():
            print(
                f"{label:62} {r['p50_ms']:>9.1f} {r['p95_ms']:>9.1f} {r['p99_ms']:>9.1f}  {r['alerts']} alerts "
                f"({r['achieved_per_second']}/s), {r['failures']} failed, {r['lost']} lost; "
                f"intake API p95 {r['intake_api']['p95_ms']:.1f} ms"
            )
            for reason, count in r["failure_reasons"].items():
                print(f"  {count} x {reason}")
    for key, units, bad in (
        ("claim storm", "slots", "overbookings"),
        ("redemption storm", "stock", "oversells"),
    ):
        if key in results:
            r = results[key]
            print(
                f"\n{key}: {r['requests']:,} requests ({r['concurrency']} in flight, {r['volunteers_added']} volunteers"
                f" added) on {r[units]} {units}: {r['successes']} successes, {r[bad]} {bad}, other answers "
                f"{r['other_answers'] or 'none'}; p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, "
                f"p99 {r['p99_ms']:.1f} ms, {r['requests_per_second']}/s"
            )
    s = results["SLA sweep"]
    print(
        f"\n{'SLA sweep over ' + format(s['open_orders'], ',') + ' open clocks':62} {s['seconds']:>8.2f}s  breaches {s['breaches']:,}"
    )


def _ms(value: float | None) -> str:
    return f"{value:>9.1f}" if value is not None else f"{'-':>9}"


if __name__ == "__main__":
    main()
