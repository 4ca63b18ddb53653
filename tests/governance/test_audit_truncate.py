"""The audit trail refuses TRUNCATE (issue 15, finding 7): a statement trigger on PostgreSQL,
beside the row trigger that refuses UPDATE and DELETE (migrations 0002 and 0006)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from governance.models import AuditEvent
from tests.governance.factories import county

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def refusing_truncate(cursor) -> None:
    # The test suite's sessions allow it, for Django's flush between browser tests (tests/conftest.py);
    # the platform's sessions do not.
    cursor.execute("SET LOCAL rongzhi.audit_truncate = ''")
    # The rows this test wrote leave deferred foreign-key checks, which TRUNCATE would refuse first.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_database_refuses_to_truncate_the_audit_trail():
    county()
    before = AuditEvent.objects.count()
    assert before > 0
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        refusing_truncate(cursor)
        cursor.execute("TRUNCATE governance_auditevent")
    assert AuditEvent.objects.count() == before


def test_a_truncate_of_many_tables_at_once_is_refused_too():
    county()
    before = AuditEvent.objects.count()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        refusing_truncate(cursor)
        cursor.execute("TRUNCATE governance_region, governance_auditevent CASCADE")
    assert AuditEvent.objects.count() == before


def test_manage_py_flush_leaves_the_audit_trail_alone():
    county()
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            refusing_truncate(cursor)
        call_command("flush", interactive=False, verbosity=0)
    assert "append-only (TRUNCATE refused)" in str(refused.value.__cause__)
    assert AuditEvent.objects.count() == before
