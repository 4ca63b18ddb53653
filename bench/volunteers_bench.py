"""Benchmark of the volunteers app, printed as a table and saved as JSON in bench/results/.

    .venv/bin/python bench/volunteers_bench.py [--small] [--storm 1000] [--slots 100]
        [--stock 20] [--list-volunteers 20000] [--list-tasks 100000] [--concurrency 32]

Seeds the demo county into a scratch database (PostgreSQL ``rongzhi_bench_volunteers`` when it
answers on localhost), then:

(a) claim storm: ``--storm`` active volunteers of one team, each sending one claim request at the
    same moment, against ``--tasks`` tasks holding ``--slots`` free slots between them (the
    volunteers are spread evenly over the tasks, so every task is asked for more than it holds).
    The requests go through the API view (``POST /api/v1/volunteer-tasks/<id>/claim/``: the
    visibility query, the claim service's locks and checks, the serializer, the error shape), each
    from a thread with its own database connection and transaction, ``--concurrency`` in flight
    at once (PostgreSQL's ``max_connections`` is 100 on this machine and shared). Afterwards the
    database is counted: successes must equal the slots, every other answer must be a clear
    "full", and no task may hold more live claims than its capacity.
(b) redemption storm: the same volunteers, each with points enough, redeem the last ``--stock``
    units of one reward of the team's station shop (``POST /api/v1/reward-items/<id>/redeem/``):
    exactly ``--stock`` succeed, the rest are told "out of stock", no unit is sold twice and no
    balance goes below zero.
(c) the volunteer's task list with ``--list-volunteers`` volunteers and ``--list-tasks`` tasks
    (plus claims) bulk-loaded with COPY: the selector, the phone page ``GET /volunteers/`` and
    ``GET /api/v1/volunteer-tasks/?open=true``; time and SQL queries, for a volunteer without
    claims and one holding many (the count must be the same).

``--small`` runs everything at a tenth of the size in a minute or so. ``bench/suite.py`` runs
both storms on its generated city's teams with ``claim_storm``, ``redemption_storm`` and
``volunteers_bulk_create`` from here.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.disputes_bench import _load  # noqa: E402
from bench.scratch import percentiles, quantiles, recreate_and_migrate, use_scratch_database  # noqa: E402

SMALL = {
    "storm": 200,
    "slots": 20,
    "tasks": 4,
    "stock": 5,
    "list_volunteers": 2_000,
    "list_tasks": 10_000,
    "runs": 20,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="a tenth of the sizes, for a quick run")
    parser.add_argument("--storm", type=int, default=1_000, help="volunteers claiming at once")
    parser.add_argument("--slots", type=int, default=100, help="free slots over all storm tasks")
    parser.add_argument("--tasks", type=int, default=10, help="tasks sharing the slots")
    parser.add_argument("--stock", type=int, default=20, help="last units of the reward")
    parser.add_argument("--list-volunteers", type=int, default=20_000)
    parser.add_argument("--list-tasks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (connections)")
    args = parser.parse_args()
    if args.small:
        for key, value in SMALL.items():
            if parser.get_default(key) == getattr(args, key):
                setattr(args, key, value)
    if args.slots % args.tasks or args.slots // args.tasks < 2:
        parser.error("--slots must be a multiple of --tasks, at least two per task (volunteers pair up)")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
    use_scratch_database("rongzhi_bench_volunteers")

    import django

    django.setup()
    from unittest import mock

    from governance.celery import app as celery_app

    # Announcements would need a worker; the benchmark measures the requests themselves.
    celery_app.conf.task_always_eager = False
    recreate_and_migrate()
    from django.utils import translation

    # The answers are compared with the messages' English source.
    translation.activate("en")
    with mock.patch("celery.app.task.Task.delay"):
        _run(args)


def _run(args: argparse.Namespace) -> None:
    from django.contrib.auth.models import User
    from django.db import connection

    from governance.demo import COUNTY_CODE, demo_seed
    from governance.models import Agency, Region
    from volunteers.models import Team
    from volunteers.services import team_create

    demo_seed(seed=2026)
    county = Region.objects.get(code=COUNTY_CODE)
    stations = list(
        Agency.objects.filter(kind=Agency.Kind.POLICE_STATION, region__path__startswith=county.path)
        .select_related("region")
        .order_by("region__code")
    )
    leader = User.objects.get(username="officer")
    station = stations[0]
    team = team_create(actor=None, name="压测义警队", agency=station, region=station.region, leaders=[leader])
    results: dict[str, dict[str, Any]] = {}
    now = datetime.now(UTC)

    storm_users = volunteers_bulk_create(team, args.storm, prefix="storm")
    per_task = args.slots // args.tasks
    results["claim storm"] = claim_storm(
        actor=leader, groups=[(team, storm_users, [per_task] * args.tasks)], concurrency=args.concurrency
    )
    results["redemption storm"] = redemption_storm(
        groups=[(station, storm_users, args.stock)], concurrency=args.concurrency
    )
    teams = [
        Team.objects.create(name=f"压测{n:03d}队", agency=stations[n % len(stations)], region=stations[n % len(stations)].region)
        for n in range(max(1, args.list_volunteers // 100))
    ]  # fmt: skip
    load_s = _load_list_world(args, teams, now)
    results.update(_task_list(args, teams, now))

    print(f"\nDatabase: {connection.vendor}; list world loaded in {load_s:.1f}s\n")
    for name in ("claim storm", "redemption storm"):
        r = results[name]
        print(f"{name}: {r['requests']:,} requests from as many volunteers, {r['concurrency']} in flight")
        for key, value in r.items():
            if key not in ("requests", "concurrency"):
                print(f"  {key:28} {value}")
    print(f"\n{'task list':58} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8} {'rows':>5}")
    for label, f in results.items():
        if "queries" in f:
            print(f"{label:58} {f['p50_ms']:>9.2f} {f['p95_ms']:>9.2f} {f['queries']:>8} {f['rows']:>5}")
    out = ROOT / "bench" / "results" / f"volunteers-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "database": connection.vendor,
                "args": vars(args),
                "load_s": round(load_s, 1),
                "results": results,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"\nSaved {out.relative_to(ROOT)}")


def volunteers_bulk_create(team: Any, count: int, *, prefix: str, star: int = 0) -> list[Any]:
    """``count`` new active volunteers of ``team``, loaded in bulk (the application path is the
    vetting services, which the tests cover; here only their number matters). Usernames are
    ``<prefix>-<team id>-<n>``: one call per prefix and team."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from governance.pii import pii_encrypt, pii_lookup_hash
    from volunteers.models import Volunteer

    users = User.objects.bulk_create(
        [User(username=f"{prefix}-{team.pk}-{n}", password="!") for n in range(count)], batch_size=2000
    )
    now = timezone.now()
    token = pii_encrypt("330802199001011234")
    Volunteer.objects.bulk_create(
        [
            Volunteer(
                user=u, team=team, status=Volunteer.Status.ACTIVE, real_name="张三", phone="13700000000",
                id_number_encrypted=token, id_number_hash=pii_lookup_hash(f"{prefix}-{u.pk}"),
                record_check_consent_at=now, applied_at=now, activated_at=now, star=star,
            )
            for u in users
        ],
        batch_size=2000,
    )  # fmt: skip
    return users


def _storm(
    calls: list[tuple[Any, Any]], *, concurrency: int
) -> tuple[list[tuple[int, dict[str, Any], float]], float]:
    """Run ``calls`` (user, request function) from ``concurrency`` threads, each with its own
    database connection, all released at once. Returns (status, body, ms) per call and the wall
    time in seconds."""
    from django.db import connection

    lanes = [calls[i::concurrency] for i in range(min(concurrency, len(calls)))]
    answers: list[tuple[int, dict[str, Any], float]] = []
    lock = threading.Lock()
    gate = threading.Barrier(len(lanes) + 1)

    def lane(work: list[tuple[Any, Any]]) -> None:
        from django.utils import translation

        translation.activate("en")  # per thread, as the locale middleware does per request
        connection.ensure_connection()
        gate.wait()
        mine = []
        try:
            for user, call in work:
                started = time.perf_counter()
                response = call(user)
                mine.append((response.status_code, response.data, (time.perf_counter() - started) * 1000))
        finally:
            connection.close()
            with lock:
                answers.extend(mine)

    threads = [threading.Thread(target=lane, args=(w,)) for w in lanes]
    for t in threads:
        t.start()
    gate.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return answers, time.perf_counter() - started


# The storm's tasks start after every task the demo seed or the city generator publishes (two
# weeks ahead at most), so no claimant already holds an overlapping claim.
STORM_STARTS_IN = timedelta(days=30)
FULL = "409 This task is full."
OUT_OF_STOCK = "409 This item is out of stock."


def _api_action(viewset: Any, action: str, path: str, pk: int) -> Any:
    """A call of one POST action of the real API view for a given user, as the storms send it."""
    from rest_framework.test import APIRequestFactory, force_authenticate

    view = viewset.as_view({"post": action})

    def call(user: Any) -> Any:
        request = APIRequestFactory().post(path)
        force_authenticate(request, user=user)
        return view(request, pk=str(pk))

    return call


def claim_storm(
    *, actor: Any, groups: list[tuple[Any, list[Any], list[int]]], concurrency: int
) -> dict[str, Any]:
    """For each (team, its volunteers, capacities) group, ``actor`` publishes one task per
    capacity; volunteer i of the group asks for the group's task i mod n. All the claims go
    through the API view (``POST /api/v1/volunteer-tasks/<id>/claim/``) at once, ``concurrency``
    in flight, in a shuffled order. Successes must equal the slots when every task is asked for
    more than it holds, and no task may hold more live claims than its capacity."""
    from volunteers.api.views import TaskViewSet
    from volunteers.models import Claim, Task
    from volunteers.services import TaskInput, task_publish

    starts = datetime.now(UTC).replace(microsecond=0) + STORM_STARTS_IN

    def claim_of(task_id: int) -> Any:
        return _api_action(TaskViewSet, "claim", f"/api/v1/volunteer-tasks/{task_id}/claim/", task_id)

    tasks, calls = [], []
    for team, users, capacities in groups:
        mine = [
            task_publish(
                actor=actor,
                team=team,
                data=TaskInput(
                    kind="event_support", title=f"大型活动安保{len(tasks) + n}", starts_at=starts,
                    ends_at=starts + timedelta(hours=3), place="体育中心", lng=118.87, lat=28.97,
                    capacity=capacity, points=30,
                ),
            )[0]
            for n, capacity in enumerate(capacities)
        ]  # fmt: skip
        tasks += mine
        calls += [(u, claim_of(mine[i % len(mine)].pk)) for i, u in enumerate(users)]
    random.Random(7).shuffle(calls)
    answers, wall = _storm(calls, concurrency=concurrency)
    outcome = Counter(_outcome(status, body) for status, body, _ms in answers)
    overbooked = drift = 0
    for task in Task.objects.filter(pk__in=[t.pk for t in tasks]):
        live = Claim.objects.filter(task=task, status__in=Claim.LIVE).count()
        overbooked += max(0, live - task.capacity)
        drift += live != task.taken
    return {
        "requests": len(answers),
        "concurrency": min(concurrency, len(calls)),
        "teams": len(groups),
        "tasks": len(tasks),
        "slots": sum(t.capacity for t in tasks),
        "successes": outcome["201"],
        "full_answers": outcome[FULL],
        "other_answers": {k: v for k, v in outcome.items() if k not in ("201", FULL)},
        "overbookings": overbooked,
        "tasks_whose_count_drifted": drift,
        "live_claims_in_database": Claim.objects.filter(task__in=tasks, status__in=Claim.LIVE).count(),
        "wall_s": round(wall, 2),
        "requests_per_second": round(len(answers) / wall, 1),
        **quantiles([ms for _s, _b, ms in answers]),
    }


def redemption_storm(*, groups: list[tuple[Any, list[Any], int]], concurrency: int) -> dict[str, Any]:
    """For each (agency, volunteers of its teams, units) group, a reward item of the agency's shop
    with its last ``units`` in stock; every volunteer gets points enough and redeems his group's
    item through the API view (``POST /api/v1/reward-items/<id>/redeem/``), all at once. Exactly
    the stock must sell, the rest be told "out of stock", no unit sold twice, no balance below 0."""
    from django.db.models import Sum
    from django.utils import timezone

    from volunteers.api.views import RewardItemViewSet
    from volunteers.models import PointsEntry, Redemption, Volunteer
    from volunteers.services import reward_item_create

    price = 50

    def redeem_of(item_id: int) -> Any:
        return _api_action(RewardItemViewSet, "redeem", f"/api/v1/reward-items/{item_id}/redeem/", item_id)

    users = [u for _agency, members, _units in groups for u in members]
    volunteers = dict(Volunteer.objects.filter(user__in=users).values_list("user_id", "pk"))
    PointsEntry.objects.bulk_create(
        [
            PointsEntry(volunteer_id=volunteers[u.pk], kind="adjust", amount=price + 10, reason="压测", at=timezone.now())
            for u in users
        ],
        batch_size=2000,
    )  # fmt: skip
    items, calls = [], []
    for agency, members, units in groups:
        item = reward_item_create(actor=None, agency=agency, name="电影票两张", price=price, stock=units)
        items.append((item, units))
        calls += [(u, redeem_of(item.pk)) for u in members]
    random.Random(7).shuffle(calls)
    answers, wall = _storm(calls, concurrency=concurrency)
    outcome = Counter(_outcome(status, body) for status, body, _ms in answers)
    oversold = left = 0
    for item, units in items:
        item.refresh_from_db()
        oversold += max(0, Redemption.objects.filter(item=item).count() - units)
        left += item.stock
    negative = (
        PointsEntry.objects.filter(volunteer_id__in=volunteers.values())
        .values("volunteer")
        .annotate(balance=Sum("amount"))
        .filter(balance__lt=0)
        .count()
    )
    return {
        "requests": len(answers),
        "concurrency": min(concurrency, len(calls)),
        "items": len(items),
        "stock": sum(units for _item, units in items),
        "successes": outcome["201"],
        "out_of_stock_answers": outcome[OUT_OF_STOCK],
        "other_answers": {k: v for k, v in outcome.items() if k not in ("201", OUT_OF_STOCK)},
        "oversells": oversold,
        "stock_left": left,
        "balances_below_zero": negative,
        "wall_s": round(wall, 2),
        "requests_per_second": round(len(answers) / wall, 1),
        **quantiles([ms for _s, _b, ms in answers]),
    }


def _outcome(status: int, body: Any) -> str:
    if status == 201:
        return "201"
    message = body.get("error", {}).get("message", "") if isinstance(body, dict) else ""
    return f"{status} {message}"


def _load_list_world(args: argparse.Namespace, teams: list[Any], now: datetime) -> float:
    """``--list-volunteers`` volunteers in teams of 100, ``--list-tasks`` tasks over five months
    past and one ahead (a tenth cancelled, a tenth needing a star), and claims on most of them."""
    from django.db import connection

    from volunteers.models import Claim, Task, Volunteer

    started = time.perf_counter()
    rng = random.Random(2026)
    members: dict[int, list[int]] = {}
    per_team = args.list_volunteers // len(teams)
    for team in teams:
        users = volunteers_bulk_create(team, per_team, prefix="list", star=rng.choice([0, 0, 1, 2]))
        members[team.pk] = list(Volunteer.objects.filter(user__in=users).values_list("pk", flat=True))
    first_id = (Task.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    kinds = ["patrol", "traffic", "anti_fraud", "flood_patrol", "event_support", "dispute_assist"]
    task_rows, claim_rows = [], []
    for i in range(args.list_tasks):
        pk = first_id + i
        team = teams[i % len(teams)]
        starts = (now + timedelta(minutes=rng.randint(-150 * 1440, 30 * 1440))).replace(
            second=0, microsecond=0
        )
        capacity = rng.randint(2, 8)
        past = starts < now
        taken = rng.randint(0, capacity) if past else rng.randint(0, capacity - 1)
        status = "cancelled" if rng.random() < 0.1 else "published"
        task_rows.append((
            pk, team.pk, rng.choice(kinds), f"任务{pk}", "", starts, starts + timedelta(hours=2), "村委会门口",
            118.87, 28.97, 300, capacity, taken, 1 if rng.random() < 0.1 else 0, 20, status, "", 1, "", now, now,
        ))  # fmt: skip
        if status == "published":
            for v in rng.sample(members[team.pk], taken):
                claim_rows.append((v, pk, "verified" if past else "claimed", starts - timedelta(days=2), 1,
                                   120 if past else 0, now, now))  # fmt: skip
    _load(connection, Task, [
        "id", "team_id", "kind", "title", "description", "starts_at", "ends_at", "place", "lng", "lat", "radius_m",
        "capacity", "taken", "min_star", "points", "status", "recurrence", "version", "cancel_reason", "created_at",
        "updated_at",
    ], task_rows)  # fmt: skip
    _load(connection, Claim, [
        "volunteer_id", "task_id", "status", "claimed_at", "task_version", "minutes", "created_at", "updated_at",
    ], claim_rows)  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('volunteers_task', 'id'), (SELECT max(id) FROM volunteers_task))"
            )
            cursor.execute("ANALYZE")
    print(f"Loaded {args.list_volunteers:,} volunteers, {len(task_rows):,} tasks, {len(claim_rows):,} claims")
    return time.perf_counter() - started


def _task_list(args: argparse.Namespace, teams: list[Any], now: datetime) -> dict[str, dict[str, Any]]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from volunteers.models import Volunteer
    from volunteers.selectors import tasks_open_for

    ranked = Volunteer.objects.filter(team__in=teams).annotate(
        live=Count("claims", filter=Q(claims__status="claimed"))
    )
    idle = ranked.order_by("live", "pk").first()
    busy = ranked.order_by("-live", "pk").first()
    assert idle is not None and busy is not None
    results: dict[str, dict[str, Any]] = {}
    for who, volunteer in (("no claims", idle), (f"{busy.live} live claims", busy)):  # type: ignore[attr-defined]
        user = User.objects.get(pk=volunteer.user_id)
        client = Client()
        client.force_login(user)

        def selector(v: Volunteer = volunteer) -> int:
            fresh = Volunteer.objects.select_related("team").get(pk=v.pk)
            return len(list(tasks_open_for(fresh, now=datetime.now(UTC))[:50]))

        def page(c: Client = client) -> int:
            response = c.get("/volunteers/")
            assert response.status_code == 200, response.status_code
            return response.content.count(b'data-testid="task"')

        def api(c: Client = client) -> int:
            response = c.get("/api/v1/volunteer-tasks/?open=true")
            assert response.status_code == 200, response.status_code
            return len(response.json()["results"])

        for label, measure in (
            (f"tasks_open_for(), first 50, volunteer with {who}", selector),
            (f"GET /volunteers/ (phone page), volunteer with {who}", page),
            (f"GET /api/v1/volunteer-tasks/?open=true, volunteer with {who}", api),
        ):
            measure()  # warm, as a running server would be
            samples = []
            for _ in range(args.runs):
                t = time.perf_counter()
                rows = measure()
                samples.append((time.perf_counter() - t) * 1000)
            results[label] = dict(percentiles(samples))
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as q:
                measure()
            results[label].update(queries=len(q), rows=rows)
    return results


if __name__ == "__main__":
    main()
