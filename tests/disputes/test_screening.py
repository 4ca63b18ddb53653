"""Screening campaigns: villages given to grid workers, visits recorded from the phone, findings
become disputes of the campaign."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from disputes.models import Dispute, ScreeningAssignment, ScreeningCampaign, ScreeningVisit
from disputes.services import PartyInput, campaign_assign, campaign_create, visit_record
from governance.errors import PermissionDenied, ValidationFailed
from tests.disputes.factories import world
from tests.governance.factories import PASSWORD

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def a_campaign(w):
    return campaign_create(
        actor=w.township_official,
        name="春季土地纠纷排查",
        season="spring",
        region=w.c.township_a,
        starts_on=TODAY,
        ends_on=TODAY + dt.timedelta(days=30),
    )


def test_a_campaign_is_created_and_villages_given_to_grid_workers_who_work_there() -> None:
    w = world()
    with pytest.raises(ValidationFailed) as exc:
        campaign_create(
            actor=w.township_official, name="", season="monsoon", region=w.c.township_a,
            starts_on=TODAY, ends_on=TODAY - dt.timedelta(days=1),
        )  # fmt: skip
    assert set(exc.value.fields) == {"name", "season", "ends_on"}
    with pytest.raises(PermissionDenied):
        campaign_create(
            actor=w.township_official,
            name="x",
            season="spring",
            region=w.c.township_b,
            starts_on=TODAY,
            ends_on=TODAY,
        )
    campaign = a_campaign(w)
    with pytest.raises(ValidationFailed) as exc:
        campaign_assign(
            actor=w.township_official,
            campaign=campaign,
            village=w.c.village_a2,
            worker=w.grid_worker,
            households=0,
        )
    assert set(exc.value.fields) == {"worker", "households"}
    first = campaign_assign(
        actor=w.township_official,
        campaign=campaign,
        village=w.c.village_a1,
        worker=w.grid_worker,
        households=120,
    )
    again = campaign_assign(
        actor=w.township_official,
        campaign=campaign,
        village=w.c.village_a1,
        worker=w.grid_worker,
        households=120,
    )
    assert first.pk == again.pk and ScreeningAssignment.objects.count() == 1


def test_a_finding_becomes_a_dispute_of_the_campaign_and_a_resent_visit_counts_once() -> None:
    w = world()
    assignment = campaign_assign(
        actor=w.township_official,
        campaign=a_campaign(w),
        village=w.c.village_a1,
        worker=w.grid_worker,
        households=50,
    )
    parties = [PartyInput(role="applicant", name="张三"), PartyInput(role="respondent", name="李四")]
    for _ in range(2):
        visit_record(
            actor=w.grid_worker, assignment=assignment, household="3组12号", result="finding", note="承包地边界争议",
            category="land", summary="承包地边界争议", parties=parties, idempotency_key="visit-abc-123",
        )  # fmt: skip
    visit = ScreeningVisit.objects.get()
    dispute = Dispute.objects.get()
    assert visit.dispute_id == dispute.pk
    assert (dispute.channel, dispute.campaign_id, dispute.category) == (
        "screening",
        assignment.campaign_id,
        "land",
    )
    with pytest.raises(PermissionDenied):
        visit_record(actor=w.officer, assignment=assignment, household="x", result="nothing")
    with pytest.raises(ValidationFailed):
        visit_record(
            actor=w.grid_worker, assignment=assignment, household="3组1号", result="finding", parties=parties
        )
    assert ScreeningVisit.objects.count() == 1 and Dispute.objects.count() == 1


def test_the_grid_worker_records_visits_on_the_phone_page(client) -> None:
    w = world()
    assignment = campaign_assign(
        actor=w.township_official,
        campaign=a_campaign(w),
        village=w.c.village_a1,
        worker=w.grid_worker,
        households=50,
    )
    client.login(username=w.grid_worker.username, password=PASSWORD)
    mine = client.get(reverse("disputes:my-screening"))
    assert mine.status_code == 200 and "春季土地纠纷排查" in mine.content.decode()
    url = reverse("disputes:visit", args=[assignment.pk])
    bad = client.post(url, {"household": "", "result": "nothing"})
    assert bad.status_code == 400 and 'data-field="household"' in bad.content.decode()
    assert ScreeningVisit.objects.count() == 0
    ok = client.post(url, {"household": "3组5号", "result": "nothing", "request_key": "k-12345678"})
    assert ok.status_code == 302
    client.post(url, {"household": "3组5号", "result": "nothing", "request_key": "k-12345678"})
    assert ScreeningVisit.objects.count() == 1
    finding = client.post(
        url,
        {"household": "3组6号", "result": "finding", "category": "land", "summary": "地界纠纷",
         "parties-0-role": "applicant", "parties-0-name": "王五",
         "parties-1-role": "respondent", "parties-1-name": "", "parties-1-phone": "12345"},
    )  # fmt: skip
    # Each side's mistake stands on its own input, in words (no "2: name:" of field keys).
    html = finding.content.decode()
    assert finding.status_code == 400 and ScreeningVisit.objects.count() == 1
    assert "This field is required." in html.split('data-field="parties-1-name"')[1].split("</div>")[0]
    assert "mobile" in html.split('data-field="parties-1-phone"')[1].split("</div>")[0].lower()
    assert ": name:" not in html
    # Someone else's assignment is not found.
    client.login(username=w.officer.username, password=PASSWORD)
    assert client.get(url).status_code == 404


def test_the_township_official_creates_a_campaign_and_assigns_villages_on_the_page(client) -> None:
    w = world()
    client.login(username=w.township_official.username, password=PASSWORD)
    form = client.get(reverse("disputes:campaigns")).content.decode()
    assert 'data-testid="campaign-form"' in form and ">Create</button>" in form
    response = client.post(
        reverse("disputes:campaigns"),
        {"name": "夏季邻里纠纷排查", "season": "summer", "region": w.c.township_a.code,
         "starts_on": TODAY.isoformat(), "ends_on": TODAY.isoformat()},
    )  # fmt: skip
    campaign = ScreeningCampaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "disputes:campaign", args=[campaign.pk]
    )
    page = client.post(
        reverse("disputes:campaign", args=[campaign.pk]),
        {"village": w.c.village_a1.code, "worker": w.grid_worker.username, "households": 80},
    )
    assert page.status_code == 302 and ScreeningAssignment.objects.filter(households=80).count() == 1
    # A volunteer neither sees the campaign nor may create one.
    client.login(username=w.volunteer.username, password=PASSWORD)
    assert client.get(reverse("disputes:campaign", args=[campaign.pk])).status_code == 404
    assert client.post(reverse("disputes:campaigns"), {"name": "x"}).status_code == 404


def test_the_figures_page_shows_the_year_for_staff_and_is_not_found_for_volunteers(client) -> None:
    from tests.disputes.factories import registered

    w = world()
    registered(w)
    client.login(username=w.township_official.username, password=PASSWORD)
    page = client.get(reverse("disputes:figures"))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="registered">1<' in body and 'data-category="neighbour"' in body
    assert client.get(reverse("disputes:figures"), {"year": "abc"}).status_code == 200
    client.login(username=w.volunteer.username, password=PASSWORD)
    assert client.get(reverse("disputes:figures")).status_code == 404
