"""A revoked role never opens a page (issue 15, finding 3): a township official whose only
membership ended still read the full files of the cases he had registered. Registering a case
lets one follow it only while a role of one's own still covers its village."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from governance.models import Membership
from governance.services.people import membership_create, membership_end
from tests.disputes.factories import registered, world
from tests.governance.factories import PASSWORD

pytestmark = pytest.mark.django_db
R = Membership.Role


@pytest.fixture
def w():
    return world()


def end_roles(user):
    for membership in Membership.objects.filter(user=user, active=True):
        membership_end(actor=None, membership=membership)


def sees(user, dispute, client) -> dict[str, int | bool]:
    """What the case's page, its API, the ledger and its exports answer ``user``."""
    api = APIClient()
    # A fresh user, as each request loads it (the jurisdiction is kept on the user object).
    api.force_authenticate(User.objects.get(pk=user.pk))
    client.login(username=user.username, password=PASSWORD)
    return {
        "page": client.get(f"/disputes/{dispute.pk}/").status_code,
        "api": api.get(f"/api/v1/disputes/{dispute.pk}/").status_code,
        "api_ledger": dispute.pk in [d["id"] for d in api.get("/api/v1/disputes/").json().get("results", [])],
        "csv": dispute.number in client.get("/disputes/ledger.csv").content.decode("utf-8", "replace"),
    }


def test_a_township_official_whose_only_role_ended_no_longer_sees_the_cases_he_registered(w, client):
    dispute = registered(w, actor=w.township_official, summary="他登记的纠纷")
    assert sees(w.township_official, dispute, client) == {
        "page": 200,
        "api": 200,
        "api_ledger": True,
        "csv": True,
    }

    end_roles(w.township_official)

    assert sees(w.township_official, dispute, client) == {
        "page": 404,
        "api": 404,
        "api_ledger": False,
        "csv": False,
    }


def test_a_grid_worker_follows_what_he_registered_only_while_his_role_covers_the_village(w, client):
    dispute = registered(w)  # by the grid worker of village A1, who has no right to view cases
    assert sees(w.grid_worker, dispute, client)["api"] == 200

    # Moved to a village of township B: A1's case is no longer his.
    membership = Membership.objects.get(user=w.grid_worker, active=True)
    membership_create(
        actor=None, user=w.grid_worker, agency=w.c.township_gov_b, role=R.GRID_WORKER, scope=w.c.village_b1
    )
    membership_end(actor=None, membership=membership)

    assert sees(w.grid_worker, dispute, client) == {
        "page": 404,
        "api": 404,
        "api_ledger": False,
        "csv": False,
    }
