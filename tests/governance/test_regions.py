from __future__ import annotations

import pytest

from governance.errors import Conflict, ValidationFailed
from governance.models import AuditEvent, Region
from governance.selectors import regions_under
from governance.services.regions import region_code_error, region_create, region_update
from tests.governance.factories import county, square

pytestmark = pytest.mark.django_db
L = Region.Level


def test_region_paths_follow_the_tree():
    c = county()
    assert c.village_a1.path == "/330000/330800/330802/330802001000/330802001001/"
    assert c.village_a1.ancestor_paths() == [
        "/330000/",
        "/330000/330800/",
        "/330000/330800/330802/",
        "/330000/330800/330802/330802001000/",
    ]


def test_all_villages_of_a_township_come_in_one_query(django_assert_num_queries):
    c = county()
    with django_assert_num_queries(1):
        villages = list(regions_under(c.township_a, level=L.VILLAGE).values_list("code", flat=True))
    assert villages == ["330802001001", "330802001002"]


def test_villages_of_a_county_exclude_other_counties():
    c = county()
    other = region_create(actor=None, code="330803", name="衢江区", level=L.COUNTY, parent=c.city)
    t = region_create(actor=None, code="330803001000", name="樟潭街道", level=L.TOWNSHIP, parent=other)
    region_create(actor=None, code="330803001001", name="樟潭村", level=L.VILLAGE, parent=t)
    codes = set(regions_under(c.county, level=L.VILLAGE).values_list("code", flat=True))
    assert codes == {"330802001001", "330802001002", "330802002001"}


@pytest.mark.parametrize(
    ("code", "level", "parent_code", "expected"),
    [
        ("33000", L.PROVINCE, None, "A province, city or county code has 6 digits."),
        ("330100", L.PROVINCE, None, "A province code ends in 0000."),
        ("340800", L.CITY, "330000", "A city code starts with its province's 2 digits and ends in 00."),
        ("330803", L.COUNTY, "330800", None),
        (
            "330900",
            L.COUNTY,
            "330800",
            "A county code starts with its city's 4 digits and does not end in 00.",
        ),
        ("330802", L.TOWNSHIP, "330800", "A township or village code has 12 digits."),
        (
            "330802001001",
            L.TOWNSHIP,
            "330802",
            "A township code is its county's 6 digits, 3 digits, then 000.",
        ),
        (
            "330803001000",
            L.TOWNSHIP,
            "330802",
            "A township code is its county's 6 digits, 3 digits, then 000.",
        ),
        ("330802001000", L.VILLAGE, "330802", "The parent region must be one level above."),
        (
            "330802002001",
            L.VILLAGE,
            "330802001000",
            "A village code is its township's first 9 digits and 3 digits other than 000.",
        ),
        ("330802001003", L.VILLAGE, "330802001000", None),
    ],
)
def test_region_codes_are_checked_against_level_and_parent(code, level, parent_code, expected):
    county()
    parent = Region.objects.get(code=parent_code) if parent_code else None
    assert region_code_error(code=code, level=level, parent=parent) == expected


def test_invalid_region_is_refused_with_field_errors_and_nothing_written():
    c = county()
    before = (Region.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as info:
        region_create(
            actor=None, code="12", name=" ", level=L.VILLAGE, parent=c.township_a, boundary={"type": "Point"}
        )
    assert set(info.value.fields) == {"code", "name", "boundary"}
    assert info.value.fields["boundary"] == ["The boundary must be a GeoJSON Polygon or MultiPolygon."]
    assert (Region.objects.count(), AuditEvent.objects.count()) == before


def test_open_boundary_ring_is_refused():
    c = county()
    ring = square(118.9, 28.9)
    ring["coordinates"][0].pop()
    with pytest.raises(ValidationFailed) as info:
        region_create(
            actor=None, code="330802001009", name="新村", level=L.VILLAGE, parent=c.township_a, boundary=ring
        )
    assert info.value.fields == {
        "boundary": ["Each boundary ring needs at least 4 positions and must be closed."]
    }


def test_duplicate_region_code_is_a_conflict():
    c = county()
    with pytest.raises(Conflict) as info:
        region_create(actor=None, code="330802001001", name="重复", level=L.VILLAGE, parent=c.township_a)
    assert info.value.fields == {"code": ["This code is already used."]}
    assert Region.objects.filter(code="330802001001").count() == 1


def test_region_update_records_before_and_after():
    c = county()
    region_update(actor=None, region=c.village_a2, population=1300)
    event = AuditEvent.objects.filter(verb="region.update").get()
    assert event.changes == {"population": [1200, 1300]}
    assert event.target_id == str(c.village_a2.pk)


def test_region_update_without_change_writes_nothing():
    c = county()
    region_update(actor=None, region=c.village_a2, population=1200)
    assert not AuditEvent.objects.filter(verb="region.update").exists()


def test_region_place_in_tree_cannot_be_changed():
    c = county()
    with pytest.raises(ValidationFailed) as info:
        region_update(actor=None, region=c.village_a2, code="330802001099")
    assert info.value.fields == {"code": ["Read-only."]}
