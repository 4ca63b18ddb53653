"""Demo history for the volunteers app: a volunteer team (义警队) at each police station of the demo
county, the ``volunteer`` persona and sixty more volunteers, a season of tasks walked through the
services with ``now=`` in the past (claims, check-ins on site, the leaders' verifications and the
points they credit, a few no-shows and cancellations), the next two weeks' tasks open to claim
(among them the school-gate duty 护学岗 every school day, some already claimed by the persona),
the reward shop (积分超市) with a few redemptions, a training course with its quiz, and star
levels recomputed.

The ``officer`` persona leads the first township's team: his team page has applicants to vet,
yesterday's attendance to verify and a reward to hand over.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from governance.demo import COUNTY_CODE, DEMO_PASSWORD, _mobile, _real_name, resident_id_number
from governance.errors import DomainError
from governance.models import Agency, Membership, Region
from governance.pii import pii_decrypt
from governance.services.people import membership_create, person_create, person_set_password
from volunteers.models import (
    Claim,
    Course,
    Lesson,
    QuizQuestion,
    Redemption,
    RewardItem,
    Task,
    Team,
    Volunteer,
)
from volunteers.selectors import points_balance
from volunteers.services import (
    TaskInput,
    claim_cancel,
    claim_check_in,
    claim_check_out,
    claim_no_show,
    claim_verify,
    occurrences_generate,
    quiz_submit,
    redemption_cancel,
    redemption_collect,
    redemption_reserve,
    reward_item_create,
    star_recompute,
    task_claim,
    task_publish,
    team_create,
    volunteer_activate,
    volunteer_apply,
    volunteer_reject,
    volunteer_vet,
)

# Its place in ``seed_demo`` (governance.contributions): after the stations.
ORDER = 20
# A season: twelve weeks of past tasks, up to yesterday.
HISTORY_DAYS = 84
UPCOMING_DAYS = 14
EXTRA_VOLUNTEERS = 60
# Of the sixty, this many join the persona's team; the rest are shared by the other teams.
FIRST_TEAM_EXTRA = 20
# Past tasks a week: the persona's team is the busiest.
TASKS_PER_WEEK = {True: 3.5, False: 1.2}
# The school-gate duty started this long ago; its past occurrences were served too.
SCHOOL_GATE_SINCE_DAYS = 21

K = Task.Kind
R = Membership.Role


@dataclass(frozen=True)
class _Kind:
    kind: str
    title: str  # {village}, {township}
    place: str
    start: time
    hours: float
    capacity: tuple[int, int]
    points: int
    description: str


KINDS: dict[str, _Kind] = {
    K.PATROL: _Kind(K.PATROL, "{village}夜间治安巡逻", "{village}村委会门口集合", time(19, 0), 2, (4, 6), 20,
                    "沿主干道和背街小巷巡逻，提醒村民关好门窗、锁好电动车，发现情况及时报告民警。"),
    K.TRAFFIC: _Kind(K.TRAFFIC, "{township}早高峰交通劝导", "{township}中心路口", time(7, 0), 2, (3, 4), 15,
                     "劝导电动车佩戴头盔、不闯红灯，协助交警疏导早高峰车流。"),
    K.ANTI_FRAUD: _Kind(K.ANTI_FRAUD, "{village}反诈宣传进村入户", "{village}文化礼堂", time(9, 0), 2.5, (3, 5), 20,
                        "发放防诈骗宣传册，帮助村民安装国家反诈中心App，讲解冒充客服、刷单返利等常见骗局。"),
    K.FLOOD_PATROL: _Kind(K.FLOOD_PATROL, "{village}段河道巡查", "{village}衢江堤坝", time(15, 0), 2, (2, 4), 20,
                          "巡查堤坝和河滩，劝离河边垂钓、游泳人员，发现险情立即报告。"),
    K.EVENT_SUPPORT: _Kind(K.EVENT_SUPPORT, "{township}集市秩序维护", "{township}农贸集市", time(7, 30), 4, (5, 8), 30,
                           "集市日维护摊位秩序和通道畅通，提醒群众看管好随身财物。"),
    K.DISPUTE_ASSIST: _Kind(K.DISPUTE_ASSIST, "{village}矛盾纠纷排查协助", "{village}村委会", time(14, 0), 2.5, (2, 3),
                            20, "协助网格员入户走访，了解邻里、家庭矛盾苗头，做好记录交调解员跟进。"),
}  # fmt: skip
KIND_WEIGHTS = {
    K.PATROL: 40,
    K.TRAFFIC: 15,
    K.ANTI_FRAUD: 15,
    K.FLOOD_PATROL: 10,
    K.EVENT_SUPPORT: 8,
    K.DISPUTE_ASSIST: 12,
}
SKILLS = ["驾驶", "急救", "摄影", "心理疏导", "电工", "计算机", "游泳", "方言翻译", "法律知识", "无人机"]
AVAILABILITY = ["工作日晚上", "周末全天", "工作日早上", "周末上午", "随时可以", "工作日下午"]
SHOP = [
    # (name, description, price in points, stock, stocked by the township rather than the station)
    ("理发券", "镇上合作理发店通用一次", 40, 60, True),
    ("反光安全背心", "夜间巡逻用，带义警标识", 60, 50, False),
    ("洗衣液 2kg", "超市同款，凭兑换单领取", 80, 40, False),
    ("义警定制保温杯", "304不锈钢，500毫升", 120, 30, False),
    ("强光手电筒", "可充电，续航8小时", 150, 20, False),
    ("电影票两张", "县城影城通用，有效期三个月", 180, 10, True),
    ("东北大米 5kg", "当季新米", 200, 25, False),
    ("菜籽油 5L", "本地压榨菜籽油", 260, 15, False),
]
COURSE = "义警上岗培训"
LESSONS = [
    ("义警的职责与边界", "义警协助民警开展巡逻、宣传和服务工作，不具有执法权，不得盘查、扣押他人。"
     "遇到违法犯罪，及时拨打110并保护现场，注意自身安全。"),
    ("结对上岗与签到", "义警至少两人结对上岗。到达任务地点后用手机定位签到，结束时签退，由队长核实后计入时长和积分。"),
    ("常见诈骗的识别", "冒充客服退款、刷单返利、冒充公检法、虚假投资理财是最常见的骗局。凡是要求转账到“安全账户”的，都是诈骗。"),
    ("现场急救常识", "发现有人倒地，先确认环境安全，再判断意识和呼吸，立即拨打120；会心肺复苏的可以先行施救。"),
]  # fmt: skip
QUIZ = [
    ("义警在巡逻中发现可疑人员，应该怎么做？", ["上前盘查并扣押", "保持观察并报告民警", "不予理会"], 1),
    ("义警上岗至少几人结对？", ["一人", "两人", "五人"], 1),
    ("对方要求把钱转到“安全账户”，这是？", ["正常业务", "诈骗", "银行新规"], 1),
    ("任务结束后如何计入时长？", ["签退后由队长核实", "自己在群里报告", "不需要记录"], 0),
    ("发现有人倒地，第一步是？", ["立即搬动伤者", "确认环境安全", "离开现场"], 1),
]


@dataclass
class _Team:
    team: Team
    leader: User
    villages: list[Region]
    members: list[Volunteer] = field(default_factory=list)
    first: bool = False


def seed_demo_history(*, seed: int) -> str | None:
    county = Region.objects.filter(code=COUNTY_CODE).first()
    persona = User.objects.filter(username="volunteer").first()
    officer = User.objects.filter(username="officer").first()
    if county is None or persona is None or officer is None:
        return None
    if Team.objects.filter(region__path__startswith=county.path).exists():
        return None
    rng = random.Random(seed * 53 + 7)
    with transaction.atomic():
        demo = _Demo(county, rng, now=timezone.now(), persona=persona, officer=officer)
        demo.teams()
        demo.volunteers()
        demo.course()
        # The season's tasks and verifications are history: published and verified with
        # notify=False, they announce nothing today (the upcoming tasks are announced as usual).
        demo.season()
        star_recompute(now=demo.now)
        demo.shop()
        demo.upcoming()
        star_recompute(now=demo.now)
    teams = Team.objects.filter(region__path__startswith=county.path)
    volunteers = Volunteer.objects.filter(team__in=teams)
    claims = Claim.objects.filter(task__team__in=teams)
    return (
        f"Volunteers: {teams.count()} teams, {volunteers.count()} volunteers "
        f"({volunteers.filter(status=Volunteer.Status.ACTIVE).count()} active), "
        f"{demo.past_tasks} past tasks with {claims.filter(status=Claim.Status.VERIFIED).count()} verified "
        f"attendances and {claims.filter(status=Claim.Status.NO_SHOW).count()} no-shows, "
        f"{demo.upcoming_tasks} tasks open in the next two weeks, "
        f"{RewardItem.objects.filter(agency__region__path__startswith=county.path).count()} reward items, "
        f"{demo.redemptions} redemptions."
    )


def _center(region: Region) -> tuple[float, float]:
    assert region.min_lng is not None and region.max_lng is not None
    assert region.min_lat is not None and region.max_lat is not None
    return (region.min_lng + region.max_lng) / 2, (region.min_lat + region.max_lat) / 2


class _Demo:
    def __init__(self, county: Region, rng: random.Random, *, now: datetime, persona: User, officer: User):
        self.county, self.rng, self.now = county, rng, now
        self.local_now = timezone.localtime(now)
        self.persona_user, self.officer = persona, officer
        self.t: list[_Team] = []
        self.persona: Volunteer | None = None
        self.users: dict[int, User] = {}  # volunteer id -> login (one object each: cached jurisdiction)
        self.eagerness: dict[int, float] = {}
        self.no_shows: dict[int, int] = {}
        self.course_obj: Course | None = None
        self.past_tasks = self.upcoming_tasks = self.redemptions = 0

    def _at(self, day: date, at: time) -> datetime:
        return timezone.make_aware(datetime.combine(day, at))

    # --- teams and people ----------------------------------------------------------------------

    def teams(self) -> None:
        stations = Agency.objects.filter(
            kind=Agency.Kind.POLICE_STATION, region__path__startswith=self.county.path
        ).select_related("region")
        for n, agency in enumerate(stations.prefetch_related("served_regions").order_by("region__code")):
            served = sorted(agency.served_regions.all(), key=lambda r: r.code)
            if n == 0:
                leader = self.officer
            else:
                membership = (
                    Membership.objects.filter(agency=agency, role=R.OFFICER, active=True)
                    .select_related("user")
                    .order_by("user__username")
                    .first()
                )
                if membership is None:
                    continue
                leader = membership.user
            villages = list(
                Region.objects.filter(
                    parent__in=served[:1], level=Region.Level.VILLAGE, min_lng__isnull=False
                ).order_by("code")
            )
            team = team_create(
                actor=None,
                name=f"{agency.name.removesuffix('派出所')}义警队",
                agency=agency,
                region=agency.region,
                leaders=[leader],
            )
            self.t.append(_Team(team, leader, villages, first=n == 0))

    def _id_numbers(self, count: int, taken: set[str]) -> list[str]:
        numbers: list[str] = []
        while len(numbers) < count:
            born = date(1968, 1, 1) + timedelta(days=self.rng.randrange(365 * 36))
            number = resident_id_number(region=COUNTY_CODE, born=born, sequence=self.rng.randrange(1, 999))
            if number not in taken:
                taken.add(number)
                numbers.append(number)
        return numbers

    def _join(self, t: _Team, user: User, *, name: str, phone: str, id_number: str, days_ago: float,
              stop: str = "active") -> Volunteer:  # fmt: skip
        """Apply, then vetted a few days later and activated the day after, as the leader does."""
        rng = self.rng
        applied = self.now - timedelta(days=days_ago)
        v = volunteer_apply(
            actor=user,
            team=t.team,
            real_name=name,
            phone=phone,
            id_number=id_number,
            record_check_consent=True,
            skills=rng.sample(SKILLS, rng.randint(0, 3)),
            availability=rng.choice(AVAILABILITY),
            now=applied,
        )
        self.users[v.pk] = user
        if stop == "applied":
            return v
        vetted = applied + timedelta(days=rng.uniform(1, 4))
        if stop == "rejected":
            return volunteer_reject(
                actor=t.leader, volunteer=v, reason="背景审查未通过：有不良记录", now=vetted
            )
        v = volunteer_vet(actor=t.leader, volunteer=v, now=vetted)
        if stop == "vetted":
            return v
        v = volunteer_activate(actor=t.leader, volunteer=v, now=vetted + timedelta(days=rng.uniform(0.5, 2)))
        t.members.append(v)
        self.eagerness[v.pk] = rng.uniform(0.3, 2.5)
        return v

    def volunteers(self) -> None:
        rng = self.rng
        first = self.t[0]
        profile = self.persona_user.profile
        persona_id = pii_decrypt(profile.id_number_encrypted)
        self.persona = self._join(
            first, self.persona_user, name=profile.real_name, phone=profile.phone, id_number=persona_id,
            days_ago=160,
        )  # fmt: skip
        # The persona is keen: he takes more of his team's tasks than anyone.
        self.eagerness[self.persona.pk] = 6.0
        others = self.t[1:]
        plan: list[tuple[_Team, str]] = []
        for n in range(EXTRA_VOLUNTEERS):
            if n < FIRST_TEAM_EXTRA:
                t = first
                # Waiting at the leader's page: two applicants and one vetted; one was turned down.
                stop = {0: "applied", 1: "applied", 2: "vetted", 3: "rejected"}.get(n, "active")
            else:
                t = others[(n - FIRST_TEAM_EXTRA) % len(others)] if others else first
                stop = "applied" if n == EXTRA_VOLUNTEERS - 1 else "active"
            plan.append((t, stop))
        numbers = self._id_numbers(len(plan), {persona_id})
        users = []
        for n, ((t, stop), number) in enumerate(zip(plan, numbers, strict=True), start=2):
            name, _male = _real_name(rng)
            phone = _mobile(rng)
            user = person_create(
                actor=None, username=f"volunteer_{n:02d}", real_name=name, phone=phone, id_number=number
            )
            membership_create(
                actor=None, user=user, agency=t.team.agency, role=R.VOLUNTEER, scope=t.team.region
            )
            users.append(user)
            # Applicants are recent; the others joined before the season or during it.
            days_ago = rng.uniform(1, 6) if stop in ("applied", "vetted") else rng.uniform(60, 400)
            self._join(t, user, name=name, phone=phone, id_number=number, days_ago=days_ago, stop=stop)
        # One hash for all, as the governance demo does for its logins (hashing is slow on purpose).
        person_set_password(actor=None, users=users, password=DEMO_PASSWORD)

    def course(self) -> None:
        """The induction course, with its quiz; the persona and most volunteers passed it when
        they joined. Courses are written in the admin, so there is no service to create one."""
        course = Course.objects.create(
            title=COURSE,
            description="新队员上岗前必修：职责边界、结对上岗、反诈常识和现场急救。",
            pass_mark=80,
        )
        Lesson.objects.bulk_create(
            Lesson(course=course, number=n, title=title, body=body)
            for n, (title, body) in enumerate(LESSONS, start=1)
        )
        QuizQuestion.objects.bulk_create(
            QuizQuestion(course=course, number=n, text=text, choices=choices, answer=answer)
            for n, (text, choices, answer) in enumerate(QUIZ, start=1)
        )
        self.course_obj = course
        right = [answer for _text, _choices, answer in QUIZ]
        for t in self.t:
            for v in t.members:
                if v != self.persona and self.rng.random() < 0.3:
                    continue
                answers = list(right)
                if self.rng.random() < 0.3:
                    answers[self.rng.randrange(len(answers))] = 2  # one slip: 80 % still passes
                assert v.activated_at is not None
                quiz_submit(actor=self.users[v.pk], course=course, answers=answers, now=v.activated_at)

    # --- tasks ---------------------------------------------------------------------------------

    def _task(self, t: _Team, kind: str, day: date, *, capacity: int | None = None, min_star: int = 0,
              course: Course | None = None, key: str, notify: bool = True) -> Task:  # fmt: skip
        rng = self.rng
        k = KINDS[kind]
        village = rng.choice(t.villages)
        township = t.team.region.name
        lng, lat = _center(village)
        starts = self._at(day, k.start)
        task, _created = task_publish(
            actor=t.leader,
            team=t.team,
            data=TaskInput(
                kind=kind,
                title=k.title.format(village=village.name, township=township),
                description=k.description,
                starts_at=starts,
                ends_at=starts + timedelta(hours=k.hours),
                place=k.place.format(village=village.name, township=township),
                lng=round(lng, 6),
                lat=round(lat, 6),
                capacity=capacity or rng.randint(*k.capacity),
                points=k.points,
                min_star=min_star,
                required_course=course,
            ),
            idempotency_key=key,
            notify=notify,
        )
        return task

    def _school_gate(self, t: _Team) -> Task:
        """护学岗: the morning school gate, every school day of the term."""
        village = t.villages[0]
        lng, lat = _center(village)
        first_day = self.local_now.date() - timedelta(days=SCHOOL_GATE_SINCE_DAYS)
        first_day -= timedelta(days=first_day.weekday())  # a Monday
        starts = self._at(first_day, time(7, 10))
        school = f"{t.team.region.name}中心小学"
        task, _created = task_publish(
            actor=t.leader,
            team=t.team,
            data=TaskInput(
                kind=K.SCHOOL_GATE,
                title=f"{school}护学岗",
                description="上学高峰在校门口维护秩序，护送学生过马路，劝离校门口违停车辆和闲散人员。",
                starts_at=starts,
                ends_at=starts + timedelta(minutes=50),
                place=f"{school}校门口",
                lng=round(lng, 6),
                lat=round(lat, 6),
                capacity=3,
                points=10,
                recurrence=Task.Recurrence.SCHOOL_DAYS,
                # To the end of the term, about four months.
                repeat_until=first_day + timedelta(days=120),
            ),
            idempotency_key=f"demo:school_gate:{t.team.pk}",
            notify=False,  # it started three weeks ago
        )
        occurrences_generate(task_id=task.pk, now=self.now)
        return task

    def _claimants(
        self, t: _Team, task: Task, count: int, *, before: datetime, besides: Volunteer | None = None
    ) -> list[Volunteer]:
        pool = [
            v for v in t.members if v.activated_at is not None and v.activated_at < before and v != besides
        ]
        chosen: list[Volunteer] = []
        while pool and len(chosen) < count:
            v = self.rng.choices(pool, [self.eagerness[p.pk] for p in pool])[0]
            pool.remove(v)
            chosen.append(v)
        return chosen

    def _claim(self, v: Volunteer, task: Task, at: datetime) -> Claim | None:
        try:
            return task_claim(actor=self.users[v.pk], task=task, now=at)
        except DomainError:
            return None  # overlapping another of his claims, or full: he takes something else

    def _walk(self, t: _Team, task: Task, *, stop_at_check_out: bool = False) -> None:
        """Claimed a few days ahead; then most came, checked in and out on site and were
        verified by the leader the next day; a few cancelled in time, a few did not show up."""
        rng = self.rng
        wanted = max(2, task.capacity - rng.randint(0, 2))
        ahead = timedelta(days=rng.uniform(1, 5))
        claims = []
        for v in self._claimants(t, task, wanted, before=task.starts_at - ahead):
            claim = self._claim(v, task, task.starts_at - ahead + timedelta(minutes=rng.randint(0, 600)))
            if claim is not None:
                claims.append((v, claim))
        for v, claim in claims:
            user = self.users[v.pk]
            roll = rng.random()
            if roll < 0.04 and v != self.persona:
                claim_cancel(
                    actor=user, claim=claim, now=claim.claimed_at + (task.starts_at - claim.claimed_at) / 2
                )
                continue
            if roll < 0.08 and v != self.persona and self.no_shows.get(v.pk, 0) < 2:
                self.no_shows[v.pk] = self.no_shows.get(v.pk, 0) + 1
                claim_no_show(actor=t.leader, claim=claim, now=task.ends_at + timedelta(minutes=20))
                continue
            # On site: within a few dozen metres of the meeting point.
            lng = task.lng + rng.uniform(-0.0003, 0.0003)
            lat = task.lat + rng.uniform(-0.0003, 0.0003)
            checked_in = task.starts_at - timedelta(minutes=rng.randint(0, 15))
            claim = claim_check_in(actor=user, claim=claim, lng=lng, lat=lat, now=checked_in)
            checked_out = task.ends_at + timedelta(minutes=rng.randint(0, 12))
            claim = claim_check_out(actor=user, claim=claim, lng=lng, lat=lat, now=checked_out)
            if stop_at_check_out:
                continue
            verified = checked_out + timedelta(hours=rng.uniform(2, 20))
            claim_verify(
                actor=t.leader, claim=claim, now=min(verified, self.now - timedelta(minutes=5)), notify=False
            )

    def season(self) -> None:
        """Twelve weeks of tasks up to yesterday, and the school-gate duty since it started."""
        rng = self.rng
        today = self.local_now.date()
        kinds, weights = zip(*KIND_WEIGHTS.items(), strict=True)
        for t in self.t:
            per_week = TASKS_PER_WEEK[t.first]
            days = sorted(
                today - timedelta(days=rng.randint(1, HISTORY_DAYS))
                for _ in range(round(per_week * HISTORY_DAYS / 7))
            )
            if t.first:
                days.append(today - timedelta(days=1))
            for n, day in enumerate(days):
                task = self._task(
                    t, rng.choices(kinds, weights)[0], day, key=f"demo:past:{t.team.pk}:{n}", notify=False
                )
                # Yesterday's attendance waits for the persona's leader to verify it.
                self._walk(t, task, stop_at_check_out=t.first and n == len(days) - 1)
                self.past_tasks += 1
            if t.first:
                series = self._school_gate(t)
                served = Task.objects.filter(Q(pk=series.pk) | Q(series=series)).filter(
                    starts_at__lt=self.now - timedelta(hours=2)
                )
                for task in served.order_by("starts_at"):
                    self._walk(t, task)
                    self.past_tasks += 1

    def upcoming(self) -> None:
        """The next two weeks, open to claim: the persona already holds a few; the volunteers of
        his team took some slots, and one event is full."""
        rng = self.rng
        today = self.local_now.date()
        kinds, weights = zip(*KIND_WEIGHTS.items(), strict=True)
        assert self.persona is not None and self.course_obj is not None
        for t in self.t:
            count = 10 if t.first else 4
            for n in range(count):
                day = today + timedelta(days=1 + (n * UPCOMING_DAYS) // count + rng.randint(0, 1))
                kind = rng.choices(kinds, weights)[0]
                course, min_star = None, 0
                if t.first and n == 2:
                    # Only for those who passed the induction course (the persona did).
                    kind, course = K.ANTI_FRAUD, self.course_obj
                elif t.first and n == 6:
                    # Only from one star up (the persona has his first).
                    kind, min_star = K.EVENT_SUPPORT, 1
                task = self._task(
                    t, kind, day, key=f"demo:upcoming:{t.team.pk}:{n}", min_star=min_star, course=course
                )
                self.upcoming_tasks += 1
                claim_at = self.now - timedelta(hours=rng.uniform(1, 30))
                if t.first and n in (0, 2, 5, 6):
                    self._claim(self.persona, task, claim_at)
                full = t.first and n == 4
                taken = task.capacity if full else rng.randint(0, task.capacity - 2)
                for v in self._claimants(t, task, taken, before=claim_at, besides=self.persona):
                    self._claim(v, task, claim_at)
            if t.first:
                upcoming_gates = list(
                    Task.objects.filter(team=t.team, kind=K.SCHOOL_GATE, starts_at__gt=self.now).order_by(
                        "starts_at"
                    )
                )
                self.upcoming_tasks += len(upcoming_gates)
                for n, task in enumerate(upcoming_gates[:6]):
                    claim_at = self.now - timedelta(hours=rng.uniform(1, 48))
                    if n % 2 == 0:
                        self._claim(self.persona, task, claim_at)
                    for v in self._claimants(t, task, 1, before=claim_at, besides=self.persona):
                        self._claim(v, task, claim_at)

    # --- the reward shop -----------------------------------------------------------------------

    def shop(self) -> None:
        first = self.t[0]
        government = Agency.objects.filter(
            kind=Agency.Kind.TOWNSHIP_GOVERNMENT, region=first.team.region
        ).first()
        items = [
            reward_item_create(
                actor=None,
                agency=government if by_township and government else first.team.agency,
                name=name,
                description=description,
                price=price,
                stock=stock,
            )
            for name, description, price, stock, by_township in SHOP
        ]
        by_name = {item.name: item for item in items}
        assert self.persona is not None
        persona = self.persona_user
        # The persona took washing liquid home three weeks ago; the vest waits for him.
        self._redeem(persona, by_name["洗衣液 2kg"], days_ago=21, collect_after=2)
        self._redeem(persona, by_name["反光安全背心"], days_ago=2)
        # The keenest of his team spent points too; one changed his mind.
        keen = sorted((v for v in first.members if v != self.persona), key=lambda v: -points_balance(v.pk))[
            :4
        ]
        picks = ["东北大米 5kg", "义警定制保温杯", "理发券", "强光手电筒"]
        for n, (v, name) in enumerate(zip(keen, picks, strict=False)):
            cancelled = n == len(picks) - 1
            redemption = self._redeem(
                self.users[v.pk], by_name[name], days_ago=12 - 3 * n, collect_after=None if cancelled else 1
            )
            if redemption is not None and cancelled:
                redemption_cancel(
                    actor=self.users[v.pk], redemption=redemption, reason="想换别的",
                    now=redemption.reserved_at + timedelta(hours=5),
                )  # fmt: skip

    def _redeem(
        self, user: User, item: RewardItem, *, days_ago: float, collect_after: float | None = None
    ) -> Redemption | None:
        volunteer = Volunteer.objects.get(user=user)
        if points_balance(volunteer.pk) < item.price:
            return None
        at = self.now - timedelta(days=days_ago)
        redemption = redemption_reserve(
            actor=user, item=item, idempotency_key=f"demo:redeem:{user.pk}:{item.pk}", now=at
        )
        self.redemptions += 1
        if collect_after is not None and days_ago > collect_after:
            redemption = redemption_collect(
                actor=self.t[0].leader, redemption=redemption, now=at + timedelta(days=collect_after)
            )
        return redemption
