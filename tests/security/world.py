"""One small county with an object of every kind and a person for every role of the URL matrix,
built with the apps' own factories (through the services)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from disputes.models import Dispute, Party
from disputes.services import case_task_create
from disputes.services.screening import campaign_assign, campaign_create
from governance.models import Membership, Notification
from governance.services.notifications import notification_send
from governance.services.tokens import api_token_issue
from peace_index.services import recompute_start, version_draft_create, version_publish
from stations.models import Station
from stations.services.dispatch import alert_intake
from stations.services.integrations import integration_client_issue
from stations.services.roster import duty_shift_add
from stations.services.summons import summons_whistle
from tests.disputes import factories as dispute_factories
from tests.stations.factories import station_for
from tests.volunteers import factories as volunteer_factories
from volunteers.models import Course, Team
from volunteers.services import task_claim, team_create
from volunteers.services.points import points_adjust, redemption_reserve, reward_item_create

R = Membership.Role

ROLES = (
    "anonymous",
    "volunteer",
    "grid_worker",
    "officer_other_station",
    "officer",
    "mediator",
    "official_other_township",
    "official",
    "county_admin",
)


@dataclass
class World:
    users: dict[str, User | None]
    kwargs: dict[str, Any] = field(default_factory=dict)


def build() -> World:
    """Everything sits in township A (station A, village A1) unless its name says otherwise."""
    w = dispute_factories.world()
    c = w.c
    station: Station = station_for(c)
    station_for(c, township="b")
    official_b = c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_b)
    # The matrix's volunteer is a vetted member of station A's team, with points to spend.
    leader = c.person(R.OFFICER, c.station_a, real_name="队长甲")
    team: Team = team_create(
        actor=None, name="荷花义警队", agency=c.station_a, region=c.township_a, leaders=[leader]
    )
    volunteer = volunteer_factories.active_volunteer(team, real_name="王志愿", phone="13700001111")
    applicant = volunteer_factories.applied(team, real_name="钱申请")
    points_adjust(actor=leader, volunteer=volunteer, amount=100, reason="开通积分")
    vw = volunteer_factories.World(
        c=c, team=team, other_team=team, leader=leader, officer=w.officer, officer_b=w.officer_b,
        township_official=w.township_official, county_admin=w.county_admin, volunteer=volunteer,
        other_volunteer=volunteer,
    )  # fmt: skip
    task = volunteer_factories.published(vw)
    with time_machine.travel(task.starts_at - dt.timedelta(hours=3), tick=False):
        claim = task_claim(actor=volunteer.user, task=task)
    item = reward_item_create(actor=None, agency=c.station_a, name="保温杯", price=10, stock=5)
    redemption = redemption_reserve(actor=volunteer.user, item=item)
    course = Course.objects.create(title="护学岗须知", pass_mark=100)

    dispute: Dispute = dispute_factories.signed(w)
    party = dispute.parties.get(role=Party.Role.APPLICANT)
    obligation = dispute.agreement.obligations.first()
    case_task = case_task_create(
        actor=w.officer, dispute=dispute, agency=w.judicial_office, title="核实宅基地证",
        due_at=timezone.now() + dt.timedelta(days=3),
    )  # fmt: skip
    today = timezone.localdate()
    campaign = campaign_create(
        actor=w.township_official, name="秋季排查", season="autumn", region=c.township_a,
        starts_on=today, ends_on=today + dt.timedelta(days=30),
    )  # fmt: skip
    assignment = campaign_assign(
        actor=w.township_official,
        campaign=campaign,
        village=c.village_a1,
        worker=w.grid_worker,
        households=100,
    )

    order = alert_intake(
        actor=None, channel="110", category="dispute", summary="邻里噪音", address="新塘社区3幢",
        village_code=c.village_a1.code,
    ).order  # fmt: skip
    summons = summons_whistle(
        actor=w.officer, agencies=[w.judicial_office], urgency="emergency", reason="邻里纠纷需司法所到场",
        order=order,
    )  # fmt: skip
    target = summons.targets.get()
    now = timezone.now()
    shift = duty_shift_add(
        actor=w.officer, station=station, person=leader, role=R.OFFICER,
        starts_at=now + dt.timedelta(days=1), ends_at=now + dt.timedelta(days=1, hours=8),
    )  # fmt: skip
    notification: Notification = notification_send(recipient=w.officer, title="新警情")
    membership = Membership.objects.get(user=w.officer)
    version = version_draft_create(actor=w.county_admin, county=c.county, name="2026版")
    version_publish(actor=w.county_admin, version=version, recompute=False)
    run = recompute_start(actor=w.county_admin, county=c.county)
    # An Open311 client of the county's hotline, and an API token held by the grid worker.
    integration_client, _key = integration_client_issue(actor=None, name="柯城区12345平台", agency=c.hotline)
    api_token_issue(user=w.grid_worker)

    users: dict[str, User | None] = {
        "anonymous": None,
        "volunteer": volunteer.user,
        "grid_worker": w.grid_worker,
        "officer_other_station": w.officer_b,
        "officer": w.officer,
        "mediator": w.mediator_user,
        "official_other_township": official_b,
        "official": w.township_official,
        "county_admin": w.county_admin,
    }
    kwargs = {
        # governance
        "code": c.village_a1.code,
        "username": w.grid_worker.username,
        "membership": membership.pk,
        "agency": c.station_a.pk,
        "notification": notification.pk,
        "owner_id": w.grid_worker.pk,  # holds an API token
        "token_owner": w.grid_worker.pk,
        # stations
        "station_id": station.pk,
        "shift_id": shift.pk,
        "order_id": order.pk,
        "order": order.pk,
        "summons": summons.pk,
        "target_id": target.pk,
        "alert": order.alert_id,
        "integration_client": integration_client.pk,
        "client_id": integration_client.pk,
        # disputes
        "dispute_id": dispute.pk,
        "dispute": dispute.pk,
        "mediator_id": w.mediator.pk,
        "obligation_id": obligation.pk if obligation else 0,
        "party_id": party.pk,
        "task_id_dispute": case_task.pk,
        "campaign_id": campaign.pk,
        "assignment_id": assignment.pk,
        # volunteers
        "team": team.pk,
        "volunteer_id": applicant.pk,
        "volunteer": volunteer.pk,
        "task_id": task.pk,
        "claim_id": claim.pk,
        "item_id": item.pk,
        "redemption_id": redemption.pk,
        "course": course.pk,
        # peace index
        "county": c.county.pk,
        "township": c.township_a.pk,
        "village": c.village_a1.pk,
        "version": version.pk,
        "run": run.pk,
    }
    return World(users=users, kwargs=kwargs)
