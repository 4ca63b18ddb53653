"""The audit trail partitioned by month (governance/partitions.py, manage.py audit_partition).

Converting changes the table for every later test, so these tests never touch the shared test
database: each runs on a scratch database of its own, copied from one that this module migrates
once (in a subprocess), and dropped afterwards. The default connection points at the scratch
database for the length of the test, so the platform's own code (audit_record, audit_export, the
admin) runs against it unchanged.
"""

from __future__ import annotations

import csv
import itertools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import psycopg
import pytest
import time_machine
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client

from governance.models import AuditEvent
from governance.partitions import (
    APPEND_ONLY_TRIGGER,
    DEFAULT_PARTITION,
    TABLE,
    PartitionError,
    audit_partition_convert,
    audit_partition_detach,
    audit_partitions,
    audit_partitions_ahead,
)
from governance.services.audit import audit_record
from governance.tasks import audit_partitions_ahead_task
from tests.integration.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
CST = ZoneInfo("Asia/Shanghai")
JAN_20 = datetime(2026, 1, 20, 9, 0, tzinfo=CST)
# Still March in UTC, already April in Shanghai: months are local months.
APR_1 = datetime(2026, 4, 1, 0, 30, tzinfo=CST)
MAY_2 = datetime(2026, 5, 2, 14, 0, tzinfo=CST)
MAY_15 = datetime(2026, 5, 15, 10, 0, tzinfo=CST)
JUL_20 = datetime(2026, 7, 20, 10, 0, tzinfo=CST)
_numbers = itertools.count(1)


def month(name: str) -> str:
    return f"{TABLE}_{name}"


# --- Scratch databases ---------------------------------------------------------------------------


def _server() -> dict[str, Any]:
    s = connection.settings_dict
    return {
        "host": s["HOST"] or "localhost",
        "port": s["PORT"] or 5432,
        "user": s["USER"],
        "password": s["PASSWORD"],
    }


def _url(server: dict[str, Any], name: str) -> str:
    auth = quote(server["user"]) + (f":{quote(server['password'])}" if server["password"] else "")
    return f"postgres://{auth}@{server['host']}:{server['port']}/{name}"


def _maintenance(server: dict[str, Any], statement: str) -> None:
    with psycopg.connect(
        host=server["host"], port=server["port"], user=server["user"], password=server["password"] or None,
        dbname="postgres", autocommit=True,
    ) as conn:  # fmt: skip
        conn.execute(statement.encode())


@pytest.fixture(scope="module")
def migrated(django_db_setup: None) -> Iterator[tuple[dict[str, Any], str]]:
    """An empty database migrated once for this module: the template of every scratch database
    (nobody connects to it, so CREATE DATABASE ... TEMPLATE can copy it)."""
    server = _server()
    name = f"{connection.settings_dict['NAME']}_partitions"
    _maintenance(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _maintenance(server, f'CREATE DATABASE "{name}"')
    try:
        env = os.environ | {
            "DATABASE_URL": _url(server, name),
            "DJANGO_SETTINGS_MODULE": "governance.settings.local",
        }
        done = subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0", "--skip-checks"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, f"migrate failed:\n{done.stderr[-3000:]}"
        yield server, name
    finally:
        _maintenance(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _default_connection_to(name: str) -> Iterator[None]:
    saved = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    ContentType.objects.clear_cache()  # content type ids differ between databases
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = saved
        ContentType.objects.clear_cache()


@pytest.fixture
def scratch(migrated: tuple[dict[str, Any], str], django_db_blocker: Any) -> Iterator[str]:
    """A fresh migrated database (audit table not partitioned) behind the default connection;
    yields its URL."""
    server, template = migrated
    name = f"{template}_{next(_numbers)}"
    _maintenance(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _maintenance(server, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        with django_db_blocker.unblock(), _default_connection_to(name):
            yield _url(server, name)
    finally:
        _maintenance(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Helpers ---------------------------------------------------------------------------------------


def record(at: datetime, verb: str = "test.seen") -> AuditEvent:
    with time_machine.travel(at, tick=False), transaction.atomic():
        return audit_record(actor=None, verb=verb, changes={"status": ["old", "new"]})


def sql(query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def partition_of(event: AuditEvent) -> str:
    return str(sql(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [event.pk])[0][0])  # noqa: S608


def partition_names() -> list[str]:
    return [p.name for p in audit_partitions()]


def convert_in_may() -> list[AuditEvent]:
    """Events of January, April (local) and May, then the conversion on 15 May."""
    events = [record(JAN_20), record(APR_1), record(MAY_2)]
    with time_machine.travel(MAY_15, tick=False):
        assert audit_partition_convert(months_ahead=3).converted
    return events


def _returned_id(row: tuple[Any, ...] | None) -> int:
    assert row is not None
    return int(row[0])


def index_names() -> set[str]:
    return {row[0] for row in sql("SELECT indexname FROM pg_indexes WHERE tablename = %s", [TABLE])}


# --- Conversion ------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_conversion_keeps_every_row_with_its_id_and_the_sequence_continues(scratch: str) -> None:
    events = [record(JAN_20), record(APR_1), record(MAY_2)]
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, verb="test.rolled_back")  # takes an id from the sequence
        raise RuntimeError("the change fails")
    rows = list(AuditEvent.objects.order_by("id").values_list("id", "at", "verb", "changes"))
    indexes = index_names()

    with time_machine.travel(MAY_15, tick=False):
        result = audit_partition_convert(months_ahead=3)

    assert (result.converted, result.rows) == (True, 3)
    assert result.partitions == [
        month("y2026m01"), month("y2026m04"), month("y2026m05"), month("y2026m06"), month("y2026m07"),
        month("y2026m08"), DEFAULT_PARTITION,
    ]  # fmt: skip
    assert partition_names() == result.partitions
    assert list(AuditEvent.objects.order_by("id").values_list("id", "at", "verb", "changes")) == rows
    assert [partition_of(e) for e in events] == [month("y2026m01"), month("y2026m04"), month("y2026m05")]
    assert sql("SELECT relkind FROM pg_class WHERE relname = %s", [TABLE]) == [("p",)]
    assert sql(
        "SELECT array_agg(a.attname::text ORDER BY k.n) FROM pg_constraint c "
        "CROSS JOIN unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
        "WHERE c.conrelid = %s::regclass AND c.contype = 'p'",
        [TABLE],
    ) == [(["id", "at"],)]
    assert index_names() == indexes
    assert sql(
        "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [TABLE]
    ) == [(2,)]
    assert sql("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE]) == [(f"public.{TABLE}_id_seq",)]
    # The sequence keeps its value: the rolled-back insert's id is not handed out again.
    assert record(MAY_15).pk == events[-1].pk + 2


@pytest.mark.postgres
def test_new_events_land_in_their_local_months_partition(scratch: str) -> None:
    convert_in_may()

    last_of_may = record(datetime(2026, 5, 31, 23, 59, 59, tzinfo=CST))
    first_of_july = record(datetime(2026, 7, 1, 0, 0, tzinfo=CST))
    next_year = record(datetime(2027, 1, 10, tzinfo=CST))

    assert partition_of(last_of_may) == month("y2026m05")
    assert partition_of(first_of_july) == month("y2026m07")
    assert partition_of(next_year) == DEFAULT_PARTITION


@pytest.mark.postgres
def test_the_partitioned_trail_still_refuses_update_and_delete(scratch: str) -> None:
    january, _, may = convert_in_may()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=may.pk).update(verb="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=january.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql(f"DELETE FROM {month('y2026m01')}")  # noqa: S608 - a partition directly

    assert list(AuditEvent.objects.order_by("id").values_list("verb", flat=True)) == ["test.seen"] * 3


@pytest.mark.postgres
def test_converting_twice_is_a_no_op(scratch: str) -> None:
    convert_in_may()
    rows = list(AuditEvent.objects.order_by("id").values_list("id", "at"))

    with time_machine.travel(JUL_20, tick=False):
        again = audit_partition_convert(months_ahead=6)

    assert (again.converted, again.rows) == (False, 0)
    assert again.partitions == partition_names()
    assert month("y2026m09") not in again.partitions
    assert list(AuditEvent.objects.order_by("id").values_list("id", "at")) == rows


@pytest.mark.postgres
def test_a_trail_without_its_append_only_trigger_is_not_converted(scratch: str) -> None:
    record(JAN_20)
    sql(f"DROP TRIGGER {APPEND_ONLY_TRIGGER} ON {TABLE}")

    with pytest.raises(PartitionError, match="no enabled governance_auditevent_append_only trigger"):
        audit_partition_convert(months_ahead=3, now=MAY_15)

    assert sql(
        "SELECT relkind, (SELECT count(*) FROM governance_auditevent) FROM pg_class WHERE relname = %s",
        [TABLE],
    ) == [("r", 1)]
    assert sql("SELECT to_regclass(%s)", [month("y2026m01")]) == [(None,)]


@pytest.mark.postgres
def test_concurrent_writes_wait_for_the_conversion_and_land_in_the_new_table(scratch: str) -> None:
    record(JAN_20)
    insert = (
        f"INSERT INTO {TABLE} (at, actor_repr, verb, target_id, target_repr, changes, reason, request_id) "  # noqa: S608
        "VALUES (%s, 'system', %s, '', '', '{}', '', '') RETURNING id"
    )
    # A transaction that wrote before the conversion started and is still open: the conversion waits.
    early = psycopg.connect(scratch)
    early_id = _returned_id(early.execute(insert, (MAY_2, "test.early")).fetchone())
    late_id: list[int] = []

    def convert() -> None:
        try:
            audit_partition_convert(months_ahead=3, now=MAY_15)
        finally:
            connection.close()

    def write_late() -> None:
        with psycopg.connect(scratch, autocommit=True) as late:
            late_id.append(_returned_id(late.execute(insert, (MAY_2, "test.late")).fetchone()))

    def waiting_on_locks() -> int:
        return int(
            sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )[0][0]
        )

    converting = threading.Thread(target=convert)
    converting.start()
    wait_for(lambda: waiting_on_locks() == 1, timeout=30, what="the conversion to wait for the open writer")
    # A writer that comes while the conversion holds or waits for the lock queues behind it.
    writing = threading.Thread(target=write_late)
    writing.start()
    wait_for(lambda: waiting_on_locks() == 2, timeout=30, what="the late writer to queue")
    early.commit()
    early.close()
    converting.join(timeout=60)
    writing.join(timeout=60)

    assert not converting.is_alive() and not writing.is_alive()
    assert sql("SELECT relkind FROM pg_class WHERE relname = %s", [TABLE]) == [("p",)]
    assert list(AuditEvent.objects.order_by("id").values_list("verb", flat=True)) == [
        "test.seen", "test.early", "test.late",
    ]  # fmt: skip
    assert late_id == [early_id + 1]
    assert partition_of(AuditEvent(pk=late_id[0])) == month("y2026m05")


# --- Partitions ahead ------------------------------------------------------------------------------


@pytest.mark.postgres
def test_ahead_creates_exactly_the_missing_months_and_twice_is_a_no_op(scratch: str) -> None:
    convert_in_may()  # partitions up to August

    with time_machine.travel(JUL_20, tick=False):
        created = audit_partitions_ahead_task()
        again = audit_partitions_ahead(months_ahead=3)

    assert created == [month("y2026m09"), month("y2026m10")]
    assert again == []
    assert partition_names() == [
        month("y2026m01"), month("y2026m04"), month("y2026m05"), month("y2026m06"), month("y2026m07"),
        month("y2026m08"), month("y2026m09"), month("y2026m10"), DEFAULT_PARTITION,
    ]  # fmt: skip


@pytest.mark.postgres
def test_rows_waiting_in_the_default_partition_move_into_their_new_month(scratch: str) -> None:
    convert_in_may()
    october = record(datetime(2026, 10, 5, 9, 0, tzinfo=CST))
    next_march = record(datetime(2027, 3, 1, 9, 0, tzinfo=CST))
    assert partition_of(october) == partition_of(next_march) == DEFAULT_PARTITION
    rows = list(AuditEvent.objects.order_by("id").values_list("id", "at", "verb", "changes"))

    with time_machine.travel(JUL_20, tick=False):
        created = audit_partitions_ahead(months_ahead=3)

    assert created == [month("y2026m09"), month("y2026m10")]
    assert partition_of(october) == month("y2026m10")
    assert partition_of(next_march) == DEFAULT_PARTITION
    assert list(AuditEvent.objects.order_by("id").values_list("id", "at", "verb", "changes")) == rows
    # The default partition came back whole, append-only as before.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql(f"DELETE FROM {DEFAULT_PARTITION}")  # noqa: S608
    assert [
        (p.name, p.rows) for p in audit_partitions() if p.name in (month("y2026m10"), DEFAULT_PARTITION)
    ] == [
        (month("y2026m10"), 1),
        (DEFAULT_PARTITION, 1),
    ]


@pytest.mark.postgres
def test_ahead_does_nothing_on_an_unpartitioned_table(scratch: str) -> None:
    record(JAN_20)

    with time_machine.travel(MAY_15, tick=False):
        assert audit_partitions_ahead(months_ahead=3) == []

    assert sql("SELECT relkind FROM pg_class WHERE relname = %s", [TABLE]) == [("r",)]
    assert audit_partitions() == []


# --- Detaching old months ---------------------------------------------------------------------------


@pytest.mark.postgres
def test_detach_returns_the_old_months_and_their_rows_leave_the_table(scratch: str) -> None:
    january, april, may = convert_in_may()

    detached = audit_partition_detach(before=date(2026, 5, 1))

    assert detached == [month("y2026m01"), month("y2026m04")]
    assert list(AuditEvent.objects.values_list("id", flat=True)) == [may.pk]
    assert month("y2026m01") not in partition_names() and month("y2026m05") in partition_names()
    # Detached, not dropped: each month is a table of its own, still append-only, to be archived.
    assert sql(f"SELECT id FROM {month('y2026m01')} UNION ALL SELECT id FROM {month('y2026m04')}") == [  # noqa: S608
        (january.pk,),
        (april.pk,),
    ]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql(f"DELETE FROM {month('y2026m04')}")  # noqa: S608
    assert audit_partition_detach(before=date(2026, 5, 20)) == []


@pytest.mark.postgres
def test_a_detached_month_is_never_taken_for_its_partition(scratch: str) -> None:
    convert_in_may()
    assert audit_partition_detach(before=date(2026, 6, 1))[-1] == month("y2026m05")

    with pytest.raises(PartitionError, match="governance_auditevent_y2026m05 exists but is not a partition"):
        audit_partitions_ahead(months_ahead=3, now=MAY_15)


# --- The platform's readers on the partitioned trail --------------------------------------------------


@pytest.mark.postgres
def test_audit_export_and_the_admin_read_the_partitioned_trail(scratch: str, tmp_path: Path) -> None:
    january, april, may = convert_in_may()
    out, stdout = tmp_path / "audit.csv", StringIO()

    call_command("audit_export", since="2026-04-01", until="2026-06-01", output=str(out), stdout=stdout)

    assert [int(r["id"]) for r in csv.DictReader(out.open(encoding="utf-8"))] == [april.pk, may.pk]
    assert stdout.getvalue().startswith("2 audit events from 2026-04-01 to 2026-06-01")

    admin = User.objects.create_superuser("auditor", "auditor@example.org", "a-long-password-1")
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/governance/auditevent/")
    april_only = client.get("/admin/governance/auditevent/", {"at__year": "2026", "at__month": "4"})
    detail = client.get(f"/admin/governance/auditevent/{january.pk}/change/")
    assert (listing.status_code, april_only.status_code, detail.status_code) == (200, 200, 200)
    assert listing.context["cl"].result_count == 3
    assert [e.pk for e in april_only.context["cl"].result_list] == [april.pk]


# --- The command -----------------------------------------------------------------------------------


def run(*args: str) -> str:
    stdout = StringIO()
    with time_machine.travel(MAY_15, tick=False):
        call_command("audit_partition", *args, stdout=stdout)
    return stdout.getvalue()


@pytest.mark.postgres
def test_the_command_lists_converts_creates_ahead_and_detaches(scratch: str) -> None:
    record(JAN_20)
    record(MAY_2)

    assert run() == (
        f"{TABLE} is not partitioned (2 rows in one table). "
        "Run manage.py audit_partition --convert to partition it by month.\n"
    )
    assert (
        run("--ahead", "3") == f"{TABLE} is not partitioned; nothing to create (run with --convert first).\n"
    )
    assert run("--convert", "--ahead", "1") == (
        f"Converted {TABLE}: 2 rows into 3 monthly partitions and {DEFAULT_PARTITION}.\n"
    )
    assert run("--convert") == f"{TABLE} is already partitioned (4 partitions); nothing to do.\n"
    assert run("--ahead", "2") == f"Created 1 partitions: {month('y2026m07')}.\n"
    assert run("--ahead", "2") == "No partition missing up to 2 months ahead.\n"
    listing = run().splitlines()
    assert [line.split()[:2] for line in listing[:-1]] == [
        [month("y2026m01"), "1"], [month("y2026m05"), "1"], [month("y2026m06"), "0"], [month("y2026m07"), "0"],
        [DEFAULT_PARTITION, "0"],
    ]  # fmt: skip
    assert listing[-1] == "5 partitions, 2 rows."
    assert run("--detach-before", "2026-05").startswith(f"Detached 1 partitions: {month('y2026m01')}.")
    assert run("--detach-before", "2026-05") == "No monthly partition before 2026-05.\n"
    with pytest.raises(CommandError, match=r"Not a month \(YYYY-MM\): May"):
        run("--detach-before", "May")
    with pytest.raises(CommandError, match="--ahead must be zero or more"):
        run("--ahead", "-1")


def test_the_command_refuses_sqlite_with_a_clear_message(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"RONGZHI_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "governance.settings.local"}
    done = subprocess.run(
        [sys.executable, "manage.py", "audit_partition", "--convert"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert "partitioned on PostgreSQL only (set DATABASE_URL)" in done.stderr
