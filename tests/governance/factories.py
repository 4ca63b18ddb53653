"""Builders for the governance core, through the services (so they validate and audit like the
real thing). ``county()`` gives a small tree with two townships to test jurisdiction against."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import factory
from django.contrib.auth import get_user_model

from governance.models import Agency, Membership, Region
from governance.services.people import agency_create, membership_create, person_create
from governance.services.regions import grid_create, region_create

PASSWORD = "correct-horse-battery"
_usernames = itertools.count(1)


def square(lng: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
        ],
    }


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


def person(
    role: str | None = None, agency: Agency | None = None, scope: Region | None = None, **kwargs: Any
) -> Any:
    n = next(_usernames)
    user = person_create(
        actor=None,
        username=kwargs.pop("username", f"{role or 'person'}{n}"),
        real_name=kwargs.pop("real_name", "张三"),
        password=PASSWORD,
        phone=kwargs.pop("phone", "13812341234"),
        **kwargs,
    )
    if role and agency:
        membership_create(actor=None, user=user, agency=agency, role=role, scope=scope)
    return user


@dataclass
class County:
    province: Region
    city: Region
    county: Region
    township_a: Region
    township_b: Region
    village_a1: Region
    village_a2: Region
    village_b1: Region
    plc: Agency
    psb: Agency
    station_a: Agency
    station_b: Agency
    township_gov_a: Agency
    township_gov_b: Agency
    hotline: Agency

    def person(self, role: str, agency: Agency, scope: Region | None = None, **kwargs: Any) -> Any:
        return person(role, agency, scope, **kwargs)


def county() -> County:
    L = Region.Level
    province = region_create(actor=None, code="330000", name="浙江省", level=L.PROVINCE)
    city = region_create(actor=None, code="330800", name="衢州市", level=L.CITY, parent=province)
    cty = region_create(actor=None, code="330802", name="柯城区", level=L.COUNTY, parent=city)
    ta = region_create(actor=None, code="330802001000", name="荷花街道", level=L.TOWNSHIP, parent=cty)
    tb = region_create(actor=None, code="330802002000", name="航埠镇", level=L.TOWNSHIP, parent=cty)
    va1 = region_create(
        actor=None, code="330802001001", name="新塘社区", level=L.VILLAGE, parent=ta,
        population=3000, households=1100, urban_rural="111", boundary=square(118.87, 28.97),
    )  # fmt: skip
    va2 = region_create(
        actor=None, code="330802001002", name="下张村", level=L.VILLAGE, parent=ta,
        population=1200, households=450, urban_rural="220", boundary=square(118.88, 28.97),
    )  # fmt: skip
    vb1 = region_create(
        actor=None, code="330802002001", name="北二村", level=L.VILLAGE, parent=tb,
        population=900, households=330, urban_rural="220", boundary=square(118.80, 28.90),
    )  # fmt: skip
    grid_create(actor=None, village=va1, code="G01", name="第1网格", households=500)
    grid_create(actor=None, village=vb1, code="G01", name="第1网格", households=330)
    K = Agency.Kind
    return County(
        province=province,
        city=city,
        county=cty,
        township_a=ta,
        township_b=tb,
        village_a1=va1,
        village_a2=va2,
        village_b1=vb1,
        plc=agency_create(actor=None, name="柯城区委政法委", kind=K.POLITICAL_LEGAL_COMMITTEE, region=cty),
        psb=agency_create(actor=None, name="柯城区公安分局", kind=K.PUBLIC_SECURITY_BUREAU, region=cty),
        station_a=agency_create(actor=None, name="荷花派出所", kind=K.POLICE_STATION, region=ta),
        station_b=agency_create(actor=None, name="航埠派出所", kind=K.POLICE_STATION, region=tb),
        township_gov_a=agency_create(
            actor=None, name="荷花街道办事处", kind=K.TOWNSHIP_GOVERNMENT, region=ta
        ),
        township_gov_b=agency_create(
            actor=None, name="航埠镇人民政府", kind=K.TOWNSHIP_GOVERNMENT, region=tb
        ),
        hotline=agency_create(actor=None, name="柯城区12345热线", kind=K.HOTLINE_12345, region=cty),
    )


ROLE = Membership.Role
