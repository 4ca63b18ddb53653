"""A synthetic city for benchmarks and load tests, generated reproducibly from a seed.

The full size is the city of DESIGN.md section 10 (a prefecture like Quzhou): 6 counties, about
100 townships, 2,000 villages with square boundaries and about 3 million residents, 300 stations,
130 volunteer teams with 20,000 volunteers, and a year of history (500,000 alerts with their
dispatch orders, 50,000 disputes with parties and follow-ups, volunteer tasks and claims,
criminal cases, petitions, surveys) plus a published peace-index methodology per county.

The tree, agencies, stations, teams and volunteers are written with ``bulk_create`` (a few
thousand rows, planned in Python from the seed); the history is generated inside PostgreSQL with
``INSERT ... SELECT`` over ``generate_series`` (``insert_select``), its randomness a hash of the
row number and the seed, so the same seed (and ``now``) gives the same city, and the full city
loads in about a minute. Scales: ``tiny`` (CI), ``small`` (the whole structure, a tenth of the
history), ``city``, ``10x`` (ten years of the same city's history) and ``10x-busy`` (a city ten
times as busy, in one year). Dispatch orders younger than 90 minutes are open, older ones closed;
disputes older than a year have ended. The rows are synthetic and written straight to the tables: no notification is sent, no audit
event is written for them, and the peace-index scores are not computed (the suite does that).
"""

# ruff: noqa: S608 (the SQL is assembled from this module's constants, integers and dates, never from input)
from __future__ import annotations

import dataclasses
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction

from governance import jurisdiction_cache

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The generated logins' password: a scratch database for benchmarks, never a real deployment.
DEFAULT_PASSWORD = "city-password-1"  # noqa: S105
# The city's extent (roughly Quzhou's): counties are strips west to east, townships rows in them.
WEST, EAST, SOUTH, NORTH = 118.0, 119.4, 28.2, 29.5


@dataclass(frozen=True)
class CitySize:
    counties: int
    townships: int
    villages: int
    population: int
    stations: int
    teams: int
    volunteers: int
    alerts: int
    disputes: int
    tasks: int
    cases: int
    petitions: int
    # The history is spread over this many years before now (the same daily rate times ``years``
    # when the counts are scaled with it).
    years: int = 1


CITY = CitySize(
    counties=6, townships=100, villages=2_000, population=3_000_000, stations=300, teams=130,
    volunteers=20_000, alerts=500_000, disputes=50_000, tasks=20_000, cases=15_000, petitions=10_000,
)  # fmt: skip
SCALES: dict[str, CitySize] = {
    # CI: a county's worth of structure and a few thousand rows of history.
    "tiny": CitySize(
        counties=2,
        townships=6,
        villages=60,
        population=90_000,
        stations=9,
        teams=4,
        volunteers=200,
        alerts=5_000,
        disputes=500,
        tasks=200,
        cases=150,
        petitions=100,
    ),
    # The whole structure of the city, a tenth of its people's history.
    "small": CitySize(
        counties=6,
        townships=100,
        villages=2_000,
        population=3_000_000,
        stations=300,
        teams=130,
        volunteers=2_000,
        alerts=50_000,
        disputes=5_000,
        tasks=2_000,
        cases=1_500,
        petitions=1_000,
    ),
    "city": CITY,
    # Ten years of the same city's history: what grows with the data and what stays flat.
    "10x": dataclasses.replace(
        CITY,
        alerts=5_000_000,
        disputes=500_000,
        tasks=200_000,
        cases=150_000,
        petitions=100_000,
        years=10,
    ),
    # A city ten times as busy: ten times the alerts, disputes and tasks in one year.
    "10x-busy": dataclasses.replace(
        CITY, alerts=5_000_000, disputes=500_000, tasks=200_000, cases=150_000, petitions=100_000
    ),
}

# Weighted mixes; each list is repeated by weight into a 100-element SQL array.
ALERT_CHANNELS = {"110": 55, "12345": 20, "hotline": 5, "grid": 7, "walk_in": 5, "volunteer": 2, "online": 6}
ALERT_CATEGORIES = {
    "criminal": 8, "public_order": 20, "traffic": 22, "dispute": 24, "help": 16, "fire_disaster": 3,
    "non_police": 7,
}  # fmt: skip
# Hour of day (Asia/Shanghai): a trough before dawn, a morning rise, the evening peak.
HOURLY = [3, 2, 2, 1, 1, 2, 3, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 8, 9, 9, 8, 6, 4]
# Month of year: the Spring Festival (family, lending), the summer nights (public order, traffic).
MONTHLY = [11, 9, 8, 8, 9, 10, 12, 12, 9, 10, 8, 9]
WEEKDAY = [10, 10, 10, 10, 11, 12, 11]
ORDER_OPEN_MIX = {"dispatched": 20, "accepted": 20, "contacted": 20, "on_scene": 20, "handling": 20}
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
TASK_KINDS = {
    "patrol": 40, "traffic": 15, "school_gate": 20, "anti_fraud": 10, "flood_patrol": 5, "event_support": 6,
    "dispute_assist": 3, "missing_person": 1,
}  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
COUNTY_NAMES = ["柯城区", "衢江区", "龙游县", "江山市", "常山县", "开化县"]


def insert_select(connection: Any, model: type[models.Model], given: dict[str, str], source: str) -> int:
    """INSERT INTO <model> (...) SELECT ... FROM <source>: ``given`` maps columns to SQL
    expressions; every other NOT NULL column gets the empty value of its type (or its default)."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.column not in given:
            continue
        column = field.column
        if column in given:
            expression = given[column]
        elif field.null:
            continue
        elif isinstance(field, models.BooleanField):
            expression = "true" if field.default is True else "false"
        elif isinstance(field, models.JSONField):
            expression = "'[]'::jsonb" if field.default is list else "'{}'::jsonb"
        elif isinstance(field, models.DateTimeField):
            expression = "now()"
        elif isinstance(field, models.DateField):
            expression = "current_date"
        elif isinstance(field, models.DecimalField | models.IntegerField | models.FloatField):
            expression = str(field.default) if isinstance(field.default, int | float) else "0"
        elif isinstance(field, models.CharField | models.TextField) and isinstance(field.default, str):
            expression = "'" + field.default.replace("'", "''") + "'"
        else:
            expression = "''"
        columns.append(f'"{column}"')
        values.append(expression)
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.rowcount


def _mix(weights: dict[str, int]) -> str:
    """A 100-element SQL text array holding each value as often as its weight (in per cent)."""
    total = sum(weights.values())
    items: list[str] = []
    for value, weight in weights.items():
        items += [value] * round(100 * weight / total)
    items = (items + [next(iter(weights))] * 100)[:100]
    return "(ARRAY[" + ",".join(f"'{v}'" for v in items) + "])"


class _Hash:
    """Deterministic pseudo-random integers in SQL: a hash of a row key, a salt and the seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def __call__(self, key: str, salt: int, modulo: int | None = None) -> str:
        expression = (
            f"(hashint8(({key})::bigint * 7919 + {salt * 104729 + self.seed * 1_000_003}) & 2147483647)"
        )
        return f"({expression} % {modulo})" if modulo else expression

    def pick(self, key: str, salt: int, weights: dict[str, int]) -> str:
        return f"{_mix(weights)}[1 + {self(key, salt, 100)}]"


@dataclass
class CityResult:
    seed: int
    scale: str
    seconds: float
    counts: dict[str, int]
    logins: dict[str, str]
    size: dict[str, int]


def city_generate(
    *,
    seed: int,
    size: CitySize,
    scale: str = "",
    password: str = DEFAULT_PASSWORD,
    now: datetime | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> CityResult:
    """Write the city into an empty PostgreSQL database, in one transaction."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The city generator needs PostgreSQL (INSERT ... SELECT over generate_series).")
    from governance.models import Region

    if Region.objects.exists():
        raise RuntimeError("The database already holds regions: generate the city into a fresh one.")
    now = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    started = time.perf_counter()
    with transaction.atomic():
        gen = _Generator(seed=seed, size=size, password=password, now=now, log=log)
        gen.run()
    # The tree, agencies and memberships went in by bulk_create, which sends no signal.
    jurisdiction_cache.invalidate()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return CityResult(
        seed=seed,
        scale=scale,
        seconds=round(time.perf_counter() - started, 1),
        counts=gen.counts,
        logins=gen.logins,
        size=asdict(size),
    )


class _Generator:
    def __init__(
        self, *, seed: int, size: CitySize, password: str, now: datetime, log: Callable[[str], None]
    ) -> None:
        self.seed, self.size, self.password, self.now, self.log = seed, size, password, now, log
        self.rng = random.Random(seed)
        self.h = _Hash(seed)
        self.counts: dict[str, int] = {}
        self.logins: dict[str, str] = {}
        self.lap = time.perf_counter()

    def step(self, label: str, count: int) -> None:
        self.counts[label] = count
        self.log(f"  {label:28} {count:>10,}  {time.perf_counter() - self.lap:6.1f} s")
        self.lap = time.perf_counter()

    def run(self) -> None:
        self.regions()
        self.agencies_and_stations()
        self.people()
        self.volunteers()
        self.temp_tables()
        self.alerts_and_orders()
        self.disputes()
        self.tasks_and_claims()
        self.peace_index()

    # -- the region tree -------------------------------------------------------------------------

    def regions(self) -> None:
        from governance.models import Region
        from governance.services.regions import region_create

        L, size, rng = Region.Level, self.size, self.rng
        province = region_create(actor=None, code="330000", name="浙江省", level=L.PROVINCE)
        city = region_create(actor=None, code="330800", name="衢州市", level=L.CITY, parent=province)
        townships_of = _split(size.townships, size.counties, rng, spread=0.2)
        self.counties: list[Region] = []
        self.townships: list[Region] = []
        self.villages: list[Region] = []
        strip = (EAST - WEST) / size.counties
        county_rows, township_plan = [], []
        for ci in range(size.counties):
            code = f"3308{ci + 1:02d}"
            west, east = WEST + ci * strip, WEST + (ci + 1) * strip
            county_rows.append(
                _region(
                    code, _county_name(ci), L.COUNTY, city, f"{city.path}{code}/", (west, SOUTH, east, NORTH)
                )
            )
        self.counties = Region.objects.bulk_create(county_rows)
        rows = []
        for county, n in zip(self.counties, townships_of, strict=True):
            west, south, east, north = _bbox(county)
            height = (north - south) / n
            for ti in range(n):
                code = f"{county.code}{ti + 1:03d}000"
                box = (west, south + ti * height, east, south + (ti + 1) * height)
                name = f"{county.name[:2]}{'街道' if ti < 2 else '镇' if ti % 3 else '乡'}{ti + 1}"
                rows.append(_region(code, name, L.TOWNSHIP, county, f"{county.path}{code}/", box))
                township_plan.append(ti)
        self.townships = Region.objects.bulk_create(rows)
        villages_of = _split(size.villages, size.townships, rng, spread=0.5)
        weights, plans = [], []
        for township, n, ti in zip(self.townships, villages_of, township_plan, strict=True):
            west, south, east, north = _bbox(township)
            cols = math.ceil(math.sqrt(n))
            nrows = math.ceil(n / cols)
            dx, dy = (east - west) / cols, (north - south) / nrows
            seat = ti < 2  # the first two townships of a county are its seat's urban streets
            for vi in range(n):
                c, r = vi % cols, vi // cols
                box = (west + c * dx, south + r * dy, west + (c + 1) * dx, south + (r + 1) * dy)
                if seat:
                    klass = "111" if vi % 5 else "112"
                elif vi == 0:
                    klass = "121" if ti % 3 else "210"
                else:
                    klass = "220" if vi % 7 else "122"
                weight = rng.lognormvariate(0, 0.5) * (3.0 if klass.startswith("1") else 1.0)
                weights.append(weight)
                plans.append((township, vi, klass, box))
        total = sum(weights)
        rows = []
        for (township, vi, klass, box), weight in zip(plans, weights, strict=True):
            code = f"{township.code[:9]}{vi + 1:03d}"
            population = max(150, round(size.population * weight / total))
            name = f"{'社区' if klass.startswith('1') else '村'}{code[-6:]}"
            region = _region(code, name, L.VILLAGE, township, f"{township.path}{code}/", box)
            region.urban_rural, region.population = klass, population
            region.households = round(population / 2.7)
            rows.append(region)
        self.villages = Region.objects.bulk_create(rows, batch_size=2000)
        # Townships and counties carry the sums of their villages, as the statistics yearbook does.
        with connection.cursor() as cursor:
            for level in (L.TOWNSHIP, L.COUNTY, L.CITY, L.PROVINCE):
                cursor.execute(
                    "UPDATE governance_region p SET population = s.pop, households = s.hh FROM ("
                    " SELECT a.id, sum(v.population) AS pop, sum(v.households) AS hh FROM governance_region a"
                    " JOIN governance_region v ON v.level = 5 AND v.path LIKE a.path || '%%'"
                    " WHERE a.level = %s GROUP BY a.id) s WHERE p.id = s.id",
                    [int(level)],
                )
        self.step("regions", 2 + len(self.counties) + len(self.townships) + len(self.villages))
        self.counts["villages"] = len(self.villages)
        self.counts["residents"] = sum(v.population for v in self.villages)

    # -- agencies, stations ----------------------------------------------------------------------

    def agencies_and_stations(self) -> None:
        from governance.models import Agency
        from stations.models import Station

        K = Agency.Kind
        agencies: list[tuple[Agency, Any]] = []
        for county in self.counties:
            short = county.name[:2]
            for kind, name in (
                (K.PUBLIC_SECURITY_BUREAU, f"{short}公安分局"),
                (K.POLITICAL_LEGAL_COMMITTEE, f"{short}政法委"),
                (K.JUDICIAL_OFFICE, f"{short}司法局"),
                (K.PETITION_OFFICE, f"{short}信访局"),
            ):
                agencies.append((Agency(name=name, kind=kind, region=county), county))
        for township in self.townships:
            for kind, name in (
                (K.POLICE_STATION, f"{township.name}派出所"),
                (K.TOWNSHIP_GOVERNMENT, f"{township.name}人民政府"),
                (K.MEDIATION_COMMITTEE, f"{township.name}人民调解委员会"),
                (K.JUDICIAL_OFFICE, f"{township.name}司法所"),
            ):
                agencies.append((Agency(name=name, kind=kind, region=township), township))
        created = Agency.objects.bulk_create([a for a, _ in agencies])
        Served = Agency.served_regions.through
        Served.objects.bulk_create(
            [Served(agency_id=a.pk, region_id=r.pk) for a, (_, r) in zip(created, agencies, strict=True)]
        )
        self.agencies = created
        self.police_of = {a.region_id: a for a in created if a.kind == K.POLICE_STATION}
        self.government_of = {a.region_id: a for a in created if a.kind == K.TOWNSHIP_GOVERNMENT}
        self.psb_of = {a.region_id: a for a in created if a.kind == K.PUBLIC_SECURITY_BUREAU}
        self.plc_of = {a.region_id: a for a in created if a.kind == K.POLITICAL_LEGAL_COMMITTEE}
        self.step("agencies", len(created))

        villages_of: dict[int | None, list[Any]] = {}
        for v in self.villages:
            villages_of.setdefault(v.parent_id, []).append(v)
        per_township = _split(self.size.stations, len(self.townships), self.rng, spread=0.0)
        stations, covered = [], []
        for township, k in zip(self.townships, per_township, strict=True):
            villages = villages_of.get(township.pk, [])
            k = max(1, min(k, len(villages)))
            for si, group in enumerate(_chunks(villages, k)):
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
                        police_agency=self.police_of[township.pk],
                        region=group[0],
                    )
                )
                covered.append(group)
        self.stations = Station.objects.bulk_create(stations)
        Covered = Station.covered_regions.through
        Covered.objects.bulk_create(
            [
                Covered(station_id=s.pk, region_id=v.pk)
                for s, group in zip(self.stations, covered, strict=True)
                for v in group
            ],
            batch_size=5000,
        )
        Stationed = Station.stationed_agencies.through
        Stationed.objects.bulk_create(
            [
                Stationed(station_id=s.pk, agency_id=self.government_of[s.police_agency.region_id].pk)
                for s in self.stations
                if s.kind == Station.Kind.TOWNSHIP_WORKSTATION
            ]
        )
        self.station_of_village = {
            v.pk: s.pk for s, group in zip(self.stations, covered, strict=True) for v in group
        }
        self.step("stations", len(self.stations))

    # -- logins ----------------------------------------------------------------------------------

    def people(self) -> None:
        from django.contrib.auth.models import User

        from governance.models import Membership
        from governance.services.people import membership_create, person_create

        R = Membership.Role
        county, township = self.counties[0], self.townships[0]
        plan = (
            ("city_root", "管理员", None, None),
            ("city_admin", "县管理员", self.plc_of[county.pk], R.COUNTY_ADMIN),
            ("city_commander", "指挥长", self.psb_of[county.pk], R.COMMANDER),
            ("city_officer", "民警", self.police_of[township.pk], R.OFFICER),
            ("city_official", "乡镇干部", self.government_of[township.pk], R.TOWNSHIP_OFFICIAL),
        )
        self.users: dict[str, User] = {}
        for username, real_name, agency, role in plan:
            user = person_create(actor=None, username=username, real_name=real_name, password=self.password)
            if agency is None:
                User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
                user.is_superuser = user.is_staff = True
            else:
                assert role is not None
                membership_create(actor=None, user=user, agency=agency, role=role)
            self.users[username] = user
            self.logins[username] = role or "superuser"
        self.step("logins", len(plan))

    # -- volunteer teams and volunteers ----------------------------------------------------------

    def volunteers(self) -> None:
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import User

        from governance.demo import resident_id_number
        from governance.models import Profile
        from governance.pii import protect_resident_id
        from volunteers.models import Team, Volunteer

        size, rng = self.size, self.rng
        teams = []
        for n in range(size.teams):
            township = self.townships[n % len(self.townships)]
            teams.append(
                Team(name=f"{township.name}义警{n // len(self.townships) + 1}队", agency=self.police_of[township.pk],
                     region=township)
            )  # fmt: skip
        self.teams = Team.objects.bulk_create(teams)
        self.teams[0].leaders.add(self.users["city_officer"])
        self.step("volunteer teams", len(self.teams))
        unusable = make_password(None)
        users = [
            User(username=f"vol{n:06d}", password=unusable, is_active=True, date_joined=self.now)
            for n in range(1, size.volunteers + 1)
        ]
        users = User.objects.bulk_create(users, batch_size=5000)
        # One volunteer may log in, to measure the phone's task list.
        users[0].username = "city_volunteer"
        users[0].set_password(self.password)
        users[0].save(update_fields=["username", "password"])
        self.logins["city_volunteer"] = "volunteer"
        self.users["city_volunteer"] = users[0]
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
            team = self.teams[0] if n == 0 else rng.choice(self.teams)
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
            applied = self.now - timedelta(days=rng.randint(30, 1500))
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
        self.step("volunteers", len(volunteers))

    # -- the time and place tables the history is drawn from -------------------------------------

    def temp_tables(self) -> None:
        """``citygen_slot``: every hour of the history, repeated by its weight (hour of day, day
        of week, month), so a uniform pick is a realistic moment. ``citygen_pick``: every village,
        repeated by its population, with its county, station and centre."""
        start = self.now - timedelta(days=365 * self.size.years)
        slots: list[datetime] = []
        for k in range(365 * 24 * self.size.years):
            at = start + timedelta(hours=k)
            local = at + timedelta(hours=8)
            weight = HOURLY[local.hour] * WEEKDAY[local.weekday()] * MONTHLY[local.month - 1]
            slots += [at] * max(1, round(weight / 100))
        picks: list[tuple[int, Any, Any, float, float]] = []
        county_of: dict[Any, Any] = {t.pk: t.parent_id for t in self.townships}
        for v in self.villages:
            lng, lat = (v.min_lng + v.max_lng) / 2, (v.min_lat + v.max_lat) / 2  # type: ignore[operator]
            entry = (v.pk, county_of[v.parent_id], self.station_of_village.get(v.pk), lng, lat)
            picks += [entry] * max(1, round(v.population / 250))
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS citygen_slot, citygen_pick")
            cursor.execute("CREATE TEMP TABLE citygen_slot (k serial PRIMARY KEY, at timestamptz)")
            cursor.execute("INSERT INTO citygen_slot (at) SELECT unnest(%s::timestamptz[])", [slots])
            cursor.execute(
                "CREATE TEMP TABLE citygen_pick (k serial PRIMARY KEY, village int, county int, station int,"
                " lng float8, lat float8)"
            )
            cursor.execute(
                "INSERT INTO citygen_pick (village, county, station, lng, lat)"
                " SELECT * FROM unnest(%s::int[], %s::int[], %s::int[], %s::float8[], %s::float8[])",
                [list(column) for column in zip(*picks, strict=True)],
            )
        self.slots = len(slots)
        self.picks = len(picks)

    def _at(self, key: str, salt: int) -> str:
        """A moment of the past year for row ``key``, following the city's rhythms."""
        return (
            f"((SELECT at FROM citygen_slot WHERE k = 1 + {self.h(key, salt, self.slots)})"
            f" + ({self.h(key, salt + 1, 3600)} || ' seconds')::interval)"
        )

    def _pick(self, key: str, salt: int) -> str:
        return f"citygen_pick p ON p.k = 1 + {self.h(key, salt, self.picks)}"

    # -- alerts and their dispatch orders --------------------------------------------------------

    def alerts_and_orders(self) -> None:
        from stations.models import Alert, DispatchOrder

        h = self.h
        category = h.pick("g", 2, ALERT_CATEGORIES)
        source = (
            f"(SELECT g, {self._at('g', 10)} AS at, {category} AS category FROM generate_series(1, {self.size.alerts}) g) x"
            f" JOIN {self._pick('x.g', 3)}"
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
        self.step("alerts", alerts)
        # What each order reached, by its age: today's are open, the rest closed (a few followed up).
        status = (
            f"CASE WHEN a.received_at > '{self.now.isoformat()}'::timestamptz - interval '90 minutes'"
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
        self.step("dispatch orders", orders)

    # -- disputes --------------------------------------------------------------------------------

    def disputes(self) -> None:
        from disputes.models import Dispute, FollowUp, Party

        h = self.h
        ended = str(ENDED_DISPUTE_STATUSES)
        resolved = "('closed', 'performing', 'follow_up', 'breach', 'agreement')"
        # A case registered more than a year ago has ended, whatever the mix of this year's.
        ended_mix = {k: v for k, v in DISPUTE_STATUSES.items() if k in ENDED_DISPUTE_STATUSES}
        source = (
            f"(SELECT y.*, CASE WHEN y.at < '{self.now.isoformat()}'::timestamptz - interval '1 year'"
            f" THEN {h.pick('y.g', 31, ended_mix)} ELSE {h.pick('y.g', 31, DISPUTE_STATUSES)} END AS status"
            f" FROM (SELECT g, {self._at('g', 30)} AS at,"
            f" CASE WHEN {h('g', 32, 100)} < 64 THEN 1 WHEN {h('g', 32, 100)} < 92 THEN 2"
            f"      WHEN {h('g', 32, 100)} < 99 THEN 3 ELSE 4 END AS tier"
            f" FROM generate_series(1, {self.size.disputes}) g) y) x JOIN {self._pick('x.g', 33)}"
        )
        open_deadline = {1: "3 days", 2: "7 days", 3: "15 days", 4: "30 days"}
        deadline = (
            "CASE x.tier "
            + " ".join(f"WHEN {t} THEN interval '{d}'" for t, d in open_deadline.items())
            + " END"
        )
        disputes = insert_select(
            connection, Dispute, {
                "number": f"'CG{self.now:%Y}' || lpad(x.g::text, 7, '0')",
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
        self.step("disputes", disputes)
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
        self.step("dispute parties", parties)
        visitor = self.users["city_admin"].pk
        followups = insert_select(
            connection, FollowUp, {
                "dispute_id": "d.id", "visited_at": "d.resolved_at + interval '10 days'", "visited_by_id": str(visitor),
                "satisfaction": f"CASE WHEN {h('d.id', 41, 10)} < 7 THEN 5 ELSE 2 + {h('d.id', 42, 3)} END",
                "recurred": f"{h('d.id', 43, 20)} = 0",
            },
            "disputes_dispute d WHERE d.status IN ('closed', 'follow_up') AND d.resolved_at IS NOT NULL",
        )  # fmt: skip
        self.step("dispute follow-ups", followups)

    # -- volunteer tasks and claims --------------------------------------------------------------

    def tasks_and_claims(self) -> None:
        from volunteers.models import Claim, Task

        h = self.h
        teams = "(SELECT array_agg(t.id ORDER BY t.id) AS ids, count(*) AS n FROM volunteers_team t) tm"
        team = f"tm.ids[1 + {h('g', 50, len(self.teams))}]"
        # Of a year's tasks, 95% in the past, the rest published for the next two weeks.
        starts = (
            f"CASE WHEN {h('g', 51, 100 * self.size.years)} >= 5 THEN date_trunc('day', {self._at('g', 52)}) + interval '7 hours'"
            f" + {h('g', 53, 12)} * interval '1 hour'"
            f" ELSE '{self.now.isoformat()}'::timestamptz + (1 + {h('g', 54, 14 * 24)}) * interval '1 hour' END"
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
            f"(SELECT g, {team} AS team, {starts} AS starts FROM generate_series(1, {self.size.tasks}) g, {teams}) x"
            " JOIN volunteers_team t ON t.id = x.team JOIN governance_region r ON r.id = t.region_id",
        )  # fmt: skip
        self.step("volunteer tasks", tasks)
        # Slots: a past task was mostly filled, a future one partly; each claim a different
        # active volunteer of the team (consecutive places in the team's list from a hashed start).
        past = f"t.starts_at < '{self.now.isoformat()}'::timestamptz"
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
        self.step("volunteer claims", claims)

    # -- the peace index's outside sources and a methodology per county --------------------------

    def peace_index(self) -> None:
        from peace_index.compute import add_months, current_month
        from peace_index.models import CriminalCase, DataCoverage, ImportBatch, Petition, SurveyResult
        from peace_index.services import version_draft_create, version_publish

        h = self.h
        month = current_month()
        first = add_months(month, -11)
        root = self.users["city_root"]
        surveys = 0
        batches: dict[str, dict[int, int]] = {"cases": {}, "petitions": {}}
        for county in self.counties:
            batch_of = {
                source: ImportBatch.objects.create(source=source, county=county, file_name="citygen", rows=0)
                for source in ("cases", "petitions", "surveys")
            }
            for source in ("cases", "petitions"):
                batches[source][county.pk] = batch_of[source].pk
            surveys += insert_select(
                connection, SurveyResult, {
                    "village_id": "r.id", "county_id": str(county.pk), "month": "m.month", "respondents": "30",
                    "feel_safe": f"22 + {h('r.id * 100 + extract(month from m.month)::int', 77, 8)}",
                    "batch_id": str(batch_of["surveys"].pk),
                },
                f"governance_region r, (SELECT generate_series('{first.isoformat()}'::date, '{month.isoformat()}'::date,"
                f" interval '3 months')::date AS month) m WHERE r.level = 5 AND r.path LIKE '{county.path}%'",
            )  # fmt: skip
            DataCoverage.objects.bulk_create(
                [DataCoverage(source=s, county=county, month=add_months(first, k), batch=batch_of[s])
                 for s in ("cases", "petitions", "surveys") for k in range(12)]
            )  # fmt: skip
            version = version_draft_create(actor=root, county=county, name="citygen")
            version_publish(actor=root, version=version, recompute=False)
        self.step("survey results", surveys)
        self.step("methodology versions", len(self.counties))

        def rows(n: int, salt: int) -> str:
            # Months of the history, following the city's rhythm, in villages by population.
            month_of = f"date_trunc('month', {self._at('g', salt)} AT TIME ZONE 'Asia/Shanghai')::date"
            return (
                f"(SELECT g, {month_of} AS month FROM generate_series(1, {n}) g) x"
                f" JOIN {self._pick('x.g', salt + 1)}"
            )

        def batch(source: str) -> str:
            return (
                "CASE p.county " + " ".join(f"WHEN {c} THEN {b}" for c, b in batches[source].items()) + " END"
            )

        cases = insert_select(
            connection, CriminalCase, {
                "external_ref": "'A' || x.g", "village_id": "p.village", "county_id": "p.county",
                "month": "x.month", "occurred_on": "x.month",
                "severity": f"(ARRAY['minor','minor','ordinary','serious'])[1 + {h('x.g', 72, 4)}]",
                "veto": f"CASE WHEN {h('x.g', 73, 8192)} = 0 THEN 'homicide' ELSE '' END",
                "reported_late": f"{h('x.g', 74, 512)} = 0", "batch_id": batch("cases"),
            }, rows(self.size.cases, 70),
        )  # fmt: skip
        self.step("criminal cases", cases)
        petitions = insert_select(
            connection, Petition, {
                "external_ref": "'X' || x.g", "village_id": "p.village", "county_id": "p.county",
                "month": "x.month", "received_on": "x.month",
                "kind": f"(ARRAY['first','first','first','repeat','skip_level','collective'])[1 + {h('x.g', 75, 6)}]",
                "batch_id": batch("petitions"),
            }, rows(self.size.petitions, 78),
        )  # fmt: skip
        self.step("petitions", petitions)


def _county_name(index: int) -> str:
    return COUNTY_NAMES[index] if index < len(COUNTY_NAMES) else f"新{index + 1}县"


def _split(total: int, parts: int, rng: random.Random, *, spread: float) -> list[int]:
    """``total`` shared over ``parts`` (each at least one), unevenly by ``spread``."""
    weights = [1 + spread * (rng.random() * 2 - 1) for _ in range(parts)]
    shares = [max(1, int(total * w / sum(weights))) for w in weights]
    k = 0
    while sum(shares) < total:
        shares[k % parts] += 1
        k += 1
    while sum(shares) > total:
        if shares[k % parts] > 1:
            shares[k % parts] -= 1
        k += 1
    return shares


def _chunks(items: Sequence[Any], k: int) -> list[Sequence[Any]]:
    size, extra = divmod(len(items), k)
    out, start = [], 0
    for i in range(k):
        end = start + size + (1 if i < extra else 0)
        out.append(items[start:end])
        start = end
    return out


def _region(
    code: str, name: str, level: int, parent: Any, path: str, box: tuple[float, float, float, float]
) -> Any:
    from governance.models import Region

    west, south, east, north = (round(x, 6) for x in box)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return Region(
        code=code, name=name, level=level, parent=parent, path=path,
        boundary={"type": "Polygon", "coordinates": [ring]},
        min_lng=west, min_lat=south, max_lng=east, max_lat=north,
    )  # fmt: skip


def _bbox(region: Any) -> tuple[float, float, float, float]:
    return region.min_lng, region.min_lat, region.max_lng, region.max_lat
