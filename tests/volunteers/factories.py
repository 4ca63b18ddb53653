"""Builders for the volunteers app, through its services. ``world()`` gives the small county of
tests/governance/factories.py with a volunteer team at each of its two stations."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from governance.models import Membership
from governance.pii import _id_check_char
from tests.governance.factories import County, county, person
from volunteers.models import Claim, Task, Team, Volunteer
from volunteers.services import (
    TaskInput,
    claim_check_in,
    claim_check_out,
    claim_verify,
    task_claim,
    task_publish,
    team_create,
    volunteer_activate,
    volunteer_apply,
    volunteer_vet,
)

R = Membership.Role
# The task place: a square in village A1 (see tests/governance/factories.py).
LNG, LAT = 118.875, 28.975
_serial = itertools.count(1)


def id_number(n: int | None = None, born: dt.date = dt.date(1990, 1, 1)) -> str:
    """A valid GB 11643 number, different for each ``n``."""
    n = next(_serial) if n is None else n
    body = f"330802{born:%Y%m%d}{n % 1000:03d}"
    return body + _id_check_char(body)


@dataclass
class World:
    c: County
    team: Team  # station A's team, township A
    other_team: Team  # station B's team, township B
    leader: User
    officer: User  # station A
    officer_b: User  # station B
    township_official: User  # township A
    county_admin: User
    volunteer: Volunteer  # active, in ``team``
    other_volunteer: Volunteer  # active, in ``other_team``


def world() -> World:
    c = county()
    leader = person(real_name="队长甲")
    team = team_create(
        actor=None, name="荷花义警队", agency=c.station_a, region=c.township_a, leaders=[leader]
    )
    other = team_create(actor=None, name="航埠义警队", agency=c.station_b, region=c.township_b)
    return World(
        c=c,
        team=team,
        other_team=other,
        leader=leader,
        officer=c.person(R.OFFICER, c.station_a),
        officer_b=c.person(R.OFFICER, c.station_b),
        township_official=c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a),
        county_admin=c.person(R.COUNTY_ADMIN, c.plc),
        volunteer=active_volunteer(team, real_name="王志愿", phone="13700001111"),
        other_volunteer=active_volunteer(other, real_name="赵志愿"),
    )


def applied(team: Team, **kwargs: Any) -> Volunteer:
    values: dict[str, Any] = {
        "real_name": "钱多多",
        "phone": "13600002222",
        "id_number": id_number(),
        "record_check_consent": True,
        "skills": ["急救"],
        "availability": "周末",
    }
    values.update(kwargs)
    user = values.pop("user", None) or person(real_name=values["real_name"])
    return volunteer_apply(actor=user, team=team, **values)


def active_volunteer(team: Team, **kwargs: Any) -> Volunteer:
    v = applied(team, **kwargs)
    volunteer_vet(actor=None, volunteer=v)
    return volunteer_activate(actor=None, volunteer=v)


def tomorrow(hour: int = 7, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def task_input(**kwargs: Any) -> TaskInput:
    starts = kwargs.pop("starts_at", None) or tomorrow()
    values: dict[str, Any] = {
        "kind": "school_gate",
        "title": "新塘小学护学岗",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=1),
        "place": "新塘小学门口",
        "lng": LNG,
        "lat": LAT,
        "capacity": 2,
        "points": 10,
    }
    values.update(kwargs)
    return TaskInput(**values)


def published(w: World, *, team: Team | None = None, actor: Any = None, **kwargs: Any) -> Task:
    task, _ = task_publish(actor=actor or w.leader, team=team or w.team, data=task_input(**kwargs))
    return task


def verified(w: World, task: Task, volunteer: Volunteer | None = None) -> Claim:
    """Claim, check in and out on site during the task, and have the leader verify."""
    import time_machine

    volunteer = volunteer or w.volunteer
    with time_machine.travel(task.starts_at - dt.timedelta(hours=3), tick=False):
        claim = task_claim(actor=volunteer.user, task=task)
    with time_machine.travel(task.starts_at, tick=False):
        claim_check_in(actor=volunteer.user, claim=claim, lng=task.lng, lat=task.lat)
    with time_machine.travel(task.ends_at, tick=False):
        claim_check_out(actor=volunteer.user, claim=claim, lng=task.lng, lat=task.lat)
        return claim_verify(actor=w.leader, claim=claim)
