"""Who sees what: the jurisdiction matrix over the region tree and direct grants."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from guardian.shortcuts import assign_perm

from governance.models import Membership
from governance.selectors import agencies_visible_to, jurisdiction_for, regions_visible_to, user_may
from governance.services.people import membership_create, membership_end
from tests.governance.factories import UserFactory, county

pytestmark = pytest.mark.django_db
R = Membership.Role


def codes(qs):
    return set(qs.values_list("code", flat=True))


def test_township_official_sees_own_township_and_nothing_of_the_other():
    c = county()
    official = c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a)
    assert codes(regions_visible_to(official)) == {"330802001000", "330802001001", "330802001002"}
    assert not user_may(official, "region.view", c.village_b1)
    assert not user_may(official, "region.view", c.township_b)


def test_anonymous_and_role_less_users_see_nothing():
    c = county()
    assert codes(regions_visible_to(AnonymousUser())) == set()
    assert not agencies_visible_to(AnonymousUser()).exists()
    nobody = UserFactory()
    assert codes(regions_visible_to(nobody)) == set()
    assert not agencies_visible_to(nobody).exists()
    assert not user_may(nobody, "region.view", c.village_a1)


def test_county_admin_sees_the_whole_county_but_not_above():
    c = county()
    admin = c.person(R.COUNTY_ADMIN, c.plc)
    visible = codes(regions_visible_to(admin))
    assert "330802002001" in visible and "330802001001" in visible
    assert "330800" not in visible
    assert user_may(admin, "membership.manage", c.village_b1)


def test_grid_worker_scope_narrows_to_the_village():
    c = county()
    worker = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1)
    assert codes(regions_visible_to(worker)) == {"330802001001"}


def test_two_memberships_add_up():
    c = county()
    chief = c.person(R.OFFICER, c.station_a)
    membership_create(actor=None, user=chief, agency=c.township_gov_b, role=R.TOWNSHIP_OFFICIAL)
    visible = codes(regions_visible_to(chief))
    assert {"330802001001", "330802002001"} <= visible
    assert jurisdiction_for(chief).roles == [R.TOWNSHIP_OFFICIAL, R.OFFICER]


def test_ended_membership_takes_its_jurisdiction_along():
    c = county()
    official = c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a)
    membership_end(actor=None, membership=official.memberships.get())
    official.refresh_from_db()
    fresh = type(official).objects.get(pk=official.pk)
    assert codes(regions_visible_to(fresh)) == set()


def test_direct_object_grant_covers_that_subtree_only():
    c = county()
    auditor = UserFactory()
    assign_perm("governance.view_region", auditor, c.township_b)
    assert codes(regions_visible_to(auditor)) == {"330802002000", "330802002001"}


def test_agencies_visible_include_county_wide_agencies_but_not_the_other_township():
    c = county()
    official = c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a)
    names = set(agencies_visible_to(official).values_list("name", flat=True))
    assert {"荷花街道办事处", "荷花派出所", "柯城区公安分局", "柯城区12345热线"} <= names
    assert "航埠镇人民政府" not in names and "航埠派出所" not in names


def test_volunteer_may_not_unmask_personal_data():
    c = county()
    volunteer = c.person(R.VOLUNTEER, c.station_a, scope=c.township_a)
    neighbour = c.person(R.VOLUNTEER, c.station_a, scope=c.township_a)
    assert not user_may(volunteer, "personal_data.unmask", neighbour)
    officer = c.person(R.OFFICER, c.station_a)
    assert user_may(officer, "personal_data.unmask", neighbour)


def test_jurisdiction_costs_a_fixed_number_of_queries(django_assert_num_queries):
    c = county()
    official = c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a)
    fresh = type(official).objects.get(pk=official.pk)
    with django_assert_num_queries(3):
        jurisdiction_for(fresh)
    with django_assert_num_queries(0):
        jurisdiction_for(fresh)
