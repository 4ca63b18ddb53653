"""The disputes actions, declared once (disputes/actions.py): both surfaces, the same roles refused
on the page and on the API, one list of escalation triggers, and the state table the services
refuse by."""

from __future__ import annotations

import pytest

from disputes.api.serializers import EscalateSerializer
from disputes.models import Dispute
from governance.actions import all_actions
from governance.errors import InvalidTransition
from tests.security.rules import RULES

ACTIONS = [a for a in all_actions() if a.name.startswith("disputes.")]
S = Dispute.Status


def _allowed(letters: str) -> list[bool | None]:
    return [{"y": True, "w": True, "n": False}.get(x) for x in letters.split()]


def test_every_write_a_person_does_on_a_case_is_declared():
    names = {a.name.removeprefix("disputes.dispute.") for a in ACTIONS}
    assert {
        "register", "register_grid", "triage", "consent", "accept", "assign", "recuse", "session",
        "agreement", "sign", "jc_apply", "jc_answer", "perform", "breach", "extend", "escalate",
        "terminate", "reopen", "follow_up", "party_add", "import", "progress", "task_add", "task_done",
        "agency_add",
    } <= names  # fmt: skip
    assert {"disputes.party.unmask", "disputes.screening.create", "disputes.screening.assign"} <= names


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_page_and_api_refuse_the_same_roles(action):
    """Per role of tests/security/world.py: a role the API refuses is refused by the page too
    (the page of a case serves every case action: a role it lets act may act on one of them)."""
    page = RULES[action.page]["POST"]
    api = RULES[action.api]["POST"]
    for role, (page_may, api_may) in enumerate(zip(_allowed(page), _allowed(api), strict=True)):
        if page_may is None or api_may is None:
            continue
        if action.page == "disputes:case-action":
            assert api_may is False or page_may, f"role {role}: the API lets act, the page refuses"
            if page_may is False:
                assert api_may is False, f"role {role}: the page refuses, the API lets act"
        else:
            assert page_may == api_may, f"role {role}: page {page_may}, API {api_may}"


def test_the_escalation_triggers_are_one_list_without_the_sweeps_time_box():
    choices = EscalateSerializer().fields["trigger"].choices
    assert "time_box" not in choices
    assert {"party_request", "red_risk", "group", "cross_village", "government_party"} == set(choices)


def test_the_state_table_decides_and_refuses_with_the_status():
    d = Dispute(status=S.TRIAGED)
    assert d.refuse_unless("accept") == S.ACCEPTED
    assert Dispute.TRANSITIONS.offered(S.BREACH, among=["reopen", "accept", "terminate"]) == [
        "terminate",
        "reopen",
    ]
    with pytest.raises(InvalidTransition, match="Triaged"):
        d.refuse_unless("reopen")
