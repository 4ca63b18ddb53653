from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from governance.errors import Conflict, PermissionDenied, ValidationFailed
from governance.models import AuditEvent, Membership, Profile
from governance.pii import lookup_hash_for_resident_id
from governance.services.people import membership_create, person_create, personal_data_unmask
from tests.governance.factories import county

pytestmark = pytest.mark.django_db
R = Membership.Role
VALID_ID = "11010519491231002X"  # the worked example of GB 11643-1999


def test_person_keeps_the_id_number_encrypted_and_findable_by_hash():
    user = person_create(
        actor=None, username="li", real_name="李四", phone="139 1234 5678", id_number=VALID_ID.lower()
    )
    profile = Profile.objects.get(user=user)
    assert VALID_ID not in profile.id_number_encrypted
    assert profile.phone == "13912345678"
    assert profile.masked_id_number == "110105********002X"
    assert profile.masked_phone == "139****5678"
    assert profile.masked_name == "李*"
    assert Profile.objects.get(id_number_hash=lookup_hash_for_resident_id(VALID_ID)) == profile


def test_malformed_id_and_phone_are_refused_field_by_field_and_nothing_is_created():
    with pytest.raises(ValidationFailed) as info:
        person_create(
            actor=None, username="wang", real_name="王五", phone="12345", id_number="110105194912310021"
        )
    assert set(info.value.fields) == {"phone", "id_number"}
    assert not User.objects.filter(username="wang").exists()
    assert not AuditEvent.objects.filter(verb="person.create").exists()


def test_duplicate_membership_is_a_conflict_and_changes_nothing():
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    events = AuditEvent.objects.count()
    with pytest.raises(Conflict) as info:
        membership_create(actor=None, user=officer, agency=c.station_a, role=R.OFFICER)
    assert info.value.fields == {"role": ["This person already holds this role in this agency."]}
    assert Membership.objects.filter(user=officer).count() == 1
    assert AuditEvent.objects.count() == events


def test_membership_scope_must_lie_in_the_agencys_area():
    c = county()
    with pytest.raises(ValidationFailed) as info:
        c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_b1)
    assert info.value.fields == {"scope": ["The scope must lie inside the regions the agency serves."]}


def test_unmasking_needs_a_reason_and_is_logged():
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    resident = c.person(R.VOLUNTEER, c.station_a, scope=c.township_a, phone="13712345678")
    with pytest.raises(ValidationFailed) as info:
        personal_data_unmask(actor=officer, profile=resident.profile, field="phone", reason=" ")
    assert list(info.value.fields) == ["reason"]
    assert not AuditEvent.objects.filter(verb="personal_data.unmask").exists()
    value = personal_data_unmask(
        actor=officer, profile=resident.profile, field="phone", reason="回访核实身份"
    )
    assert value == "13712345678"
    event = AuditEvent.objects.get(verb="personal_data.unmask")
    assert (event.actor_id, event.reason, event.changes) == (
        officer.pk,
        "回访核实身份",
        {"phone": ["137****5678", None]},
    )


def test_volunteer_cannot_unmask_another_volunteer():
    c = county()
    volunteer = c.person(R.VOLUNTEER, c.station_a, scope=c.township_a)
    other = c.person(R.VOLUNTEER, c.station_a, scope=c.township_a)
    with pytest.raises(PermissionDenied):
        personal_data_unmask(actor=volunteer, profile=other.profile, field="phone", reason="想看看号码")
    assert not AuditEvent.objects.filter(verb="personal_data.unmask").exists()


def test_officer_of_another_township_cannot_unmask():
    c = county()
    officer_b = c.person(R.OFFICER, c.station_b)
    resident = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1)
    with pytest.raises(PermissionDenied):
        personal_data_unmask(actor=officer_b, profile=resident.profile, field="phone", reason="核实情况")
