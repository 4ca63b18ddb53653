"""The volunteers' share of the benchmark city (``governance.citygen``): teams under the
township police stations and their volunteers, then a year of tasks and claims, generated inside
PostgreSQL."""

# ruff: noqa: S608 (the SQL is assembled from this module's constants, integers and dates, never from input)
from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import connection

from governance.citygen import SURNAMES, City, insert_select
from governance.demo import resident_id_number
from governance.models import Profile
from governance.pii import protect_resident_id
from volunteers.models import Claim, Task, Team, Volunteer

# Its place among the apps' parts (governance.contributions): its teams draw from the seed's
# random stream after the stations (``city.rng``), so the order is part of the city a seed gives.
ORDER = 30

TASK_KINDS = {
    "patrol": 40, "traffic": 15, "school_gate": 20, "anti_fraud": 10, "flood_patrol": 5, "event_support": 6,
    "dispute_assist": 3, "missing_person": 1,
}  # fmt: skip


def build_structure(city: City) -> None:
    """The teams, round the townships' police stations, and their volunteers (one may log in)."""
    size, rng = city.size, city.rng
    teams = []
    for n in range(size.teams):
        township = city.townships[n % len(city.townships)]
        teams.append(
            Team(name=f"{township.name}义警{n // len(city.townships) + 1}队", agency=city.police_of[township.pk],
                 region=township)
        )  # fmt: skip
    teams = Team.objects.bulk_create(teams)
    teams[0].leaders.add(city.users["city_officer"])
    city.step("volunteer teams", len(teams))
    unusable = make_password(None)
    users = [
        User(username=f"vol{n:06d}", password=unusable, is_active=True, date_joined=city.now)
        for n in range(1, size.volunteers + 1)
    ]
    users = User.objects.bulk_create(users, batch_size=5000)
    # One volunteer may log in, to measure the phone's task list.
    users[0].username = "city_volunteer"
    users[0].set_password(city.password)
    users[0].save(update_fields=["username", "password"])
    city.logins["city_volunteer"] = "volunteer"
    city.users["city_volunteer"] = users[0]
    names, profiles, volunteers = [], [], []
    born0 = date(1966, 1, 1)
    for n, user in enumerate(users):
        name = (
            rng.choice(SURNAMES)
            + rng.choice("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华")
            + (rng.choice("林华明红国建") if rng.random() < 0.6 else "")
        )
        names.append(name)
        profiles.append(Profile(user=user, real_name=name))
        team = teams[0] if n == 0 else rng.choice(teams)
        county_code = team.region.code[:6]
        id_number = resident_id_number(
            region=county_code, born=born0 + timedelta(days=n // 400), sequence=n % 400 * 2 + 1
        )
        encrypted, lookup = protect_resident_id(id_number)
        status = (
            "active"
            if n == 0 or rng.random() < 0.9
            else rng.choice(["applied", "vetted", "retired", "suspended"])
        )
        applied = city.now - timedelta(days=rng.randint(30, 1500))
        volunteers.append(
            Volunteer(
                user=user, team=team, status=status, real_name=name, phone="", id_number_encrypted=encrypted,
                id_number_hash=lookup, record_check_consent_at=applied, applied_at=applied,
                vetted_at=applied + timedelta(days=7) if status != "applied" else None,
                activated_at=applied + timedelta(days=10) if status in ("active", "retired", "suspended") else None,
                star=min(5, int(rng.expovariate(0.8))),
            )
        )  # fmt: skip
    Profile.objects.bulk_create(profiles, batch_size=5000)
    Volunteer.objects.bulk_create(volunteers, batch_size=5000)
    city.step("volunteers", len(volunteers))


def build_history(city: City) -> None:
    """A year of tasks (a few published for the next two weeks) and their claims."""
    h = city.h
    teams = "(SELECT array_agg(t.id ORDER BY t.id) AS ids, count(*) AS n FROM volunteers_team t) tm"
    team = f"tm.ids[1 + {h('g', 50, city.size.teams)}]"
    # Of a year's tasks, 95% in the past, the rest published for the next two weeks.
    starts = (
        f"CASE WHEN {h('g', 51, 100 * city.size.years)} >= 5 THEN date_trunc('day', {city.at('g', 52)}) + interval '7 hours'"
        f" + {h('g', 53, 12)} * interval '1 hour'"
        f" ELSE '{city.now.isoformat()}'::timestamptz + (1 + {h('g', 54, 14 * 24)}) * interval '1 hour' END"
    )
    tasks = insert_select(
        connection, Task, {
            "team_id": "x.team", "kind": h.pick("x.g", 55, TASK_KINDS),
            "title": "(ARRAY['夜间巡逻','护学岗','反诈宣传','交通疏导','汛期巡河','活动安保'])[1 + " + h("x.g", 56, 6) + "]",
            "starts_at": "x.starts", "ends_at": "x.starts + interval '2 hours'",
            "place": "r.name || '村委会门口'",
            "lng": "(r.min_lng + r.max_lng) / 2", "lat": "(r.min_lat + r.max_lat) / 2",
            "capacity": f"2 + {h('x.g', 57, 9)}", "points": f"10 + 5 * {h('x.g', 58, 4)}",
            "status": f"CASE WHEN {h('x.g', 59, 50)} = 0 THEN 'cancelled' ELSE 'published' END",
            "created_at": "x.starts - interval '3 days'", "updated_at": "x.starts - interval '3 days'",
        },
        f"(SELECT g, {team} AS team, {starts} AS starts FROM generate_series(1, {city.size.tasks}) g, {teams}) x"
        " JOIN volunteers_team t ON t.id = x.team JOIN governance_region r ON r.id = t.region_id",
    )  # fmt: skip
    city.step("volunteer tasks", tasks)
    # Slots: a past task was mostly filled, a future one partly; each claim a different
    # active volunteer of the team (consecutive places in the team's list from a hashed start).
    past = f"t.starts_at < '{city.now.isoformat()}'::timestamptz"
    live_past = (
        f"CASE WHEN {h('t.id * 16 + k', 60, 100)} < 78 THEN 'verified' WHEN {h('t.id * 16 + k', 60, 100)} < 88"
        " THEN 'no_show' WHEN t.status = 'cancelled' THEN 'called_off' ELSE 'cancelled' END"
    )
    live_future = f"CASE WHEN {h('t.id * 16 + k', 61, 100)} < 90 THEN 'claimed' ELSE 'cancelled' END"
    claims = insert_select(
        connection, Claim, {
            "volunteer_id": f"tv.ids[1 + ({h('t.id', 62)} + k) % tv.n]", "task_id": "t.id",
            "status": f"CASE WHEN t.status = 'cancelled' THEN 'called_off' WHEN {past} THEN {live_past}"
                      f" ELSE {live_future} END",
            "claimed_at": "t.starts_at - interval '2 days'",
            "checked_in_at": f"CASE WHEN {past} AND {h('t.id * 16 + k', 60, 100)} < 78 THEN t.starts_at END",
            "checked_out_at": f"CASE WHEN {past} AND {h('t.id * 16 + k', 60, 100)} < 78 THEN t.ends_at END",
            "minutes": f"CASE WHEN {past} AND {h('t.id * 16 + k', 60, 100)} < 78 THEN 120 ELSE 0 END",
            "verified_at": f"CASE WHEN {past} AND {h('t.id * 16 + k', 60, 100)} < 78 THEN t.ends_at + interval '1 hour' END",
            "created_at": "t.starts_at - interval '2 days'", "updated_at": "t.starts_at",
        },
        "volunteers_task t JOIN (SELECT team_id, array_agg(id ORDER BY id) AS ids, count(*) AS n"
        " FROM volunteers_volunteer WHERE status = 'active' GROUP BY team_id) tv ON tv.team_id = t.team_id,"
        f" generate_series(0, 15) k WHERE k < least(tv.n, CASE WHEN {past} THEN t.capacity"
        f" ELSE {h('t.id', 63)} % (t.capacity + 1) END)",
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE volunteers_task t SET taken = c.n FROM (SELECT task_id, count(*) AS n FROM volunteers_claim"
            " WHERE status IN ('claimed', 'checked_in', 'checked_out', 'verified') GROUP BY task_id) c"
            " WHERE c.task_id = t.id"
        )
    city.step("volunteer claims", claims)
