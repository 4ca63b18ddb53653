"""The demo county's peace index: methodology v1, two years of deliveries from the police case
system, the petition office and the safety survey, and twelve months of scores whose villages
tell different stories (one improving, one sliding, one capped by a homicide, one penalised for
a concealed event, a small village shrunk towards its peers). Earlier months are approved; the
last full month waits for the demo township official."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from governance.demo import COUNTY_CODE
from governance.models import Membership, Region
from governance.months import add_months, current_month, months_between
from peace_index.compute import scores_compute
from peace_index.method import default_params, first_params
from peace_index.models import DataSource, MethodVersion
from peace_index.services import (
    data_import,
    published_version,
    review_decide,
    version_draft_create,
    version_publish,
)

# Its place in ``seed_demo`` (governance.contributions): last, its scores read the alerts and disputes.
ORDER = 40
SEVERITIES = ("minor", "ordinary", "serious", "major")


def seed_demo_history(*, seed: int) -> str | None:
    county = Region.objects.filter(code=COUNTY_CODE, level=Region.Level.COUNTY).first()
    admin = User.objects.filter(username="county_admin").first()
    if county is None or admin is None or MethodVersion.objects.filter(county=county).exists():
        return None
    rng = random.Random(seed * 53 + 7)
    now = timezone.now()
    this_month = current_month(now)
    first = add_months(this_month, -23)
    villages = list(
        Region.objects.filter(level=Region.Level.VILLAGE, path__startswith=county.path).order_by("code")
    )
    stories = _stories(villages, rng)
    with transaction.atomic():
        # The first version, on the method as first published (a village's first dispute could
        # cost it points); the reporting-neutral one below replaces it, its history recomputed.
        first_version = version_draft_create(
            actor=admin,
            county=county,
            name="平安指数 2026 版",
            note="县综治中心首版方法",
            params=first_params(),
        )
        # Published without the run it would start: the demo computes its months itself below.
        version_publish(actor=admin, version=first_version, now=now, recompute=False)
        for source, rows in (
            (DataSource.CASES, _cases(villages, stories, first, this_month, rng)),
            (DataSource.PETITIONS, _petitions(villages, stories, first, this_month, rng)),
            (DataSource.SURVEYS, _surveys(villages, stories, first, this_month, rng)),
        ):
            data_import(
                actor=admin, county=county, source=source, first_month=first, last_month=this_month,
                rows=list(enumerate(rows, start=2)), file_name=f"demo-{source}.csv", now=now, recompute=False,
            )  # fmt: skip
    # Thirteen months: this month's change since last year has a year-ago score to compare with.
    months = months_between(add_months(this_month, -12), this_month)
    for month in months:
        scores_compute(county=county, month=month, version=first_version, now=now)
    second = version_draft_create(
        actor=admin, county=county, name="平安指数 2026 修订版", params=default_params(),
        note="报告中立：无事件的指标按同类村均值计分（首起纠纷只会按处置结果加减分）；"
        "村间差异设下限，罕见危害（纠纷激化、重复报警）也能区分村庄；警情目标值按实际发生水平调整。",
    )  # fmt: skip
    version_publish(actor=admin, version=second, now=now, recompute=False)
    published = published_version(county)
    assert published is not None
    written = 0
    for month in months:
        written += scores_compute(county=county, month=month, version=published, now=now)
    _reviews(county, months[:-2], now)
    return (
        f"Peace index: methodology v{published.number}, {len(villages)} villages scored for {len(months)} months "
        f"({written} scores); months before {months[-2]:%Y-%m} approved, {months[-2]:%Y-%m} and this month await review."
    )


def _stories(villages: list[Region], rng: random.Random) -> dict[str, int]:
    """A few villages with a story to tell, by role -> index in ``villages``."""
    picks = rng.sample(range(len(villages)), 5)
    return {
        "improving": picks[0],
        "sliding": picks[1],
        "veto": picks[2],
        "concealed": picks[3],
        "small": picks[4],
    }


def _day(month: date, rng: random.Random) -> date:
    """A day of ``month``, never after today (this month's deliveries hold what has happened)."""
    return min(month + timedelta(days=rng.randrange(28)), timezone.localdate())


def _cases(
    villages: list[Region], stories: dict[str, int], first: date, last: date, rng: random.Random
) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    months = months_between(first, last)
    for i, v in enumerate(villages):
        base = max(v.population, 1) / 1000 * 0.2  # weighted cases a month, per village
        for k, month in enumerate(months):
            level = base
            if i == stories["improving"]:
                level = base * (3.0 - 2.6 * k / len(months))
            elif i == stories["sliding"]:
                level = base * (0.4 + 3.0 * k / len(months))
            for _ in range(_poisson(level / 2, rng)):
                sev = rng.choices(SEVERITIES, weights=(50, 35, 12, 3))[0]
                rows.append({"ref": f"A{v.code[-6:]}{month:%y%m}{len(rows):05d}", "village": v.code,
                             "date": _day(month, rng).isoformat(), "severity": sev, "veto": "", "late": "否"})  # fmt: skip
    veto_village, concealed = villages[stories["veto"]], villages[stories["concealed"]]
    rows.append({"ref": f"A{veto_village.code[-6:]}H0001", "village": veto_village.code,
                 "date": _day(add_months(last, -4), rng).isoformat(), "severity": "major", "veto": "命案", "late": "否"})  # fmt: skip
    for n in range(2):
        rows.append({"ref": f"A{concealed.code[-6:]}L000{n}", "village": concealed.code,
                     "date": _day(add_months(last, -2 - 3 * n), rng).isoformat(), "severity": "serious", "veto": "",
                     "late": "是"})  # fmt: skip
    return rows


def _petitions(
    villages: list[Region], stories: dict[str, int], first: date, last: date, rng: random.Random
) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    months = months_between(first, last)
    for i, v in enumerate(villages):
        base = max(v.population, 1) / 1000 * 0.12
        for k, month in enumerate(months):
            level = base * (0.3 + 4.0 * k / len(months)) if i == stories["sliding"] else base
            for _ in range(_poisson(level, rng)):
                kind = rng.choices(("first", "repeat", "skip_level", "collective"), weights=(60, 25, 10, 5))[
                    0
                ]
                if i == stories["sliding"] and k > len(months) - 5:
                    kind = rng.choice(("repeat", "collective", "skip_level"))
                rows.append({"ref": f"X{v.code[-6:]}{month:%y%m}{len(rows):05d}", "village": v.code,
                             "date": _day(month, rng).isoformat(), "kind": kind})  # fmt: skip
    return rows


def _surveys(
    villages: list[Region], stories: dict[str, int], first: date, last: date, rng: random.Random
) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    months = months_between(first, last)
    for i, v in enumerate(villages):
        share = rng.uniform(0.88, 0.99)
        for k, month in enumerate(months):
            if month.month % 3:  # the survey runs once a quarter
                continue
            asked = 6 if i == stories["small"] else rng.randint(25, 60)
            p = share
            if i == stories["improving"]:
                p = min(0.99, 0.78 + 0.2 * k / len(months))
            elif i == stories["sliding"]:
                p = max(0.5, 0.95 - 0.35 * k / len(months))
            safe = sum(1 for _ in range(asked) if rng.random() < p)
            rows.append(
                {"village": v.code, "month": f"{month:%Y-%m}", "respondents": str(asked), "safe": str(safe)}
            )
    return rows


def _poisson(mean: float, rng: random.Random) -> int:
    # Knuth's method: means here are small.
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _reviews(county: Region, months: list[date], now: datetime) -> None:
    officials = {
        m.agency.region_id: m.user
        for m in Membership.objects.filter(role=Membership.Role.TOWNSHIP_OFFICIAL, active=True)
        .select_related("agency", "user")
        .order_by("user__username")
    }
    for township in Region.objects.filter(parent=county, level=Region.Level.TOWNSHIP).order_by("code"):
        official = officials.get(township.pk)
        if official is None:
            continue
        for k, month in enumerate(months):
            review_decide(
                actor=official, township=township, month=month, approve=True,
                now=now - timedelta(days=20 * (len(months) - k)),
            )  # fmt: skip
