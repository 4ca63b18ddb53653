"""A party list too long for a group dispute is refused before the case is locked, and without
reading it whole (issue 15, finding 7: 300,000 rows were read for 19.5 s inside the case's lock,
holding every other act on the case)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disputes.services import group_parties_import
from governance.errors import PermissionDenied, ValidationFailed
from tests.disputes.factories import accepted, world
from tests.governance.test_spreadsheet_limits import BROKEN, POISONED, xlsx

pytestmark = pytest.mark.django_db


def locks(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]


@pytest.mark.parametrize(
    ("rows", "dimension", "tail", "poison_first"),
    [
        pytest.param(300_000, "A1:A300001", BROKEN, True, id="its dimension says so"),
        pytest.param(20_000, None, POISONED, False, id="counted as read"),
    ],
)
@pytest.mark.postgres  # SQLite takes no row lock: "FOR UPDATE" would be absent whatever the order
def test_a_party_list_too_long_is_refused_before_the_case_is_locked(rows, dimension, tail, poison_first):
    content = xlsx(rows, dimension=dimension, tail=tail, poison_first=poison_first)
    w = world()
    dispute = accepted(w)

    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationFailed) as refused:
        group_parties_import(actor=w.officer, dispute=dispute, file_name="members.xlsx", content=content)

    assert refused.value.message == "The file has more than 5000 rows."
    assert locks(queries) == []
    assert dispute.parties.count() == 2


def test_someone_who_may_not_import_is_refused_before_his_file_is_read():
    w = world()
    dispute = accepted(w)

    with pytest.raises(PermissionDenied):
        group_parties_import(
            actor=w.officer_b,
            dispute=dispute,
            file_name="x.xlsx",
            content=xlsx(10, dimension=None, tail=BROKEN),
        )
