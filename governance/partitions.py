"""Monthly partitions of the audit trail (PostgreSQL declarative range partitioning on ``at``).

The audit trail grows fastest of all tables. Partitioned by month, queries on a period prune the
other months, old months can move to cheaper storage, and a month is archived by DETACH (then
``pg_dump -t`` and ``DROP TABLE``) instead of a DELETE, which the append-only trigger refuses.

- ``audit_partition_convert`` turns the ordinary table that the migrations create into a
  partitioned one, once, in one transaction.
- ``audit_partitions_ahead`` creates the coming months' partitions (a daily beat task), so that new
  rows never pile up in the DEFAULT partition, which catches anything outside the monthly ranges.
- ``audit_partition_detach`` detaches whole months before a given one, for archiving.
- ``audit_partitions`` lists the partitions and their row counts.

Months are local months (``TIME_ZONE``), as an inspector counts them; each partition is named
``governance_auditevent_yYYYYmMM``. PostgreSQL requires the partition key in every unique
constraint, so the primary key becomes (id, at). Django still declares ``id`` as the primary key:
no foreign key points at this table, and ids stay unique because they all come from one sequence.

The migrations keep creating the ordinary table (SQLite, tests, small deployments); partitioning
is an operator's decision: ``manage.py audit_partition --convert``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from governance.models import AuditEvent
from governance.months import add_months, current_month

TABLE = AuditEvent._meta.db_table
DEFAULT_PARTITION = f"{TABLE}_default"
MONTHS_AHEAD = 3
# Migration 0002 installs both; a detached month gets the trigger back (see audit_partition_detach).
APPEND_ONLY_TRIGGER = "governance_auditevent_append_only"
APPEND_ONLY_FUNCTION = "governance_audit_append_only"
# Serialises the functions below, so that two runs at once (two beats, an operator and the beat)
# take turns instead of racing to create the same partition. Any fixed number unique in the project.
_ADVISORY_LOCK = 0x6175_6469_7470  # "auditp"
_MONTHLY = re.compile(rf"^{TABLE}_y(\d{{4}})m(\d{{2}})$")
_COPY_SUFFIX = "_partitioned"


class PartitionError(Exception):
    pass


@dataclass(frozen=True)
class Partition:
    name: str
    bounds: str  # PostgreSQL's text: "FOR VALUES FROM (...) TO (...)" or "DEFAULT"
    rows: int


@dataclass(frozen=True)
class Conversion:
    converted: bool  # False: the table was partitioned already and nothing was done
    rows: int
    partitions: list[str]


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        raise PartitionError(
            "The audit trail is partitioned on PostgreSQL only (DATABASE_URL); the embedded SQLite "
            "default keeps it in one table."
        )


def _name(month: date) -> str:
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def _bound(month: date) -> str:
    """The local midnight starting ``month`` as a timestamptz literal with its offset, so that the
    partition bounds do not depend on the session's TimeZone."""
    start = datetime(month.year, month.month, 1, tzinfo=timezone.get_default_timezone())
    return f"'{start.isoformat()}'"


def _months_ahead(now: datetime | None, months_ahead: int) -> list[date]:
    """This month and the ``months_ahead`` months after it."""
    if months_ahead < 0:
        raise PartitionError("months ahead must be zero or more")
    this_month = current_month(now, timezone.get_default_timezone())
    return [add_months(this_month, n) for n in range(months_ahead + 1)]


def _relkind(cursor: Any, table: str) -> str | None:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [_q(table)])
    row = cursor.fetchone()
    return None if row is None else str(row[0])


def _columns(cursor: Any, table: str) -> str:
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum",
        [_q(table)],
    )
    return ", ".join(_q(row[0]) for row in cursor.fetchall())


def _create_month(cursor: Any, parent: str, month: date) -> None:
    # IF NOT EXISTS would also pass over a table of that name that is no partition (a detached
    # month): the month's rows would then silently fall into the DEFAULT partition.
    if _relkind(cursor, _name(month)) is not None:
        raise PartitionError(
            f"a table {_name(month)} exists but is not a partition of {TABLE} (a detached month?)"
        )
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {_q(_name(month))} PARTITION OF {_q(parent)} "
        f"FOR VALUES FROM ({_bound(month)}) TO ({_bound(add_months(month, 1))})"
    )


def _partition_names(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s) ORDER BY pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', c.relname",
        [_q(TABLE)],
    )
    return [row[0] for row in cursor.fetchall()]


def _monthly(names: list[str]) -> dict[str, date]:
    months: dict[str, date] = {}
    for name in names:
        match = _MONTHLY.match(name)
        if match:
            months[name] = date(int(match[1]), int(match[2]), 1)
    return months


def audit_is_partitioned() -> bool:
    _require_postgres()
    with connection.cursor() as cursor:
        return _relkind(cursor, TABLE) == "p"


def audit_partitions() -> list[Partition]:
    """The partitions (months in order, then the default) with their exact row counts. Empty when
    the table is not partitioned. Counting reads every partition: an operator's listing, not a page."""
    _require_postgres()
    with connection.cursor() as cursor:
        result = []
        for name in _partition_names(cursor):
            cursor.execute(
                f"SELECT pg_get_expr(relpartbound, oid), (SELECT count(*) FROM {_q(name)}) "  # noqa: S608 - catalogue names
                "FROM pg_class WHERE oid = to_regclass(%s)",
                [_q(name)],
            )
            bounds, rows = cursor.fetchone()
            result.append(Partition(name=name, bounds=bounds, rows=int(rows)))
    return result


def audit_partition_convert(*, months_ahead: int = MONTHS_AHEAD, now: datetime | None = None) -> Conversion:
    """Turn the ordinary audit table into one partitioned by month, in one transaction: a partition
    for every month that has rows and for this month and ``months_ahead`` more, a DEFAULT partition
    for anything else; every row copied with its id; the id sequence, the indexes (as partitioned
    indexes), the foreign keys, the triggers (the append-only one) and the grants kept. An already
    partitioned table is left alone (``converted`` is False).

    The table is locked (ACCESS EXCLUSIVE) for the whole conversion: writers and readers wait for
    it and then find the new table under the same name; nothing is written to the old one after
    the copy. On a large trail this takes a while: run it in a quiet hour."""
    _require_postgres()
    ahead = _months_ahead(now, months_ahead)
    copy = f"{TABLE}{_COPY_SUFFIX}"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK])
        # A big table takes longer to copy than any statement timeout meant for requests.
        cursor.execute("SET LOCAL statement_timeout = 0")
        kind = _relkind(cursor, TABLE)
        if kind is None:
            raise PartitionError(f"table {TABLE} does not exist: run manage.py migrate first")
        if kind == "p":
            return Conversion(converted=False, rows=0, partitions=_partition_names(cursor))
        cursor.execute(f"LOCK TABLE {_q(TABLE)} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(
            "SELECT conname, conrelid::regclass::text FROM pg_constraint WHERE confrelid = to_regclass(%s)",
            [_q(TABLE)],
        )
        referencing = cursor.fetchall()
        if referencing:
            raise PartitionError(
                "foreign keys point at the audit table, so its primary key cannot become (id, at): "
                + ", ".join(f"{name} on {table}" for name, table in referencing)
            )

        # What the old table carries and DROP TABLE would take with it, read before it goes.
        cursor.execute(
            "SELECT c.conname FROM pg_constraint c WHERE c.conrelid = to_regclass(%s) AND c.contype = 'p'",
            [_q(TABLE)],
        )
        primary_key = cursor.fetchone()[0]
        cursor.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = to_regclass(%s) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY i.indexrelid",
            [_q(TABLE)],
        )
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = to_regclass(%s) AND contype = 'f' ORDER BY conname",
            [_q(TABLE)],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = to_regclass(%s) "
            "AND NOT tgisinternal ORDER BY tgname",
            [_q(TABLE)],
        )
        triggers = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END, "
            "a.privilege_type, a.is_grantable FROM pg_class c, aclexplode(c.relacl) a "
            "WHERE c.oid = to_regclass(%s) AND a.grantee <> c.relowner",
            [_q(TABLE)],
        )
        grants = cursor.fetchall()
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [_q(TABLE)])
        sequence = cursor.fetchone()[0]
        if sequence is None:
            raise PartitionError(f"{TABLE}.id has no sequence; the table is not as the migrations made it")
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608 - from the catalogue
        last_value, is_called = cursor.fetchone()
        cursor.execute(
            f"SELECT DISTINCT date_trunc('month', at AT TIME ZONE %s)::date FROM {_q(TABLE)}",  # noqa: S608
            [timezone.get_default_timezone_name()],
        )
        months = sorted({row[0] for row in cursor.fetchall()} | set(ahead))

        # INCLUDING IDENTITY: PostgreSQL 15 accepts an identity column on a partitioned table and
        # fills it for rows inserted through the parent (the only way the platform writes).
        cursor.execute(
            f"CREATE TABLE {_q(copy)} (LIKE {_q(TABLE)} INCLUDING DEFAULTS INCLUDING IDENTITY "
            "INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS) "
            "PARTITION BY RANGE (at)"
        )
        for month in months:
            _create_month(cursor, copy, month)
        cursor.execute(f"CREATE TABLE {_q(DEFAULT_PARTITION)} PARTITION OF {_q(copy)} DEFAULT")
        columns = _columns(cursor, TABLE)
        cursor.execute(
            f"INSERT INTO {_q(copy)} ({columns}) OVERRIDING SYSTEM VALUE "  # noqa: S608 - catalogue names
            f"SELECT {columns} FROM {_q(TABLE)}"
        )
        copied = cursor.rowcount
        cursor.execute(f"SELECT count(*) FROM {_q(TABLE)}")  # noqa: S608
        rows = int(cursor.fetchone()[0])
        if copied != rows:
            raise PartitionError(f"copied {copied} rows of {rows}; nothing changed")

        # The old table goes (with its indexes, constraints, triggers and identity sequence), and
        # the new one takes its name and the names of what it carried.
        cursor.execute(f"DROP TABLE {_q(TABLE)}")
        cursor.execute(f"ALTER TABLE {_q(copy)} RENAME TO {_q(TABLE)}")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [_q(TABLE)])
        new_sequence = cursor.fetchone()[0]
        old_sequence_name = sequence.rsplit(".", 1)[-1]
        cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {old_sequence_name}")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)", [_q(TABLE), last_value, is_called]
        )
        cursor.execute(f"ALTER TABLE {_q(TABLE)} ADD CONSTRAINT {_q(primary_key)} PRIMARY KEY (id, at)")
        for statement in [*indexes, *triggers]:
            cursor.execute(statement)
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {_q(TABLE)} ADD CONSTRAINT {_q(name)} {definition}")
        for grantee, privilege, grantable in grants:
            option = " WITH GRANT OPTION" if grantable else ""
            cursor.execute(f"GRANT {privilege} ON {_q(TABLE)} TO {grantee}{option}")
        # The trail must come out as append-only as it went in: the trigger enabled on the parent
        # and on every partition (PostgreSQL clones a row trigger of a partitioned table to each).
        cursor.execute(
            "SELECT count(*) FROM pg_trigger t WHERE t.tgname = %s AND t.tgenabled <> 'D' AND t.tgrelid IN "
            "(SELECT to_regclass(%s) UNION ALL SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(%s))",
            [APPEND_ONLY_TRIGGER, _q(TABLE), _q(TABLE)],
        )
        if cursor.fetchone()[0] != len(months) + 2:
            raise PartitionError(
                f"the audit table had no enabled {APPEND_ONLY_TRIGGER} trigger (migration 0002); restore "
                "it before partitioning; nothing changed"
            )
    # Autovacuum analyses the partitions, never a partitioned parent: give the planner its figures.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {_q(TABLE)}")
    return Conversion(converted=True, rows=rows, partitions=[*(_name(m) for m in months), DEFAULT_PARTITION])


def audit_partitions_ahead(*, months_ahead: int = MONTHS_AHEAD, now: datetime | None = None) -> list[str]:
    """Create the partitions missing for this month and the ``months_ahead`` months after it;
    returns their names. Idempotent, and two runs at once take turns. Rows that already sit in the
    DEFAULT partition for a month being created move into it, with their ids. Does nothing (and
    returns []) where the table is not partitioned, including on SQLite."""
    if connection.vendor != "postgresql":
        return []
    wanted = _months_ahead(now, months_ahead)
    created: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK])
        if _relkind(cursor, TABLE) != "p":
            return []
        names = _partition_names(cursor)
        for month in wanted:
            if _name(month) in names:
                continue
            if DEFAULT_PARTITION in names and _default_has_rows_of(cursor, month):
                _create_month_from_default(cursor, month)
            else:
                _create_month(cursor, TABLE, month)
            created.append(_name(month))
    return created


def _default_has_rows_of(cursor: Any, month: date) -> bool:
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {_q(DEFAULT_PARTITION)} "  # noqa: S608 - our names, our bounds
        f"WHERE at >= {_bound(month)} AND at < {_bound(add_months(month, 1))})"
    )
    return bool(cursor.fetchone()[0])


def _create_month_from_default(cursor: Any, month: date) -> None:
    """PostgreSQL refuses to create a partition whose range has rows in the DEFAULT partition. So:
    detach the default (which drops its copy of the append-only trigger), create the month, move
    the month's rows out of the detached default through the parent, and attach the default again
    (which gives the trigger back and checks that nothing left in it belongs to a month). The
    parent stays locked throughout, so no writer sees the trail without its default partition."""
    low, high = _bound(month), _bound(add_months(month, 1))
    cursor.execute(f"LOCK TABLE {_q(TABLE)} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(f"ALTER TABLE {_q(TABLE)} DETACH PARTITION {_q(DEFAULT_PARTITION)}")
    # PostgreSQL 15 drops a partition's copy of the parent's triggers on DETACH; should a version
    # keep it, it would refuse the DELETE below and clash with the copy ATTACH makes.
    cursor.execute(f"DROP TRIGGER IF EXISTS {_q(APPEND_ONLY_TRIGGER)} ON {_q(DEFAULT_PARTITION)}")
    _create_month(cursor, TABLE, month)
    columns = _columns(cursor, TABLE)
    cursor.execute(
        f"INSERT INTO {_q(TABLE)} ({columns}) OVERRIDING SYSTEM VALUE "  # noqa: S608 - our names and bounds
        f"SELECT {columns} FROM {_q(DEFAULT_PARTITION)} WHERE at >= {low} AND at < {high}"
    )
    moved = cursor.rowcount
    cursor.execute(f"DELETE FROM {_q(DEFAULT_PARTITION)} WHERE at >= {low} AND at < {high}")  # noqa: S608
    if cursor.rowcount != moved:
        raise PartitionError(f"moved {moved} rows out of the default partition but removed {cursor.rowcount}")
    cursor.execute(f"ALTER TABLE {_q(TABLE)} ATTACH PARTITION {_q(DEFAULT_PARTITION)} DEFAULT")


def audit_partition_detach(*, before: date) -> list[str]:
    """Detach (not drop) the monthly partitions of the months before ``before``'s month; returns
    their names. Each stays in the database as a table of its own, still append-only (the trigger
    is put back on it), to be archived (``pg_dump -t``) and then dropped by an operator. Rows in
    the DEFAULT partition are not touched."""
    _require_postgres()
    cutoff = before.replace(day=1)
    detached: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK])
        if _relkind(cursor, TABLE) != "p":
            raise PartitionError(f"{TABLE} is not partitioned; convert it first (audit_partition --convert)")
        months = _monthly(_partition_names(cursor))
        for name, month in sorted(months.items(), key=lambda item: item[1]):
            if month >= cutoff:
                continue
            cursor.execute(f"ALTER TABLE {_q(TABLE)} DETACH PARTITION {_q(name)}")
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {_q(APPEND_ONLY_TRIGGER)} BEFORE UPDATE OR DELETE ON {_q(name)} "
                f"FOR EACH ROW EXECUTE FUNCTION {_q(APPEND_ONLY_FUNCTION)}()"
            )
            detached.append(name)
    return detached
