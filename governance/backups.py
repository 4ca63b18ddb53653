"""Backup, restore and verification of the PostgreSQL database (``pg_dump`` / ``pg_restore``).

A backup is two files: the dump (``pg_dump --format=custom``) and its manifest (``.manifest.json``:
the row count of every table, the migrations applied and the audit trail's last id), both taken
from one snapshot, so that the manifest describes exactly what the dump holds even while the
platform keeps writing. ``verify`` checks a restored database against the manifest and on its own
terms: every migration applied, the tables and their counts, the append-only audit trail (its
trigger, its ids) and every id sequence ahead of its table (else the next insert would collide).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.apps import apps
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor

from governance import jurisdiction_cache

MANIFEST_SUFFIX = ".manifest.json"


class BackupError(Exception):
    pass


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _libpq_url(settings_dict: dict[str, Any]) -> str:
    """A connection URL for the PostgreSQL tools, from Django's settings of a connection. The
    password goes in PGPASSWORD (``_tool_env``), not on a command line other users can read."""
    user = settings_dict.get("USER") or "postgres"
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or 5432
    return f"postgresql://{user}@{host}:{port}/{settings_dict['NAME']}"


def _tool_env(password: str = "") -> dict[str, str]:
    return {**os.environ, "PGPASSWORD": password} if password else dict(os.environ)


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        raise BackupError(
            "Backups with pg_dump need PostgreSQL (DATABASE_URL). The embedded default's SQLite file "
            "is backed up by copying it while the server is stopped."
        )


def _applied_migrations(cursor: Any) -> list[str]:
    cursor.execute("SELECT app || '.' || name FROM django_migrations ORDER BY app, name")
    return [row[0] for row in cursor.fetchall()]


def _audit_last_id(cursor: Any) -> int:
    cursor.execute("SELECT coalesce(max(id), 0) FROM governance_auditevent")
    return int(cursor.fetchone()[0])


def backup(*, output: Path) -> dict[str, Any]:
    """Dump the database to ``output`` and write its manifest beside it. Returns the manifest."""
    _require_postgres()
    pg_dump = _tool("pg_dump")
    output.parent.mkdir(parents=True, exist_ok=True)
    # One snapshot for the counts and the dump: export it from a repeatable-read transaction that
    # stays open while pg_dump reads through it.
    with connection.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            manifest = {
                "tables": _table_counts_safe(cursor, Verification()),
                "migrations": _applied_migrations(cursor),
                "audit_last_id": _audit_last_id(cursor),
            }
            done = subprocess.run(  # noqa: S603 - an argument list, no shell
                [pg_dump, "--format=custom", "--no-owner", f"--snapshot={snapshot}", "--file", str(output),
                 _libpq_url(connection.settings_dict)],
                capture_output=True, text=True, check=False,
                env=_tool_env(connection.settings_dict.get("PASSWORD") or ""),
            )  # fmt: skip
        finally:
            cursor.execute("COMMIT")
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    manifest_path(output).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


def manifest_path(dump: Path) -> Path:
    return dump.with_name(dump.name + MANIFEST_SUFFIX)


def restore(*, dump: Path, database_url: str) -> None:
    """Restore ``dump`` into the empty database at ``database_url`` (create it first: ``createdb``).
    Refuses a database that already has tables: a restore never mixes with live data."""
    pg_restore = _tool("pg_restore")
    try:
        with psycopg.connect(database_url, connect_timeout=10) as probe:
            row = probe.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    except psycopg.Error as exc:
        raise BackupError(f"cannot reach the target database: {exc}") from exc
    if row is None or row[0] != 0:
        raise BackupError("the target database is not empty; restore into a new database")
    done = subprocess.run(  # noqa: S603 - an argument list, no shell
        [pg_restore, "--no-owner", "--exit-on-error", "--single-transaction", "--dbname", database_url, str(dump)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
    # The restored rows may grant what the live ones had revoked, or the other way round.
    jurisdiction_cache.invalidate()


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(*, using: str = "default", manifest: dict[str, Any] | None = None) -> Verification:
    """Check the database of connection ``using`` (a restored copy) on its own terms and, given
    the backup's manifest, against what was dumped."""
    result = Verification()
    conn = connections[using]
    if conn.vendor != "postgresql":
        raise BackupError(
            "verification reads PostgreSQL catalogues; point DATABASE_URL at the restored database"
        )
    executor = MigrationExecutor(conn)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        result.problems.append(
            "migrations not applied: " + ", ".join(f"{m.app_label}.{m.name}" for m, _ in pending)
        )
    with conn.cursor() as cursor:
        applied = _applied_migrations(cursor)
        on_disk = {f"{app}.{name}" for app, name in executor.loader.disk_migrations}
        unknown = sorted(set(applied) - on_disk)
        if unknown:
            result.problems.append("migrations applied that this code does not have: " + ", ".join(unknown))
        result.facts.append(f"{len(applied)} migrations applied")
        counts = _table_counts_safe(cursor, result)
        result.facts.append(f"{len(counts)} tables, {sum(counts.values())} rows")
        _verify_audit(cursor, result)
        _verify_sequences(cursor, result)
    if manifest is not None:
        for table, expected in manifest["tables"].items():
            if table not in counts:
                result.problems.append(f"table {table} is missing")
            elif counts[table] != expected:
                result.problems.append(f"table {table}: {counts[table]} rows, the backup had {expected}")
        if sorted(manifest["migrations"]) != sorted(applied):
            result.problems.append("the migrations applied differ from the backup's")
        with conn.cursor() as cursor:
            last = _audit_last_id(cursor)
        if last != manifest["audit_last_id"]:
            result.problems.append(
                f"audit trail ends at #{last}, the backup's at #{manifest['audit_last_id']}"
            )
        result.facts.append("row counts, migrations and the audit trail match the backup's manifest")
    return result


def _table_counts_safe(cursor: Any, result: Verification) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    present = {row[0] for row in cursor.fetchall()}
    counts: dict[str, int] = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if not model._meta.managed or model._meta.proxy or table in counts:
            continue
        if table not in present:
            result.problems.append(f"table {table} is missing")
            continue
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - table names from the models
        counts[table] = int(cursor.fetchone()[0])
    return counts


AUDIT_TRIGGERS = {
    "governance_auditevent_append_only": "the audit trail's append-only trigger is missing or disabled",
    "governance_auditevent_refuse_truncate": "the audit trail's trigger refusing TRUNCATE is missing or disabled",
}


def _verify_audit(cursor: Any, result: Verification) -> None:
    """The audit trail is append-only: its triggers (0002 for UPDATE and DELETE, 0006 for
    TRUNCATE) must have come back with the restore (a dump restored without them would let the
    application rewrite history), and nothing in it is dated after the moment of verification."""
    cursor.execute(
        "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE c.relname = 'governance_auditevent' AND NOT t.tgisinternal AND t.tgenabled <> 'D'"
    )
    enabled = {row[0] for row in cursor.fetchall()}
    for trigger, problem in AUDIT_TRIGGERS.items():
        if trigger not in enabled:
            result.problems.append(problem)
    cursor.execute("SELECT count(*), coalesce(max(id), 0) FROM governance_auditevent")
    events, last = cursor.fetchone()
    cursor.execute("SELECT count(*) FROM governance_auditevent WHERE at > now() + interval '5 minutes'")
    if int(cursor.fetchone()[0]):
        result.problems.append("audit events are dated in the future")
    result.facts.append(f"audit trail: {events} events, last #{last}")


def _verify_sequences(cursor: Any, result: Verification) -> None:
    cursor.execute(
        "SELECT s.relname, t.relname, a.attname FROM pg_class s "
        "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
        "JOIN pg_class t ON t.oid = d.refobjid "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
        "WHERE s.relkind = 'S'"
    )
    for sequence, table, column in cursor.fetchall():
        cursor.execute(f'SELECT coalesce(max("{column}"), 0) FROM "{table}"')  # noqa: S608 - catalogue names
        highest = int(cursor.fetchone()[0])
        cursor.execute(f'SELECT last_value, is_called FROM "{sequence}"')  # noqa: S608
        last_value, is_called = cursor.fetchone()
        next_value = last_value + 1 if is_called else last_value
        if next_value <= highest:
            result.problems.append(f"sequence {sequence} would give {next_value}, but {table} has {highest}")
