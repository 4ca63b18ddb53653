"""The grid worker's phone pages: report an incident (once, however often it is sent), follow
one's reports, answer whistles addressed to one's agencies; the permission matrix."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from governance.models import AuditEvent, IdempotencyKey, Membership
from stations.models import Alert, DispatchOrder, SummonsTarget
from stations.services.summons import summons_check_in, summons_whistle
from tests.stations.test_summons import build_world

pytestmark = pytest.mark.django_db
R = Membership.Role
HOME = "/stations/grid/"
REPORT = "/stations/grid/report/"
KEY = "5b0c8f4e-0d4e-4a57-9a3c-2f0f3d6f1a11"


@pytest.fixture
def world():
    c = build_world()
    c.township_official = c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a, real_name="吴镇长")
    c.other_worker = c.person(R.GRID_WORKER, c.township_gov_b, scope=c.village_b1, real_name="航埠网格员")
    return c


def report_form(**overrides):
    # A distinct address per report: the same place within 30 minutes is merged as one event.
    return {
        "category": "dispute",
        "summary": "邻里因排水沟争吵",
        "village_code": "330802001001",
        "address": "新塘社区5幢东侧",
        "description": "双方情绪激动",
        "lng": "",
        "lat": "",
        "request_key": KEY,
    } | overrides


def grid_alerts():
    return Alert.objects.filter(channel="grid")


def whistle_to(c, agency, reason="村口聚集，请派人到场"):
    return summons_whistle(
        actor=c.officer, agencies=[agency], urgency="emergency", reason=reason, order=c.order
    )


# --- Report -----------------------------------------------------------------------------------


def test_grid_worker_reports_an_incident_and_sees_it_in_my_reports(world, client):
    client.force_login(world.grid_worker)
    response = client.post(REPORT, report_form())
    assert response.status_code == 302
    assert response["Location"] == HOME
    alert = grid_alerts().get()
    assert (alert.channel, alert.created_by, alert.village, alert.category) == (
        "grid", world.grid_worker, world.village_a1, "dispute",
    )  # fmt: skip
    assert (alert.summary, alert.address, alert.description) == (
        "邻里因排水沟争吵",
        "新塘社区5幢东侧",
        "双方情绪激动",
    )
    key = IdempotencyKey.objects.get(operation="stations.alert.intake")
    assert (key.scope, key.key, key.result_id) == (f"user:{world.grid_worker.pk}", KEY, alert.pk)
    assert alert.order.station == world.station
    html = client.get(HOME).content.decode()
    assert f"Report #{alert.pk} received and sent on." in html
    mine = html.split('data-testid="my-reports"')[1]
    assert "邻里因排水沟争吵" in mine
    assert "Dispatched" in mine


def test_a_report_with_a_point_is_placed_by_it(world, client):
    client.force_login(world.grid_worker)
    client.post(REPORT, report_form(lng="118.875", lat="28.975"))
    alert = grid_alerts().get()
    assert (alert.lng, alert.lat, alert.village) == (118.875, 28.975, world.village_a1)


def test_a_double_submit_with_the_same_key_makes_one_alert(world, client):
    client.force_login(world.grid_worker)
    first = client.post(REPORT, report_form())
    second = client.post(REPORT, report_form(), follow=True)
    assert first.status_code == 302
    assert second.redirect_chain == [(HOME, 302)]
    alert = grid_alerts().get()
    assert f"Report #{alert.pk} was already received." in second.content.decode()
    assert DispatchOrder.objects.filter(alert__channel="grid").count() == 1


def test_the_same_key_from_two_people_is_two_reports(world, client):
    client.force_login(world.grid_worker)
    client.post(REPORT, report_form())
    client.force_login(world.township_official)
    client.post(REPORT, report_form(address="下张村村委会门口", village_code="330802001002"))
    assert sorted(grid_alerts().values_list("created_by__username", flat=True)) == sorted(
        [world.grid_worker.username, world.township_official.username]
    )


def test_a_report_without_a_key_is_still_taken(world, client):
    client.force_login(world.grid_worker)
    assert client.post(REPORT, report_form(request_key="")).status_code == 302
    assert grid_alerts().count() == 1
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message", "status"),
    [
        ({"summary": ""}, "summary", "This field is required.", 400),
        ({"address": "   "}, "address", "This field is required.", 400),
        ({"category": ""}, "category", "This field is required.", 400),
        ({"village_code": "330802002001"}, "form", "You may not report alerts for this village.", 403),
        ({"village_code": "", "lng": "", "lat": ""}, "location",
         "Give a point inside a village or the caller&#x27;s village.", 400),
        ({"lng": "118.875"}, "location", "Give both longitude and latitude, or neither.", 400),
        ({"lng": "200", "lat": "28.9"}, "location", "Ensure this value is less than or equal to 180.", 400),
    ],
)  # fmt: skip
def test_field_errors_are_shown_by_the_field_and_nothing_is_written(
    world, client, overrides, field, message, status
):
    client.force_login(world.grid_worker)
    response = client.post(REPORT, report_form(**overrides))
    html = response.content.decode()
    assert response.status_code == status
    if field == "location":
        said = html.split('data-testid="location-error"')[1].split("</div>")[0]
        assert 'name="lng" id="id_lng" value=""' in html  # the refused point is dropped
    elif field == "form":
        said = html.split('data-testid="form-error"')[1].split("</div>")[0]
    else:
        tag = html.split(f'id="id_{field}"')[1].split(">")[0]
        assert 'aria-invalid="true"' in tag
        said = html.split(f'data-field="{field}"')[1].split("</div>")[0]
    assert message in said
    # What was typed stays, so that the worker need not type it again.
    assert 'value="邻里因排水沟争吵"' in html or field == "summary"
    assert not Alert.objects.filter(channel="grid").exists()
    assert not AuditEvent.objects.filter(verb__startswith="alert.", actor=world.grid_worker).exists()


def test_report_form_offers_only_the_workers_villages(world, client):
    client.force_login(world.grid_worker)
    html = client.get(REPORT).content.decode()
    assert 'value="330802001001"' in html
    assert "330802001002" not in html and "330802002001" not in html
    assert 'name="request_key"' in html
    # The page's script is a static file (the Content Security Policy allows no inline script).
    assert '<script src="/static/stations/grid_report.js"></script>' in html
    script = (settings.BASE_DIR / "stations/static/stations/grid_report.js").read_text()
    assert "crypto.randomUUID" in script
    assert "navigator.geolocation" in script


# --- Whistles on the grid page ----------------------------------------------------------------


def test_whistles_to_my_agencies_are_listed_with_their_due_time(world, client):
    mine = whistle_to(world, world.township_gov_a)
    whistle_to(world, world.market, reason="市场监管请到场")
    client.force_login(world.grid_worker)
    html = client.get(HOME).content.decode()
    target = SummonsTarget.objects.get(summons=mine)
    assert f'data-target-id="{target.pk}"' in html
    assert "村口聚集，请派人到场" in html
    assert "市场监管请到场" not in html
    assert f"check in by {timezone.localtime(target.check_in_due):%m-%d %H:%M}" in html
    assert 'data-testid="check-in"' in html


def test_checking_in_and_recording_what_was_done_from_the_grid_page(world, client):
    target = SummonsTarget.objects.get(summons=whistle_to(world, world.township_gov_a))
    client.force_login(world.grid_worker)
    response = client.post(f"/stations/grid/summons/{target.pk}/check-in/", follow=True)
    assert response.redirect_chain == [(f"{HOME}#whistle-{target.pk}", 302)]
    assert "Checked in for 荷花街道办事处." in response.content.decode()
    target.refresh_from_db()
    assert (target.checked_in_by, target.handled_at) == (world.grid_worker, None)
    assert 'data-testid="handle"' in response.content.decode()

    response = client.post(
        f"/stations/grid/summons/{target.pk}/handle/", {"note": "已到场劝解，双方散去"}, follow=True
    )
    assert "Recorded what 荷花街道办事处 did." in response.content.decode()
    target.refresh_from_db()
    assert (target.handled_by, target.note) == (world.grid_worker, "已到场劝解，双方散去")
    assert target.summons.status == "handled"
    assert f'data-target-id="{target.pk}"' not in response.content.decode()  # answered: off the list


def test_checking_in_twice_changes_nothing(world, client):
    target = SummonsTarget.objects.get(summons=whistle_to(world, world.township_gov_a))
    summons_check_in(actor=world.township_official, target=target)
    client.force_login(world.grid_worker)
    client.post(f"/stations/grid/summons/{target.pk}/check-in/")
    target.refresh_from_db()
    assert target.checked_in_by == world.township_official
    assert AuditEvent.objects.filter(verb="summons.check_in").count() == 1


@pytest.mark.parametrize(
    ("check_in", "note", "message"),
    [
        (False, "已处理", "has not checked in yet; check in before recording what was done."),
        # Bad input is the declared serializer's: the page again (400) with the note's error.
        (True, "   ", 'data-testid="field-error" data-field="note"'),
    ],
)
def test_a_refused_answer_is_shown_as_a_message_and_changes_nothing(world, client, check_in, note, message):
    target = SummonsTarget.objects.get(summons=whistle_to(world, world.township_gov_a))
    if check_in:
        summons_check_in(actor=world.grid_worker, target=target)
    client.force_login(world.grid_worker)
    html = client.post(
        f"/stations/grid/summons/{target.pk}/handle/", {"note": note}, follow=True
    ).content.decode()
    assert message in html
    target.refresh_from_db()
    assert (target.handled_at, target.note) == (None, "")
    assert not AuditEvent.objects.filter(verb="summons.handle").exists()


def test_a_whistle_to_another_agency_cannot_be_answered_here(world, client):
    target = SummonsTarget.objects.get(summons=whistle_to(world, world.market))
    for who in (world.grid_worker, world.other_worker):
        client.force_login(who)
        assert client.post(f"/stations/grid/summons/{target.pk}/check-in/").status_code == 404
        assert client.post(f"/stations/grid/summons/{target.pk}/handle/", {"note": "x"}).status_code == 404
    target.refresh_from_db()
    assert target.checked_in_at is None


def test_grid_home_queries_do_not_grow_with_the_rows(world, client, django_assert_max_num_queries):
    client.force_login(world.grid_worker)
    client.post(REPORT, report_form())
    whistle_to(world, world.township_gov_a)
    client.get(HOME)
    with django_assert_max_num_queries(12) as few:
        client.get(HOME)
    queries = len(few)  # read now: the next request clears the connection's query log
    for i in range(6):
        client.post(REPORT, report_form(address=f"新塘社区{i}号", request_key=f"{KEY[:-2]}{i:02d}"))
        whistle_to(world, world.township_gov_a, reason=f"第{i}次吹哨")
    with django_assert_max_num_queries(queries):
        html = client.get(HOME).content.decode()
    assert html.count('data-testid="report"') == 7
    assert html.count('data-testid="whistle"') == 7


# --- Who may use the pages --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["grid_worker", "cadre", "township_official"])
def test_grid_workers_cadres_and_township_officials_have_the_pages(world, client, who):
    client.force_login(getattr(world, who))
    assert client.get(HOME).status_code == 200
    assert client.get(REPORT).status_code == 200


@pytest.mark.parametrize("who", ["volunteer", "officer", "mediator"])
def test_others_get_404_everywhere_and_change_nothing(world, client, who):
    target = SummonsTarget.objects.get(summons=whistle_to(world, world.station_a))
    client.force_login(getattr(world, who))
    assert client.get(HOME).status_code == 404
    assert client.get(REPORT).status_code == 404
    assert client.post(REPORT, report_form()).status_code == 404
    assert client.post(f"/stations/grid/summons/{target.pk}/check-in/").status_code == 404
    assert client.post(f"/stations/grid/summons/{target.pk}/handle/", {"note": "x"}).status_code == 404
    target.refresh_from_db()
    assert target.checked_in_at is None
    assert not grid_alerts().exists()


def test_anonymous_is_sent_to_log_in(world, client):
    target = SummonsTarget.objects.get(summons=whistle_to(world, world.township_gov_a))
    for method, url in [
        ("get", HOME),
        ("get", REPORT),
        ("post", REPORT),
        ("post", f"/stations/grid/summons/{target.pk}/check-in/"),
        ("post", f"/stations/grid/summons/{target.pk}/handle/"),
    ]:
        response = getattr(client, method)(url, report_form() if url == REPORT else {})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    assert not grid_alerts().exists()
    target.refresh_from_db()
    assert target.checked_in_at is None


def test_check_in_is_post_only(world, client):
    target = SummonsTarget.objects.get(summons=whistle_to(world, world.township_gov_a))
    client.force_login(world.grid_worker)
    assert client.get(f"/stations/grid/summons/{target.pk}/check-in/").status_code == 405
