from itertools import combinations

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.db.models import Count

from governance.demo import COUNTY_CODE, DEMO_PASSWORD, demo_plan, demo_seed
from governance.models import Agency, AuditEvent, Grid, Membership, Notification, Profile, Region
from governance.pii import validate_mobile, validate_resident_id
from governance.selectors import regions_visible_to
from governance.services.regions import boundary_error

R = Membership.Role
TOWNSHIP_1, TOWNSHIP_2 = f"{COUNTY_CODE}001000", f"{COUNTY_CODE}002000"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the whole module, inside a transaction rolled back at the end, so that the
    demo county never leaks into other test modules. Each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        result = demo_seed(seed=2026)
        yield result
        transaction.set_rollback(True)


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Region, Grid, Agency, Membership, get_user_model(), Profile, Notification, AuditEvent)
    }


def villages():
    return Region.objects.filter(
        path__startswith=f"/330000/330800/{COUNTY_CODE}/", level=Region.Level.VILLAGE
    )


@pytest.mark.django_db
def test_seeding_builds_12_townships_and_250_villages_under_the_county(seeded):
    county = Region.objects.get(code=COUNTY_CODE)

    townships = Region.objects.filter(parent=county, level=Region.Level.TOWNSHIP)

    assert seeded.created is True
    assert county.name == "柯城区"
    assert county.parent.code == "330800"
    assert list(townships.values_list("code", flat=True)) == [
        f"{COUNTY_CODE}{n:03d}000" for n in range(1, 13)
    ]
    assert villages().count() == 250
    counts = townships.annotate(n=Count("children")).values_list("n", flat=True)
    assert all(15 <= n <= 28 for n in counts)


@pytest.mark.django_db
def test_populations_add_up_from_villages_to_the_county(seeded):
    county = Region.objects.get(code=COUNTY_CODE)

    for township in Region.objects.filter(parent=county):
        children = list(township.children.all())
        assert township.population == sum(v.population for v in children)
        assert township.households == sum(v.households for v in children)
    assert county.population == sum(villages().values_list("population", flat=True))
    assert all(600 <= v.population <= 12000 for v in villages())


@pytest.mark.django_db
def test_every_village_has_a_valid_boundary_and_at_least_two_grids(seeded):
    annotated = villages().annotate(grids_n=Count("grids"))

    assert all(v.boundary is not None and boundary_error(v.boundary) is None for v in annotated)
    assert min(v.grids_n for v in annotated) >= 2
    first_grid = Grid.objects.get(village__code=f"{COUNTY_CODE}001001", code="G01")
    assert first_grid.name == "第1网格"


def _box(boundary):
    ring = boundary["coordinates"][0]
    return min(p[0] for p in ring), min(p[1] for p in ring), max(p[0] for p in ring), max(p[1] for p in ring)


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.django_db
def test_village_boundaries_lie_in_their_township_and_never_overlap(seeded):
    boxes = {v.code: (_box(v.boundary), v.parent.boundary) for v in villages().select_related("parent")}

    for box, township_boundary in boxes.values():
        west, south, east, north = _box(township_boundary)
        assert west <= box[0] and south <= box[1] and box[2] <= east and box[3] <= north
    overlapping = [
        (a, b) for (a, (ba, _)), (b, (bb, _)) in combinations(boxes.items(), 2) if _overlap(ba, bb)
    ]
    assert overlapping == []


@pytest.mark.django_db
def test_seeding_twice_changes_nothing(seeded):
    before = row_counts()

    again = demo_seed(seed=2026)

    assert again.created is False
    assert again.passwords_reset == 0
    assert row_counts() == before


@pytest.mark.django_db
def test_reset_passwords_only_restores_the_demo_passwords(seeded):
    officer = get_user_model().objects.get(username="officer")
    officer.set_password("changed-by-the-officer")
    officer.save(update_fields=["password"])
    before = row_counts()

    again = demo_seed(seed=2026, reset_passwords=True)

    assert again.created is False
    assert again.passwords_reset == len(seeded.plan.people)
    after = row_counts()
    assert after.pop("AuditEvent") == before.pop("AuditEvent") + len(seeded.plan.people)
    assert after == before
    assert authenticate(username="officer", password=DEMO_PASSWORD) is not None


PERSONAS = [
    ("admin", R.COUNTY_ADMIN, Agency.Kind.POLITICAL_LEGAL_COMMITTEE),
    ("county_admin", R.COUNTY_ADMIN, Agency.Kind.POLITICAL_LEGAL_COMMITTEE),
    ("commander", R.COMMANDER, Agency.Kind.PUBLIC_SECURITY_BUREAU),
    ("officer", R.OFFICER, Agency.Kind.POLICE_STATION),
    ("township_official", R.TOWNSHIP_OFFICIAL, Agency.Kind.TOWNSHIP_GOVERNMENT),
    ("grid_worker", R.GRID_WORKER, Agency.Kind.VILLAGE_COMMITTEE),
    ("village_cadre", R.VILLAGE_CADRE, Agency.Kind.VILLAGE_COMMITTEE),
    ("mediator", R.MEDIATOR, Agency.Kind.MEDIATION_COMMITTEE),
    ("volunteer", R.VOLUNTEER, Agency.Kind.POLICE_STATION),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("username", "role", "agency_kind"), PERSONAS)
def test_each_persona_logs_in_with_the_demo_password_and_holds_its_role(seeded, username, role, agency_kind):
    user = authenticate(username=username, password=DEMO_PASSWORD)

    assert user is not None
    membership = Membership.objects.select_related("agency").get(user=user)
    assert (membership.role, membership.agency.kind) == (role, agency_kind)
    assert user.profile.real_name


@pytest.mark.django_db
def test_the_table_lists_exactly_the_personas(seeded):
    assert [p.username for p in seeded.plan.logins] == [username for username, _role, _kind in PERSONAS]


@pytest.mark.django_db
def test_only_admin_is_superuser_and_admins_are_staff(seeded):
    User = get_user_model()

    assert list(User.objects.filter(is_superuser=True).values_list("username", flat=True)) == ["admin"]
    assert sorted(User.objects.filter(is_staff=True).values_list("username", flat=True)) == [
        "admin",
        "county_admin",
    ]


@pytest.mark.django_db
def test_officer_works_at_the_station_of_townships_1_and_2(seeded):
    membership = Membership.objects.get(user__username="officer")

    served = set(membership.agency.served_regions.values_list("code", flat=True))

    assert served == {TOWNSHIP_1, TOWNSHIP_2}


@pytest.mark.django_db
def test_township_official_sees_the_villages_of_township_1_and_none_of_township_2(seeded):
    official = get_user_model().objects.get(username="township_official")

    visible = regions_visible_to(official)

    township_1_villages = set(Region.objects.filter(parent__code=TOWNSHIP_1).values_list("pk", flat=True))
    assert township_1_villages and township_1_villages <= set(visible.values_list("pk", flat=True))
    assert not visible.filter(parent__code=TOWNSHIP_2).exists()
    assert not visible.filter(code=TOWNSHIP_2).exists()


@pytest.mark.django_db
def test_grid_worker_and_village_cadre_are_scoped_to_the_first_village(seeded):
    first_village = f"{COUNTY_CODE}001001"

    grid_worker = Membership.objects.get(user__username="grid_worker")
    cadre = Membership.objects.get(user__username="village_cadre")
    volunteer = Membership.objects.get(user__username="volunteer")

    assert grid_worker.scope.code == cadre.scope.code == first_village
    assert volunteer.scope.code == TOWNSHIP_1
    assert list(Grid.objects.filter(workers=grid_worker.user).values_list("village__code", "code")) == [
        (first_village, "G01")
    ]


@pytest.mark.django_db
def test_extra_staff_make_about_forty_more_logins(seeded):
    extra = get_user_model().objects.exclude(username__in=[u for u, _r, _k in PERSONAS])

    assert extra.count() == 40
    assert Membership.objects.filter(role=R.OFFICER).count() == 12
    assert Membership.objects.filter(role=R.TOWNSHIP_OFFICIAL).count() == 12


@pytest.mark.django_db
def test_three_welcome_notifications_are_sent_once(seeded):
    keys = Notification.objects.order_by("idempotency_key").values_list(
        "idempotency_key", "recipient__username"
    )

    assert list(keys) == [
        ("demo:welcome:officer", "officer"),
        ("demo:welcome:township_official", "township_official"),
        ("demo:welcome:volunteer", "volunteer"),
    ]


def test_personal_data_in_the_plan_is_valid():
    plan = demo_plan(2026)

    for person in plan.people:
        assert validate_mobile(person.phone) == person.phone
    with_id = [p for p in plan.people if p.id_number]
    assert len(with_id) >= 3
    for person in with_id:
        assert validate_resident_id(person.id_number) == person.id_number
        assert person.id_number.startswith(COUNTY_CODE)
        assert 1965 <= int(person.id_number[6:10]) <= 2000


def test_the_plan_is_reproducible_from_its_seed():
    first, second = demo_plan(2026), demo_plan(2026)

    assert [v.name for v in first.villages] == [v.name for v in second.villages]
    assert first == second
    assert [v.name for v in demo_plan(7).villages] != [v.name for v in first.villages]


def test_village_names_are_unique_and_codes_follow_their_township():
    plan = demo_plan(2026)

    names = [v.name for v in plan.villages]
    assert len(set(names)) == len(names) == 250
    for township in plan.townships:
        assert [v.code for v in township.villages] == [
            f"{township.code[:9]}{n:03d}" for n in range(1, len(township.villages) + 1)
        ]
