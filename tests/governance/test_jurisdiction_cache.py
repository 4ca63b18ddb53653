"""A jurisdiction kept between requests: no queries once known, and never a page opened by a role
that is gone (governance.jurisdiction_cache). Real commits (transaction=True): a connection whose
open transaction changed a membership stores nothing, as it may roll back."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from governance import jurisdiction_cache
from governance.models import Membership
from governance.selectors import _work_out_jurisdiction, jurisdiction_for, user_may
from governance.services.people import membership_create, membership_end
from tests.governance.factories import UserFactory, county

pytestmark = pytest.mark.django_db(transaction=True)
R = Membership.Role


def fresh(user: User) -> User:
    """The user as the next request loads it (nothing kept on the object)."""
    return User.objects.get(pk=user.pk)


def queries_for_jurisdiction(user: User) -> int:
    with CaptureQueriesContext(connection) as q:
        jurisdiction_for(user)
    return len(q)


def test_the_second_request_works_it_out_without_a_query():
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    assert queries_for_jurisdiction(fresh(officer)) >= 3  # memberships, served regions, grants
    assert queries_for_jurisdiction(fresh(officer)) == 0
    assert jurisdiction_for(fresh(officer)).paths("disputes.view") == (c.township_a.path,)


def test_an_ended_membership_closes_the_area_at_once():
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    assert user_may(fresh(officer), "disputes.view", c.village_a1)  # now cached
    membership = Membership.objects.get(user=officer)
    membership_end(actor=None, membership=membership)  # a queryset update: no model signal
    assert not user_may(fresh(officer), "disputes.view", c.village_a1)


def test_a_new_membership_opens_the_area_at_once():
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    assert not user_may(fresh(officer), "disputes.view", c.village_b1)
    membership_create(actor=None, user=officer, agency=c.station_b, role=R.OFFICER)
    assert user_may(fresh(officer), "disputes.view", c.village_b1)


def test_a_deactivated_agency_takes_its_members_powers_with_it():
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    assert user_may(fresh(officer), "disputes.view", c.village_a1)
    c.station_a.active = False
    c.station_a.save()
    assert not user_may(fresh(officer), "disputes.view", c.village_a1)


def test_a_change_of_served_regions_moves_the_area():
    c = county()
    official = c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a)
    assert not user_may(fresh(official), "disputes.view", c.village_b1)
    c.township_gov_a.served_regions.add(c.township_b)
    assert user_may(fresh(official), "disputes.view", c.village_b1)


def test_direct_and_group_grants_are_seen_at_once():
    c = county()
    nobody = UserFactory()
    assert not user_may(fresh(nobody), "region.view", c.village_b1)
    assign_perm("governance.view_region", nobody, c.township_b)
    assert user_may(fresh(nobody), "region.view", c.village_b1)

    other = UserFactory()
    group = Group.objects.create(name="督导组")
    assign_perm("governance.view_region", group, c.township_a)
    assert not user_may(fresh(other), "region.view", c.village_a1)
    other.groups.add(group)
    assert user_may(fresh(other), "region.view", c.village_a1)


def test_the_superuser_flag_is_read_from_the_user_row_not_the_cache():
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    assert not jurisdiction_for(fresh(officer)).is_superuser
    User.objects.filter(pk=officer.pk).update(is_superuser=True)
    assert jurisdiction_for(fresh(officer)).is_superuser
    assert queries_for_jurisdiction(fresh(officer)) == 0


def test_a_reading_request_cannot_store_what_a_committed_change_replaced():
    """A request read the old rows (and the generation) while another one's change was not yet
    committed; what it stores afterwards must not be served once the change has committed."""
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    reader = fresh(officer)
    _, generation = jurisdiction_cache.load(reader)
    old = _work_out_jurisdiction(reader)  # the rows before the change
    with transaction.atomic():
        Membership.objects.filter(user=officer).update(active=False)
        jurisdiction_cache.invalidate()
        during = jurisdiction_cache.load(reader)[1]
    # The reader stores under the generation it read, before or while the change was made.
    jurisdiction_cache.store(reader, generation, old)
    jurisdiction_cache.store(reader, during, old)
    assert jurisdiction_cache.load(fresh(officer))[0] is None
    assert not user_may(fresh(officer), "disputes.view", c.village_a1)


def test_what_a_transaction_that_rolls_back_saw_is_not_kept():
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    assert not user_may(fresh(officer), "disputes.view", c.village_b1)
    with pytest.raises(RuntimeError), transaction.atomic():
        membership_create(actor=None, user=officer, agency=c.station_b, role=R.OFFICER)
        inside = fresh(officer)
        assert user_may(inside, "disputes.view", c.village_b1)  # its own uncommitted row
        raise RuntimeError("rolled back")
    assert not user_may(fresh(officer), "disputes.view", c.village_b1)


def test_a_migrate_starts_a_new_generation():
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    jurisdiction_for(fresh(officer))
    _, before = jurisdiction_cache.load(fresh(officer))
    call_command("migrate", verbosity=0)
    stored, after = jurisdiction_cache.load(fresh(officer))
    assert (stored, after != before) == (None, True)


def test_a_rebuilt_database_with_the_same_ids_does_not_meet_an_older_entry():
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    assert user_may(fresh(officer), "disputes.view", c.village_a1)
    _, generation = jurisdiction_cache.load(fresh(officer))
    # Another user with the same id (a restored backup): another key.
    twin = User(pk=officer.pk, username="twin", date_joined=officer.date_joined.replace(year=2020))
    assert jurisdiction_cache.load(twin) == (None, generation)


class BrokenCache:
    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("cache down")

        return fail


def test_a_cache_that_is_down_costs_the_queries_not_the_page(monkeypatch):
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    monkeypatch.setattr(jurisdiction_cache, "cache", BrokenCache())
    assert user_may(fresh(officer), "disputes.view", c.village_a1)
    assert queries_for_jurisdiction(fresh(officer)) >= 3  # every request pays again
    membership_end(actor=None, membership=Membership.objects.get(user=officer))
    assert not user_may(fresh(officer), "disputes.view", c.village_a1)
