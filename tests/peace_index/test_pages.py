"""The pages and the API of the peace index: what each role sees, the decomposition, the review,
exports, the methodology and imports, and a constant number of queries."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from governance.models import Agency, Region
from governance.services.people import agency_create, membership_create
from governance.services.regions import region_create
from peace_index.compute import scores_compute
from peace_index.models import CriminalCase, DataSource, MethodVersion, TownshipReview, VillageScore
from tests.peace_index.factories import NOW, THIS_MONTH, R, deliver, peace_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw():
    with time_machine.travel(NOW, tick=False):
        pw = peace_world()
        deliver(
            pw,
            DataSource.CASES,
            [{"ref": "A1", "village": pw.c.village_a2.code, "date": "2026-10-03", "severity": "serious"}],
            recompute=False,
        )
        deliver(pw, DataSource.PETITIONS, [], recompute=False)
        for month in (date(2026, 10, 1), THIS_MONTH):
            scores_compute(county=pw.c.county, month=month, version=pw.version, now=NOW)
        yield pw


def region_create_village(township: Region, *, code: str, population: int) -> Region:
    return region_create(
        actor=None, code=code, name=f"新村{code[-3:]}", level=Region.Level.VILLAGE, parent=township,
        population=population, urban_rural="220",
    )  # fmt: skip


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_the_township_page_ranks_every_village_with_band_and_trend(client, pw):
    r = get(
        client,
        pw.w.township_official,
        reverse("peace:township", args=[pw.c.township_a.pk]) + "?month=2026-11",
    )
    assert r.status_code == 200
    rows = r.context["r"].rows
    assert [row.village.code for row in rows] == [pw.c.village_a1.code, pw.c.village_a2.code]
    assert rows[0].score.score >= rows[1].score.score
    # One case more or less over a year is within noise: a change, but no arrow.
    assert rows[1].change_month is not None and rows[1].trend_month == 0
    body = r.content.decode()
    assert "v1" in body and pw.c.village_b1.name not in body


def test_the_township_page_answers_at_a_constant_number_of_queries(client, pw, django_assert_max_num_queries):
    client.force_login(pw.w.township_official)
    url = reverse("peace:township", args=[pw.c.township_a.pk])
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for i in range(12):
        region_create_village(pw.c.township_a, code=f"3308020010{50 + i}", population=800 + i)
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_village_portrait_explains_the_score(client, pw):
    r = get(
        client, pw.w.township_official, reverse("peace:village", args=[pw.c.village_a2.pk]) + "?month=2026-11"
    )
    assert r.status_code == 200
    p = r.context["p"]
    cases = next(c for c in p.changes if c.indicator == "criminal_cases")
    assert cases.now["count"] == 4.0  # one serious case, severity weight 4
    assert cases.now["lost"] > 0
    body = r.content.decode()
    assert 'data-indicator="criminal_cases"' in body and 'data-testid="trend"' in body
    assert len(p.trend) == 2
    # Beside each credibility, the pool's statistics it comes from, and how it is worked out.
    pool = cases.now["pool"]
    assert pool["villages"] >= 1 and pool["a_used"] >= pool["a_estimated"] >= 0
    row = body.split('data-indicator="criminal_cases"')[1].split("</tr>")[0]
    assert 'data-testid="pool"' in row and f"s² {pool['s2']:.3g}" in row
    assert 'data-testid="pool-method"' in body


def test_a_village_cadre_sees_his_village_and_nothing_else(client, pw):
    client.force_login(pw.cadre)
    assert client.get(reverse("peace:index")).url == reverse("peace:village", args=[pw.c.village_a1.pk])
    assert client.get(reverse("peace:village", args=[pw.c.village_a1.pk])).status_code == 200
    assert client.get(reverse("peace:village", args=[pw.c.village_a2.pk])).status_code == 404
    assert client.get(reverse("peace:township", args=[pw.c.township_a.pk])).status_code == 404


def test_a_cadre_of_two_villages_gets_both_and_no_other(client, pw):
    committee = agency_create(
        actor=None, name="二村村委会", kind=Agency.Kind.VILLAGE_COMMITTEE, region=pw.c.village_a2
    )
    membership_create(
        actor=None, user=pw.cadre, agency=committee, role=R.VILLAGE_CADRE, scope=pw.c.village_a2
    )
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    client.force_login(pw.cadre)
    response = client.get(reverse("peace:index"), {"month": "2026-11"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="village-row"') == 2
    assert reverse("peace:village", args=[pw.c.village_a2.pk]) in html
    assert reverse("peace:village", args=[pw.c.village_b1.pk]) not in html
    assert html.count('data-testid="band"') == 2  # both villages are scored this month


@pytest.mark.parametrize(
    ("who", "township_a", "village_b1", "methods"),
    [
        ("volunteer", 404, 404, 404),
        ("grid_worker", 404, 404, 404),
        ("mediator_user", 404, 404, 404),
        ("officer", 404, 404, 404),
        ("official_b", 404, 200, 404),
        ("township_official", 200, 404, 404),
        ("commander", 200, 200, 404),
        ("county_admin", 200, 200, 200),
    ],
)
def test_who_sees_what(client, pw, who, township_a, village_b1, methods):
    user = getattr(pw, who, None) or getattr(pw.w, who)
    client.force_login(user)
    assert client.get(reverse("peace:township", args=[pw.c.township_a.pk])).status_code == township_a
    assert client.get(reverse("peace:village", args=[pw.c.village_b1.pk])).status_code == village_b1
    assert client.get(reverse("peace:methods", args=[pw.c.county.pk])).status_code == methods
    assert client.get(reverse("peace-township-ranking", args=[pw.c.township_a.pk])).status_code == township_a


def test_anonymous_is_sent_to_log_in(client, pw):
    r = client.get(reverse("peace:township", args=[pw.c.township_a.pk]))
    assert r.status_code == 302 and "/accounts/login/" in r.url
    assert client.get(reverse("peace-township-ranking", args=[pw.c.township_a.pk])).status_code in (401, 403)


def test_the_official_approves_the_month_on_the_page(client, pw):
    client.force_login(pw.w.township_official)
    page = client.get(reverse("peace:township", args=[pw.c.township_a.pk]) + "?month=2026-11")
    html = page.content.decode()
    # Approving freezes the month: the page asks first.
    assert 'data-action="peace_index.review.approve"' in html and "data-confirm=" in html
    url = reverse("peace:township-review", args=[pw.c.township_a.pk]) + "?month=2026-11"
    r = client.post(url, {"approve-comment": ""})
    assert r.status_code == 302
    again = client.post(url, {"approve-comment": ""})  # a retried POST changes nothing twice
    assert again.status_code == 302
    review = TownshipReview.objects.get()
    assert (review.status, review.month, review.reviewed_by) == (
        "approved",
        THIS_MONTH,
        pw.w.township_official,
    )
    page = client.get(reverse("peace:township", args=[pw.c.township_a.pk]) + "?month=2026-11")
    # Approved: the state table offers nothing more.
    assert 'data-action="peace_index.review' not in page.content.decode()
    r = client.post(url, {"return-comment": "重新核对"})
    assert r.status_code == 400
    assert TownshipReview.objects.get().status == "approved"


def test_a_returned_month_may_still_be_approved_and_the_page_offers_it(client, pw):
    client.force_login(pw.w.township_official)
    url = reverse("peace:township-review", args=[pw.c.township_a.pk]) + "?month=2026-11"
    assert client.post(url, {"return-comment": "数据有误"}).status_code == 302
    html = client.get(
        reverse("peace:township", args=[pw.c.township_a.pk]) + "?month=2026-11"
    ).content.decode()
    assert 'data-action="peace_index.review.approve"' in html
    assert 'data-action="peace_index.review.return"' in html  # returned again with a new comment
    assert client.post(url, {"approve-comment": ""}).status_code == 302
    assert TownshipReview.objects.get().status == "approved"


def test_a_refused_review_changes_nothing(client, pw):
    client.force_login(pw.official_b)
    url = reverse("peace:township-review", args=[pw.c.township_a.pk]) + "?month=2026-11"
    r = client.post(url, {"approve-comment": ""})
    assert r.status_code == 404
    client.force_login(pw.w.township_official)
    r = client.post(url, {"return-comment": ""})
    assert r.status_code == 400
    assert b'data-field="comment"' in r.content  # the field says what is missing
    assert TownshipReview.objects.count() == 0


def test_exports_list_every_village_with_its_decomposition(client, pw):
    client.force_login(pw.w.township_official)
    csv = client.get(reverse("peace:township-csv", args=[pw.c.township_a.pk]) + "?month=2026-11")
    lines = csv.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("Village code,Village,Month")
    xlsx = client.get(reverse("peace:township-xlsx", args=[pw.c.township_a.pk]) + "?month=2026-11")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 3
    printed = client.get(reverse("peace:township-print", args=[pw.c.township_a.pk]) + "?month=2026-11")
    assert printed.status_code == 200 and pw.c.village_a2.name in printed.content.decode()


def test_the_county_administrator_starts_a_draft_from_the_version_in_force(client, pw):
    client.force_login(pw.w.county_admin)
    url = reverse("peace:methods", args=[pw.c.county.pk])
    r = client.post(url, {"name": "", "note": ""})
    assert r.status_code == 400 and b'data-field="name"' in r.content
    assert MethodVersion.objects.count() == 1
    r = client.post(url, {"name": "v2", "note": "调整"})
    assert r.status_code == 302
    draft = MethodVersion.objects.get(status="draft")
    assert r.url == reverse("peace:version", args=[draft.pk]) and draft.params == pw.version.params


def test_the_import_page_reports_row_errors_and_imports_nothing(client, pw):
    client.force_login(pw.w.county_admin)
    url = reverse("peace:imports", args=[pw.c.county.pk])
    bad = io.BytesIO(
        f"案件编号,村代码,发案日期,严重程度\nB1,{pw.c.village_a1.code},2026-10-01,很重\n".encode()
    )
    bad.name = "cases.csv"
    r = client.post(url, {"source": "cases", "first_month": "2026-10", "last_month": "2026-10", "file": bad})
    assert r.status_code == 400
    assert "Line 2, severity" in r.content.decode()
    assert not CriminalCase.objects.filter(external_ref="B1").exists()
    r = client.post(
        url, {"source": "cases", "first_month": "2026-13", "last_month": "2026-10", "file": io.BytesIO(b"")}
    )
    assert "Write the month as YYYY-MM" in r.content.decode()


# --- API ---


def test_the_api_gives_the_ranking_and_the_portrait(client, pw):
    client.force_login(pw.w.township_official)
    ranking = client.get(
        reverse("peace-township-ranking", args=[pw.c.township_a.pk]) + "?month=2026-11"
    ).json()
    assert ranking["month"] == "2026-11" and ranking["version"] == 1
    assert [r["village_name"] for r in ranking["rows"]] == [pw.c.village_a1.name, pw.c.village_a2.name]
    portrait = client.get(
        reverse("peace-village-portrait", args=[pw.c.village_a2.pk]) + "?month=2026-11"
    ).json()
    indicators = {i["indicator"]: i for i in portrait["score"]["decomposition"]["indicators"]}
    assert indicators["criminal_cases"]["count"] == 4.0


def test_the_api_review_refuses_bad_input_by_field(client, pw):
    client.force_login(pw.w.township_official)
    url = reverse("peace-township-review", args=[pw.c.township_a.pk])
    r = client.post(url, {"month": "11/2026", "decision": "maybe"}, content_type="application/json")
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"month", "decision"}
    r = client.post(url, {"month": "2026-11", "decision": "approve"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert TownshipReview.objects.count() == 1


def test_the_api_import_is_idempotent_by_key(client, pw):
    client.force_login(pw.w.county_admin)
    url = reverse("peace-imports", args=[pw.c.county.pk])
    body = {"dataset": "petitions", "first_month": "2026-10", "last_month": "2026-10",
            "rows": [{"ref": "P1", "village": pw.c.village_a1.code, "date": "2026-10-02", "kind": "repeat"}]}  # fmt: skip
    first = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "p-1"})
    again = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "p-1"})
    # The retry answers as the first request did (201, the same batch), marked as replayed.
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert first.json()["batch"] == again.json()["batch"]
    r = client.post(
        url,
        dict(body, rows=[{"ref": "P2", "village": "x", "date": "2026-10-02", "kind": "repeat"}]),
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["error"]["fields"]["rows"] == [
        "Line 1, village: no village of this county has this code."
    ]


def test_scores_of_a_new_village_start_with_little_credibility(pw):
    tiny = region_create_village(pw.c.township_b, code="330802002099", population=60)
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    s = VillageScore.objects.get(village=tiny, month=THIS_MONTH)
    assert s.peer_size == 3  # pooled with the other rural villages
    peer = (
        VillageScore.objects.filter(month=THIS_MONTH, version=pw.version, peer_size=3)
        .exclude(village=tiny)
        .first()
    )
    assert peer is not None

    def credibility(score: VillageScore) -> dict[str, float]:
        rows = score.decomposition["indicators"]
        return {i["indicator"]: i["credibility"] for i in rows if i["credibility"] is not None}

    mine, theirs = credibility(s), credibility(peer)
    assert mine.keys() & theirs.keys()
    # Sixty residents tell little: where villages differ (criminal cases here), the tiny village's
    # rate leans on the pool's mean far more than a peer's; where all are alike, nobody is shrunk.
    assert mine["criminal_cases"] < theirs["criminal_cases"] / 5, (mine, theirs)
    assert all(mine[k] <= theirs[k] for k in mine.keys() & theirs.keys()), (mine, theirs)


def test_the_import_page_previews_a_delivery_and_removes_rows_only_when_confirmed(client, pw):
    client.force_login(pw.w.county_admin)
    url = reverse("peace:imports", args=[pw.c.county.pk])
    # October holds A1 (village a2, from the fixture); this file brings B2 (village a1) alone.
    october = io.BytesIO(
        f"案件编号,村代码,发案日期,严重程度\nB2,{pw.c.village_a1.code},2026-10-05,轻微\n".encode()
    )
    october.name = "october.csv"
    r = client.post(
        url, {"source": "cases", "first_month": "2026-10", "last_month": "2026-10", "file": october}
    )
    assert r.status_code == 200
    preview = r.context["staged"].result.preview
    assert (preview.added, preview.changed, preview.removed) == (1, 0, 1)
    body = r.content.decode()
    assert 'data-testid="import-preview"' in body and pw.c.village_a2.name in body
    assert 'name="confirm_removals"' in body
    assert not CriminalCase.objects.filter(external_ref="B2").exists()  # nothing imported yet
    token = r.context["staged"].token
    # Confirmed without the removals: refused, nothing changes.
    r = client.post(url, {"staged": token})
    assert r.status_code == 400 and 'data-testid="import-refusal"' in r.content.decode()
    assert set(CriminalCase.objects.values_list("external_ref", flat=True)) == {"A1"}
    # A token that is not this preview's finds nothing.
    r = client.post(url, {"staged": "not-a-token", "confirm_removals": "on"})
    assert r.status_code == 400
    assert set(CriminalCase.objects.values_list("external_ref", flat=True)) == {"A1"}
    # With the removals confirmed: imported as previewed.
    r = client.post(url, {"staged": token, "confirm_removals": "on"})
    assert r.status_code == 302
    assert set(CriminalCase.objects.values_list("external_ref", flat=True)) == {"B2"}
    # The preview is spent.
    assert client.post(url, {"staged": token, "confirm_removals": "on"}).status_code == 400


def test_the_api_dry_run_previews_and_a_removal_needs_its_confirmation(client, pw):
    api = APIClient()
    api.force_authenticate(pw.w.county_admin)
    url = f"/api/v1/peace/counties/{pw.c.county.pk}/imports/"
    rows = [{"ref": "B3", "village": pw.c.village_a1.code, "date": "2026-10-06", "severity": "minor"}]
    body = {"dataset": "cases", "first_month": "2026-10", "last_month": "2026-10", "rows": rows}
    r = api.post(url, {**body, "dry_run": True}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["batch"] is None and r.json()["preview"]["removed"] == 1
    r = api.post(url, body, format="json")
    assert r.status_code == 400 and "confirm_removals" in r.json()["error"]["fields"]
    assert set(CriminalCase.objects.values_list("external_ref", flat=True)) == {"A1"}
    r = api.post(url, {**body, "confirm_removals": True}, format="json")
    assert r.status_code == 201, r.content
    assert set(CriminalCase.objects.values_list("external_ref", flat=True)) == {"B3"}


def test_the_portrait_lists_the_inputs_behind_its_counts_to_reviewers_only(client, pw):
    a2 = pw.c.village_a2
    deliver(
        pw,
        DataSource.PETITIONS,
        [
            {"ref": "X1", "village": a2.code, "date": "2026-10-03", "kind": "first"},
            {"ref": "X2", "village": a2.code, "date": "2026-10-05", "kind": "collective"},
        ],
        recompute=False,
    )
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    url = reverse("peace:village", args=[a2.pk]) + "?month=2026-11"

    r = get(client, pw.w.township_official, url)
    inputs = r.context["inputs"]
    decomposition = {i["indicator"]: i for i in r.context["p"].score.decomposition["indicators"]}
    body = r.content.decode()

    # What the page lists adds up to what the decomposition counts.
    assert [c.case.external_ref for c in inputs.cases] == ["A1"] and inputs.cases[0].weight == 4.0
    assert inputs.cases_weighted == decomposition["criminal_cases"]["count"] == 4.0
    assert [(i.petition.external_ref, i.counts) for i in inputs.petitions] == [("X2", True), ("X1", False)]
    assert inputs.petitions_counted == decomposition["petitions"]["count"] == 1.0
    # The window's first month (December 2025) was delivered by no source: said, not hidden.
    december = inputs.coverage[0]
    assert december.month == date(2025, 12, 1) and not any(december.delivered.values())
    assert inputs.coverage[-1].delivered == {"cases": True, "petitions": True, "surveys": False}
    assert 'data-testid="inputs"' in body and "X2" in body and "no: a first petition is a right" in body
    assert body.count('data-testid="missing-month"') == 2 + 12  # cases and petitions once, surveys always

    # A village cadre reads his portrait, not the case and petition numbers behind it.
    client.force_login(pw.cadre)
    own = client.get(reverse("peace:village", args=[pw.c.village_a1.pk]) + "?month=2026-11")
    assert own.status_code == 200 and own.context["inputs"] is None
    assert 'data-testid="inputs"' not in own.content.decode()
