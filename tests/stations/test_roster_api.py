"""The duty roster through the API: the same declaration as the page (stations.shift.add and
.remove), the week's shifts of a station one sees, a retry that adds nothing, field errors that
write nothing, and another area's station or shift answered 404."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from governance.models import AuditEvent
from stations.models import DutyShift
from tests.stations.test_roster import HOUR, T0, Role, add, build_world, nothing_written
from tests.stations.test_roster import at_t0 as at_t0  # the clock of the roster tests

pytestmark = pytest.mark.django_db
URL = "/api/v1/duty-shifts/"


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def api():
    return APIClient()


def body(c, **overrides):
    return {
        "station": c.station.pk, "person": c.auxiliary.pk, "role": "auxiliary",
        "starts_at": "2026-11-23T09:00:00+08:00", "ends_at": "2026-11-24T09:00:00+08:00",
    } | overrides  # fmt: skip


def error(response):
    return response.json()["error"]


def test_an_officer_adds_a_shift_and_a_retry_adds_nothing(world, api, at_t0):
    api.force_authenticate(world.officer)
    first = api.post(URL, body(world), format="json")
    assert first.status_code == 201
    shift = DutyShift.objects.get()
    assert first.json() == {
        "id": shift.pk, "station": world.station.pk, "person": world.auxiliary.pk, "person_name": "陈辅警",
        "role": "auxiliary", "role_label": "Auxiliary on duty", "starts_at": "2026-11-23T09:00:00+08:00",
        "ends_at": "2026-11-24T09:00:00+08:00",
    }  # fmt: skip
    again = api.post(URL, body(world), format="json")
    assert (again.status_code, again.json()["id"]) == (201, shift.pk)
    assert (DutyShift.objects.count(), AuditEvent.objects.filter(verb="duty_shift.add").count()) == (1, 1)


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"ends_at": "2026-11-24T10:00:00+08:00"}, {"ends_at": ["A shift lasts at most 24 hours."]}),
        ({"role": "chief"}, {"role": ['"chief" is not a valid choice.']}),
        ({"starts_at": "soon"}, {"starts_at": None}),
        ({"person": 999999}, {"person": ['Invalid pk "999999" - object does not exist.']}),
    ],
)
def test_bad_input_is_refused_field_by_field_and_writes_nothing(world, api, at_t0, overrides, fields):
    api.force_authenticate(world.officer)
    response = api.post(URL, body(world, **overrides), format="json")
    assert response.status_code == 400
    got = error(response)["fields"]
    assert list(got) == list(fields)
    for name, messages in fields.items():
        if messages is not None:
            assert got[name] == messages
    assert nothing_written()


def test_a_person_off_the_staff_is_refused_without_being_named(world, api, at_t0):
    api.force_authenticate(world.officer)
    response = api.post(URL, body(world, person=world.other_officer.pk), format="json")
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "person": [f"This person is not on the staff of {world.station.name}."]
    }
    assert "航埠民警" not in response.content.decode()
    assert nothing_written()


@pytest.mark.parametrize("who", ["other_officer", "volunteer", "grid_worker"])
def test_another_areas_station_is_not_found_and_nothing_is_written(world, api, at_t0, who):
    shift = add(world)
    api.force_authenticate(getattr(world, who))
    assert api.post(URL, body(world, starts_at="2026-11-25T09:00:00+08:00",
                              ends_at="2026-11-25T17:00:00+08:00"), format="json").status_code == 404  # fmt: skip
    assert api.get(URL, {"station": world.station.pk}).status_code == 404
    assert api.delete(f"{URL}{shift.pk}/").status_code == 404
    assert list(DutyShift.objects.values_list("pk", flat=True)) == [shift.pk]


def test_the_week_lists_the_shifts_that_touch_it(world, api, at_t0):
    sunday_night = add(world, starts_at=T0 - 12 * HOUR, ends_at=T0 + 2 * HOUR)
    this_week = add(
        world, person=world.officer, role=Role.LEADER, starts_at=T0 + 48 * HOUR, ends_at=T0 + 56 * HOUR
    )
    add(world, starts_at=T0 + 7 * 24 * HOUR, ends_at=T0 + 8 * 24 * HOUR)  # next week
    api.force_authenticate(world.commander)
    rows = api.get(URL, {"station": world.station.pk}).json()["results"]
    assert [r["id"] for r in rows] == [sunday_night.pk, this_week.pk]
    assert api.get(URL, {"station": world.station.pk, "week": "2026-12-02"}).json()["count"] == 1
    bad = api.get(URL, {"station": world.station.pk, "week": "next"})
    assert (bad.status_code, list(error(bad)["fields"])) == (400, ["week"])
    assert api.get(URL, {"station": "A"}).status_code == 404
    # Without a station: every station one works on; nothing for one who works on none.
    assert api.get(URL).json()["count"] == 2
    api.force_authenticate(world.other_officer)
    assert api.get(URL).json()["count"] == 0


def test_a_coming_shift_is_removed_and_an_ended_one_stays(world, api, at_t0):
    coming = add(world, starts_at=T0 + HOUR, ends_at=T0 + 5 * HOUR)
    ended = add(world, person=world.officer, starts_at=T0 - 10 * HOUR, ends_at=T0 - HOUR)
    api.force_authenticate(world.auxiliary)
    assert api.delete(f"{URL}{coming.pk}/").status_code == 204
    refused = api.delete(f"{URL}{ended.pk}/")
    assert refused.status_code == 409
    assert list(DutyShift.objects.values_list("pk", flat=True)) == [ended.pk]
