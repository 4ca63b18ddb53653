"""A synthetic demo county (柯城区) with its townships, villages, grids, agencies and logins.

Generation is split in two: ``demo_plan`` turns a seed into plain, immutable data (no database,
no global random state), and ``demo_seed`` writes a plan through the services, so that every
row is validated and audited like any other. The same seed always gives the same county.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from governance.errors import Conflict
from governance.models import Agency, Grid, Membership, Region
from governance.services.notifications import notification_send
from governance.services.people import (
    agency_create,
    membership_create,
    person_create,
    person_set_admin_flags,
    person_set_password,
)
from governance.services.regions import grid_assign_worker, grid_create, region_create

DEFAULT_SEED = 2026
DEMO_PASSWORD = "rongzhi-demo-2026"  # noqa: S105 - printed on screen on purpose: demo data only
DEMO_URL = "http://127.0.0.1:8000/"

PROVINCE_CODE, PROVINCE_NAME = "330000", "浙江省"
CITY_CODE, CITY_NAME = "330800", "衢州市"
COUNTY_CODE, COUNTY_NAME = "330802", "柯城区"
# Seventh national census (2020), so the levels above the demo county look right in the admin.
PROVINCE_POPULATION, CITY_POPULATION = 64_567_588, 2_276_184
PERSONS_PER_HOUSEHOLD = 2.6
VILLAGE_TOTAL = 250
VILLAGES_PER_TOWNSHIP = (15, 28)

# The county is laid out as a 4 x 3 lattice of township blocks around its real centre; a block
# of 0.075 deg x 0.06 deg is about 7.3 km x 6.7 km, so the county covers some 590 km2.
CENTRE_LNG, CENTRE_LAT = 118.87, 28.97
LATTICE_COLUMNS, LATTICE_ROWS = 4, 3
BLOCK_LNG, BLOCK_LAT = 0.075, 0.06

STREET, TOWN, XIANG = "street", "town", "xiang"  # 街道, 镇, 乡
# (short name, kind); statistical tables list 街道 first, then 镇, then 乡.
TOWNSHIPS: tuple[tuple[str, str], ...] = (
    ("荷花", STREET),
    ("府山", STREET),
    ("双港", STREET),
    ("信安", STREET),
    ("航埠", TOWN),
    ("石梁", TOWN),
    ("九华", XIANG),
    ("沟溪", XIANG),
    ("七里", XIANG),
    ("华墅", XIANG),
    ("万田", XIANG),
    ("石室", XIANG),
)
_TOWNSHIP_SUFFIX = {STREET: "街道", TOWN: "镇", XIANG: "乡"}
_GOVERNMENT_SUFFIX = {STREET: "街道办事处", TOWN: "镇人民政府", XIANG: "乡人民政府"}
STATIONS_TOWNSHIPS = 2  # each police station serves two neighbouring townships
COMMITTEES_PER_TOWNSHIP = 3  # village committees are created for the first villages only

# --- names -------------------------------------------------------------------------------------


def _pairs(text: str) -> tuple[str, ...]:
    """Two-character words written back to back, as a tuple."""
    return tuple(text[i : i + 2] for i in range(0, len(text), 2))


_SURNAMES = "徐王毛郑张李刘陈余方姜汪叶吴周黄杨祝程邵杜胡江柴蒋占童傅何林邱鲍华翁严廖朱孙夏项"
_MALE_GIVEN = "伟强军明华建国平志勇杰涛斌超鹏浩宇晨俊峰磊东海林波文亮刚"
_FEMALE_GIVEN = "芳丽娟敏静燕霞红玲婷慧琳娜雪萍颖倩洁琴云佳怡欣悦岚"
_DIRECTIONS = "上下东西南北前后大小新里外"
_LANDFORMS = "坞湾源塘垄畈店桥岭坑山溪埠口头"
_RURAL_WORDS = _pairs(
    "石门青山樟树杨梅大塘梅岭桃源龙山凤山白水清水双溪五都九龙竹园柳塘荷塘金山银坑高岭沙湾溪口塘边泉塘长岭松林"
    "庙源茶坪莲花黄泥柑园姜家橘乡乌石洋坑岩头庙山桥头花园枫林新宅罗家马站后垄红旗光明团结胜利和平东风前进联盟"
)
_URBAN_WORDS = _pairs(
    "新塘花园礼贤新安坊门水亭县学天宁通仙东门南湖北门湖滨紫荆书院白云锦绣兴华永安春江光明和平建设友谊柳江学院龙潭"
    "三衢百汇柯山凤凰桔香五一南门滨江景泰航运东港金色阳光鹿鸣上街府前浮石斗潭环城城南城北新华文昌西安荷五马站亭川"
)
_URBAN_PREFIXES = "新东西南北金华锦和永兴康"
_URBAN_SUFFIXES = "苑园城湖港桥门塘安华溪江"
# Mobile prefixes in use on the three mainland networks.
_MOBILE_PREFIXES = (
    *(f"13{d}" for d in range(10)),
    *(f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)),
    *(f"18{d}" for d in range(10)),
    "166",
    "173",
    "175",
    "176",
    "177",
    "178",
    "191",
    "193",
    "195",
    "198",
    "199",
)
# GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


# --- the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GridPlan:
    code: str
    name: str
    kind: str
    households: int


@dataclass(frozen=True)
class VillagePlan:
    code: str
    name: str
    urban_rural: str
    population: int
    households: int
    boundary: dict[str, Any]
    grids: tuple[GridPlan, ...]


@dataclass(frozen=True)
class TownshipPlan:
    number: int  # 1-based, as people say "township 1"
    code: str
    short_name: str
    kind: str
    boundary: dict[str, Any]
    villages: tuple[VillagePlan, ...]

    @property
    def name(self) -> str:
        return self.short_name + _TOWNSHIP_SUFFIX[self.kind]

    @property
    def population(self) -> int:
        return sum(v.population for v in self.villages)

    @property
    def households(self) -> int:
        return sum(v.households for v in self.villages)


@dataclass(frozen=True)
class AgencyPlan:
    key: str  # how people in the plan refer to the agency
    name: str
    kind: str
    seat_code: str
    served_codes: tuple[str, ...]
    phone: str


@dataclass(frozen=True)
class PersonPlan:
    username: str
    real_name: str
    phone: str
    agency_key: str
    role: str
    persona: str = ""  # set for the demo logins printed in the table; extra staff have none
    look_at: str = ""
    id_number: str = ""
    scope_code: str = ""
    grid: tuple[str, str] | None = None  # (village code, grid code) to work on
    superuser: bool = False
    staff: bool = False


@dataclass(frozen=True)
class DemoPlan:
    seed: int
    county_boundary: dict[str, Any]
    townships: tuple[TownshipPlan, ...]
    agencies: tuple[AgencyPlan, ...]
    people: tuple[PersonPlan, ...]

    @property
    def villages(self) -> tuple[VillagePlan, ...]:
        return tuple(v for t in self.townships for v in t.villages)

    @property
    def population(self) -> int:
        return sum(t.population for t in self.townships)

    @property
    def households(self) -> int:
        return sum(t.households for t in self.townships)

    @property
    def logins(self) -> tuple[PersonPlan, ...]:
        """The demo logins, one per persona, in the order they are presented."""
        return tuple(p for p in self.people if p.persona)


def demo_plan(seed: int = DEFAULT_SEED) -> DemoPlan:
    """Everything the demo county holds, derived from ``seed`` alone."""
    rng = random.Random(seed)
    townships = _plan_townships(rng)
    county_boundary = _rectangle(*_extent(t.boundary for t in townships))
    agencies = _plan_agencies(rng, townships)
    people = _plan_people(rng, townships)
    return DemoPlan(
        seed=seed, county_boundary=county_boundary, townships=townships, agencies=agencies, people=people
    )


def _village_counts(rng: random.Random, n: int) -> list[int]:
    low, high = VILLAGES_PER_TOWNSHIP
    counts = [rng.randint(low, high) for _ in range(n)]
    while (total := sum(counts)) != VILLAGE_TOTAL:
        i = rng.randrange(n)
        if total > VILLAGE_TOTAL and counts[i] > low:
            counts[i] -= 1
        elif total < VILLAGE_TOTAL and counts[i] < high:
            counts[i] += 1
    return counts


def _plan_townships(rng: random.Random) -> tuple[TownshipPlan, ...]:
    counts = _village_counts(rng, len(TOWNSHIPS))
    # Township short names and seat names are taken first so no village repeats them.
    used: set[str] = {short for short, _kind in TOWNSHIPS}
    west = CENTRE_LNG - LATTICE_COLUMNS * BLOCK_LNG / 2
    north = CENTRE_LAT + LATTICE_ROWS * BLOCK_LAT / 2
    townships = []
    for index, ((short, kind), count) in enumerate(zip(TOWNSHIPS, counts, strict=True)):
        number = index + 1
        code = f"{COUNTY_CODE}{number:03d}000"
        column, row = index % LATTICE_COLUMNS, index // LATTICE_COLUMNS
        block = (west + column * BLOCK_LNG, north - (row + 1) * BLOCK_LAT)
        cells = _cells(block, count)
        villages = []
        for j in range(count):
            urban_rural, name = _village_kind_and_name(rng, kind=kind, short=short, position=j, used=used)
            is_community = name.endswith("社区")
            if j == 0:
                population = rng.randint(5000, 12000) if is_community else rng.randint(3500, 6000)
            elif is_community:
                population = round(rng.triangular(3000, 12000, 6000))
            else:
                population = round(rng.triangular(600, 6000, 1800))
            households = round(population / PERSONS_PER_HOUSEHOLD * rng.uniform(0.95, 1.05))
            villages.append(
                VillagePlan(
                    code=f"{code[:9]}{j + 1:03d}",
                    name=name,
                    urban_rural=urban_rural,
                    population=population,
                    households=households,
                    boundary=_quadrilateral(rng, cells[j]),
                    grids=_plan_grids(rng, households=households, police=j == 0),
                )
            )
        boundary = _rectangle(*_extent(v.boundary for v in villages))
        townships.append(
            TownshipPlan(
                number=number,
                code=code,
                short_name=short,
                kind=kind,
                boundary=boundary,
                villages=tuple(villages),
            )
        )
    return tuple(townships)


def _village_kind_and_name(
    rng: random.Random, *, kind: str, short: str, position: int, used: set[str]
) -> tuple[str, str]:
    """Urban-rural class (统计用城乡划分代码) and a name not used elsewhere in the county."""
    if kind == STREET:
        # The older core of a 街道 is main urban area; its outer communities are the fringe.
        urban_rural = Region.UrbanRural.MAIN_URBAN if rng.random() < 0.7 else Region.UrbanRural.URBAN_FRINGE
        return urban_rural, _fresh(rng, used, _community_name) + "社区"
    if position == 0:  # the seat of the town or township government, named after it
        if kind == TOWN:
            return Region.UrbanRural.TOWN_CENTRE, short + "社区"
        return Region.UrbanRural.TOWNSHIP_CENTRE, short + "村"
    if kind == TOWN and position <= 2:
        return Region.UrbanRural.TOWN_FRINGE, _fresh(rng, used, _rural_name) + "村"
    return Region.UrbanRural.RURAL, _fresh(rng, used, _rural_name) + "村"


def _fresh(rng: random.Random, used: set[str], make: Callable[[random.Random], str]) -> str:
    while True:
        name = make(rng)
        if name not in used:
            used.add(name)
            return name


def _community_name(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(_URBAN_WORDS)
    return rng.choice(_URBAN_PREFIXES) + rng.choice(_URBAN_SUFFIXES)


def _rural_name(rng: random.Random) -> str:
    pattern = rng.random()
    surname = rng.choice(_SURNAMES)
    if pattern < 0.3:
        return rng.choice(_DIRECTIONS) + surname  # 下张, 前郑
    if pattern < 0.5:
        return surname + "家" + rng.choice(_LANDFORMS)  # 黄家坞
    if pattern < 0.7:
        return surname + rng.choice(_LANDFORMS)  # 姜源, 徐坞
    return rng.choice(_RURAL_WORDS)  # 石门, 杨梅


def _plan_grids(rng: random.Random, *, households: int, police: bool) -> tuple[GridPlan, ...]:
    n = min(4, max(2, round(households / 350)))
    weights = [rng.uniform(0.7, 1.3) for _ in range(n)]
    shares = [math.floor(households * w / sum(weights)) for w in weights]
    shares[-1] += households - sum(shares)
    grids = [GridPlan(f"G{i + 1:02d}", f"第{i + 1}网格", Grid.Kind.SERVICE, shares[i]) for i in range(n)]
    if police:
        # The police grid (警格) of the seat village overlays its service grids, so it counts
        # every household of the village once more.
        grids.append(GridPlan("J01", "第1警格", Grid.Kind.POLICE, households))
    return tuple(grids)


# --- geometry ----------------------------------------------------------------------------------

Box = tuple[float, float, float, float]  # west, south, east, north


def _cells(block: tuple[float, float], count: int) -> list[Box]:
    """``count`` cells of a sub-lattice inside a township block, with a street between blocks."""
    west, south = block
    margin_lng, margin_lat = BLOCK_LNG * 0.04, BLOCK_LAT * 0.04
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    width = (BLOCK_LNG - 2 * margin_lng) / columns
    height = (BLOCK_LAT - 2 * margin_lat) / rows
    top = south + BLOCK_LAT - margin_lat
    cells = []
    for k in range(count):
        c, r = k % columns, k // columns
        x0 = west + margin_lng + c * width
        y1 = top - r * height
        cells.append((x0, y1 - height, x0 + width, y1))
    return cells


def _quadrilateral(rng: random.Random, cell: Box) -> dict[str, Any]:
    """A jittered quadrilateral strictly inside ``cell``: each corner moves within its own
    corner of the cell, so neighbouring villages never overlap."""
    west, south, east, north = cell
    dx, dy = east - west, north - south

    def jitter() -> tuple[float, float]:
        return rng.uniform(0.03, 0.15) * dx, rng.uniform(0.03, 0.15) * dy

    (a, b), (c, d), (e, f), (g, h) = jitter(), jitter(), jitter(), jitter()
    # Exterior ring counter-clockwise (RFC 7946 section 3.1.6): SW, SE, NE, NW.
    corners = [(west + a, south + b), (east - c, south + d), (east - e, north - f), (west + g, north - h)]
    ring = [[round(x, 6), round(y, 6)] for x, y in corners]
    return {"type": "Polygon", "coordinates": [[*ring, list(ring[0])]]}


def _extent(boundaries: Any) -> Box:
    xs: list[float] = []
    ys: list[float] = []
    for boundary in boundaries:
        for ring in boundary["coordinates"]:
            xs.extend(p[0] for p in ring)
            ys.extend(p[1] for p in ring)
    return min(xs), min(ys), max(xs), max(ys)


def _rectangle(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


# --- agencies and people -----------------------------------------------------------------------

K = Agency.Kind
R = Membership.Role


def _landline(rng: random.Random) -> str:
    return f"0570-{rng.choice('38')}{rng.randrange(10**6):06d}"  # 衢州 area code 0570


def station_key(number: int) -> str:
    return f"station:{number}"


def township_key(kind: str, number: int) -> str:
    return f"{kind}:{number}"


def village_committee_key(village_code: str) -> str:
    return f"village_committee:{village_code}"


def _plan_agencies(rng: random.Random, townships: tuple[TownshipPlan, ...]) -> tuple[AgencyPlan, ...]:
    county = (COUNTY_CODE,)
    half = len(townships) // 2
    first_half = tuple(t.code for t in townships[:half])
    second_half = tuple(t.code for t in townships[half:])
    county_level = [
        ("psb", f"{COUNTY_NAME}公安分局", K.PUBLIC_SECURITY_BUREAU, county),
        ("plc", f"{COUNTY_NAME}委政法委", K.POLITICAL_LEGAL_COMMITTEE, county),
        ("tribunal:1", f"{COUNTY_NAME}人民法院石室人民法庭", K.COURT_TRIBUNAL, second_half),
        ("tribunal:2", f"{COUNTY_NAME}人民法院航埠人民法庭", K.COURT_TRIBUNAL, first_half),
        ("petition", f"{COUNTY_NAME}信访局", K.PETITION_OFFICE, county),
        ("market", f"{COUNTY_NAME}市场监管局", K.MARKET_REGULATION, county),
        ("enforcement", f"{COUNTY_NAME}综合行政执法局", K.LAW_ENFORCEMENT, county),
        ("emergency", f"{COUNTY_NAME}应急管理局", K.EMERGENCY_MANAGEMENT, county),
        ("hotline", f"{COUNTY_NAME}12345政务服务热线", K.HOTLINE_12345, county),
        ("traffic", f"{COUNTY_NAME}公安分局交警中队", K.TRAFFIC_SQUAD, county),
        ("patrol", f"{COUNTY_NAME}公安分局巡特警大队", K.PATROL, county),
    ]
    agencies = [
        AgencyPlan(
            key, name, kind, COUNTY_CODE, served, "12345" if kind == K.HOTLINE_12345 else _landline(rng)
        )
        for key, name, kind, served in county_level
    ]
    for t in townships:
        for key, name, kind in (
            ("government", t.short_name + _GOVERNMENT_SUFFIX[t.kind], K.TOWNSHIP_GOVERNMENT),
            ("judicial", f"{t.short_name}司法所", K.JUDICIAL_OFFICE),
            ("mediation", f"{t.name}人民调解委员会", K.MEDIATION_COMMITTEE),
        ):
            agencies.append(
                AgencyPlan(township_key(key, t.number), name, kind, t.code, (t.code,), _landline(rng))
            )
    for i in range(0, len(townships), STATIONS_TOWNSHIPS):
        served = townships[i : i + STATIONS_TOWNSHIPS]
        agencies.append(
            AgencyPlan(
                station_key(i // STATIONS_TOWNSHIPS + 1),
                f"{served[0].short_name}派出所",
                K.POLICE_STATION,
                served[0].code,
                tuple(t.code for t in served),
                _landline(rng),
            )
        )
    for t in townships:
        for v in t.villages[:COMMITTEES_PER_TOWNSHIP]:
            suffix = "居民委员会" if v.name.endswith("社区") else "村民委员会"
            agencies.append(
                AgencyPlan(
                    village_committee_key(v.code), v.name + suffix, K.VILLAGE_COMMITTEE, v.code, (v.code,), ""
                )
            )
    return tuple(agencies)


def _real_name(rng: random.Random) -> tuple[str, bool]:
    male = rng.random() < 0.6
    pool = _MALE_GIVEN if male else _FEMALE_GIVEN
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return rng.choice(_SURNAMES) + given, male


def _mobile(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def resident_id_number(*, region: str, born: date, sequence: int) -> str:
    """A GB 11643 ID number: region, birth date, a 3-digit sequence (odd for men), check character."""
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _ID_WEIGHTS, strict=True))
    return body + _ID_CHECK_CHARS[total % 11]


def _id_number(rng: random.Random, male: bool) -> str:
    first, last = date(1965, 1, 1), date(2000, 12, 31)
    born = first + timedelta(days=rng.randrange((last - first).days + 1))
    sequence = rng.randrange(10, 990, 2) + (1 if male else 0)  # the 17th digit is odd for men
    return resident_id_number(region=COUNTY_CODE, born=born, sequence=sequence)


def _plan_people(rng: random.Random, townships: tuple[TownshipPlan, ...]) -> tuple[PersonPlan, ...]:
    t1 = townships[0]
    village, station_townships = t1.villages[0], townships[:STATIONS_TOWNSHIPS]
    station_name = f"{station_townships[0].short_name}派出所"
    station_area = "、".join(t.name for t in station_townships)
    committee = village_committee_key(village.code)
    people: list[PersonPlan] = []

    def persona(
        username: str,
        persona: str,
        look_at: str,
        agency: str,
        role: str,
        *,
        with_id: bool = False,
        **kwargs: Any,
    ) -> None:
        name, male = _real_name(rng)
        id_number = _id_number(rng, male) if with_id else ""
        people.append(
            PersonPlan(username, name, _mobile(rng), agency, role, persona, look_at, id_number, **kwargs)
        )

    persona(
        "admin",
        "平台管理员 superuser",
        "/admin/: 区划、部门、人员、审计日志",
        "plc",
        R.COUNTY_ADMIN,
        superuser=True,
        staff=True,
    )
    persona(
        "county_admin",
        "区管理员 county admin",
        f"首页: 全区{len(townships)}个乡镇街道; /admin/",
        "plc",
        R.COUNTY_ADMIN,
        staff=True,
    )
    persona("commander", "指挥员 commander", f"首页: {COUNTY_NAME}全区辖区", "psb", R.COMMANDER)
    persona(
        "officer",
        "民警 police officer",
        f"收件箱; {station_name}辖区: {station_area}",
        station_key(1),
        R.OFFICER,
        with_id=True,
    )
    persona(
        "township_official",
        "乡镇领导 township official",
        f"首页: {t1.name}{len(t1.villages)}个村社区",
        township_key("government", 1),
        R.TOWNSHIP_OFFICIAL,
    )
    persona(
        "grid_worker",
        "网格员 grid worker",
        f"首页: 我的网格 {village.name}第1网格",
        committee,
        R.GRID_WORKER,
        with_id=True,
        scope_code=village.code,
        grid=(village.code, "G01"),
    )
    persona(
        "village_cadre",
        "村社干部 village cadre",
        f"首页: {village.name}",
        committee,
        R.VILLAGE_CADRE,
        with_id=True,
        scope_code=village.code,
    )
    persona(
        "mediator",
        "调解员 mediator",
        f"首页: {t1.name}人民调解委员会",
        township_key("mediation", 1),
        R.MEDIATOR,
        with_id=True,
    )
    persona(
        "volunteer",
        "义警 volunteer",
        f"收件箱 (手机宽度); 范围 {t1.name}",
        station_key(1),
        R.VOLUNTEER,
        with_id=True,
        scope_code=t1.code,
    )

    def extra(username: str, agency: str, role: str, **kwargs: Any) -> None:
        name, _male = _real_name(rng)
        people.append(PersonPlan(username, name, _mobile(rng), agency, role, **kwargs))

    # Two officers and two auxiliaries at each station (``officer`` is the first of station 1).
    stations = math.ceil(len(townships) / STATIONS_TOWNSHIPS)
    officer_number, auxiliary_number = 2, 1
    for s in range(1, stations + 1):
        for _ in range(1 if s == 1 else 2):
            extra(f"officer_{officer_number:02d}", station_key(s), R.OFFICER)
            officer_number += 1
        for _ in range(2):
            extra(f"auxiliary_{auxiliary_number:02d}", station_key(s), R.AUXILIARY)
            auxiliary_number += 1
    for t in townships[1:]:
        extra(f"township_official_{t.number:02d}", township_key("government", t.number), R.TOWNSHIP_OFFICIAL)
    # Grid workers on the first grid of the other villages with a committee in three townships.
    worker_number = 2
    for t in townships[:3]:
        for v in t.villages[1:COMMITTEES_PER_TOWNSHIP]:
            extra(
                f"grid_worker_{worker_number:02d}",
                village_committee_key(v.code),
                R.GRID_WORKER,
                scope_code=v.code,
                grid=(v.code, "G01"),
            )
            worker_number += 1
    return tuple(people)


# --- writing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSeedResult:
    plan: DemoPlan
    created: bool  # False: the county was already there and nothing was built
    passwords_reset: int = 0
    counts: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def demo_seed(*, seed: int = DEFAULT_SEED, reset_passwords: bool = False) -> DemoSeedResult:
    """Build the demo county from ``seed``, or, if its code is already in use, change nothing
    (except the demo logins' passwords when ``reset_passwords``)."""
    plan = demo_plan(seed)
    if Region.objects.filter(code=COUNTY_CODE).exists():
        reset = _reset_passwords(plan) if reset_passwords else 0
        return DemoSeedResult(plan=plan, created=False, passwords_reset=reset)

    taken = sorted(
        User.objects.filter(username__in=[p.username for p in plan.people]).values_list("username", flat=True)
    )
    if taken:
        raise Conflict(f"These usernames are already taken, so the demo cannot be seeded: {', '.join(taken)}")
    regions = _write_regions(plan)
    grids = _write_grids(plan, regions)
    agencies = _write_agencies(plan, regions)
    users = _write_people(plan, regions, agencies, grids)
    _send_welcomes(plan, users)
    counts = {
        "townships": len(plan.townships),
        "villages": len(plan.villages),
        "grids": len(grids),
        "agencies": len(agencies),
        "people": len(users),
    }
    return DemoSeedResult(plan=plan, created=True, counts=counts)


def _existing_or_created(code: str, **kwargs: Any) -> Region:
    # The province and city may exist already (an administrator or another demo created them).
    return Region.objects.filter(code=code).first() or region_create(actor=None, code=code, **kwargs)


def _write_regions(plan: DemoPlan) -> dict[str, Region]:
    L = Region.Level
    province = _existing_or_created(
        PROVINCE_CODE,
        name=PROVINCE_NAME,
        level=L.PROVINCE,
        population=PROVINCE_POPULATION,
        households=round(PROVINCE_POPULATION / PERSONS_PER_HOUSEHOLD),
    )
    city = _existing_or_created(
        CITY_CODE,
        name=CITY_NAME,
        level=L.CITY,
        parent=province,
        population=CITY_POPULATION,
        households=round(CITY_POPULATION / PERSONS_PER_HOUSEHOLD),
    )
    county = region_create(
        actor=None,
        code=COUNTY_CODE,
        name=COUNTY_NAME,
        level=L.COUNTY,
        parent=city,
        population=plan.population,
        households=plan.households,
        boundary=plan.county_boundary,
    )
    regions = {COUNTY_CODE: county}
    for t in plan.townships:
        township = region_create(
            actor=None,
            code=t.code,
            name=t.name,
            level=L.TOWNSHIP,
            parent=county,
            population=t.population,
            households=t.households,
            boundary=t.boundary,
        )
        regions[t.code] = township
        for v in t.villages:
            regions[v.code] = region_create(
                actor=None,
                code=v.code,
                name=v.name,
                level=L.VILLAGE,
                parent=township,
                urban_rural=v.urban_rural,
                population=v.population,
                households=v.households,
                boundary=v.boundary,
            )
    return regions


def _write_grids(plan: DemoPlan, regions: dict[str, Region]) -> dict[tuple[str, str], Grid]:
    grids = {}
    for v in plan.villages:
        for g in v.grids:
            grids[(v.code, g.code)] = grid_create(
                actor=None,
                village=regions[v.code],
                code=g.code,
                name=g.name,
                kind=g.kind,
                households=g.households,
            )
    return grids


def _write_agencies(plan: DemoPlan, regions: dict[str, Region]) -> dict[str, Agency]:
    return {
        a.key: agency_create(
            actor=None,
            name=a.name,
            kind=a.kind,
            region=regions[a.seat_code],
            served_regions=[regions[code] for code in a.served_codes],
            phone=a.phone,
        )
        for a in plan.agencies
    }


def _write_people(
    plan: DemoPlan,
    regions: dict[str, Region],
    agencies: dict[str, Agency],
    grids: dict[tuple[str, str], Grid],
) -> dict[str, User]:
    users: dict[str, User] = {}
    for p in plan.people:
        # No password here: hashing costs a third of a second, so all demo logins share one
        # hash, set below (same password, so nothing is lost by sharing the salt).
        user = person_create(
            actor=None, username=p.username, real_name=p.real_name, phone=p.phone, id_number=p.id_number
        )
        if p.superuser or p.staff:
            person_set_admin_flags(actor=None, user=user, staff=p.staff, superuser=p.superuser)
        membership_create(
            actor=None,
            user=user,
            agency=agencies[p.agency_key],
            role=p.role,
            scope=regions[p.scope_code] if p.scope_code else None,
        )
        if p.grid is not None:
            grid_assign_worker(actor=None, grid=grids[p.grid], worker=user)
        users[p.username] = user
    _set_demo_password(list(users.values()), reason="")
    return users


def _set_demo_password(users: Sequence[User], *, reason: str) -> None:
    person_set_password(actor=None, users=users, password=DEMO_PASSWORD, reason=reason)


def _reset_passwords(plan: DemoPlan) -> int:
    users = list(User.objects.filter(username__in=[p.username for p in plan.people]).order_by("pk"))
    _set_demo_password(users, reason="seed_demo --reset-passwords")
    return len(users)


_WELCOMES = {
    "officer": "您的派出所辖区已就绪, 警单将推送到这里。",
    "township_official": "您可以在首页查看本乡镇各村社区的情况。",
    "volunteer": "欢迎加入义警队伍, 任务和积分将在这里通知您。",
}


def _send_welcomes(plan: DemoPlan, users: dict[str, User]) -> None:
    names = {p.username: p.real_name for p in plan.people}
    for username, body in _WELCOMES.items():
        notification_send(
            recipient=users[username],
            title=f"{names[username]}, 欢迎使用融治平台",
            body=body,
            link="/",
            kind="welcome",
            idempotency_key=f"demo:welcome:{username}",
        )
