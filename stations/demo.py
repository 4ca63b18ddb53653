"""Demo history for the stations app: a joint-duty station per police station, the 1310 SLA
profiles, a year of handled alerts and a few open ones, so the dashboards are not empty."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from governance.models import Agency, Membership, Region
from stations.models import Alert, DispatchOrder, DutyShift, SlaProfile, Station, Summons
from stations.selectors import station_for_village
from stations.services import alert_intake, order_step
from stations.services.roster import duty_shift_add
from stations.services.summons import summons_check_in, summons_handle, summons_verify, summons_whistle
from stations.services.village_first import order_village_report

# Its place in ``seed_demo`` (governance.contributions): first, the other apps' demos read its stations.
ORDER = 10
COUNTY_CODE = "330802"
HISTORY_DAYS = 365
HISTORY_ALERTS = 300
# The share of villages where a quarrel comes back as a second (or third) 110 call.
REPEAT_CALL_SHARE = 0.3
# Past dispute alerts the demo cadre's village settled before the police came (村里先处置).
VILLAGE_FIRST = ("邻里因排水沟堵塞争吵", "两户因宅基地边界争吵", "婆媳矛盾争吵")
SUMMARIES = {
    "public_order": ["村口有人吵架推搡", "夜间噪音扰民", "醉酒人员滋事", "广场舞场地争执"],
    "dispute": ["邻里宅基地边界纠纷", "家庭矛盾求助", "劳务费拖欠纠纷", "预付卡退费纠纷"],
    "traffic": ["电动车与行人碰擦", "路口车辆刮擦", "农用车占道"],
    "criminal": ["电动车被盗", "疑似电信诈骗", "入室盗窃"],
    "help": ["老人走失", "儿童走失求助", "钥匙反锁求助"],
    "fire_disaster": ["山林烟火", "河道水位上涨"],
    "non_police": ["路灯损坏", "垃圾清运不及时", "自来水停水咨询"],
}
CATEGORY_WEIGHTS = {
    "public_order": 30,
    "dispute": 25,
    "traffic": 15,
    "criminal": 8,
    "help": 12,
    "fire_disaster": 2,
    "non_police": 8,
}
CHANNEL_WEIGHTS = {"110": 55, "12345": 20, "hotline": 8, "grid": 8, "walk_in": 5, "volunteer": 2, "online": 2}


def seed_demo_history(*, seed: int) -> str | None:
    county = Region.objects.filter(code=COUNTY_CODE).first()
    if county is None or Station.objects.filter(region__path__startswith=county.path).exists():
        return None
    rng = random.Random(seed * 31 + 3)
    with transaction.atomic():
        for priority in (1, 2):
            SlaProfile.objects.get_or_create(
                county=None,
                priority=priority,
                defaults={
                    "accept_seconds": 60,
                    "contact_seconds": 180,
                    "on_scene_seconds": 600,
                    "rural_on_scene_seconds": 900,
                },
            )
        stations = _stations(county)
        opened, history = _alerts(county, stations, rng)
        whistles = Summons.objects.filter(village__path__startswith=county.path).count() + _whistles(stations)
        settled = _village_first()
        _roster(stations)
    return (
        f"Stations: {len(stations)} joint-duty stations, {history} past alerts over a year, {opened} open today, "
        f"{whistles} whistles, {settled} alerts settled by the village."
    )


def _stations(county: Region) -> list[Station]:
    stations = []
    police = Agency.objects.filter(kind=Agency.Kind.POLICE_STATION, region__path__startswith=county.path)
    for agency in police.prefetch_related("served_regions").order_by("pk"):
        served = list(agency.served_regions.all())
        station = Station.objects.create(
            name=agency.name.replace("派出所", "联勤警务站"),
            kind=Station.Kind.JOINT_DUTY,
            police_agency=agency,
            region=agency.region,
            phone=agency.phone,
        )
        station.covered_regions.set(served)
        paths = [r.path for r in served]
        partners = [
            a
            for a in Agency.objects.filter(
                kind__in=[
                    Agency.Kind.JUDICIAL_OFFICE,
                    Agency.Kind.TOWNSHIP_GOVERNMENT,
                    Agency.Kind.MEDIATION_COMMITTEE,
                ]
            ).select_related("region")
            if any(a.region.path.startswith(p) for p in paths)
        ]
        station.stationed_agencies.set(partners)
        stations.append(station)
    return stations


def _alerts(county: Region, stations: list[Station], rng: random.Random) -> tuple[int, int]:
    villages = list(
        Region.objects.filter(path__startswith=county.path, level=Region.Level.VILLAGE)
        .exclude(boundary=None)
        .order_by("code")
    )
    officers = {
        s.pk: list(
            Membership.objects.filter(
                agency=s.police_agency, role=Membership.Role.OFFICER, active=True
            ).select_related("user")
        )
        for s in stations
    }
    now = timezone.now()
    categories, cweights = zip(*CATEGORY_WEIGHTS.items(), strict=True)
    channels, chweights = zip(*CHANNEL_WEIGHTS.items(), strict=True)
    # Today's open alerts land at the first station, where the demo officer works.
    first = stations[0] if stations else None
    todays = [
        v for v in villages if first and any(v.path.startswith(r.path) for r in first.covered_regions.all())
    ]
    history = 0
    for i in range(HISTORY_ALERTS + 4):
        village = rng.choice(villages if i < HISTORY_ALERTS or not todays else todays)
        category = rng.choices(categories, cweights)[0]
        past = i < HISTORY_ALERTS
        # More calls in the evening and in summer; none in the future.
        day = rng.randint(1, HISTORY_DAYS) if past else 0
        hour = rng.choice([8, 9, 10, 14, 15, 16, 19, 20, 21, 22]) if past else None
        at = (
            (now - timedelta(days=day)).replace(hour=hour, minute=rng.randint(0, 59))
            if hour is not None
            else now - timedelta(minutes=rng.randint(1, 8))
        )
        result = alert_intake(
            actor=None,
            channel=rng.choices(channels, chweights)[0],
            category=category,
            summary=rng.choice(SUMMARIES[category]),
            address=f"{village.name}{rng.randint(1, 80)}号附近",
            village_code=village.code,
            reported_at=at,
            now=at,
            notify=not past,
        )
        order = result.order
        _received(order, at)
        staff = officers.get(order.station_id or 0) or []
        if not past or not staff:
            continue
        officer = rng.choice(staff).user
        # Most steps on time; about one in ten accepted late, so the statistics show breaches.
        late = rng.random() < 0.1
        first_offset = 75 if late else rng.randint(15, 50)
        # Its own random stream, so the alerts stay the same with or without whistles.
        _walk(order, officer, at, first_offset, whistle=random.Random(f"whistle:{i}"))
        history += 1
    history += _repeat_calls(villages, officers, now)
    opened = DispatchOrder.objects.filter(
        status__in=DispatchOrder.OPEN, alert__village__path__startswith=county.path
    ).count()
    return opened, history


def _received(order: DispatchOrder, at: datetime) -> None:
    """A past alert was received when it was reported, not when the demo was seeded: the figures
    by month, the repeat recognition of later calls and the peace index's windows read it."""
    Alert.objects.filter(pk=order.alert_id).update(received_at=at)


def _walk(
    order: DispatchOrder, officer: User, at: datetime, first_offset: int, whistle: random.Random | None = None
) -> None:
    """A past order's life, from acceptance to the follow-up three days later; with ``whistle``, on
    some the officer on scene called the township in (``_past_whistle``)."""
    offsets = [first_offset, 150, 480, 900, 3600, 7200, 86400 * 3]
    steps = ["accept", "contact", "arrive", "handle", "resolve", "close", "follow_up"]
    for step, offset in zip(steps, offsets, strict=True):
        order = order_step(
            order=order,
            step=step,
            actor=officer,
            note="已调解处理完毕" if step == "resolve" else "",
            at=at + timedelta(seconds=offset),
        )
        if step == "arrive" and whistle is not None:
            _past_whistle(order, officer, at + timedelta(seconds=offset + 60), whistle)


def _repeat_calls(villages: list[Region], officers: dict[int, list[Membership]], now: datetime) -> int:
    """Quarrels that come back: in a third of the villages a household calls 110 about the same
    dispute again weeks later (a repeat call, which the peace index counts as harm). Without them
    the demo's 警情 told no village from another. Its own random stream; two calls more than 7
    days apart, so none opens a dispute case by itself (the third call would)."""
    rng = random.Random("repeat-calls")
    calls = 0
    for village in rng.sample(villages, round(len(villages) * REPEAT_CALL_SHARE)):
        address = f"{village.name}{rng.randint(81, 99)}号"
        at = (now - timedelta(days=rng.randint(60, 340))).replace(hour=20, minute=rng.randint(0, 59))
        for _ in range(2):
            order = alert_intake(
                actor=None, channel="110", category="dispute", summary=rng.choice(SUMMARIES["dispute"]),
                address=address, village_code=village.code, reported_at=at, now=at, notify=False,
            ).order  # fmt: skip
            _received(order, at)
            staff = officers.get(order.station_id or 0) or []
            if staff:
                _walk(order, rng.choice(staff).user, at, rng.randint(15, 50))
            calls += 1
            at += timedelta(days=rng.randint(10, 25))
    return calls


def _village_first() -> int:
    """A few past dispute alerts that the demo cadre's village settled before the police came:
    reported on her phone three minutes after the call, confirmed by the station's call-back."""
    cadre = (
        Membership.objects.filter(role=Membership.Role.VILLAGE_CADRE, active=True)
        .select_related("user", "agency__region", "scope")
        .order_by("pk")
        .first()
    )
    village = (cadre.scope or cadre.agency.region) if cadre else None
    if cadre is None or village is None or village.level != Region.Level.VILLAGE:
        return 0
    station = station_for_village(village)
    officer = _member(station.police_agency if station else None, Membership.Role.OFFICER)
    if officer is None:
        return 0
    now = timezone.now()
    for k, summary in enumerate(VILLAGE_FIRST):
        at = (now - timedelta(days=9 + 41 * k)).replace(hour=19, minute=10)
        order = alert_intake(
            actor=None, channel="110", category="dispute", summary=summary, address=f"{village.name}{5 + k}组",
            village_code=village.code, reported_at=at, now=at, notify=False,
        ).order  # fmt: skip
        _received(order, at)
        order_village_report(
            actor=cadre.user, order=order, note="村调委会已到场调解，双方和解，不需要民警到场。",
            at=at + timedelta(minutes=3), notify=False,
        )  # fmt: skip
        order_step(
            order=order, step="village_confirm", actor=officer.user, note="已电话回访村干部，属实。",
            at=at + timedelta(minutes=6),
        )  # fmt: skip
    return len(VILLAGE_FIRST)


def _member(agency: Agency | None, role: str) -> Membership | None:
    if agency is None:
        return None
    return (
        Membership.objects.filter(agency=agency, role=role, active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )


def _past_whistle(order: DispatchOrder, officer: User, at: datetime, rng: random.Random) -> bool:
    """On about one dispute or public-order alert in five, the officer on scene called the
    township government to the door (吹哨); it reported in, acted, and the officer verified."""
    if order.alert.category not in ("dispute", "public_order") or rng.random() > 0.2:
        return False
    township = order.alert.village.parent
    government = Agency.objects.filter(kind=Agency.Kind.TOWNSHIP_GOVERNMENT, region=township).first()
    official = _member(government, Membership.Role.TOWNSHIP_OFFICIAL)
    if government is None or official is None:
        return False
    summons = summons_whistle(
        actor=officer,
        agencies=[government],
        urgency="routine",
        reason=f"{order.alert.summary}，请镇街综治力量到场联合处置",
        order=order,
        now=at,
        notify=False,
    )
    target = summons.targets.get()
    summons_check_in(actor=official.user, target=target, now=at + timedelta(minutes=rng.randint(20, 240)))
    summons_handle(
        actor=official.user, target=target, note="已到场联合调处，当事人达成谅解", now=at + timedelta(hours=6)
    )
    summons_verify(actor=officer, summons=summons, now=at + timedelta(days=1))
    return True


def _whistles(stations: list[Station]) -> int:
    """One open whistle today from the first station to the demo grid worker's village."""
    blown = 0
    first = stations[0] if stations else None
    officer = _member(first.police_agency if first else None, Membership.Role.OFFICER)
    worker = (
        Membership.objects.filter(role=Membership.Role.GRID_WORKER, user__username="grid_worker", active=True)
        .select_related("agency", "scope")
        .first()
    )
    if officer is not None and worker is not None and worker.scope is not None:
        summons_whistle(
            actor=officer.user,
            agencies=[worker.agency],
            urgency="routine",
            reason=f"{worker.scope.name}3组两户因排水沟堵塞反复争吵，请网格员入户了解并协助调解",
            village=worker.scope,
        )
        blown += 1
    return blown


def _roster(stations: list[Station]) -> None:
    """Today's 24-hour duty at each station: a day and a night shift for two of its officers."""
    today = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    for station in stations:
        staff = list(
            Membership.objects.filter(agency=station.police_agency, role=Membership.Role.OFFICER, active=True)
            .select_related("user")
            .order_by("user__username")[:2]
        )
        for n, membership in enumerate(staff):
            starts = today + timedelta(hours=12 * n)
            duty_shift_add(
                actor=None,
                station=station,
                person=membership.user,
                role=DutyShift.Role.LEADER if n == 0 else DutyShift.Role.OFFICER,
                starts_at=starts,
                ends_at=starts + timedelta(hours=12),
            )
