"""A volunteer's life: apply, vet, activate, reject with a reason, suspend, retire."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from governance.models import AuditEvent
from tests.governance.factories import person
from tests.volunteers.factories import applied, id_number, world
from volunteers.models import Volunteer
from volunteers.services import (
    volunteer_activate,
    volunteer_reject,
    volunteer_retire,
    volunteer_suspend,
    volunteer_vet,
)

pytestmark = pytest.mark.django_db
S = Volunteer.Status


def test_an_application_stores_the_id_number_encrypted_and_shows_it_masked():
    w = world()
    number = id_number(7)
    v = applied(w.team, id_number=number)
    assert v.status == S.APPLIED
    assert number not in v.id_number_encrypted
    assert v.masked_id_number == number[:6] + "********" + number[-4:]
    assert v.masked_name == "钱**"
    assert v.masked_phone == "136****2222"
    assert AuditEvent.objects.filter(verb="volunteer.apply", target_id=str(v.pk)).count() == 1


def test_applying_twice_with_one_login_returns_the_first_application():
    w = world()
    user = person()
    first = applied(w.team, user=user)
    assert applied(w.team, user=user).pk == first.pk
    assert Volunteer.objects.filter(user=user).count() == 1


def test_an_application_without_consent_or_with_a_bad_id_is_refused_field_by_field():
    w = world()
    with pytest.raises(ValidationFailed) as err:
        applied(w.team, record_check_consent=False, id_number="330802199001011231", phone="123")
    assert set(err.value.fields) == {"record_check_consent", "id_number", "phone"}


@pytest.mark.parametrize(
    ("born", "ok"), [(dt.date(2015, 1, 1), False), (dt.date(1940, 1, 1), False), (dt.date(1980, 5, 5), True)]
)
def test_volunteers_are_between_18_and_65(born, ok):
    w = world()
    if ok:
        assert applied(w.team, id_number=id_number(born=born)).status == S.APPLIED
    else:
        with pytest.raises(ValidationFailed) as err:
            applied(w.team, id_number=id_number(born=born))
        assert err.value.fields["id_number"] == ["Volunteers are between 18 and 65 years old."]


def test_one_id_number_registers_one_volunteer():
    w = world()
    number = id_number(9)
    applied(w.team, id_number=number)
    with pytest.raises(Conflict):
        applied(w.team, id_number=number)


def test_the_leader_vets_and_activates_and_repeating_a_step_changes_nothing():
    w = world()
    v = applied(w.team)
    volunteer_vet(actor=w.leader, volunteer=v)
    v = volunteer_activate(actor=w.leader, volunteer=v)
    assert v.status == S.ACTIVE and v.activated_at is not None
    again = volunteer_activate(actor=w.leader, volunteer=v)
    assert again.status == S.ACTIVE
    assert AuditEvent.objects.filter(verb="volunteer.activate", target_id=str(v.pk)).count() == 1


def test_activation_before_vetting_is_refused():
    w = world()
    v = applied(w.team)
    with pytest.raises(InvalidTransition):
        volunteer_activate(actor=w.leader, volunteer=v)


def test_rejection_needs_a_reason_and_keeps_it():
    w = world()
    v = applied(w.team)
    with pytest.raises(ValidationFailed):
        volunteer_reject(actor=w.officer, volunteer=v, reason=" ")
    v = volunteer_reject(actor=w.officer, volunteer=v, reason="背景审查未通过")
    assert (v.status, v.status_reason) == (S.REJECTED, "背景审查未通过")


def test_suspension_and_reinstatement_and_retirement():
    w = world()
    v = volunteer_suspend(actor=w.leader, volunteer=w.volunteer, reason="违反纪律")
    assert v.status == S.SUSPENDED
    v = volunteer_activate(actor=w.leader, volunteer=v)
    assert v.status == S.ACTIVE
    v = volunteer_retire(actor=w.township_official, volunteer=v, reason="年龄")
    assert v.status == S.RETIRED
    with pytest.raises(InvalidTransition):
        volunteer_suspend(actor=w.leader, volunteer=v, reason="x")


@pytest.mark.parametrize("who", ["officer_b", "other_volunteer", "volunteer"])
def test_people_outside_the_team_cannot_vet(who):
    w = world()
    v = applied(w.team)
    actor = {
        "officer_b": w.officer_b,
        "other_volunteer": w.other_volunteer.user,
        "volunteer": w.volunteer.user,
    }[who]
    with pytest.raises(PermissionDenied):
        volunteer_vet(actor=actor, volunteer=v)
    v.refresh_from_db()
    assert v.status == S.APPLIED
