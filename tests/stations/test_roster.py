"""The station's 24-hour duty roster: add and remove shifts, each refusal writes nothing, who is on
duty now, the roster page with its permission matrix, and the overlap race on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from governance.errors import InvalidTransition, PermissionDenied, ValidationFailed
from governance.models import Agency, AuditEvent, Membership
from governance.services.people import agency_create
from stations.models import DutyShift
from stations.services.roster import duty_shift_add, duty_shift_remove, on_duty_now
from tests.governance.factories import county
from tests.governance.test_races import race
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
R = Membership.Role
Role = DutyShift.Role
# Monday 23 November 2026, 09:00 in Asia/Shanghai.
T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def build_world():
    c = county()
    c.station = station_for(c)
    c.officer = c.person(R.OFFICER, c.station_a, real_name="王警官")
    c.auxiliary = c.person(R.AUXILIARY, c.station_a, real_name="陈辅警")
    c.volunteer = c.person(R.VOLUNTEER, c.station_a, real_name="刘义警")
    c.commander = c.person(R.COMMANDER, c.psb, real_name="指挥长")
    c.other_officer = c.person(R.OFFICER, c.station_b, real_name="航埠民警")
    c.grid_worker = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1, real_name="李网格")
    return c


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def at_t0():
    with time_machine.travel(T0, tick=False):
        yield


def add(c, **overrides):
    data = {
        "actor": c.officer,
        "station": c.station,
        "person": c.auxiliary,
        "role": Role.AUXILIARY,
        "starts_at": T0,
        "ends_at": T0 + 24 * HOUR,
    }
    return duty_shift_add(**(data | overrides))


def nothing_written():
    return (
        DutyShift.objects.count() == 0
        and not AuditEvent.objects.filter(verb__startswith="duty_shift.").exists()
    )


# --- Add --------------------------------------------------------------------------------------


def test_officer_puts_an_auxiliary_on_a_24_hour_shift(world):
    shift = add(world)
    assert (shift.station, shift.person, shift.role, shift.starts_at, shift.ends_at) == (
        world.station, world.auxiliary, "auxiliary", T0, T0 + 24 * HOUR,
    )  # fmt: skip
    event = AuditEvent.objects.get(verb="duty_shift.add")
    assert (event.actor, event.target_id) == (world.officer, str(shift.pk))
    assert event.changes["person"] == [None, world.auxiliary.pk]


def test_adding_the_same_shift_twice_is_a_no_op(world):
    first = add(world)
    again = add(world)
    assert again.pk == first.pk
    assert DutyShift.objects.count() == 1
    assert AuditEvent.objects.filter(verb="duty_shift.add").count() == 1


def test_back_to_back_shifts_do_not_overlap(world):
    add(world, ends_at=T0 + 12 * HOUR)
    add(world, starts_at=T0 + 12 * HOUR, ends_at=T0 + 24 * HOUR)
    assert DutyShift.objects.count() == 2


def test_a_commander_covering_the_station_may_edit_its_roster(world):
    add(world, actor=world.commander, person=world.officer, role=Role.LEADER)
    assert DutyShift.objects.get().person == world.officer


def test_staff_of_an_agency_stationed_there_may_be_rostered(world):
    traffic = agency_create(
        actor=None, name="柯城交警中队", kind=Agency.Kind.TRAFFIC_SQUAD, region=world.county
    )
    world.station.stationed_agencies.add(traffic)
    traffic_officer = world.person(R.OFFICER, traffic, real_name="交警甲")
    add(world, person=traffic_officer, role=Role.PARTNER)
    assert DutyShift.objects.get().person == traffic_officer


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"ends_at": T0}, {"ends_at": ["The shift must end after it starts."]}),
        ({"ends_at": T0 - HOUR}, {"ends_at": ["The shift must end after it starts."]}),
        (
            {"ends_at": T0 + 24 * HOUR + dt.timedelta(minutes=1)},
            {"ends_at": ["A shift lasts at most 24 hours."]},
        ),
        ({"role": "chief"}, {"role": ["Choose a duty role."]}),
        ({"starts_at": dt.datetime(2026, 11, 23, 9, 0)}, {"starts_at": ["Give a time with its time zone."]}),
    ],
)
def test_a_bad_shift_is_refused_field_by_field_and_writes_nothing(world, overrides, fields):
    with pytest.raises(ValidationFailed) as exc:
        add(world, **overrides)
    assert exc.value.fields == fields
    assert nothing_written()


@pytest.mark.parametrize("who", ["volunteer", "other_officer", "grid_worker"])
def test_only_station_staff_may_be_rostered(world, who):
    person = getattr(world, who)
    with pytest.raises(ValidationFailed) as exc:
        add(world, person=person)
    assert exc.value.fields == {"person": [f"This person is not on the staff of {world.station.name}."]}
    assert person.profile.real_name not in str(exc.value.fields)
    assert nothing_written()


def test_an_inactive_membership_is_not_enough(world):
    Membership.objects.filter(user=world.auxiliary).update(active=False)
    with pytest.raises(ValidationFailed) as exc:
        add(world)
    assert list(exc.value.fields) == ["person"]
    assert nothing_written()


def test_an_overlapping_shift_of_the_same_person_is_refused_and_writes_nothing(world):
    add(world, ends_at=T0 + 12 * HOUR)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        add(world, starts_at=T0 + 11 * HOUR, ends_at=T0 + 20 * HOUR)
    assert exc.value.fields == {
        "starts_at": ["陈辅警 is already on duty here from 11-23 09:00 to 11-23 21:00."]
    }
    assert DutyShift.objects.count() == 1
    assert AuditEvent.objects.count() == before


def test_a_shift_inside_another_and_one_with_another_role_also_overlap(world):
    add(world)
    for overrides in ({"starts_at": T0 + HOUR, "ends_at": T0 + 2 * HOUR}, {"role": Role.OFFICER}):
        with pytest.raises(ValidationFailed):
            add(world, **overrides)
    assert DutyShift.objects.count() == 1


def test_another_person_at_the_same_time_is_fine(world):
    add(world)
    add(world, person=world.officer, role=Role.LEADER)
    assert DutyShift.objects.count() == 2


@pytest.mark.parametrize("who", ["other_officer", "volunteer", "grid_worker"])
def test_outsiders_may_not_edit_the_roster_and_change_nothing(world, who):
    with pytest.raises(PermissionDenied) as exc:
        add(world, actor=getattr(world, who))
    assert exc.value.message == (
        f"Only the staff of {world.station.name} or a shift commander covering it may change its roster."
    )
    assert nothing_written()


# --- Remove -----------------------------------------------------------------------------------


def test_removing_a_coming_shift_deletes_it_and_is_audited(world, at_t0):
    shift = add(world, starts_at=T0 + HOUR, ends_at=T0 + 9 * HOUR)
    duty_shift_remove(actor=world.officer, shift=shift)
    assert DutyShift.objects.count() == 0
    event = AuditEvent.objects.get(verb="duty_shift.remove")
    assert (event.actor, event.target_id, event.changes["person"]) == (
        world.officer, str(shift.pk), [world.auxiliary.pk, None],
    )  # fmt: skip
    duty_shift_remove(actor=world.officer, shift=shift)  # twice: a no-op
    assert AuditEvent.objects.filter(verb="duty_shift.remove").count() == 1


@pytest.mark.parametrize("who", ["other_officer", "volunteer", "grid_worker"])
def test_outsiders_may_not_remove_a_shift(world, at_t0, who):
    shift = add(world)
    with pytest.raises(PermissionDenied):
        duty_shift_remove(actor=getattr(world, who), shift=shift)
    assert DutyShift.objects.filter(pk=shift.pk).exists()
    assert not AuditEvent.objects.filter(verb="duty_shift.remove").exists()


def test_a_shift_that_has_ended_stays_on_record(world, at_t0):
    shift = add(world, starts_at=T0 - 10 * HOUR, ends_at=T0 - HOUR)
    with pytest.raises(InvalidTransition):
        duty_shift_remove(actor=world.officer, shift=shift)
    assert DutyShift.objects.filter(pk=shift.pk).exists()
    assert not AuditEvent.objects.filter(verb="duty_shift.remove").exists()


# --- On duty now ------------------------------------------------------------------------------


def test_on_duty_now_lists_the_leader_first_and_only_running_shifts(world, django_assert_num_queries):
    add(world, person=world.auxiliary, role=Role.AUXILIARY, starts_at=T0 - HOUR, ends_at=T0 + HOUR)
    add(world, person=world.officer, role=Role.LEADER, starts_at=T0, ends_at=T0 + 8 * HOUR)
    add(world, person=world.officer, role=Role.LEADER, starts_at=T0 + 8 * HOUR, ends_at=T0 + 16 * HOUR)
    add(world, person=world.auxiliary, role=Role.AUXILIARY, starts_at=T0 - 9 * HOUR, ends_at=T0 - HOUR)
    with django_assert_num_queries(1):
        shifts = on_duty_now(world.station, T0)
        names = [s.person.profile.real_name for s in shifts]
    assert names == ["王警官", "陈辅警"]
    assert on_duty_now(world.station, T0 + 20 * HOUR) == []


# --- The roster page --------------------------------------------------------------------------


def url(c):
    return f"/stations/{c.station.pk}/roster/"


def form(c, **overrides):
    return {
        "person": c.auxiliary.pk,
        "role": "auxiliary",
        "starts_at": "2026-11-23T09:00",
        "ends_at": "2026-11-24T09:00",
    } | overrides


def test_roster_page_shows_the_week_by_day_and_who_is_on_duty(
    world, client, at_t0, django_assert_max_num_queries
):
    add(world, starts_at=T0 - HOUR, ends_at=T0 + 7 * HOUR)
    add(world, person=world.officer, role=Role.LEADER, starts_at=T0 + 48 * HOUR, ends_at=T0 + 72 * HOUR)
    client.force_login(world.officer)
    client.get(url(world))
    with django_assert_max_num_queries(13):
        html = client.get(url(world)).content.decode()
    assert html.count('data-testid="roster-day"') == 7
    assert 'data-day="2026-11-23"' in html and 'data-day="2026-11-29"' in html
    monday = html.split('data-day="2026-11-23"')[1].split('data-testid="roster-day"')[0]
    wednesday = html.split('data-day="2026-11-25"')[1].split('data-testid="roster-day"')[0]
    assert "陈辅警" in monday and "08:00–16:00" in monday
    assert "王警官" in wednesday
    on_duty = html.split('data-testid="on-duty"')[1].split("</section>")[0]
    assert "陈辅警" in on_duty and "王警官" not in on_duty


def test_another_week_is_one_link_away(world, client, at_t0):
    add(world, starts_at=T0 + 7 * 24 * HOUR, ends_at=T0 + 8 * 24 * HOUR)
    client.force_login(world.officer)
    assert "陈辅警" not in client.get(url(world)).content.decode().split('data-testid="roster-add"')[0]
    html = client.get(url(world) + "?week=2026-11-30").content.decode()
    assert "陈辅警" in html.split('data-testid="roster-add"')[0]


def test_adding_a_shift_from_the_page(world, client, at_t0):
    client.force_login(world.auxiliary)
    response = client.post(url(world), form(world))
    assert response.status_code == 302
    assert response["Location"] == f"{url(world)}?week=2026-11-23"
    shift = DutyShift.objects.get()
    assert (shift.person, shift.starts_at, shift.ends_at) == (world.auxiliary, T0, T0 + 24 * HOUR)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": "2026-11-24T10:00"}, "ends_at", "A shift lasts at most 24 hours."),
        ({"ends_at": "2026-11-23T08:00"}, "ends_at", "The shift must end after it starts."),
        ({"starts_at": "soon"}, "starts_at", "Datetime has wrong format."),
        ({"starts_at": ""}, "starts_at", "This field is required."),
        ({"person": "volunteer"}, "person", "This person is not on the staff of"),
        ({"starts_at": "2026-11-23T20:00", "ends_at": "2026-11-24T08:00"}, "starts_at", "is already on duty here from"),
    ],
)  # fmt: skip
def test_a_refused_shift_shows_its_field_error_and_writes_nothing(
    world, client, at_t0, overrides, field, message
):
    add(world, starts_at=T0 + 10 * HOUR, ends_at=T0 + 12 * HOUR)
    if overrides.get("person") == "volunteer":
        overrides = {"person": world.volunteer.pk}
    before = (DutyShift.objects.count(), AuditEvent.objects.count())
    client.force_login(world.officer)
    response = client.post(url(world), form(world, **overrides))
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html.split(f'data-field="{field}"')[1].split("</div>")[0]
    assert (DutyShift.objects.count(), AuditEvent.objects.count()) == before


def test_the_page_offers_the_stations_staff_by_name_and_starts_on_the_next_hour(world, client, at_t0):
    client.force_login(world.officer)
    html = client.get(url(world)).content.decode()
    add_form = html.split('data-testid="roster-add"')[1]
    assert f'value="{world.auxiliary.pk}">陈辅警 ({world.auxiliary.username})' in add_form
    assert f'value="{world.volunteer.pk}"' not in add_form and 'name="station"' not in add_form
    assert 'type="datetime-local"' in add_form and 'value="2026-11-23T10:00"' in add_form


def test_removing_a_shift_from_the_page(world, client, at_t0):
    shift = add(world, starts_at=T0 + HOUR, ends_at=T0 + 5 * HOUR)
    client.force_login(world.officer)
    response = client.post(f"{url(world)}{shift.pk}/remove/", follow=True)
    assert response.redirect_chain == [(f"{url(world)}?week=2026-11-23", 302)]
    assert "Shift removed." in response.content.decode()
    assert DutyShift.objects.count() == 0


def test_removing_an_ended_shift_from_the_page_says_why(world, client, at_t0):
    shift = add(world, starts_at=T0 - 5 * HOUR, ends_at=T0 - HOUR)
    client.force_login(world.officer)
    html = client.post(f"{url(world)}{shift.pk}/remove/", follow=True).content.decode()
    assert "it cannot be removed" in html
    assert DutyShift.objects.filter(pk=shift.pk).exists()


@pytest.mark.parametrize("who", ["other_officer", "volunteer", "grid_worker"])
def test_outsiders_get_404_and_change_nothing(world, client, at_t0, who):
    shift = add(world)
    client.force_login(getattr(world, who))
    assert client.get(url(world)).status_code == 404
    assert (
        client.post(
            url(world), form(world, starts_at="2026-11-25T09:00", ends_at="2026-11-25T10:00")
        ).status_code
        == 404
    )
    assert client.post(f"{url(world)}{shift.pk}/remove/").status_code == 404
    assert list(DutyShift.objects.values_list("pk", flat=True)) == [shift.pk]


def test_a_shift_of_another_station_cannot_be_removed_through_this_one(world, client, at_t0):
    other = station_for(world, township="b")
    shift = add(world, actor=None, station=other, person=world.other_officer)
    client.force_login(world.officer)
    assert client.post(f"{url(world)}{shift.pk}/remove/").status_code == 404
    assert DutyShift.objects.filter(pk=shift.pk).exists()


def test_the_commander_sees_the_roster(world, client, at_t0):
    client.force_login(world.commander)
    assert client.get(url(world)).status_code == 200


def test_anonymous_is_sent_to_log_in(world, client):
    response = client.get(url(world))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post(url(world), form(world)).status_code == 302
    assert DutyShift.objects.count() == 0


# --- Race -------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_shifts_added_at_once_have_one_winner():
    c = build_world()
    starts = iter(range(8))
    results = race(
        lambda: duty_shift_add(
            actor=c.officer, station=c.station, person=c.auxiliary, role="auxiliary",
            starts_at=T0 + next(starts) * HOUR, ends_at=T0 + 12 * HOUR,
        ),
        n=8,
    )  # fmt: skip
    winners = [r for r in results if isinstance(r, DutyShift)]
    losers = [r for r in results if isinstance(r, ValidationFailed)]
    assert (len(winners), len(losers)) == (1, 7), results
    assert DutyShift.objects.count() == 1
    assert AuditEvent.objects.filter(verb="duty_shift.add").count() == 1
