"""Builders for the disputes app, through its services. ``world()`` gives the small county of
tests/governance/factories.py with the people who work disputes in township A."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User

from disputes.models import Dispute, Mediator, Party
from disputes.services import (
    PartyInput,
    TermInput,
    agreement_draft,
    agreement_sign,
    dispute_accept,
    dispute_register,
    dispute_triage,
    mediator_assign,
    party_consent,
    session_record,
)
from disputes.services.mediation import mediator_enrol
from governance.models import Agency, Membership
from governance.services.people import agency_create
from tests.governance.factories import County, county

R = Membership.Role
# Valid GB 11643 numbers (checksums right) for parties and kin.
ID_APPLICANT = "330802199001011232"
ID_RESPONDENT = "330802198505051233"
ID_OTHER = "330802197003030016"


@dataclass
class World:
    c: County
    judicial_office: Agency
    mediation_committee: Agency
    court: Agency
    officer: User  # station A: manages disputes in township A
    officer_b: User  # station B: another township
    township_official: User
    grid_worker: User  # village A1
    volunteer: User
    mediator_user: User
    mediator: Mediator
    mediator2_user: User
    mediator2: Mediator
    other_mediator_user: User  # a mediator of township B
    other_mediator: Mediator
    county_admin: User


def world() -> World:
    c = county()
    K = Agency.Kind
    judicial = agency_create(actor=None, name="荷花司法所", kind=K.JUDICIAL_OFFICE, region=c.township_a)
    committee = agency_create(
        actor=None, name="荷花人民调解委员会", kind=K.MEDIATION_COMMITTEE, region=c.township_a
    )
    committee_b = agency_create(
        actor=None, name="航埠人民调解委员会", kind=K.MEDIATION_COMMITTEE, region=c.township_b
    )
    court = agency_create(actor=None, name="柯城法院荷花法庭", kind=K.COURT_TRIBUNAL, region=c.township_a)
    village_committee = agency_create(
        actor=None, name="新塘社区居委会", kind=K.VILLAGE_COMMITTEE, region=c.village_a1
    )
    m1 = c.person(R.MEDIATOR, committee, real_name="王调解")
    m2 = c.person(R.MEDIATOR, judicial, real_name="李司法")
    mb = c.person(R.MEDIATOR, committee_b, real_name="赵调解")
    mediator = mediator_enrol(
        actor=None,
        user=m1,
        team="peoples",
        agency=committee,
        region=c.township_a,
        specialties=["neighbour", "family"],
    )
    mediator2 = mediator_enrol(
        actor=None,
        user=m2,
        team="judicial",
        agency=judicial,
        region=c.county,
        specialties=["lending", "labour"],
    )
    other = mediator_enrol(actor=None, user=mb, team="peoples", agency=committee_b, region=c.township_b)
    return World(
        c=c,
        judicial_office=judicial,
        mediation_committee=committee,
        court=court,
        officer=c.person(R.OFFICER, c.station_a),
        officer_b=c.person(R.OFFICER, c.station_b),
        township_official=c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a),
        grid_worker=c.person(R.GRID_WORKER, village_committee, scope=c.village_a1),
        volunteer=c.person(R.VOLUNTEER, c.station_a, scope=c.township_a),
        mediator_user=m1,
        mediator=mediator,
        mediator2_user=m2,
        mediator2=mediator2,
        other_mediator_user=mb,
        other_mediator=other,
        county_admin=c.person(R.COUNTY_ADMIN, c.plc),
    )


def two_parties(**kwargs: Any) -> list[PartyInput]:
    return [
        PartyInput(
            role="applicant", name="张三", phone="13800000001", id_number=ID_APPLICANT, household_code="H001"
        ),
        PartyInput(
            role="respondent",
            name="李四",
            phone="13900000002",
            id_number=ID_RESPONDENT,
            household_code="H002",
        ),
    ]


def registered(w: World, *, actor: Any = None, now: datetime | None = None, **kwargs: Any) -> Dispute:
    values: dict[str, Any] = {
        "channel": "visit",
        "category": "neighbour",
        "village_code": w.c.village_a1.code,
        "summary": "宅基地边界纠纷",
        "parties": two_parties(),
    }
    values.update(kwargs)
    dispute, _ = dispute_register(actor=actor or w.grid_worker, now=now, **values)
    return dispute


def accepted(w: World, *, now: datetime | None = None, **kwargs: Any) -> Dispute:
    dispute = registered(w, now=now, **kwargs)
    dispute_triage(actor=w.officer, dispute=dispute, decision="accept", now=now)
    for party in dispute.parties.all():
        party_consent(actor=w.officer, party=party, rights_informed=True, now=now)
    return dispute_accept(actor=w.officer, dispute=dispute, now=now)


def in_mediation(w: World, *, now: datetime | None = None, **kwargs: Any) -> Dispute:
    dispute = accepted(w, now=now, **kwargs)
    mediator_assign(actor=w.officer, dispute=dispute, mediator=w.mediator, now=now)
    session_record(
        actor=w.mediator_user,
        dispute=dispute,
        held_at=now or dispute.accepted_at,
        attendees="双方当事人",
        minutes="双方陈述",
        place="新塘社区调解室",
        now=now,
    )
    return Dispute.objects.get(pk=dispute.pk)


def signed(w: World, *, now: datetime | None = None, terms: bool = True, **kwargs: Any) -> Dispute:
    dispute = in_mediation(w, now=now, **kwargs)
    respondent = dispute.parties.get(role=Party.Role.RESPONDENT)
    agreement = agreement_draft(
        actor=w.mediator_user,
        dispute=dispute,
        facts="双方因宅基地边界发生争执。",
        responsibilities="被申请人拆除越界围墙。",
        terms=[
            TermInput(obligor_id=respondent.pk, description="拆除越界围墙", due_date="2099-01-31", amount="0")
        ]
        if terms
        else [],
        now=now,
    )
    agreement_sign(
        actor=w.mediator_user, agreement=agreement, signed_by=[p.pk for p in dispute.parties.all()], now=now
    )
    return Dispute.objects.get(pk=dispute.pk)
