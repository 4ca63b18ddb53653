"""A synthetic city for benchmarks and load tests, generated reproducibly from a seed.

The full size is the city of DESIGN.md section 10 (a prefecture like Quzhou): 6 counties, about
100 townships, 2,000 villages with square boundaries and about 3 million residents, 300 stations,
130 volunteer teams with 20,000 volunteers, and a year of history (500,000 alerts with their
dispatch orders, 50,000 disputes with parties and follow-ups, volunteer tasks and claims,
criminal cases, petitions, surveys) plus a published peace-index methodology per county.

This module writes the core's part (the region tree, the agencies, the logins) and the tables
the history is drawn from; each app writes its own rows from its ``citygen`` module, found by
name (``governance.contributions``): ``build_structure(city)`` after the core's structure,
``build_history(city)`` after the draw tables, in the order the modules declare.

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
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction

from governance import jurisdiction_cache
from governance.contributions import app_contributions

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from governance.models import Agency, Region

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

HOURLY = [3, 2, 2, 1, 1, 2, 3, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 8, 9, 9, 8, 6, 4]
# Month of year: the Spring Festival (family, lending), the summer nights (public order, traffic).
MONTHLY = [11, 9, 8, 8, 9, 10, 12, 12, 9, 10, 8, 9]
WEEKDAY = [10, 10, 10, 10, 11, 12, 11]
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
        gen = City(seed=seed, size=size, password=password, now=now, log=log)
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


class City:
    """The city being generated, as each app's ``citygen`` module sees it: the seed's random
    stream (``rng``, drawn from in the order of the parts) and its SQL hash (``h``), the size,
    ``now``, the core's regions, agencies and logins, and the draw tables (``at``, ``pick``)."""

    # Written by the core's parts, read by the apps'.
    counties: list[Region]
    townships: list[Region]
    villages: list[Region]
    police_of: dict[int, Agency]  # township id -> its police station
    government_of: dict[int, Agency]  # township id -> its township government
    psb_of: dict[int, Agency]  # county id -> its public security bureau
    plc_of: dict[int, Agency]  # county id -> its political-legal committee

    def __init__(
        self, *, seed: int, size: CitySize, password: str, now: datetime, log: Callable[[str], None]
    ) -> None:
        self.seed, self.size, self.password, self.now, self.log = seed, size, password, now, log
        self.rng = random.Random(seed)
        self.h = _Hash(seed)
        self.counts: dict[str, int] = {}
        self.logins: dict[str, str] = {}
        self.users: dict[str, User] = {}
        self.lap = time.perf_counter()

    def step(self, label: str, count: int) -> None:
        self.counts[label] = count
        self.log(f"  {label:28} {count:>10,}  {time.perf_counter() - self.lap:6.1f} s")
        self.lap = time.perf_counter()

    def run(self) -> None:
        parts = app_contributions("citygen")
        self.regions()
        self.agencies()
        self.people()
        for part in parts:
            if build := getattr(part, "build_structure", None):
                build(self)
        self.draw_tables()
        for part in parts:
            if build := getattr(part, "build_history", None):
                build(self)

    # -- the region tree -------------------------------------------------------------------------

    def regions(self) -> None:
        from governance.models import Region
        from governance.services.regions import region_create

        L, size, rng = Region.Level, self.size, self.rng
        province = region_create(actor=None, code="330000", name="浙江省", level=L.PROVINCE)
        city = region_create(actor=None, code="330800", name="衢州市", level=L.CITY, parent=province)
        townships_of = split(size.townships, size.counties, rng, spread=0.2)
        self.counties, self.townships, self.villages = [], [], []
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
        villages_of = split(size.villages, size.townships, rng, spread=0.5)
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

    # -- agencies -------------------------------------------------------------------------------

    def agencies(self) -> None:
        from governance.models import Agency

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
        self.police_of = {a.region_id: a for a in created if a.kind == K.POLICE_STATION}
        self.government_of = {a.region_id: a for a in created if a.kind == K.TOWNSHIP_GOVERNMENT}
        self.psb_of = {a.region_id: a for a in created if a.kind == K.PUBLIC_SECURITY_BUREAU}
        self.plc_of = {a.region_id: a for a in created if a.kind == K.POLITICAL_LEGAL_COMMITTEE}
        self.step("agencies", len(created))

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

    # -- the time and place tables the history is drawn from -------------------------------------

    def draw_tables(self) -> None:
        """``citygen_slot``: every hour of the history, repeated by its weight (hour of day, day
        of week, month), so a uniform pick is a realistic moment. ``citygen_pick``: every village,
        repeated by its population, with its county and centre."""
        start = self.now - timedelta(days=365 * self.size.years)
        slots: list[datetime] = []
        for k in range(365 * 24 * self.size.years):
            at = start + timedelta(hours=k)
            local = at + timedelta(hours=8)
            weight = HOURLY[local.hour] * WEEKDAY[local.weekday()] * MONTHLY[local.month - 1]
            slots += [at] * max(1, round(weight / 100))
        picks: list[tuple[int, Any, float, float]] = []
        county_of: dict[Any, Any] = {t.pk: t.parent_id for t in self.townships}
        for v in self.villages:
            lng, lat = (v.min_lng + v.max_lng) / 2, (v.min_lat + v.max_lat) / 2  # type: ignore[operator]
            entry = (v.pk, county_of[v.parent_id], lng, lat)
            picks += [entry] * max(1, round(v.population / 250))
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS citygen_slot, citygen_pick")
            cursor.execute("CREATE TEMP TABLE citygen_slot (k serial PRIMARY KEY, at timestamptz)")
            cursor.execute("INSERT INTO citygen_slot (at) SELECT unnest(%s::timestamptz[])", [slots])
            cursor.execute(
                "CREATE TEMP TABLE citygen_pick (k serial PRIMARY KEY, village int, county int, lng float8, lat float8)"
            )
            cursor.execute(
                "INSERT INTO citygen_pick (village, county, lng, lat)"
                " SELECT * FROM unnest(%s::int[], %s::int[], %s::float8[], %s::float8[])",
                [list(column) for column in zip(*picks, strict=True)],
            )
        self.slots = len(slots)
        self.picks = len(picks)

    def at(self, key: str, salt: int) -> str:
        """A moment of the past year for row ``key``, following the city's rhythms."""
        return (
            f"((SELECT at FROM citygen_slot WHERE k = 1 + {self.h(key, salt, self.slots)})"
            f" + ({self.h(key, salt + 1, 3600)} || ' seconds')::interval)"
        )

    def pick(self, key: str, salt: int) -> str:
        """A join to a village for row ``key``, drawn by population: ``p.village``, ``p.county``,
        ``p.lng`` and ``p.lat``."""
        return f"citygen_pick p ON p.k = 1 + {self.h(key, salt, self.picks)}"


def _county_name(index: int) -> str:
    return COUNTY_NAMES[index] if index < len(COUNTY_NAMES) else f"新{index + 1}县"


def split(total: int, parts: int, rng: random.Random, *, spread: float) -> list[int]:
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


def chunks(items: Sequence[Any], k: int) -> list[Sequence[Any]]:
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
