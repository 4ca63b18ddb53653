"""The printable agreement: a legal document in Chinese whatever the interface language, with the
parties' full names, for those who mediate the case only, each print logged."""

from __future__ import annotations

import pytest

from governance.models import AuditEvent
from tests.disputes.factories import in_mediation, signed, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world()


def print_url(dispute):
    return f"/disputes/{dispute.pk}/agreement/print/"


def test_the_agreement_prints_in_chinese_with_full_names_and_the_access_is_logged(w, client):
    d = signed(w)
    client.force_login(w.mediator_user)
    response = client.get(print_url(d))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        '<html lang="zh-Hans">',
        "人民调解协议书",
        f"编号：{d.number}",
        "申请人：张三",
        "被申请人：李四",
        "纠纷事实",
        "双方因宅基地边界发生争执。",
        "各方责任",
        "被申请人拆除越界围墙。",
        "履行方式、期限",
        "拆除越界围墙",
        "2099年1月31日前",
        "签名或盖章",
        "调解员（签名）：王调解",
        "荷花人民调解委员会",
        "三十日内共同向人民法院申请司法确认",
        "@media print",
    ):
        assert text in html, text
    # The interface stays English (the tests' language); the document does not follow it.
    assert "Parties" not in html and "Agreement" not in html
    event = AuditEvent.objects.get(verb="dispute.agreement_print")
    assert (event.actor, event.target_id) == (w.mediator_user, str(d.pk))


def test_a_draft_prints_marked_as_not_yet_signed(w, client):
    from disputes.services import agreement_draft

    d = in_mediation(w)
    agreement_draft(actor=w.mediator_user, dispute=d, facts="事实", responsibilities="责任", terms=[])
    client.force_login(w.officer)
    html = client.get(print_url(d)).content.decode()
    assert "草稿：尚未签字生效" in html
    assert "当事人无须另行履行给付义务。" in html


def test_who_may_not_mediate_the_case_may_not_print_it(w, client):
    d = signed(w)
    client.force_login(w.grid_worker)  # registered the case: follows it, but not its parties' names
    assert client.get(f"/disputes/{d.pk}/").status_code == 200
    assert client.get(print_url(d)).status_code == 403
    for outsider in (w.officer_b, w.volunteer, w.other_mediator_user):
        client.force_login(outsider)
        assert client.get(print_url(d)).status_code == 404
    assert not AuditEvent.objects.filter(verb="dispute.agreement_print").exists()


def test_there_is_nothing_to_print_before_an_agreement(w, client):
    d = in_mediation(w)
    client.force_login(w.officer)
    assert client.get(print_url(d)).status_code == 404
    assert client.get(print_url(d).replace(str(d.pk), "999999")).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(w, client):
    d = signed(w)
    assert client.get(print_url(d))["Location"].startswith("/accounts/login/")


def test_the_case_page_links_to_the_print_for_mediators_only(w, client):
    d = signed(w)
    client.force_login(w.mediator_user)
    assert 'data-testid="print-agreement"' in client.get(f"/disputes/{d.pk}/").content.decode()
    client.force_login(w.grid_worker)
    assert 'data-testid="print-agreement"' not in client.get(f"/disputes/{d.pk}/").content.decode()
