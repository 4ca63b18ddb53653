"""Demo history for the disputes app: the mediator pool of the demo county, its mediation rooms
and tier time boxes, a year of cases walked through the services with ``now=`` in the past,
today's open work (some of it the ``mediator`` persona's), a group dispute over prepaid gym
cards, and this season's screening campaign in the ``grid_worker`` persona's village.

Everything goes through the services, so each step is validated, lands on the case's timeline
and in the audit trail like real work. Cases are walked one after the other in the order they
were registered; a step whose time is still to come is not taken, so the newest cases stop
where they would stand today. The tier sweeps run at the past moments a time box passed, and
once more at the end, as the beat schedule would have.

The services enqueue their notifications on commit (new case to the township, assignment to the
mediator, escalation to the tier above). They are left on: an assignment that ended with its
case sends nothing, so the mediators hear only about their open cases.
"""

from __future__ import annotations

import contextlib
import csv
import io
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TypeVar

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from disputes.models import (
    Agreement,
    Category,
    Dispute,
    MediationRoom,
    Mediator,
    MediatorTeam,
    Obligation,
    Party,
    ScreeningAssignment,
    ScreeningCampaign,
    ScreeningVisit,
    Session,
    Tier,
    TierPolicy,
)
from disputes.services import (
    PartyInput,
    TermInput,
    Triage,
    agreement_draft,
    agreement_sign,
    campaign_assign,
    campaign_create,
    case_task_create,
    case_task_done,
    dispute_accept,
    dispute_escalate,
    dispute_register,
    dispute_reopen,
    dispute_terminate,
    dispute_triage,
    escalation_sweep,
    follow_up_record,
    group_parties_import,
    judicial_confirmation_answer,
    judicial_confirmation_apply,
    mediation_extend,
    mediator_assign,
    mediator_recuse,
    obligation_breach,
    obligation_perform,
    party_consent,
    party_progress,
    session_record,
    visit_record,
)
from disputes.services.mediation import mediator_enrol
from governance.demo import COUNTY_CODE, DEMO_PASSWORD, _id_number, _mobile, _real_name
from governance.errors import Conflict
from governance.models import Agency, Membership, Region
from governance.services.people import membership_create, person_create, person_set_password

# Its place in ``seed_demo`` (governance.contributions): after the stations and volunteers.
ORDER = 30
T = TypeVar("T", bound=str)
HISTORY_CASES = 370
HISTORY_DAYS = 365
# History cases are registered at least this long ago; the newer ones are today's, scripted below.
HISTORY_NEWEST_DAYS = 21
GROUP_MEMBERS = 40
# Places the mediator persona keeps free for today's scripted work (his cases in mediation, the
# agreement awaiting signature, the follow-up visit and the group dispute).
PERSONA_ROOM = 5
TIME_BOXES = {Tier.VILLAGE: (7, 1), Tier.TOWNSHIP: (14, 2), Tier.COUNTY: (30, 3)}

K = Agency.Kind
R = Membership.Role
S = Dispute.Status
C = Category
CH = Dispute.Channel

# How each history case goes (weights). Most are mediated and closed after a follow-up visit.
PATHS = {
    "closed": 50,
    "closed_no_terms": 8,
    "closed_jc": 11,
    "time_box": 6,
    "time_box_twice": 2,
    "party_request": 3,
    "sector": 1.5,
    "recusal": 2,
    "terminated": 6,
    "not_accepted": 5,
    "referred_police": 3,
    "breach": 0.7,
    "breach_terminated": 1.3,
    "recurred": 1,
}
# Four-season screening (四季排查): land in spring, neighbours in summer, family in autumn,
# private lending (and wages before the New Year) in winter.
SEASON_WEIGHTS = {
    "spring": {C.LAND: 38, C.NEIGHBOUR: 14, C.FAMILY: 10, C.LABOUR: 8, C.LENDING: 6, C.PROPERTY: 5,
               C.CONSUMER: 4, C.TRAFFIC: 6, C.MEDICAL: 2, C.ECOLOGICAL: 4, C.OTHER: 3},
    "summer": {C.NEIGHBOUR: 35, C.LAND: 10, C.FAMILY: 10, C.LABOUR: 9, C.TRAFFIC: 8, C.PROPERTY: 8,
               C.CONSUMER: 6, C.LENDING: 5, C.ECOLOGICAL: 5, C.MEDICAL: 2, C.OTHER: 2},
    "autumn": {C.FAMILY: 35, C.NEIGHBOUR: 14, C.LAND: 10, C.LABOUR: 10, C.LENDING: 8, C.PROPERTY: 6,
               C.CONSUMER: 6, C.TRAFFIC: 5, C.MEDICAL: 2, C.ECOLOGICAL: 1, C.OTHER: 3},
    "winter": {C.LENDING: 34, C.LABOUR: 20, C.FAMILY: 12, C.NEIGHBOUR: 10, C.CONSUMER: 6, C.LAND: 5,
               C.PROPERTY: 5, C.TRAFFIC: 4, C.MEDICAL: 2, C.ECOLOGICAL: 1, C.OTHER: 1},
}  # fmt: skip
SEASON_NAMES = {"spring": "春季", "summer": "夏季", "autumn": "秋季", "winter": "冬季"}
SEASON_FOCUS = {
    "spring": "土地承包、宅基地、山林权属纠纷",
    "summer": "相邻关系、用水排水、噪音纠纷",
    "autumn": "婚姻家庭、赡养继承纠纷",
    "winter": "民间借贷、拖欠工资纠纷",
}
CHANNEL_WEIGHTS = {
    CH.POLICE_WORK: 24,
    CH.ALERT: 14,
    CH.VISIT: 30,
    CH.ONLINE: 8,
    CH.SCREENING: 14,
    CH.COURT: 5,
    CH.PETITION: 5,
}
SUMMARIES: dict[str, list[str]] = {
    C.LAND: ["承包地边界纠纷", "宅基地界址争议", "土地流转租金纠纷", "山林权属争议", "征地补偿款分配纠纷"],
    C.NEIGHBOUR: ["相邻通行纠纷", "排水引发邻里矛盾", "建房采光纠纷", "噪音扰民邻里纠纷", "饲养犬只伤人纠纷"],
    C.FAMILY: ["赡养老人纠纷", "离婚财产分割纠纷", "遗产继承纠纷", "婚姻家庭矛盾", "子女抚养费纠纷"],
    C.LABOUR: ["拖欠工资纠纷", "工伤赔偿纠纷", "劳务报酬纠纷", "解除劳动关系补偿纠纷"],
    C.MEDICAL: ["医疗费用争议", "诊疗结果纠纷"],
    C.PROPERTY: ["物业费收缴纠纷", "小区停车位纠纷", "电梯维修费用分摊纠纷"],
    C.LENDING: ["民间借贷逾期未还", "亲友借款纠纷", "担保借款纠纷"],
    C.CONSUMER: ["预付卡退费纠纷", "装修合同纠纷", "商品质量纠纷"],
    C.TRAFFIC: ["电动车碰擦赔偿纠纷", "交通事故赔偿纠纷"],
    C.ECOLOGICAL: ["养殖污染纠纷", "林木砍伐纠纷"],
    C.OTHER: ["合伙经营纠纷", "财物损害赔偿纠纷"],
}
# (what the respondent undertakes, how, amount range in yuan; (0, 0): no sum of money)
TERMS: dict[str, tuple[str, str, tuple[int, int]]] = {
    C.LAND: ("退还越界占用土地并恢复原状", "现场交界、重立界桩", (0, 0)),
    C.NEIGHBOUR: ("修缮排水沟并承担修缮费用", "现场施工、当面结清", (500, 6000)),
    C.FAMILY: ("按月支付赡养费", "银行转账", (3000, 24000)),
    C.LABOUR: ("支付拖欠的劳动报酬", "银行转账", (8000, 90000)),
    C.MEDICAL: ("一次性给予补偿", "银行转账", (5000, 60000)),
    C.PROPERTY: ("补缴物业费，物业公司限期整改", "物业服务中心现场缴纳", (1000, 8000)),
    C.LENDING: ("分期归还借款本金", "银行转账", (10000, 200000)),
    C.CONSUMER: ("退还预付款余额", "原路退回", (800, 20000)),
    C.TRAFFIC: ("赔偿医疗费、误工费", "当面支付", (2000, 30000)),
    C.ECOLOGICAL: ("停止排污并清理养殖场周边", "限期整改、村委会验收", (0, 0)),
    C.OTHER: ("清算合伙账目并返还出资", "银行转账", (5000, 80000)),
}
ORGANISATIONS: dict[str, list[str]] = {
    C.LABOUR: ["衢州{}建筑劳务有限公司", "衢州{}机械制造有限公司", "柯城区{}农业开发有限公司"],
    C.PROPERTY: ["衢州{}物业服务有限公司"],
    C.CONSUMER: ["柯城区{}装饰工程有限公司", "衢州{}商贸有限公司"],
    C.MEDICAL: ["柯城区{}社区卫生服务中心"],
}
BRANDS = ["恒信", "宏达", "鑫源", "华诚", "金盛", "瑞丰", "立新", "东方", "衢江", "锦程", "明远", "兴业"]
MINUTES = "调解员告知当事人权利义务，双方分别陈述事实与诉求。经释法说理、背靠背沟通，双方就主要分歧初步形成一致意见。"


class _NotYet(Exception):
    """The next step of a case lies in the future: the case stands where it is today."""


@dataclass
class _Case:
    at: datetime
    village: Region
    category: str
    channel: str
    path: str = "closed"
    risk: str = Dispute.Risk.BLUE
    complexity: str = "simple"
    flags: frozenset[str] = frozenset()
    stop: str = ""  # scripted cases of today: the last stage taken
    mediator: Mediator | None = None
    pace: float = 1.0  # scripted cases walk faster, so that they reach their stage in time
    respondent_id: str = ""  # a given respondent ID number (the persona's kin)


@dataclass
class _County:
    county: Region
    townships: list[Region]
    villages: list[Region]
    users: dict[str, User]
    officials: dict[int, User]  # township id -> township official
    officers: dict[int, list[User]]  # township id -> officers of the station serving it
    workers: dict[int, User]  # village id -> grid worker
    stations: dict[int, Agency]  # township id -> police station
    tribunals: dict[int, Agency]
    committees: dict[int, Agency]  # township id -> people's mediation committee
    judicial: dict[int, Agency]
    governments: dict[int, Agency]
    county_agencies: dict[str, Agency]  # kind -> the county-level agency
    village_committees: dict[int, Agency]
    rooms: dict[int, MediationRoom] = field(default_factory=dict)  # region id -> room


def seed_demo_history(*, seed: int) -> str | None:
    county = Region.objects.filter(code=COUNTY_CODE).first()
    persona = User.objects.filter(username="mediator").first()
    if county is None or persona is None or Mediator.objects.filter(user=persona).exists():
        return None
    rng = random.Random(seed * 41 + 5)
    with transaction.atomic():
        c = _load(county)
        _tier_policies()
        _rooms(c)
        pool, kin = _pool(c, rng)
        history = _History(c, pool, rng, now=timezone.now(), persona_kin=kin)
        history.campaigns()
        for case in history.history_plans():
            history.run(case)
        for case in history.todays_plans():
            history.run(case)
        group = history.gym_group_dispute()
        visits = history.this_seasons_visits()
        # What the beat would have done by now: move every case whose time box has passed.
        escalation_sweep(now=history.now)
    county_cases = Dispute.objects.filter(county=county)
    total = county_cases.count()
    closed = county_cases.filter(status=S.CLOSED).count()
    still_open = county_cases.exclude(status__in=Dispute.ENDED_STATUSES).count()
    return (
        f"Disputes: {len(pool)} mediators, {total} cases over a year ({closed} closed, {still_open} open, "
        f"{county_cases.filter(key_case=True).count()} key), a group dispute of {group} parties, "
        f"this season's screening campaign with {visits} visits."
    )


def _load(county: Region) -> _County:
    townships = list(Region.objects.filter(parent=county, level=Region.Level.TOWNSHIP).order_by("code"))
    villages = list(
        Region.objects.filter(path__startswith=county.path, level=Region.Level.VILLAGE).order_by("code")
    )
    memberships = list(
        Membership.objects.filter(active=True, agency__region__path__startswith=county.path)
        .select_related("agency__region", "scope")
        .prefetch_related("agency__served_regions")
        .order_by("user__username")
    )
    # One User object per person, shared by every call: the jurisdiction is cached on it.
    users = {u.pk: u for u in User.objects.filter(pk__in=[m.user_id for m in memberships])}
    by_township = {t.pk: t for t in townships}
    c = _County(
        county=county,
        townships=townships,
        villages=villages,
        users={u.username: u for u in users.values()},
        officials={},
        officers={},
        workers={},
        stations={},
        tribunals={},
        committees={},
        judicial={},
        governments={},
        county_agencies={},
        village_committees={},
    )
    for agency in Agency.objects.filter(region__path__startswith=county.path).prefetch_related(
        "served_regions"
    ):
        served = [r.pk for r in agency.served_regions.all() if r.pk in by_township] or [agency.region_id]
        if agency.kind == K.POLICE_STATION:
            c.stations.update(dict.fromkeys(served, agency))
        elif agency.kind == K.COURT_TRIBUNAL:
            c.tribunals.update(dict.fromkeys(served, agency))
        elif agency.kind == K.MEDIATION_COMMITTEE:
            c.committees[agency.region_id] = agency
        elif agency.kind == K.JUDICIAL_OFFICE:
            c.judicial[agency.region_id] = agency
        elif agency.kind == K.TOWNSHIP_GOVERNMENT:
            c.governments[agency.region_id] = agency
        elif agency.kind == K.VILLAGE_COMMITTEE:
            c.village_committees[agency.region_id] = agency
        elif agency.region_id == county.pk:
            c.county_agencies[agency.kind] = agency
    for m in memberships:
        user = users[m.user_id]
        if m.role == R.TOWNSHIP_OFFICIAL:
            c.officials[m.agency.region_id] = user
        elif m.role == R.OFFICER:
            for township in m.agency.served_regions.all():
                c.officers.setdefault(township.pk, []).append(user)
        elif m.role == R.GRID_WORKER and m.scope_id is not None:
            c.workers[m.scope_id] = user
    return c


def _tier_policies() -> None:
    # The platform default, unless an administrator has set one already.
    for tier, (days, mediators) in TIME_BOXES.items():
        TierPolicy.objects.get_or_create(
            county=None, tier=tier, defaults={"time_box_days": days, "mediators": mediators}
        )


def _rooms(c: _County) -> None:
    rooms = [
        MediationRoom(name="柯城区矛盾纠纷调处化解中心调解室", region=c.county, address="柯城区荷花中路")
    ]
    rooms += [
        MediationRoom(name=f"{t.name}人民调解室", region=t, address=f"{t.name}便民服务中心二楼")
        for t in c.townships
    ]
    first = c.villages[0]
    rooms.append(MediationRoom(name=f"{first.name}调解室", region=first, address=f"{first.name}党群服务中心"))
    for room in MediationRoom.objects.bulk_create(rooms):
        c.rooms[room.region_id] = room


def _pool(c: _County, rng: random.Random) -> tuple[list[Mediator], list[str]]:
    """The persona and eleven more mediators of the four teams, at village, township and county;
    and the ID numbers of the persona's close relatives."""
    t = c.townships
    market, petition = c.county_agencies[K.MARKET_REGULATION], c.county_agencies[K.PETITION_OFFICE]
    tribunal = c.tribunals[t[0].pk]
    first = c.villages[0]
    P, PE, A, J = (
        MediatorTeam.POLICE,
        MediatorTeam.PEOPLES,
        MediatorTeam.ADMINISTRATIVE,
        MediatorTeam.JUDICIAL,
    )
    # (team, agency, area, specialties, most open cases, introduction)
    extras: list[tuple[str, Agency, Region, list[str], int, str]] = [
        (P, c.stations[t[1].pk], t[1], [C.NEIGHBOUR, C.TRAFFIC], 8, "社区民警，擅长化解邻里和交通纠纷"),
        (P, c.stations[t[4].pk], t[4], [C.TRAFFIC, C.LENDING, C.NEIGHBOUR], 8, "派出所调解室民警"),
        (PE, c.village_committees[first.pk], first, [C.NEIGHBOUR, C.FAMILY], 8, f"{first.name}调委会主任"),
        (PE, c.committees[t[2].pk], t[2], [C.LAND, C.FAMILY], 8, "老党员，熟悉农村土地政策"),
        (PE, c.committees[t[6].pk], t[6], [C.LAND, C.NEIGHBOUR, C.ECOLOGICAL], 8, "金牌调解员"),
        (PE, c.committees[t[9].pk], t[9], [C.FAMILY, C.LENDING], 8, "婚姻家庭纠纷调解工作室负责人"),
        (A, market, c.county, [C.CONSUMER, C.PROPERTY], 16, "市场监管局消费纠纷调解员"),
        (A, c.governments[t[8].pk], t[8], [C.LAND, C.LABOUR, C.ECOLOGICAL], 8, "乡综治中心专职调解员"),
        (A, petition, c.county, [C.OTHER, C.LABOUR, C.PROPERTY], 16, "信访局驻中心调解员"),
        (J, tribunal, c.county, [C.LENDING, C.LABOUR, C.MEDICAL], 16, "法庭特邀调解员"),
        (J, c.judicial[t[3].pk], t[3], [C.LABOUR, C.MEDICAL, C.PROPERTY], 8, "司法所调解员，退休法官"),
    ]
    persona = c.users.get("mediator") or User.objects.get(username="mediator")
    kin = [_id_number(rng, True), _id_number(rng, False)]
    pool = [
        mediator_enrol(
            actor=None,
            user=persona,
            team=PE,
            agency=c.committees[t[0].pk],
            region=t[0],
            specialties=[C.NEIGHBOUR, C.FAMILY, C.LAND],
            household_code=f"{t[0].code[-6:]}-H0001",
            # Two close relatives live in the county: a case with one of them is not his.
            kin_id_numbers=kin,
            max_load=10,
            bio=f"{t[0].name}人民调解委员会专职调解员",
        )
    ]
    users = []
    for n, (team, agency, region, specialties, max_load, bio) in enumerate(extras, start=2):
        name, male = _real_name(rng)
        user = person_create(
            actor=None,
            username=f"mediator_{n:02d}",
            real_name=name,
            phone=_mobile(rng),
            id_number=_id_number(rng, male),
        )
        membership_create(actor=None, user=user, agency=agency, role=R.MEDIATOR)
        users.append(user)
        pool.append(
            mediator_enrol(
                actor=None,
                user=user,
                team=team,
                agency=agency,
                region=region,
                specialties=specialties,
                max_load=max_load,
                bio=bio,
            )
        )
    # One hash for all, as the governance demo does for its logins (hashing is slow on purpose).
    person_set_password(actor=None, users=users, password=DEMO_PASSWORD)
    for m in pool:
        m.user = c.users.setdefault(m.user.username, m.user)
    return pool, kin


def _township_id(village: Region) -> int:
    assert village.parent_id is not None
    return village.parent_id


def _season(day: date) -> str:
    return {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring", 6: "summer",
            7: "summer", 8: "summer"}.get(day.month, "autumn")  # fmt: skip


def _season_span(day: date) -> tuple[date, date]:
    """First and last day of the season ``day`` falls in."""
    start_month = {"spring": 3, "summer": 6, "autumn": 9, "winter": 12}[_season(day)]
    year = day.year - 1 if day.month < 3 else day.year
    start = date(year, start_month, 1)
    following = date(year + 1, 3, 1) if start_month == 12 else date(year, start_month + 3, 1)
    return start, following - timedelta(days=1)


def _weighted(rng: random.Random, weights: Mapping[T, float]) -> T:
    keys, values = zip(*weights.items(), strict=True)
    return rng.choices(keys, values)[0]


class _History:
    def __init__(
        self, c: _County, pool: list[Mediator], rng: random.Random, *, now: datetime, persona_kin: list[str]
    ) -> None:
        self.c, self.pool, self.rng = c, pool, rng
        self.persona_kin = persona_kin
        self.now = now
        self.local_now = timezone.localtime(now)
        self.persona = pool[0]
        self.county_admin = c.users["county_admin"]
        self.load = {m.pk: 0 for m in pool}
        self.live: dict[int, list[Mediator]] = {}
        self.refused: dict[int, set[int]] = {}
        self.screening: dict[date, ScreeningCampaign] = {}  # season start -> campaign
        self.assignments: dict[tuple[int, int], ScreeningAssignment] = {}  # (campaign, village)
        # Villages are chosen by population; a share of the cases falls in the personas' township.
        self.weights = [v.population or 1 for v in c.villages]
        self.first_township = [v for v in c.villages if v.parent_id == c.townships[0].pk]

    # --- plans ---------------------------------------------------------------------------------

    def _at(self, days_ago: float) -> datetime:
        at = self.local_now - timedelta(days=days_ago)
        if days_ago >= 1:
            at = at.replace(
                hour=self.rng.choice([8, 9, 10, 11, 14, 15, 16, 17]), minute=self.rng.randrange(60)
            )
        return at.replace(second=0, microsecond=0)

    def _village(self) -> Region:
        if self.rng.random() < 0.2:
            return self.rng.choice(self.first_township)
        return self.rng.choices(self.c.villages, self.weights)[0]

    def history_plans(self) -> list[_Case]:
        rng = self.rng
        cases = []
        for _ in range(HISTORY_CASES):
            at = self._at(rng.uniform(HISTORY_NEWEST_DAYS, HISTORY_DAYS))
            category = _weighted(rng, SEASON_WEIGHTS[_season(at.date())])
            channel = _weighted(rng, CHANNEL_WEIGHTS)
            campaign = self.screening.get(_season_span(at.date())[0])
            if channel == CH.SCREENING and campaign is not None:
                village = rng.choice([v for v in self.c.villages if v.pk in self.c.workers])
            else:
                channel = CH.VISIT if channel == CH.SCREENING else channel
                village = self._village()
            path = _weighted(rng, PATHS)
            flags: set[str] = set()
            risk = _weighted(rng, {"blue": 62, "yellow": 25, "orange": 10, "red": 3})
            complexity = _weighted(rng, {"simple": 76, "complex": 19, "difficult": 5})
            roll = rng.random()
            if roll < 0.04:
                flags.add("cross_village")
            elif roll < 0.12 and category == C.LAND:
                flags.add("government")  # land taken for public works: the township is a party
            elif roll < 0.09 and category in (C.LABOUR, C.CONSUMER, C.PROPERTY):
                flags.add("group")
            if path in ("time_box", "time_box_twice", "party_request", "recusal"):
                # Escalated later in their life: they start at the village, with nothing that
                # would raise them at registration.
                flags, risk, complexity = set(), rng.choice(["blue", "yellow"]), "simple"
            if path == "sector":
                category = rng.choice([C.CONSUMER, C.LABOUR, C.PROPERTY])
            if complexity == "difficult" or risk == "red":
                flags.add("consultation")
            if rng.random() < 0.08:
                flags.add("task")
            if path == "closed_jc" and rng.random() < 0.2:
                flags.add("jc_rejected")
            cases.append(_Case(at, village, category, channel, path, risk, complexity, frozenset(flags)))
        cases.sort(key=lambda case: case.at)
        return cases

    def todays_plans(self) -> list[_Case]:
        """Open work today: a few cases at every stage, four of them the mediator persona's."""
        rng, persona = self.rng, self.persona
        season = _season(self.local_now.date())
        channels = {k: v for k, v in CHANNEL_WEIGHTS.items() if k != CH.SCREENING}

        def case(
            days_ago: float,
            stop: str,
            *,
            here: bool = False,
            path: str = "closed",
            risk: str = Dispute.Risk.BLUE,
            complexity: str = "simple",
            flags: Sequence[str] = (),
            mediator: Mediator | None = None,
            respondent_id: str = "",
        ) -> _Case:
            village = rng.choice(self.first_township) if here else self._village()
            return _Case(
                self._at(days_ago),
                village,
                _weighted(rng, SEASON_WEIGHTS[season]),
                _weighted(rng, channels),
                path=path,
                risk=risk,
                complexity=complexity,
                flags=frozenset(flags),
                stop=stop,
                mediator=mediator,
                pace=0.3,
                respondent_id=respondent_id,
            )

        return [
            case(0.1, "registered"),
            case(0.6, "registered", risk=Dispute.Risk.RED),
            case(1.5, "registered", here=True),
            case(1.2, "triaged"),
            case(2.6, "triaged", here=True),
            # A party is the persona's close relative: he is proposed, but blocked with the reason.
            case(2.2, "accepted", here=True, respondent_id=self.persona_kin[0]),
            case(3.0, "accepted"),
            case(2.8, "assigned"),
            case(3.5, "assigned", here=True),
            case(4.0, "in_mediation", here=True, mediator=persona),
            case(5.0, "in_mediation", here=True, mediator=persona, complexity="complex"),
            case(4.5, "in_mediation"),
            case(5.5, "in_mediation", complexity="complex", flags=["task"]),
            case(4.5, "agreement", here=True, mediator=persona),
            case(5.0, "agreement"),
            case(6.0, "performing"),
            case(9.0, "performing", here=True),
            case(8.0, "follow_up", here=True, mediator=persona, flags=["no_terms"]),
            case(12.0, "follow_up", flags=["no_terms"]),
            case(14.0, "", path="breach", flags=["soon"]),
            case(16.0, "reopened", path="breach", here=True, flags=["soon"]),
            # Judicial confirmation applied for, the court has not answered yet.
            case(18.0, "", path="closed_jc", flags=["jc_pending"]),
        ]

    # --- people --------------------------------------------------------------------------------

    def manager(self, d: Dispute) -> User:
        if d.tier >= Tier.COUNTY:
            return self.county_admin
        return self.c.officials.get(self._township(d.village).pk, self.county_admin)

    def _township(self, village: Region) -> Region:
        return next(t for t in self.c.townships if t.pk == village.parent_id)

    def registrar(self, channel: str, village: Region) -> User:
        township = self._township(village)
        if channel in (CH.POLICE_WORK, CH.ALERT) and self.c.officers.get(township.pk):
            return self.rng.choice(self.c.officers[township.pk])
        if channel == CH.VISIT and village.pk in self.c.workers:
            return self.c.workers[village.pk]
        if channel in (CH.ONLINE, CH.PETITION):
            return self.county_admin
        return self.c.officials.get(township.pk, self.county_admin)

    def owner(self, channel: str, village: Region) -> Agency | None:
        township = self._township(village)
        if channel in (CH.POLICE_WORK, CH.ALERT):
            return self.c.stations.get(township.pk)
        if channel == CH.COURT:
            return self.c.tribunals.get(township.pk)
        if channel == CH.PETITION:
            return self.c.county_agencies.get(K.PETITION_OFFICE)
        return None

    def _person(self, role: str, village: Region, id_number: str = "") -> PartyInput:
        name, male = _real_name(self.rng)
        return PartyInput(
            role=role,
            name=name,
            phone=_mobile(self.rng),
            id_number=id_number or _id_number(self.rng, male),
            household_code=f"{village.code[-6:]}-{self.rng.randint(2, 900):04d}",
            village_code=village.code,
        )

    def parties(self, case: _Case) -> list[PartyInput]:
        rng, village = self.rng, case.village
        applicant = self._person(Party.Role.APPLICANT, village)
        respondent_village = village
        if "cross_village" in case.flags:
            neighbours = [
                v for v in self.c.villages if v.parent_id == village.parent_id and v.pk != village.pk
            ]
            respondent_village = rng.choice(neighbours or [village])
        if "government" in case.flags:
            government = self.c.governments[_township_id(village)]
            respondent = PartyInput(
                role=Party.Role.RESPONDENT, name=government.name, kind=Party.Kind.GOVERNMENT
            )
        # A given respondent ID (the persona's kin) is a person, whatever the category drawn.
        elif case.category in ORGANISATIONS and not case.respondent_id and rng.random() < 0.7:
            name = rng.choice(ORGANISATIONS[case.category]).format(rng.choice(BRANDS))
            respondent = PartyInput(
                role=Party.Role.RESPONDENT, name=name, kind=Party.Kind.ORGANISATION, phone=_mobile(rng)
            )
        else:
            respondent = self._person(Party.Role.RESPONDENT, respondent_village, case.respondent_id)
        parties = [applicant, respondent]
        if rng.random() < 0.06:
            parties.append(self._person(Party.Role.THIRD, village))
        return parties

    def summary(self, case: _Case, parties: Sequence[PartyInput]) -> str:
        def short(p: PartyInput) -> str:
            return p.name if p.kind != Party.Kind.PERSON else p.name[0] + "某"

        what = self.rng.choice(SUMMARIES[case.category])
        others = "等" if "group" in case.flags else ""
        return f"{short(parties[0])}{others}与{short(parties[1])}{what}"

    # --- walking a case ------------------------------------------------------------------------

    def later(self, t: datetime, hours: float, pace: float = 1.0) -> datetime:
        t = t + timedelta(hours=hours * pace)
        if t > self.now:
            raise _NotYet
        return t

    def run(self, case: _Case) -> None:
        with contextlib.suppress(_NotYet):
            self._walk(case)

    def register(self, case: _Case) -> Dispute:
        parties = self.parties(case)
        summary = self.summary(case, parties)
        low, high = TERMS[case.category][2]
        amount = Decimal(self.rng.randrange(low, high + 1, 100)) if high else Decimal(0)
        people = self.rng.randint(6, 15) if "group" in case.flags else None
        description = f"{case.village.name}{summary}，{self.rng.choice(['双方多次协商未果', '矛盾有激化苗头', '当事人请求调解'])}。"
        if case.channel == CH.SCREENING:
            campaign = self.screening[_season_span(case.at.date())[0]]
            assignment = self.assignments[(campaign.pk, case.village.pk)]
            visit = visit_record(
                actor=assignment.worker,
                assignment=assignment,
                household=f"{self.rng.randint(1, 12)}组{self.rng.randint(1, 80)}号",
                result=ScreeningVisit.Result.FINDING,
                note=description,
                category=case.category,
                summary=summary,
                parties=parties,
                now=case.at,
            )
            assert visit.dispute is not None
            return visit.dispute
        owner = self.owner(case.channel, case.village)
        dispute, _created = dispute_register(
            actor=self.registrar(case.channel, case.village),
            channel=case.channel,
            category=case.category,
            village_code=case.village.code,
            summary=summary,
            description=description,
            parties=parties,
            amount=amount,
            people_involved=people,
            risk=case.risk,
            owner_agency_id=owner.pk if owner else None,
            now=case.at,
            # A case of yesterday or earlier is history: nobody is told of it now.
            notify=case.at >= timezone.now() - timedelta(days=1),
        )
        return dispute

    def pick(self, d: Dispute, t: datetime, *, prefer: Mediator | None = None) -> Mediator | None:
        live = {m.pk for m in self.live.get(d.pk, [])} | self.refused.get(d.pk, set())
        police = d.channel in (CH.POLICE_WORK, CH.ALERT)

        def rank(m: Mediator) -> tuple[int, int, int, int, int]:
            level = m.region.level
            if d.tier <= Tier.VILLAGE:
                fit = -len(m.region.path)  # the closest to the village first
            elif d.tier == Tier.TOWNSHIP:
                fit = 0 if level == Region.Level.TOWNSHIP else 1
            else:
                fit = 0 if level == Region.Level.COUNTY else 1
            team = 0 if (m.team == MediatorTeam.POLICE) == police else 1
            return (fit, team, d.category not in m.specialties, self.load[m.pk], m.pk)

        candidates = sorted(
            (
                m
                for m in self.pool
                if m.pk not in live and d.village.path.startswith(m.region.path) and self.has_room(m)
            ),
            key=rank,
        )
        if prefer is not None and prefer.pk not in live and self.load[prefer.pk] < prefer.max_load:
            candidates.insert(0, prefer)
        for m in candidates:
            try:
                # Only today's assignments are announced; the year behind them tells nobody.
                mediator_assign(
                    actor=self.manager(d),
                    dispute=d,
                    mediator=m,
                    now=t,
                    notify=t > self.now - timedelta(days=1),
                )
            except Conflict:
                # A conflict of interest (kin, same household): the next one takes the case.
                self.refused.setdefault(d.pk, set()).add(m.pk)
                continue
            self.live.setdefault(d.pk, []).append(m)
            self.load[m.pk] += 1
            return m
        return None

    def ended(self, d: Dispute) -> None:
        for m in self.live.pop(d.pk, []):
            self.load[m.pk] -= 1

    def mediator_user(self, d: Dispute) -> User:
        live = self.live.get(d.pk)
        return live[-1].user if live else self.manager(d)

    def room(self, d: Dispute) -> MediationRoom:
        rooms = self.c.rooms
        if d.tier >= Tier.COUNTY:
            return rooms[self.c.county.pk]
        return rooms.get(d.village_id) or rooms[_township_id(d.village)]

    def session(self, d: Dispute, t: datetime) -> None:
        session_record(
            actor=self.mediator_user(d),
            dispute=d,
            held_at=t,
            attendees="申请人、被申请人、调解员",
            minutes=MINUTES,
            room=self.room(d),
            now=t,
        )

    def consultation(self, d: Dispute, t: datetime) -> None:
        township = _township_id(d.village)
        agencies = [
            a
            for a in (
                self.c.stations.get(township),
                self.c.judicial.get(township),
                self.c.tribunals.get(township),
                self.c.governments.get(township),
            )
            if a is not None
        ]
        session_record(
            actor=self.manager(d),
            dispute=d,
            kind=Session.Kind.CONSULTATION,
            held_at=t,
            attendees="派出所、司法所、人民法庭、乡镇综治中心",
            minutes="多部门会商：梳理争议焦点，明确各方职责，制定化解方案并分工落实。",
            room=self.room(d),
            agencies=agencies,
            now=t,
        )

    def escalate_by_sweep(self, d: Dispute, t: datetime) -> tuple[Dispute, datetime]:
        """Let the tier's time box pass: the sweep moves the case up, as it moves every case."""
        assert d.tier_deadline is not None
        at = d.tier_deadline + timedelta(hours=1)
        if at > self.now or at < t:
            raise _NotYet
        escalation_sweep(now=at)
        d.refresh_from_db()
        return d, at

    def _walk(self, case: _Case) -> None:
        rng, pace = self.rng, case.pace

        def step(t: datetime, low: float, high: float) -> datetime:
            return self.later(t, rng.uniform(low, high), pace)

        d = self.register(case)
        if case.stop == "registered":
            return
        t = step(case.at, 2, 20)
        if case.path == "not_accepted":
            process = rng.choice(list(Dispute.OtherProcess))
            dispute_triage(
                actor=self.manager(d),
                dispute=d,
                decision=Triage.NOT_ACCEPTED,
                reason="纠纷已进入其他法定程序，依法不予受理",
                other_process=process,
                other_process_status={"court": "法院已立案", "arbitration": "仲裁委已受理"}.get(
                    process, "行政复议审查中"
                ),
                advised_route="等待该程序结果，可申请诉中调解",
                now=t,
            )
            return
        if case.path == "referred_police":
            dispute_triage(
                actor=self.manager(d),
                dispute=d,
                decision=Triage.REFER_POLICE,
                reason="双方多次发生肢体冲突，存在民转刑风险",
                advised_route="移交派出所依法处置，调解组织配合做好疏导",
                now=t,
            )
            return
        d = dispute_triage(
            actor=self.manager(d),
            dispute=d,
            decision=Triage.ACCEPT,
            complexity=case.complexity,
            urgent=case.risk in (Dispute.Risk.RED, Dispute.Risk.ORANGE),
            now=t,
        )
        if case.stop == "triaged":
            return
        if "consultation" in case.flags and d.tier >= Tier.COUNTY:
            t = step(t, 2, 10)
            self.consultation(d, t)
        t = step(t, 2, 24)
        for party in d.parties.filter(role__in=[Party.Role.APPLICANT, Party.Role.RESPONDENT]):
            party_consent(actor=self.manager(d), party=party, rights_informed=True, now=t)
        t = step(t, 0.5, 1)
        d = dispute_accept(actor=self.manager(d), dispute=d, now=t)
        if case.stop == "accepted":
            return
        t = step(t, 1, 4)
        if self.pick(d, t, prefer=case.mediator) is None:
            return
        if d.mediators_needed >= 2 and case.mediator is None:
            self.pick(d, t)
        if case.stop == "assigned":
            return
        t = step(t, 20, 60)
        self.session(d, t)
        if case.path == "recusal":
            t = step(t, 4, 30)
            leaving = self.live[d.pk][0]
            applicant = d.parties.filter(role=Party.Role.APPLICANT).first()
            assert applicant is not None
            replacement = self.pick_replacement(d, leaving)
            try:
                mediator_recuse(
                    actor=self.manager(d),
                    dispute=d,
                    mediator=leaving,
                    party=applicant,
                    reason="申请人认为调解员与被申请人往来密切，申请回避",
                    replacement=replacement,
                    now=t,
                )
            except Conflict:
                pass  # the replacement is kin of a party: the mediator stays on the case
            else:
                self.refused.setdefault(d.pk, set()).add(leaving.pk)
                self.live[d.pk].remove(leaving)
                self.load[leaving.pk] -= 1
                if replacement is not None:
                    self.live[d.pk].append(replacement)
                    self.load[replacement.pk] += 1
            t = step(t, 20, 40)
            self.session(d, t)
        elif case.path == "party_request":
            t = step(t, 4, 24)
            d = dispute_escalate(actor=self.manager(d), dispute=d, reason="申请人要求由乡镇调委会调解", now=t)
            t = step(t, 2, 12)
            self.pick(d, t)
            t = step(t, 20, 48)
            self.session(d, t)
        elif case.path == "sector":
            t = step(t, 4, 24)
            sector = self.c.county_agencies[
                K.MARKET_REGULATION if case.category != C.LABOUR else K.PETITION_OFFICE
            ]
            d = dispute_escalate(
                actor=self.manager(d),
                dispute=d,
                reason="涉及行业主管部门职责，移送主管部门牵头调处",
                sector_agency=sector,
                now=t,
            )
            t = step(t, 4, 24)
            self.pick(d, t)
            t = step(t, 20, 48)
            self.session(d, t)
        elif case.path in ("time_box", "time_box_twice"):
            d, t = self.escalate_by_sweep(d, t)
            t = step(t, 1, 6)
            self.pick(d, t)
            t = step(t, 20, 60)
            self.session(d, t)
            if case.path == "time_box_twice":
                d, t = self.escalate_by_sweep(d, t)
                t = step(t, 12, 48)
                self.consultation(d, t)
                t = step(t, 2, 12)
                self.pick(d, t)
                t = step(t, 24, 72)
                self.session(d, t)
                t = step(t, 1, 4)
                mediation_extend(
                    actor=self.mediator_user(d), dispute=d, days=15, both_parties_consent=True, now=t
                )
        elif "consultation" in case.flags and d.tier < Tier.COUNTY:
            t = step(t, 6, 24)
            self.consultation(d, t)
        if "task" in case.flags:
            t = step(t, 1, 6)
            agency = self.c.judicial.get(_township_id(d.village)) or self.c.county_agencies[K.PETITION_OFFICE]
            task = case_task_create(
                actor=self.manager(d),
                dispute=d,
                agency=agency,
                title="核实双方提交的证据材料并出具意见",
                due_at=t + timedelta(days=5),
                now=t,
            )
            t = step(t, 12, 48)
            case_task_done(actor=self.manager(d), task=task, result="已核实，材料真实有效", now=t)
        if case.path == "terminated":
            t = step(t, 24, 72)
            if rng.random() < 0.5:
                self.session(d, t)
                t = step(t, 2, 24)
            self.terminate(d, t, "一方当事人拒绝继续调解")
            return
        if case.stop == "in_mediation":
            return
        t = step(t, 10, 40)
        agreement = self.draft(
            d,
            t,
            terms="no_terms" not in case.flags and case.path != "closed_no_terms",
            due_in=(1, 2) if "soon" in case.flags else (3, 12),
            # A second instalment falls three weeks later: past today for a case of a fortnight.
            instalments="soon" not in case.flags,
        )
        if case.stop == "agreement":
            return
        t = step(t, 1, 6)
        signed_by = list(
            d.parties.filter(role__in=[Party.Role.APPLICANT, Party.Role.RESPONDENT]).values_list(
                "pk", flat=True
            )
        )
        agreement_sign(actor=self.mediator_user(d), agreement=agreement, signed_by=signed_by, now=t)
        if case.stop in ("performing", "follow_up"):
            return
        self.after_signing(d, agreement, t, case)

    def pick_replacement(self, d: Dispute, leaving: Mediator) -> Mediator | None:
        live = {m.pk for m in self.live.get(d.pk, [])} | self.refused.get(d.pk, set())
        for m in sorted(self.pool, key=lambda m: (self.load[m.pk], m.pk)):
            if m.pk not in live and d.village.path.startswith(m.region.path) and self.has_room(m):
                return m
        return None

    def has_room(self, m: Mediator) -> bool:
        return self.load[m.pk] < m.max_load - (PERSONA_ROOM if m is self.persona else 0)

    def terminate(self, d: Dispute, t: datetime, reason: str) -> None:
        dispute_terminate(
            actor=self.mediator_user(d),
            dispute=d,
            reason=reason,
            advised_route="告知当事人可向人民法院提起诉讼，或申请仲裁",
            now=t,
        )
        self.ended(d)

    def draft(
        self, d: Dispute, t: datetime, *, terms: bool, due_in: tuple[int, int], instalments: bool = True
    ) -> Agreement:
        what, how, (low, high) = TERMS[d.category]
        respondent = d.parties.filter(role=Party.Role.RESPONDENT).first()
        assert respondent is not None
        today = timezone.localdate(t)
        items = []
        if terms:
            amount = Decimal(self.rng.randrange(low, high + 1, 100)) if high else None
            first = today + timedelta(days=self.rng.randint(*due_in))
            if instalments and amount is not None and amount >= 20000 and self.rng.random() < 0.5:
                half = (amount / 2).quantize(Decimal("1"))
                items = [
                    TermInput(respondent.pk, f"{what}（第一期）", first, half, how),
                    TermInput(
                        respondent.pk, f"{what}（第二期）", first + timedelta(days=20), amount - half, how
                    ),
                ]
            else:
                items = [TermInput(respondent.pk, what, first, amount, how)]
        return agreement_draft(
            actor=self.mediator_user(d),
            dispute=d,
            facts=f"{d.summary}。经调解员调查核实，双方对基本事实无异议。",
            responsibilities="双方互谅互让；被申请人对纠纷的发生负主要责任。"
            if terms
            else "双方互相赔礼道歉，今后和睦相处。",
            terms=items,
            now=t,
        )

    def after_signing(self, d: Dispute, agreement: Agreement, signed: datetime, case: _Case) -> None:
        """Performance, judicial confirmation and the follow-up visit, in the order they happen."""
        rng = self.rng
        steps: list[tuple[datetime, Callable[[datetime], None]]] = []
        obligations = list(agreement.obligations.order_by("due_date", "pk"))
        breach = case.path in ("breach", "breach_terminated")
        last = signed
        for n, o in enumerate(obligations):
            due = timezone.make_aware(datetime.combine(o.due_date, datetime.min.time()).replace(hour=17))
            if breach and n == len(obligations) - 1:
                at = due + timedelta(days=rng.randint(1, 3))
                steps.append((at, partial(self._breach, d, o)))
            else:
                at = max(signed + timedelta(hours=2), due - timedelta(days=rng.randint(0, 3)))
                steps.append((at, partial(self._perform, d, o)))
            last = max(last, at)
        if case.path == "closed_jc":
            applied = signed + timedelta(days=rng.randint(2, 10))
            answered = applied + timedelta(days=rng.randint(5, 15))
            steps.append((applied, lambda t: self._jc_apply(d, agreement, t)))
            if "jc_pending" not in case.flags:
                confirmed = "jc_rejected" not in case.flags
                steps.append((answered, lambda t: self._jc_answer(d, agreement, t, confirmed)))
                last = max(last, answered)
        if breach:
            if case.path == "breach_terminated":
                steps.append(
                    (
                        last + timedelta(days=rng.randint(3, 10)),
                        lambda t: self.terminate(d, t, "被申请人拒不履行协议，调解终止"),
                    )
                )
            elif case.stop == "reopened":
                steps.append((last + timedelta(days=2), lambda t: self._reopen(d, t)))
        elif "jc_pending" not in case.flags:
            recurred = case.path == "recurred"
            steps.append(
                (
                    last + timedelta(days=rng.randint(3, 12)),
                    lambda t: self._follow_up(d, t, recurred=recurred),
                )
            )
            if recurred:
                steps.append((last + timedelta(days=20), lambda t: self._reassign(d, t)))
                steps.append((last + timedelta(days=23), lambda t: self.session(d, t)))
                steps.append(
                    (
                        last + timedelta(days=26),
                        lambda t: self.terminate(d, t, "纠纷反复，双方分歧过大，调解不成"),
                    )
                )
        for at, action in sorted(steps, key=lambda s: s[0]):
            if at > self.now:
                raise _NotYet
            action(at)

    def _perform(self, d: Dispute, o: Obligation, t: datetime) -> None:
        obligation_perform(actor=self.mediator_user(d), obligation=o, now=t)

    def _breach(self, d: Dispute, o: Obligation, t: datetime) -> None:
        obligation_breach(
            actor=self.mediator_user(d),
            obligation=o,
            note="逾期未履行，经催告仍未履行",
            next_route="申请人可就调解协议向人民法院提起诉讼，或再次申请调解",
            now=t,
        )

    def _reopen(self, d: Dispute, t: datetime) -> None:
        dispute_reopen(actor=self.mediator_user(d), dispute=d, reason="申请人要求再次调解，督促履行", now=t)

    def _reassign(self, d: Dispute, t: datetime) -> None:
        d.refresh_from_db()
        self.pick(d, t)

    def _jc_apply(self, d: Dispute, agreement: Agreement, t: datetime) -> None:
        tribunal = self.c.tribunals.get(_township_id(d.village))
        court = tribunal.name if tribunal else "柯城区人民法院"
        judicial_confirmation_apply(actor=self.mediator_user(d), agreement=agreement, court=court, now=t)

    def _jc_answer(self, d: Dispute, agreement: Agreement, t: datetime, confirmed: bool) -> None:
        judicial_confirmation_answer(
            actor=self.mediator_user(d),
            agreement=agreement,
            confirmed=confirmed,
            note="" if confirmed else "协议部分条款约定不明确，裁定驳回申请",
            now=t,
        )

    def _follow_up(self, d: Dispute, t: datetime, *, recurred: bool) -> None:
        follow_up_record(
            actor=self.mediator_user(d),
            dispute=d,
            satisfaction=2 if recurred else self.rng.choices([5, 4, 3], [60, 30, 10])[0],
            recurred=recurred,
            note="双方再次发生争执，纠纷反复" if recurred else "回访当事人，协议已履行，双方表示满意",
            now=t,
        )
        if not recurred:
            self.ended(d)

    # --- screening campaigns and the group dispute ---------------------------------------------

    def campaigns(self) -> None:
        """A county-wide campaign each season of the past year, its villages given to their grid
        workers. The current season's is the one on the grid worker persona's phone today."""
        today = self.local_now.date()
        spans = sorted({_season_span(today - timedelta(days=d)) for d in range(0, HISTORY_DAYS, 30)})
        workers = [(v, self.c.workers[v.pk]) for v in self.c.villages if v.pk in self.c.workers]
        for start, end in spans:
            if start < today - timedelta(days=HISTORY_DAYS):
                continue  # only seasons that started inside the year
            season = _season(start)
            campaign = campaign_create(
                actor=self.county_admin,
                name=f"{start.year}年{SEASON_NAMES[season]}矛盾纠纷大排查",
                season=season,
                region=self.c.county,
                starts_on=start,
                ends_on=end,
                focus=SEASON_FOCUS[season],
            )
            self.screening[start] = campaign
            for village, worker in workers:
                households = max(20, round((village.households or 600) / 10))
                self.assignments[(campaign.pk, village.pk)] = campaign_assign(
                    actor=self.county_admin,
                    campaign=campaign,
                    village=village,
                    worker=worker,
                    households=households,
                )

    def this_seasons_visits(self) -> int:
        """Households the grid worker persona visited in the last three weeks: mostly nothing to
        report, two small matters settled on the spot, and two findings that became cases."""
        worker = self.c.users["grid_worker"]
        village = next(v for v in self.c.villages if self.c.workers.get(v.pk) == worker)
        campaign = self.screening[_season_span(self.local_now.date())[0]]
        assignment = self.assignments[(campaign.pk, village.pk)]
        rng = self.rng
        results = [ScreeningVisit.Result.NOTHING] * 9 + [ScreeningVisit.Result.RESOLVED_ON_SITE] * 2
        rng.shuffle(results)
        results += [ScreeningVisit.Result.FINDING] * 2
        season = _season(self.local_now.date())
        for n, result in enumerate(results):
            at = self._at(20 - n * 1.5 if n < len(results) - 1 else 0.05)
            name, _male = _real_name(rng)
            kwargs: dict[str, object] = {}
            if result == ScreeningVisit.Result.FINDING:
                case = _Case(at, village, _weighted(rng, SEASON_WEIGHTS[season]), CH.SCREENING)
                parties = self.parties(case)
                kwargs = {
                    "category": case.category,
                    "summary": self.summary(case, parties),
                    "parties": parties,
                }
            visit_record(
                actor=worker,
                assignment=assignment,
                household=f"{rng.randint(1, 8)}组{rng.randint(1, 60)}号 {name[0]}某某户",
                result=result,
                note={
                    ScreeningVisit.Result.NOTHING: "家庭和睦，无矛盾纠纷",
                    ScreeningVisit.Result.RESOLVED_ON_SITE: "邻里小摩擦，现场劝解已化解",
                }.get(result, "入户走访发现纠纷苗头，已登记"),
                now=at,
                **kwargs,  # type: ignore[arg-type]
            )
        return ScreeningVisit.objects.filter(assignment__campaign=campaign).count()

    def gym_group_dispute(self) -> int:
        """A gym closed its doors with prepaid cards outstanding: forty members, one case, in
        mediation at the township with the market regulator; each member's progress tracked."""
        rng = self.rng
        village = self.first_township[1] if len(self.first_township) > 1 else self.first_township[0]
        official = self.c.officials[_township_id(village)]
        at = self._at(12)
        gym = "衢州市柯城区力健健身服务有限公司"
        first = self._person(Party.Role.APPLICANT, village)
        members: dict[str, PartyInput] = {}  # by ID number: one person is one party
        while len(members) < GROUP_MEMBERS - 2:
            member = self._person(Party.Role.APPLICANT, village)
            if member.id_number != first.id_number:
                members.setdefault(member.id_number, member)
        claims = [rng.randrange(1200, 6800, 100) for _ in members]
        d, _created = dispute_register(
            actor=official,
            channel=CH.ONLINE,
            category=C.CONSUMER,
            village_code=village.code,
            summary=f"{first.name[0]}某等{GROUP_MEMBERS - 1}人与力健健身预付卡退费纠纷",
            description="健身房突然停业，会员预付卡余额无法使用，会员在网上集中反映并到现场聚集。",
            notify=False,
            parties=[
                first,
                PartyInput(
                    role=Party.Role.RESPONDENT, name=gym, kind=Party.Kind.ORGANISATION, phone=_mobile(rng)
                ),
            ],
            amount=sum(claims) + 4800,
            people_involved=GROUP_MEMBERS,
            risk=Dispute.Risk.ORANGE,
            now=at,
        )
        sheet = io.StringIO()
        writer = csv.writer(sheet)
        writer.writerow(["role", "name", "phone", "id_number", "village_code", "claim_amount", "note"])
        for m, claim in zip(members.values(), claims, strict=True):
            writer.writerow(["申请人", m.name, m.phone, m.id_number, m.village_code, claim, "年卡"])
        t = at + timedelta(hours=3)
        group_parties_import(
            actor=official, dispute=d, file_name="会员名单.csv", content=sheet.getvalue().encode(), now=t
        )
        t += timedelta(hours=20)
        d = dispute_triage(
            actor=official, dispute=d, decision=Triage.ACCEPT, complexity="complex", urgent=True, now=t
        )
        t += timedelta(days=1)
        for party in d.parties.filter(role__in=[Party.Role.APPLICANT, Party.Role.RESPONDENT]):
            party_consent(actor=official, party=party, rights_informed=True, now=t)
        t += timedelta(hours=1)
        d = dispute_accept(actor=official, dispute=d, now=t)
        t += timedelta(hours=2)
        market = next(m for m in self.pool if m.agency.kind == K.MARKET_REGULATION)
        self.pick(d, t, prefer=market)
        self.pick(d, t, prefer=self.persona)
        t += timedelta(days=1)
        self.consultation(d, t)
        for days in (2, 6):
            held = t + timedelta(days=days)
            session_record(
                actor=market.user,
                dispute=d,
                held_at=held,
                attendees="会员代表、健身公司负责人、市场监管所、调解员",
                minutes="公开调解：核对会员名单和余额，健身公司提出分批退款方案，会员代表同意先行核账。",
                room=self.room(d),
                public=True,
                now=held,
            )
        members_rows = list(d.parties.filter(role=Party.Role.APPLICANT).order_by("pk"))
        progress = (
            [Party.Progress.SETTLED] * 6 + [Party.Progress.AGREED] * 10 + [Party.Progress.CONTACTED] * 14
        )
        done = t + timedelta(days=7)
        for party, state in zip(members_rows, progress, strict=False):
            party_progress(actor=official, party=party, progress=state, now=done)
        return d.parties.count()
