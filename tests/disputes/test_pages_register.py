"""Registering a dispute from the desk and from a grid worker's phone: field errors change nothing,
the villages offered are the user's own, and a form sent twice registers one case."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from disputes.models import Dispute, Party
from governance.models import IdempotencyKey
from tests.disputes.factories import ID_APPLICANT, world

pytestmark = pytest.mark.django_db
DESK = "/disputes/new/"
PHONE = "/disputes/grid/new/"
TOKEN = "0f8c1b7e-3c1e-4a7b-9f4e-5d6a7b8c9d0e"


@pytest.fixture
def w():
    return world()


def form(**overrides):
    data = {
        "channel": "visit",
        "category": "neighbour",
        "village": "330802001001",
        "summary": "楼上漏水纠纷",
        "description": "楼上卫生间漏水，双方多次争吵",
        "amount": "3000",
        "people_involved": "2",
        "risk": "yellow",
        "request_key": TOKEN,
        "parties-TOTAL_FORMS": "3",
        "parties-INITIAL_FORMS": "3",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "20",
        "parties-0-role": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "张三",
        "parties-0-phone": "13800000001",
        "parties-0-id_number": ID_APPLICANT,
        "parties-1-role": "respondent",
        "parties-1-kind": "person",
        "parties-1-name": "李四",
        "parties-1-phone": "",
        "parties-1-id_number": "",
        "parties-2-role": "third",
        "parties-2-kind": "person",
        "parties-2-name": "",
        "parties-2-phone": "",
        "parties-2-id_number": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("url", [DESK, PHONE])
def test_a_dispute_is_registered_with_its_parties(w, client, url):
    client.force_login(w.grid_worker)
    response = client.post(url, form())
    dispute = Dispute.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/disputes/{dispute.pk}/"
    assert (dispute.summary, dispute.category, dispute.risk, dispute.village, dispute.registered_by) == (
        "楼上漏水纠纷", "neighbour", "yellow", w.c.village_a1, w.grid_worker,
    )  # fmt: skip
    assert str(dispute.amount) == "3000.00"
    parties = list(dispute.parties.order_by("id"))
    assert [(p.role, p.name) for p in parties] == [("applicant", "张三"), ("respondent", "李四")]
    assert parties[0].masked_phone == "138****0001"
    key = IdempotencyKey.objects.get(operation="disputes.dispute.register")
    assert (key.scope, key.key, key.result_id) == (f"user:{w.grid_worker.pk}", TOKEN, dispute.pk)
    assert f"Case {dispute.number} registered." in client.get(response["Location"]).content.decode()


def test_a_form_sent_twice_registers_one_case(w, client):
    client.force_login(w.grid_worker)
    first = client.post(PHONE, form())
    second = client.post(PHONE, form())
    assert Dispute.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert "was already registered" in client.get(second["Location"]).content.decode()


def test_each_form_shown_carries_a_new_token(w, client):
    client.force_login(w.grid_worker)
    tokens = [
        re.search(r'name="request_key" value="([^"]+)"', client.get(PHONE).content.decode()).group(1)
        for _ in range(2)
    ]
    assert tokens[0] != tokens[1]


def test_the_same_token_from_another_user_is_another_case(w, client):
    client.force_login(w.grid_worker)
    client.post(DESK, form())
    client.force_login(w.officer)
    client.post(DESK, form())
    assert Dispute.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"summary": ""}, "summary", "This field is required."),
        ({"category": ""}, "category", "This field is required."),
        ({"parties-0-phone": "12345"}, "parties-0-phone", "mobile"),
        ({"parties-0-id_number": "330802199001011233"}, "parties-0-id_number", "check character"),
        (
            {"parties-1-name": "", "parties-1-phone": "13800000002"},
            "parties-1-name",
            "This field is required.",
        ),
        # The respondent's row left blank is no respondent.
        ({"parties-1-name": ""}, "parties", "Name at least one applicant and one respondent."),
        ({"amount": "-5"}, "amount", "greater than or equal to 0"),
        # Both sides left blank: the list's own message, nothing typed to put it beside.
        (
            {"parties-0-name": "", "parties-0-phone": "", "parties-0-id_number": "", "parties-1-name": ""},
            "parties",
            "This list may not be empty.",
        ),
        # A person never registers a case "from an alert" (that skips naming both sides).
        ({"channel": "alert", "parties-1-name": ""}, "channel", "not a valid choice"),
    ],
)
def test_a_bad_field_is_shown_beside_it_and_nothing_is_registered(w, client, overrides, field, message):
    client.force_login(w.grid_worker)
    response = client.post(PHONE, form(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    error = html.split(f'data-field="{field}"')[1].split("</div>")[0]
    assert message.lower() in error.lower()
    assert Dispute.objects.count() == 0
    assert Party.objects.count() == 0


def test_a_village_not_offered_is_refused_and_nothing_is_registered(w, client):
    client.force_login(w.grid_worker)
    response = client.post(PHONE, form(village="330802002001"))
    assert response.status_code == 403
    assert "You may not register disputes for this village." in response.content.decode()
    assert Dispute.objects.count() == 0


def test_an_applicant_and_a_respondent_are_both_needed(w, client):
    client.force_login(w.officer)
    response = client.post(DESK, form(**{"parties-1-role": "third"}))
    assert response.status_code == 400
    assert "Name at least one applicant and one respondent." in response.content.decode()
    assert Dispute.objects.count() == 0


def test_the_form_offers_only_the_villages_the_user_may_register_for(w, client):
    client.force_login(w.grid_worker)
    html = client.get(PHONE).content.decode()
    assert 'value="330802001001"' in html
    assert "330802001002" not in html and "330802002001" not in html
    client.force_login(w.officer)
    html = client.get(DESK).content.decode()
    assert 'value="330802001001"' in html and 'value="330802001002"' in html
    assert "330802002001" not in html


def test_volunteers_may_not_register_and_strangers_log_in_first(w, client):
    assert client.get(PHONE)["Location"].startswith("/accounts/login/")
    client.force_login(w.volunteer)
    assert client.get(PHONE).status_code == 404
    assert client.post(DESK, form()).status_code == 404
    assert Dispute.objects.count() == 0


def test_the_phone_form_is_one_column_with_big_targets(w, client):
    client.force_login(w.grid_worker)
    html = client.get(PHONE).content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "btn-lg w-100" in html
    # Tall inputs: the phone form's class, styled once in the site's stylesheet.
    assert 'class="mx-auto grid-form"' in html
    css = (settings.BASE_DIR / "governance/static/rongzhi/site.css").read_text()
    assert ".grid-form .form-control, .grid-form .form-select { min-height: 3rem;" in css
    assert html.count('data-testid="party-row"') == 3
    assert "Applicant" in html and "Respondent" in html
