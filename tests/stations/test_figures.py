"""Monthly figures per station and county, the page and its CSV and XLSX exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import zoneinfo
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from governance.models import Agency, Membership, Region
from governance.services.people import agency_create
from governance.services.regions import region_create
from stations.figures import monthly_figures
from stations.models import Station, SummonsTarget
from stations.services import alert_intake, order_step, sla_sweep
from stations.services.summons import summons_check_in, summons_whistle
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
R = Membership.Role
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
OCTOBER = dt.date(2026, 10, 1)
T = dt.datetime(2026, 10, 15, 10, 0, tzinfo=SHANGHAI)
SECOND = dt.timedelta(seconds=1)
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
A1, B1 = "330802001001", "330802002001"
_addresses = itertools.count(1)


def report(summary, *, at, village=A1, category="dispute", channel="110", address=None):
    # A distinct address per report unless told: the same place within 30 minutes is one event.
    with time_machine.travel(at, tick=False):
        return alert_intake(
            actor=None,
            channel=channel,
            category=category,
            summary=summary,
            address=address or f"{summary} {next(_addresses)}号",
            village_code=village,
            now=at,
        ).order


def step(order, name, actor, at, **kwargs):
    with time_machine.travel(at, tick=False):
        return order_step(order=order, step=name, actor=actor, at=at, **kwargs)


def walk(order, actor, at, *steps):
    """Take the steps one second apart."""
    for i, name in enumerate(steps):
        step(order, name, actor, at + i * SECOND)


@pytest.fixture
def world():
    c = county()
    c.station = station_for(c)
    c.station_b_post = station_for(c, township="b")
    c.officer = c.person(R.OFFICER, c.station_a)
    c.officer_b = c.person(R.OFFICER, c.station_b)
    c.commander = c.person(R.COMMANDER, c.psb)
    c.judicial = agency_create(
        actor=None, name="荷花司法所", kind=Agency.Kind.JUDICIAL_OFFICE, region=c.township_a
    )
    c.official = c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a)
    c.mediator = c.person(R.MEDIATOR, c.judicial)
    c.grid_worker = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1)
    return c


@pytest.fixture
def october(world):
    """A small hand-built October in station A, one alert in station B, a whistle from the grid,
    and alerts just outside the month and in another county."""
    w = world
    o = SimpleNamespace()
    # P1, every clock met.
    o.burglary = report("入室盗窃", at=T, category="criminal")
    walk(o.burglary, w.officer, T + 30 * SECOND, "accept")
    walk(o.burglary, w.officer, T + 100 * SECOND, "contact")
    walk(o.burglary, w.officer, T + 500 * SECOND, "arrive")
    # P2 from 12345: accepted late (90 s > 60 s), contacted in time, never on scene: the sweep
    # records that breach.
    t2 = T + HOUR
    o.fight = report("门口争吵", at=t2, category="public_order", channel="12345")
    walk(o.fight, w.officer, t2 + 90 * SECOND, "accept")
    walk(o.fight, w.officer, t2 + 120 * SECOND, "contact")
    with time_machine.travel(t2 + 11 * MINUTE, tick=False):
        assert sla_sweep() == 1
    # Dispute from the grid, whistled: the township government checks in on time, the judicial
    # office late.
    t3 = T + 2 * HOUR
    o.noise = report("邻里噪音", at=t3, channel="grid")
    walk(o.noise, w.officer, t3 + MINUTE, "accept", "contact", "arrive")
    with time_machine.travel(t3 + 10 * MINUTE, tick=False):
        o.summons = summons_whistle(
            actor=w.officer, agencies=[w.township_gov_a, w.judicial], urgency="emergency",
            reason="邻里纠纷需联合调处", order=o.noise, now=t3 + 10 * MINUTE,
        )  # fmt: skip
    summons_check_in(
        actor=w.official,
        target=SummonsTarget.objects.get(summons=o.summons, agency=w.township_gov_a),
        now=t3 + 20 * MINUTE,
    )
    summons_check_in(
        actor=w.mediator,
        target=SummonsTarget.objects.get(summons=o.summons, agency=w.judicial),
        now=t3 + 50 * MINUTE,
    )
    # Dispute handed over to joint mediation.
    t4 = T + 3 * HOUR
    o.land = report("宅基地纠纷", at=t4)
    walk(o.land, w.officer, t4 + MINUTE, "accept", "contact", "arrive", "handle")
    step(o.land, "transfer", w.officer, t4 + 10 * MINUTE, transfer_to="dispute", note="转人民调解")
    # A walk-in dispute, a second call about it five minutes later (merged), and a repeat call
    # an hour later at the same address (flagged, not merged: the 30 minutes have passed).
    t5 = T + 4 * HOUR
    o.lending = report("民间借贷", at=t5, channel="walk_in", address="新塘社区3幢")
    o.duplicate = report("民间借贷又来电", at=t5 + 5 * MINUTE, address="新塘社区3幢")
    o.repeat = report("民间借贷再次来电", at=t5 + HOUR, channel="hotline", address="新塘社区3幢")
    # Red risk from the words of the report.
    o.threat = report("有人持刀威胁", at=T + 6 * HOUR, category="help", channel="online")
    # Station B: one P2 alert whose clocks never ran out nor stopped.
    o.crash = report("两车相撞", at=T + 7 * HOUR, village=B1, category="traffic")
    # A whistle from the grid (no order, so no station): the county counts it.
    with time_machine.travel(T + 8 * HOUR, tick=False):
        o.grid_summons = summons_whistle(
            actor=w.grid_worker, agencies=[w.station_a], urgency="routine", reason="出租房隐患",
            village=w.village_a1, now=T + 8 * HOUR,
        )  # fmt: skip

    # Just outside October in Shanghai time (the first is still 30 September in UTC, the last
    # already 31 October in UTC).
    o.in_first_hour = report("十月第一单", at=dt.datetime(2026, 10, 1, 7, 0, tzinfo=SHANGHAI))
    o.september = report("九月最后一单", at=dt.datetime(2026, 9, 30, 23, 30, tzinfo=SHANGHAI))
    o.november = report("十一月第一单", at=dt.datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI))
    # Another county of the city, with its own station.
    L = Region.Level
    other_county = region_create(actor=None, code="330803", name="衢江区", level=L.COUNTY, parent=world.city)
    other_township = region_create(
        actor=None, code="330803001000", name="樟潭街道", level=L.TOWNSHIP, parent=other_county
    )
    region_create(actor=None, code="330803001001", name="樟树潭村", level=L.VILLAGE, parent=other_township)
    other_police = agency_create(
        actor=None, name="樟潭派出所", kind=Agency.Kind.POLICE_STATION, region=other_township
    )
    o.other_station = Station.objects.create(
        name="樟潭联勤警务站", kind=Station.Kind.JOINT_DUTY, police_agency=other_police,
        region=other_township,
    )  # fmt: skip
    o.other_station.covered_regions.set([other_township])
    o.elsewhere = report("衢江警情", at=T, village="330803001001", category="criminal")
    return o


def county_figures(w):
    return monthly_figures(stations=None, villages_under=w.county, month=OCTOBER)


def row_of(result, station):
    (row,) = [r for r in result.rows if r.station == station]
    return row


# --- The figures -----------------------------------------------------------------------------


def test_station_figures_count_each_alert_once_by_channel_and_category(world, october):
    f = row_of(county_figures(world), world.station).figures
    # The burglary, the quarrel, noise, land, lending, its repeat, the threat and the alert of the
    # first hour of 1 October; the second call about the lending is merged, not counted.
    assert f.alerts == 8
    assert f.merged_duplicates == 1
    assert f.by_channel == {
        "110": 3, "12345": 1, "hotline": 1, "grid": 1, "walk_in": 1, "volunteer": 0, "online": 1,
    }  # fmt: skip
    assert f.by_category == {
        "criminal": 1, "public_order": 1, "traffic": 0, "dispute": 5, "help": 1, "fire_disaster": 0,
        "non_police": 0,
    }  # fmt: skip
    assert f.red_risk == 1
    assert (f.repeat_alerts, f.repeat_rate) == (1, 1 / 8)


def test_clock_on_time_rates_count_breaches_against_the_clocks_that_were_due(world, october):
    clocks = row_of(county_figures(world), world.station).figures.clocks
    assert {c: (v.due, v.breached) for c, v in clocks.items()} == {
        "accept": (2, 1),
        "contact": (2, 0),
        "on_scene": (2, 1),
    }
    assert clocks["accept"].on_time_rate == 0.5
    assert clocks["contact"].on_time_rate == 1.0
    assert clocks["on_scene"].on_time_rate == 0.5


def test_on_time_rate_is_none_when_no_clock_was_due(world, october):
    # Station B's only P2 order still had its clocks running: nothing was put to the test.
    b = row_of(county_figures(world), world.station_b_post)
    assert b.figures.alerts == 1
    assert {c: (v.due, v.breached, v.on_time_rate) for c, v in b.figures.clocks.items()} == {
        "accept": (0, 0, None),
        "contact": (0, 0, None),
        "on_scene": (0, 0, None),
    }
    assert b.figures.dispute_joint_percent is None
    assert b.figures.report_in_rate is None


def test_disputes_handled_jointly_joint_operations_and_report_in(world, october):
    f = row_of(county_figures(world), world.station).figures
    # Five disputes: noise (whistled), land (to joint mediation), lending, its repeat, 1 October.
    assert (f.disputes, f.disputes_joint, f.dispute_joint_percent) == (5, 2, 40.0)
    assert f.joint_mediations == 1
    assert f.whistles == 1
    assert f.joint_operations == 2
    assert (f.summoned, f.checked_in_on_time, f.late_check_ins) == (2, 1, 1)
    assert f.report_in_rate == 0.5


def test_county_total_adds_the_stations_and_the_whistle_from_the_grid(world, october):
    result = county_figures(world)
    assert {r.station for r in result.rows} == {world.station, world.station_b_post}
    assert result.other is not None
    assert (result.other.alerts, result.other.whistles, result.other.summoned) == (0, 1, 1)
    t = result.total
    assert t.alerts == 9
    assert t.by_channel["110"] == 4
    assert (t.whistles, t.joint_operations, t.summoned, t.checked_in_on_time) == (2, 3, 3, 1)
    assert t.report_in_rate == pytest.approx(1 / 3)
    assert (t.clocks["accept"].due, t.clocks["accept"].breached) == (2, 1)


def test_previous_and_next_month_and_other_counties_are_left_out(world, october):
    total = county_figures(world).total
    assert total.by_category["criminal"] == 1  # not the criminal alert of the other county
    september = monthly_figures(stations=None, villages_under=world.county, month=dt.date(2026, 9, 1))
    assert september.total.alerts == 1
    november = monthly_figures(stations=None, villages_under=world.county, month=dt.date(2026, 11, 1))
    assert november.total.alerts == 1
    elsewhere = monthly_figures(stations=None, villages_under=october.other_station.region, month=OCTOBER)
    assert [(r.station, r.figures.alerts) for r in elsewhere.rows] == [(october.other_station, 1)]
    assert elsewhere.total.alerts == 1


def test_a_merged_duplicate_is_not_an_alert(world):
    first = report("邻居吵架", at=T, address="下张村5号")
    second = report("邻居吵架又来电", at=T + 10 * MINUTE, address="下张村5号")
    assert second.alert.duplicate_of_id == first.alert.pk
    f = county_figures(world).total
    assert (f.alerts, f.merged_duplicates, f.by_channel["110"], f.disputes) == (1, 1, 1, 1)
    assert f.repeat_alerts == 0


def test_stations_alone_count_only_their_orders(world, october):
    result = monthly_figures(
        stations=Station.objects.filter(pk=world.station.pk), villages_under=None, month=OCTOBER
    )
    assert [r.station for r in result.rows] == [world.station]
    assert result.other is None  # the whistle from the grid belongs to no station
    assert result.total.alerts == 8
    assert result.total.whistles == 1


def make_alerts(n: int) -> None:
    for i in range(n):
        at = T + i * 10 * MINUTE
        order = report(
            f"警情{i}", at=at, village=(A1, B1)[i % 2],
            category=("public_order", "dispute", "criminal")[i % 3],
            channel=("110", "12345", "grid", "online")[i % 4],
        )  # fmt: skip
        if order.priority <= 2 and i % 2 == 0:
            with time_machine.travel(at + 2 * MINUTE, tick=False):
                sla_sweep()


@pytest.mark.parametrize("n", [5, 50])
def test_query_count_does_not_grow_with_the_alerts(world, n):
    make_alerts(n)
    with CaptureQueriesContext(connection) as queries:
        result = county_figures(world)
    assert result.total.alerts == n
    assert len(queries) == 4


def test_page_query_count_is_the_same_for_5_and_50_alerts(world, client):
    client.force_login(world.commander)
    make_alerts(5)
    client.get("/stations/figures/?month=2026-10")  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        assert client.get("/stations/figures/?month=2026-10").status_code == 200
    make_alerts(45)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/stations/figures/?month=2026-10")
    assert response.context["total"].figures.alerts == 50
    assert len(many) == len(few)


# --- The page and who sees it ----------------------------------------------------------------


def row_labels(response) -> list[str]:
    return [r.label for r in response.context["rows"]]


@pytest.mark.parametrize("url", ["/stations/figures/", "/stations/figures.csv", "/stations/figures.xlsx"])
def test_anonymous_is_sent_to_log_in(world, client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("role", [R.VOLUNTEER, R.GRID_WORKER, R.TOWNSHIP_OFFICIAL])
def test_volunteers_grid_workers_and_township_officials_get_404(world, client, role):
    user = world.person(role, world.township_gov_a, scope=world.village_a1)
    client.force_login(user)
    for url in ("/stations/figures/", "/stations/figures.csv", "/stations/figures.xlsx"):
        assert client.get(url + "?month=2026-10").status_code == 404
    assert client.get("/stations/figures/?month=nonsense").status_code == 404


def test_officer_sees_his_own_station_only(world, october, client):
    client.force_login(world.officer)
    response = client.get("/stations/figures/?month=2026-10")
    assert response.status_code == 200
    assert row_labels(response) == [world.station.name, "Total"]
    assert response.context["total"].figures.alerts == 8
    html = response.content.decode()
    assert world.station_b_post.name not in html
    assert 'data-testid="total-alerts">8<' in html


def test_officer_of_another_station_cannot_see_this_one(world, october, client):
    client.force_login(world.officer_b)
    for query in ("?month=2026-10", f"?month=2026-10&area={world.county.code}"):
        response = client.get("/stations/figures/" + query)
        assert response.status_code == 200
        assert row_labels(response) == [world.station_b_post.name, "Total"]
        assert world.station.name not in response.content.decode()
    rows = list(
        csv.reader(io.StringIO(client.get("/stations/figures.csv?month=2026-10").content.decode("utf-8-sig")))
    )
    assert [r[0] for r in rows[1:]] == [world.station_b_post.name, "Total"]


def test_commander_sees_the_county(world, october, client):
    client.force_login(world.commander)
    response = client.get("/stations/figures/?month=2026-10")
    assert response.status_code == 200
    assert response.context["scope"].area == world.county
    labels = row_labels(response)
    assert set(labels[:2]) == {world.station.name, world.station_b_post.name}
    assert labels[2:] == ["No station or another station", "Total"]
    html = response.content.decode()
    assert 'data-testid="total-alerts">9<' in html
    assert 'data-testid="on-time-accept">50.0%<' in html
    assert 'data-testid="dispute-joint">40.0%<' in html
    assert 'data-testid="joint-operations">3<' in html
    assert "樟潭联勤警务站" not in html
    # An area outside his own is not his to see.
    assert client.get("/stations/figures/?month=2026-10&area=330803").status_code == 404


def test_county_admin_sees_the_county(world, october, client):
    admin = world.person(R.COUNTY_ADMIN, world.plc)
    client.force_login(admin)
    response = client.get("/stations/figures/?month=2026-10")
    assert response.status_code == 200
    assert response.context["total"].figures.alerts == 9


def test_township_commander_sees_his_township(world, october, client):
    commander_a = world.person(R.COMMANDER, world.station_a)
    client.force_login(commander_a)
    response = client.get("/stations/figures/?month=2026-10")
    assert response.context["scope"].area == world.township_a
    assert row_labels(response) == [world.station.name, "No station or another station", "Total"]
    assert response.context["total"].figures.alerts == 8


def test_the_current_month_is_the_default(world, client):
    client.force_login(world.commander)
    # 1 November 01:00 in Shanghai is still 31 October in UTC.
    with time_machine.travel(dt.datetime(2026, 11, 1, 1, 0, tzinfo=SHANGHAI), tick=False):
        response = client.get("/stations/figures/")
    assert response.status_code == 200
    assert response.context["result"].month == dt.date(2026, 11, 1)
    assert response.context["previous_month"] == "2026-10"


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "october", "2026-1", "20261"])
def test_an_invalid_month_is_a_400_with_a_clear_message(world, client, month):
    client.force_login(world.commander)
    for url in ("/stations/figures/", "/stations/figures.csv", "/stations/figures.xlsx"):
        response = client.get(f"{url}?month={month}")
        assert response.status_code == 400
        html = response.content.decode()
        assert 'data-testid="error"' in html
        assert ("There is no month" in html) or ("The month must be given as YYYY-MM" in html)


# --- Exports ---------------------------------------------------------------------------------

FORMULA_NAME = "=HYPERLINK(1)航埠站"


@pytest.fixture
def formula_station(world, october):
    Station.objects.filter(pk=world.station_b_post.pk).update(name=FORMULA_NAME)


def test_csv_has_a_bom_one_row_per_station_and_a_total_and_escapes_formulas(
    world, october, formula_station, client
):
    client.force_login(world.commander)
    response = client.get("/stations/figures.csv?month=2026-10")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="rongzhi-figures-330802-2026-10.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:3] == ["Station", "Alerts", "Channel: 110 emergency call"]
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    names = list(by_name)
    assert set(names[:2]) == {world.station.name, "'" + FORMULA_NAME}
    assert names[2:] == ["No station or another station", "Total"]
    a = by_name[world.station.name]
    assert a["Alerts"] == "8"
    assert a["Merged duplicates"] == "1"
    assert a["Accept: due"] == "2"
    assert a["Accept: breached"] == "1"
    assert a["Accept: on time (%)"] == "50.0"
    assert a["Disputes handled jointly (%)"] == "40.0"
    assert a["Repeat-call rate (%)"] == "12.5"
    assert a["Report-in rate (%)"] == "50.0"
    assert a["Category: Dispute"] == "5"
    b = by_name["'" + FORMULA_NAME]
    assert (b["Alerts"], b["Accept: on time (%)"], b["Disputes handled jointly (%)"]) == ("1", "", "")
    total = by_name["Total"]
    assert (total["Alerts"], total["Whistles"], total["Joint operations"]) == ("9", "2", "3")
    assert total["Report-in rate (%)"] == "33.3"


def test_xlsx_loads_back_with_the_same_numbers(world, october, formula_station, client):
    client.force_login(world.commander)
    csv_rows = list(
        csv.reader(io.StringIO(client.get("/stations/figures.csv?month=2026-10").content.decode("utf-8-sig")))
    )
    response = client.get("/stations/figures.xlsx?month=2026-10")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="rongzhi-figures-330802-2026-10.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert [world.station.name, 8] in [r[:2] for r in rows]
    # The formula-like station name is kept as text, not as a formula.
    (cell,) = [c for c in sheet["A"] if c.value == FORMULA_NAME]
    assert cell.data_type == "s"
    csv_rows[cell.row - 1][0] = FORMULA_NAME
    # Numbers are numbers in the workbook (a whole percentage such as 0.0 loads back as 0).
    as_csv = [
        [float(c) if isinstance(v, int | float) else c for c, v in zip(r, x, strict=True)]
        for r, x in zip(csv_rows, rows, strict=True)
    ]
    assert [["" if v is None else v for v in r] for r in rows] == as_csv


def test_staff_export_is_named_for_their_stations(world, october, client):
    client.force_login(world.officer)
    response = client.get("/stations/figures.xlsx?month=2026-10")
    assert response["Content-Disposition"] == 'attachment; filename="rongzhi-figures-stations-2026-10.xlsx"'
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [world.station.name, "Total"]
