"""The disputes pages: the ledger with its search, filters and exports, the case page, the mediator
pool and the navigation; who may open each of them."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from disputes.models import Dispute
from disputes.services import dispute_register
from tests.disputes.factories import ID_APPLICANT, in_mediation, registered, two_parties, world

pytestmark = pytest.mark.django_db
LEDGER = "/disputes/"


@pytest.fixture
def w():
    return world()


def case_url(dispute):
    return f"/disputes/{dispute.pk}/"


def rows_of(html: str) -> int:
    return html.count('data-testid="ledger-row"')


# --- the ledger -------------------------------------------------------------------------------


def test_ledger_lists_the_cases_of_the_area_with_key_cases_flagged(w, client):
    plain = registered(w, summary="邻里漏水纠纷")
    key = registered(w, summary="工地欠薪群体纠纷", risk="red")
    client.force_login(w.officer)
    response = client.get(LEDGER)
    assert response.status_code == 200
    html = response.content.decode()
    assert rows_of(html) == 2
    assert plain.number in html and key.number in html
    key_row = html.split(f'data-dispute-id="{key.pk}"')[1].split("</tr>")[0]
    plain_row = html.split(f'data-dispute-id="{plain.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="key-case"' in key_row
    assert 'data-testid="key-case"' not in plain_row


@pytest.mark.parametrize("role", ["officer", "township_official", "county_admin"])
def test_staff_of_the_area_see_the_ledger(w, client, role):
    registered(w)
    client.force_login(getattr(w, role))
    assert rows_of(client.get(LEDGER).content.decode()) == 1


def test_the_other_station_sees_none_of_these_cases(w, client):
    registered(w)
    client.force_login(w.officer_b)
    response = client.get(LEDGER)
    assert response.status_code == 200
    assert rows_of(response.content.decode()) == 0


def test_a_mediator_sees_only_the_cases_assigned_to_him(w, client):
    mine = in_mediation(w)
    registered(w, summary="别人的纠纷")
    client.force_login(w.mediator_user)
    html = client.get(LEDGER).content.decode()
    assert rows_of(html) == 1
    assert mine.number in html


def test_a_grid_worker_follows_the_cases_he_registered(w, client):
    registered(w)
    registered(w, actor=w.officer, summary="派出所登记的纠纷")
    client.force_login(w.grid_worker)
    html = client.get(LEDGER).content.decode()
    assert rows_of(html) == 1
    assert "宅基地边界纠纷" in html


def test_volunteers_and_strangers_do_not_get_the_ledger(w, client):
    registered(w)
    assert client.get(LEDGER)["Location"].startswith("/accounts/login/")
    client.force_login(w.volunteer)
    assert client.get(LEDGER).status_code == 404
    assert client.get(f"{LEDGER}ledger.csv").status_code == 404
    assert client.get(f"{LEDGER}ledger.xlsx").status_code == 404


def test_a_volunteer_of_the_station_does_not_see_the_stations_cases(w):
    from disputes.selectors import disputes_visible_to

    d = registered(w)
    Dispute.objects.filter(pk=d.pk).update(owner_agency=w.c.station_a)
    assert list(disputes_visible_to(w.officer)) == [d]
    assert list(disputes_visible_to(w.volunteer)) == []


def test_an_anonymous_visitor_sees_no_case_through_the_selector(w):
    from django.contrib.auth.models import AnonymousUser

    from disputes.selectors import disputes_visible_to

    registered(w)
    assert list(disputes_visible_to(AnonymousUser())) == []
    assert list(disputes_visible_to(None)) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "漏水"}, ["邻里漏水纠纷"]),
        ({"q": "下张"}, ["欠款纠纷"]),
        ({"q": "13800000001", "reason": "电话回访当事人"}, ["邻里漏水纠纷"]),
        ({"q": ID_APPLICANT, "reason": "核实当事人身份"}, ["邻里漏水纠纷"]),
        ({"category": "lending"}, ["欠款纠纷"]),
        ({"status": "registered"}, ["欠款纠纷"]),
        ({"risk": "red"}, ["欠款纠纷"]),
        ({"key_case": "yes"}, ["欠款纠纷"]),
        ({"key_case": "no"}, ["邻里漏水纠纷"]),
        ({"village": "330802001002"}, ["欠款纠纷"]),
        ({"township": "330802001000"}, ["欠款纠纷", "邻里漏水纠纷"]),
        ({"open_only": "on"}, ["欠款纠纷"]),
    ],
)
def test_the_ledger_is_searched_and_filtered(w, client, query, expected):
    from disputes.services import dispute_triage

    leak = registered(w, summary="邻里漏水纠纷")
    dispute_triage(
        actor=w.officer,
        dispute=leak,
        decision="refer_police",
        reason="涉嫌故意毁坏财物",
        advised_route="报警",
    )
    parties = [
        type(p)(role=p.role, name=p.name) for p in two_parties()
    ]  # no phone or ID: only the first case is found by them
    registered(
        w,
        actor=w.officer,
        summary="欠款纠纷",
        category="lending",
        risk="red",
        village_code=w.c.village_a2.code,
        parties=parties,
    )
    client.force_login(w.officer)
    html = client.get(LEDGER, query).content.decode()
    shown = sorted(s for s in ("邻里漏水纠纷", "欠款纠纷") if s in html)
    assert shown == sorted(expected)


def test_the_ledger_is_filtered_by_registration_date(w, client):
    now = timezone.now()
    registered(w, summary="去年的纠纷", now=now - timedelta(days=400))
    registered(w, summary="今天的纠纷", now=now)
    client.force_login(w.officer)
    today = timezone.localdate(now).isoformat()
    html = client.get(LEDGER, {"since": today, "until": today}).content.decode()
    assert "今天的纠纷" in html and "去年的纠纷" not in html


def test_a_bad_date_is_shown_and_the_rest_of_the_search_still_applies(w, client):
    registered(w, summary="邻里漏水纠纷")
    client.force_login(w.officer)
    html = client.get(LEDGER, {"since": "yesterday", "q": "漏水"}).content.decode()
    assert "Enter a valid date." in html
    assert rows_of(html) == 1


def test_the_ledger_is_paginated(w, client):
    for i in range(30):
        registered(w, summary=f"纠纷{i:02d}")
    client.force_login(w.officer)
    first = client.get(LEDGER, {"per_page": "25"}).content.decode()
    assert rows_of(first) == 25
    assert "Page 1 of 2" in first
    second = client.get(LEDGER, {"per_page": "25", "page": "2"}).content.decode()
    assert rows_of(second) == 5


def test_the_ledger_counts_up_to_its_cap_and_says_there_are_more(w, client, monkeypatch):
    monkeypatch.setattr("disputes.views.LEDGER_COUNTED", 4)
    for i in range(6):
        registered(w, summary=f"纠纷{i}")
    client.force_login(w.officer)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(LEDGER, {"per_page": "25"}).content.decode()
    assert "more than 4 cases" in html
    assert rows_of(html) == 4  # the pages stop at the cap: a filter narrows the rest
    [count] = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(*)" in q["sql"] and "disputes_dispute" in q["sql"]
    ]
    assert "LIMIT 5" in count  # the database stops after cap + 1 rows, however many years there are
    narrowed = client.get(LEDGER, {"q": "纠纷5"}).content.decode()
    assert "1 case" in narrowed and "more than" not in narrowed


def test_a_county_sized_area_lists_a_townships_villages_only_once_it_is_chosen(w, client, monkeypatch):
    monkeypatch.setattr("disputes.forms.VILLAGES_LISTED", 1)
    client.force_login(w.officer)
    village, town = w.c.village_a1, w.c.village_a1.parent
    unchosen = client.get(LEDGER).content.decode()
    assert f'value="{village.code}"' not in unchosen
    assert "(choose a township first)" in unchosen
    chosen = client.get(LEDGER, {"township": town.code}).content.decode()
    assert f'value="{village.code}"' in chosen
    by_link = client.get(LEDGER, {"village": village.code}).content.decode()
    assert "Select a valid choice" not in by_link  # a visible village is accepted without its township


def test_the_ledger_costs_the_same_queries_whatever_the_page_size(w, client, django_assert_max_num_queries):
    for _ in range(2):
        in_mediation(w)
    client.force_login(w.officer)
    client.get(LEDGER)
    with CaptureQueriesContext(connection) as few:
        assert rows_of(client.get(LEDGER).content.decode()) == 2
    for i in range(20):
        registered(w, summary=f"纠纷{i}")
    for _ in range(3):
        in_mediation(w)
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as many:
        assert rows_of(client.get(LEDGER, {"per_page": "100"}).content.decode()) == 25
    assert len(many) == len(few)


# --- exports ----------------------------------------------------------------------------------


def test_the_csv_export_has_the_filtered_rows_with_the_parties_masked(w, client):
    registered(w, summary="邻里漏水纠纷")
    registered(w, summary="欠款纠纷", category="lending")
    client.force_login(w.officer)
    response = client.get(f"{LEDGER}ledger.csv", {"category": "neighbour"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    header, row = rows
    assert header[0] == "Case number"
    record = dict(zip(header, row, strict=True))
    assert record["Summary of the dispute"] == "邻里漏水纠纷"
    assert record["Village"] == "新塘社区"
    assert record["Township"] == "荷花街道"
    assert "张*" in record["Parties"] and "李*" in record["Parties"]
    assert "138****0001" in record["Parties"]
    text = response.content.decode("utf-8-sig")
    assert "张三" not in text and "13800000001" not in text and ID_APPLICANT not in text


def test_the_xlsx_export_has_the_rows_and_masks_the_parties(w, client):
    registered(w, summary="邻里漏水纠纷")
    registered(w, summary='=HYPERLINK("x")')
    client.force_login(w.officer)
    response = client.get(f"{LEDGER}ledger.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 3
    summaries = {r[6] for r in values[1:]}
    # The formula-like summary is kept as text, not run as a formula.
    assert summaries == {"邻里漏水纠纷", '=HYPERLINK("x")'}
    (cell,) = [c for row in sheet.iter_rows() for c in row if c.value == '=HYPERLINK("x")']
    assert cell.data_type == "s"
    flat = " ".join(str(v) for r in values for v in r)
    assert "张三" not in flat and "13800000001" not in flat


def test_the_export_holds_only_what_the_user_may_see(w, client):
    registered(w)
    client.force_login(w.officer_b)
    rows = list(csv.reader(io.StringIO(client.get(f"{LEDGER}ledger.csv").content.decode("utf-8-sig"))))
    assert len(rows) == 1  # the header


# --- the case page ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["officer", "township_official", "county_admin", "grid_worker", "mediator_user"]
)
def test_the_case_page_opens_for_those_who_work_the_case(w, client, role):
    d = in_mediation(w)
    client.force_login(getattr(w, role))
    response = client.get(case_url(d))
    assert response.status_code == 200
    html = response.content.decode()
    assert d.number in html
    assert "In mediation" in html


@pytest.mark.parametrize("role", ["officer_b", "volunteer", "other_mediator_user", "mediator2_user"])
def test_the_case_page_is_a_404_for_everyone_else(w, client, role):
    d = in_mediation(w)
    client.force_login(getattr(w, role))
    assert client.get(case_url(d)).status_code == 404
    assert client.get(f"{case_url(d)}agreement/print/").status_code == 404
    assert client.post(f"{case_url(d)}do/escalate/", {"escalate-reason": "x"}).status_code == 404


def test_the_case_page_sends_an_anonymous_visitor_to_log_in(w, client):
    d = registered(w)
    assert client.get(case_url(d))["Location"].startswith("/accounts/login/")


def test_the_case_page_shows_the_file_with_the_parties_masked(w, client):
    d = in_mediation(w)
    client.force_login(w.officer)
    html = client.get(case_url(d)).content.decode().split("<main")[1]  # the nav names the officer
    for text in (
        "张*",
        "李*",
        "138****0001",
        "330802********1232",
        "王调解",
        "双方陈述",
        "Mediation due by (30 days)",
    ):
        assert text in html
    assert "13800000001" not in html and ID_APPLICANT not in html
    parties = html.split('data-testid="parties"')[1].split("</section>")[0]
    assert "张三" not in parties and "李四" not in parties  # (the staff in this world are called 张三 too)
    verbs = [v.split('"')[0] for v in html.split('data-verb="')[1:]]
    assert verbs == [
        "registered",
        "triaged",
        "consented",
        "consented",
        "accepted",
        "mediator_assigned",
        "session",
    ]


def test_the_case_page_offers_only_the_actions_of_the_status_and_the_users_rights(w, client):
    d = registered(w)
    client.force_login(w.officer)
    html = client.get(case_url(d)).content.decode()
    assert 'data-testid="action-triage"' in html
    assert 'data-testid="action-accept"' not in html
    assert 'data-testid="consent-form"' in html
    client.force_login(w.grid_worker)
    html = client.get(case_url(d)).content.decode()
    assert 'data-testid="action-' not in html
    assert 'data-testid="consent-form"' not in html
    assert 'data-testid="unmask"' not in html


def test_ended_assignments_show_why_they_ended(w, client):
    from disputes.services import mediator_recuse

    d = in_mediation(w)
    applicant = d.parties.get(role="applicant")
    mediator_recuse(
        actor=w.officer,
        dispute=d,
        mediator=w.mediator,
        party=applicant,
        reason="申请人认为调解员偏袒",
        replacement=w.mediator2,
    )
    client.force_login(w.officer)
    html = client.get(case_url(d)).content.decode()
    assert "Recused at a party&#x27;s request" in html
    assert "申请人认为调解员偏袒" in html
    assert "李司法" in html


# --- the mediator pool, navigation ------------------------------------------------------------


def test_the_mediator_pool_shows_who_serves_the_area_with_load_and_outcomes(w, client):
    in_mediation(w)
    client.force_login(w.officer)
    response = client.get("/disputes/mediators/")
    assert response.status_code == 200
    html = response.content.decode()
    ids = [int(x.split('"')[0]) for x in html.split('data-mediator-id="')[1:]]
    assert sorted(ids) == sorted([w.mediator.pk, w.mediator2.pk])  # not the mediator of township B
    row = html.split(f'data-mediator-id="{w.mediator.pk}"')[1].split("</tr>")[0]
    assert "1/8" in row
    assert "Neighbour" in row and "荷花人民调解委员会" in row and "People&#x27;s mediation" in row


def test_the_mediator_pool_is_filtered_by_team(w, client):
    client.force_login(w.county_admin)
    html = client.get("/disputes/mediators/", {"team": "judicial"}).content.decode()
    assert html.count('data-testid="pool-mediator"') == 1
    assert "李司法" in html


def test_the_mediator_pool_is_not_for_volunteers(w, client):
    client.force_login(w.volunteer)
    assert client.get("/disputes/mediators/").status_code == 404


def test_the_nav_links_to_disputes_for_those_who_work_them(w, client):
    client.force_login(w.officer)
    assert 'data-testid="nav-disputes"' in client.get("/").content.decode()
    client.force_login(w.volunteer)
    assert 'data-testid="nav-disputes"' not in client.get("/").content.decode()


def test_the_grid_home_links_to_the_phone_registration(w, client):
    client.force_login(w.grid_worker)
    html = client.get("/stations/grid/").content.decode()
    assert 'href="/disputes/grid/new/"' in html


def test_a_case_opened_by_the_system_is_readable(w, client):
    # A case from alerts has no registering person, and may lack a respondent.
    dispute, _ = dispute_register(
        actor=None,
        channel="alert",
        category="neighbour",
        village_code=w.c.village_a1.code,
        summary="三次报警的噪音纠纷",
        parties=[two_parties()[0]],
        check_permission=False,
        owner_agency_id=w.c.station_a.pk,
    )
    client.force_login(w.officer)
    html = client.get(case_url(dispute)).content.decode()
    assert "三次报警的噪音纠纷" in html
    assert "the system" not in html or "Registered" in html
