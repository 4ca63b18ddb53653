from __future__ import annotations

from governance.models import Membership
from stations.models import Station
from tests.governance.factories import County

R = Membership.Role


def station_for(c: County, *, township: str = "a") -> Station:
    """A joint-duty station of township A (or B), run by that township's police station."""
    agency = c.station_a if township == "a" else c.station_b
    region = c.township_a if township == "a" else c.township_b
    station = Station.objects.create(
        name=f"{region.name}联勤警务站", kind=Station.Kind.JOINT_DUTY, police_agency=agency, region=region
    )
    station.covered_regions.set([region])
    return station
