from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from governance.models import Agency, Membership, Region
from governance.services.people import agency_create
from peace_index.models import MethodVersion
from peace_index.services import data_import, version_draft_create, version_publish
from stations.models import Alert
from tests.disputes.factories import World, world

R = Membership.Role
TZ = timezone.get_fixed_timezone(8 * 60)
# The frozen "now" of these tests: 2026-11-20, local time.
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
THIS_MONTH = date(2026, 11, 1)


@dataclass
class PeaceWorld:
    w: World
    version: MethodVersion
    cadre: User  # village cadre of village A1
    official_b: User  # township official of township B
    commander: User

    @property
    def c(self) -> Any:
        return self.w.c


def peace_world() -> PeaceWorld:
    w = world()
    c = w.c
    committee = Agency.objects.get(region=c.village_a1, kind=Agency.Kind.VILLAGE_COMMITTEE)
    version = version_draft_create(actor=w.county_admin, county=c.county, name="v1")
    version_publish(actor=w.county_admin, version=version, now=NOW, recompute=False)
    version.refresh_from_db()
    return PeaceWorld(
        w=w,
        version=version,
        cadre=c.person(R.VILLAGE_CADRE, committee, scope=c.village_a1),
        official_b=c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_b),
        commander=c.person(
            R.COMMANDER,
            agency_create(
                actor=None, name="柯城指挥中心", kind=Agency.Kind.PUBLIC_SECURITY_BUREAU, region=c.county
            ),
        ),
    )


def alert(
    village: Region, *, category: str, at: datetime = NOW, dispute_id: int | None = None, repeats: int = 0
) -> Alert:
    a = Alert.objects.create(
        channel="110", category=category, summary="警情", address="某路1号", village=village, reported_at=at,
        dispute_id=dispute_id, repeat_count=repeats,
    )  # fmt: skip
    Alert.objects.filter(pk=a.pk).update(received_at=at)
    return a


def deliver(
    pw: PeaceWorld,
    source: str,
    rows: list[dict[str, str]],
    *,
    first: date = date(2026, 1, 1),
    last: date = THIS_MONTH,
    now: datetime = NOW,
    **kwargs: Any,
) -> Any:
    return data_import(
        actor=pw.w.county_admin, county=pw.c.county, source=source, first_month=first, last_month=last,
        rows=list(enumerate(rows, start=2)), now=now, **kwargs,
    )  # fmt: skip
