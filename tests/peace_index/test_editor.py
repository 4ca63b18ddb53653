"""The methodology editor: a draft's weights, goalposts, bands, bonus and penalty edited field by
field on the page (the method's own rules give the field errors), a published version frozen on
page and API alike, and the preview of the draft's bands computed as a recomputation would."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from peace_index.api.serializers import params_as_fields
from peace_index.compute import scores_compute
from peace_index.models import DataSource, MethodVersion, VillageScore
from peace_index.services import version_draft_create
from tests.peace_index.factories import NOW, THIS_MONTH, deliver, peace_world

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
        pw.draft = version_draft_create(actor=pw.w.county_admin, county=pw.c.county, name="v2")
        yield pw


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def form_of(version: MethodVersion, **changes) -> dict:
    data = {"name": version.name, "note": version.note, **params_as_fields(version.params)}
    data.update(changes)
    return {k: "" if v is None else str(v) for k, v in data.items()}


def test_the_editor_shows_each_parameter_with_its_chinese_label(client, pw, chinese_default):
    client.force_login(pw.w.county_admin)
    html = client.get(reverse("peace:version", args=[pw.draft.pk])).content.decode()
    assert 'name="criminal_cases_low"' in html and 'name="dimension_sentiment"' in html
    assert 'name="params"' not in html  # no raw JSON
    assert "刑事案件（按严重程度加权） · 下限 L" in html and "民情 · 权重" in html
    assert "越低越好" in html
    assert 'data-action="peace_index.version.publish"' in html and "data-confirm=" in html


def test_the_county_administrator_edits_a_draft(client, pw):
    client.force_login(pw.w.county_admin)
    url = reverse("peace:version", args=[pw.draft.pk])
    r = client.post(
        url, form_of(pw.draft, dimension_cases=40, criminal_cases_high=12, band_safe=78, note="调")
    )
    assert r.status_code == 302
    pw.draft.refresh_from_db()
    assert pw.draft.params["dimensions"]["cases"] == 40
    assert pw.draft.params["indicators"]["criminal_cases"]["high"] == 12
    assert pw.draft.params["bands"]["safe"] == 78 and pw.draft.note == "调"
    # What the form does not edit is kept.
    assert pw.draft.params["resample"] == pw.version.params["resample"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"criminal_cases_low": 20, "criminal_cases_high": 10}, "criminal_cases_low"),  # L < U
        ({"band_safe": 95}, "band_safe"),  # bands must fall
        ({"petitions_weight": 0}, "petitions_weight"),
        ({"dimension_cases": -1}, "dimension_cases"),
        ({"bonus_max": -2}, "bonus_max"),
        ({"survey_safe_high": "高"}, "survey_safe_high"),
        ({"followup_satisfied_high": 1.5}, "followup_satisfied_high"),  # a share is at most 1
        ({"petitions_low": -1}, "petitions_low"),  # a rate is not negative
    ],
)
def test_bad_input_is_shown_on_its_field_and_nothing_changes(client, pw, changes, field):
    client.force_login(pw.w.county_admin)
    before = MethodVersion.objects.get(pk=pw.draft.pk).params
    r = client.post(reverse("peace:version", args=[pw.draft.pk]), form_of(pw.draft, **changes))
    assert r.status_code == 400
    html = r.content.decode()
    assert f'data-testid="field-error" data-field="{field}"' in html
    assert MethodVersion.objects.get(pk=pw.draft.pk).params == before


def test_a_published_version_refuses_edits_on_page_and_api_alike(client, pw):
    client.force_login(pw.w.county_admin)
    page = client.get(reverse("peace:version", args=[pw.version.pk])).content.decode()
    assert 'data-testid="frozen"' in page and 'data-action="peace_index.version.edit"' not in page
    # Its parameters read as values: a rule that is on says so in words, not "true".
    params = page.split('data-testid="params"')[1].split("</table>")[0]
    assert ">Yes<" in params and "true" not in params
    before = MethodVersion.objects.get(pk=pw.version.pk).params
    r = client.post(reverse("peace:version", args=[pw.version.pk]), form_of(pw.version, band_safe=70))
    assert r.status_code == 409
    r = client.patch(
        reverse("peace-version", args=[pw.version.pk]), {"band_safe": 70}, content_type="application/json"
    )
    assert r.status_code == 409
    assert MethodVersion.objects.get(pk=pw.version.pk).params == before


def test_the_api_edits_a_draft_by_the_same_fields(client, pw):
    client.force_login(pw.w.county_admin)
    url = reverse("peace-version", args=[pw.draft.pk])
    r = client.patch(url, {"criminal_cases_low": 30}, content_type="application/json")
    assert r.status_code == 400 and list(r.json()["error"]["fields"]) == ["criminal_cases_low"]
    r = client.patch(url, {"criminal_cases_high": 20}, content_type="application/json")
    assert r.status_code == 200 and r.json()["params"]["indicators"]["criminal_cases"]["high"] == 20


@pytest.mark.parametrize("who", ["township_official", "grid_worker", "volunteer", "mediator_user"])
def test_other_roles_are_refused_alike_on_page_and_api(client, pw, who):
    client.force_login(getattr(pw.w, who))
    before = MethodVersion.objects.get(pk=pw.draft.pk).params
    page = client.post(reverse("peace:version", args=[pw.draft.pk]), form_of(pw.draft, band_safe=70))
    api = client.patch(
        reverse("peace-version", args=[pw.draft.pk]), {"band_safe": 70}, content_type="application/json"
    )
    publish = client.post(reverse("peace:version-publish", args=[pw.draft.pk]))
    assert (page.status_code, api.status_code, publish.status_code) == (404, 404, 404)
    assert client.get(reverse("peace:version", args=[pw.draft.pk])).status_code == 404
    draft = MethodVersion.objects.get(pk=pw.draft.pk)
    assert (draft.params, draft.status) == (before, "draft")


def test_the_preview_equals_a_recompute_under_the_draft(client, pw):
    client.force_login(pw.w.county_admin)
    url = reverse("peace:version", args=[pw.draft.pk])
    # Stricter bands: some villages fall a band.
    assert (
        client.post(url, form_of(pw.draft, band_excellent=100, band_safe=99.5, band_basic=99)).status_code
        == 302
    )
    preview = client.get(url).context["preview"]
    assert preview.month == THIS_MONTH
    now = dict(
        VillageScore.objects.filter(version=pw.version, month=THIS_MONTH).values_list("village_id", "band")
    )
    pw.draft.refresh_from_db()
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.draft, now=NOW)
    under_draft = dict(
        VillageScore.objects.filter(version=pw.draft, month=THIS_MONTH).values_list("village_id", "band")
    )
    for band, _label, villages_now, villages_draft in preview.counts:
        assert villages_now == sum(1 for b in now.values() if b == band)
        assert villages_draft == sum(1 for b in under_draft.values() if b == band)
    assert {v.pk: (old, new) for v, old, new in preview.changes} == {
        vid: (now.get(vid, ""), b) for vid, b in under_draft.items() if now.get(vid, "") != b
    }
    assert preview.changes  # the stricter bands do move villages
    assert sum(d for *_, d in preview.counts) == len(under_draft)


def test_publishing_from_the_page(client, pw):
    client.force_login(pw.w.county_admin)
    r = client.post(reverse("peace:version-publish", args=[pw.draft.pk]))
    assert r.status_code == 302
    assert MethodVersion.objects.get(pk=pw.draft.pk).status == "published"
    assert MethodVersion.objects.get(pk=pw.version.pk).status == "retired"
    again = client.post(reverse("peace:version-publish", args=[pw.draft.pk]))  # a retry: the same run
    assert again.status_code == 302 and again.url == r.url
