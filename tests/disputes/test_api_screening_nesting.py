"""A county-wide screening campaign is visible to each township of the county, but its villages
are nested for each caller only as far as his own jurisdiction goes: other townships' villages,
their grid workers and their progress are not his (issue 15, finding 7)."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from disputes.services import campaign_assign, campaign_create
from governance.models import Membership
from tests.disputes.factories import world
from tests.governance.factories import PASSWORD

pytestmark = pytest.mark.django_db
R = Membership.Role


@pytest.fixture
def w():
    return world()


@pytest.fixture
def campaign(w):
    worker_b = w.c.person(R.GRID_WORKER, w.c.township_gov_b, scope=w.c.village_b1)
    campaign = campaign_create(
        actor=w.county_admin, name="全区冬季排查", season="winter", region=w.c.county,
        starts_on=date(2025, 12, 1), ends_on=date(2026, 2, 28),
    )  # fmt: skip
    for village, worker in ((w.c.village_a1, w.grid_worker), (w.c.village_b1, worker_b)):
        campaign_assign(
            actor=w.county_admin, campaign=campaign, village=village, worker=worker, households=40
        )
    campaign.worker_b = worker_b
    return campaign


def nested(user, campaign) -> dict[str, list[tuple[str, str]]]:
    api = APIClient()
    api.force_authenticate(user)
    listed = next(
        c for c in api.get("/api/v1/screening-campaigns/").json()["results"] if c["id"] == campaign.pk
    )
    one = api.get(f"/api/v1/screening-campaigns/{campaign.pk}/").json()
    return {
        "list": [(a["village"], a["worker"]) for a in listed["assignments"]],
        "detail": [(a["village"], a["worker"]) for a in one["assignments"]],
    }


def test_each_caller_sees_the_villages_of_his_own_jurisdiction_only(w, campaign):
    a1 = (w.c.village_a1.code, w.grid_worker.username)
    b1 = (w.c.village_b1.code, campaign.worker_b.username)

    assert nested(w.county_admin, campaign) == {"list": [a1, b1], "detail": [a1, b1]}
    assert nested(w.township_official, campaign) == {"list": [a1], "detail": [a1]}
    assert nested(w.officer_b, campaign) == {"list": [b1], "detail": [b1]}
    assert nested(campaign.worker_b, campaign) == {"list": [b1], "detail": [b1]}


def test_the_campaign_page_lists_the_villages_of_the_caller_s_township(w, campaign, client):
    client.login(username=w.township_official.username, password=PASSWORD)
    html = client.get(f"/disputes/screening/{campaign.pk}/").content.decode()
    assert w.c.village_a1.name in html
    assert campaign.worker_b.username not in html and w.c.village_b1.name not in html
