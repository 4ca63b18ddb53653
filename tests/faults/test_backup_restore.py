"""A backup taken while the platform runs is restored into a new database and verified: the same
tables and row counts, every migration applied, the audit trail whole and still append-only, the
id sequences ahead of their tables. A restore that lost the audit trigger fails verification."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.faults.conftest import ROOT, Stack

pytestmark = [pytest.mark.faults]


def _manage(stack: Stack, *args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = stack.env | ({"DATABASE_URL": database_url} if database_url else {})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_dump_restored_into_a_new_database_verifies_against_its_manifest(stack: Stack) -> None:
    stack.seed("--alerts", "5", "--overdue-disputes", "2")
    dump = stack.dir / "backups" / "rongzhi.dump"
    backed_up = _manage(stack, "backup_database", "--output", str(dump))
    assert backed_up.returncode == 0, backed_up.stderr
    assert dump.exists() and dump.with_name("rongzhi.dump.manifest.json").exists()

    restored_db = f"{stack.db}_restored"
    stack.cluster.sql("postgres", f"CREATE DATABASE {restored_db}")
    target = stack.cluster.url(restored_db)
    restored = _manage(stack, "restore_database", "--input", str(dump), "--target", target)
    assert restored.returncode == 0, restored.stderr
    # A second restore into the same (now full) database is refused.
    again = _manage(stack, "restore_database", "--input", str(dump), "--target", target)
    assert again.returncode == 1 and "not empty" in again.stderr

    manifest = str(dump.with_name("rongzhi.dump.manifest.json"))
    verified = _manage(stack, "verify_database", "--manifest", manifest, database_url=target)
    assert verified.returncode == 0, verified.stderr
    assert "row counts, migrations and the audit trail match the backup's manifest" in verified.stdout
    alerts = stack.cluster.sql(restored_db, "SELECT count(*) FROM stations_alert")[0][0]
    assert alerts == 5

    # The same copy with the append-only trigger dropped (a restore that skipped it) is refused;
    # so is one without the trigger that refuses TRUNCATE.
    stack.cluster.sql(restored_db, "DROP TRIGGER governance_auditevent_append_only ON governance_auditevent")
    stack.cluster.sql(
        restored_db, "DROP TRIGGER governance_auditevent_refuse_truncate ON governance_auditevent"
    )
    broken = _manage(stack, "verify_database", "--manifest", manifest, database_url=target)
    assert broken.returncode == 1
    assert "PROBLEM: the audit trail's trigger refusing TRUNCATE is missing or disabled" in broken.stderr
    assert "PROBLEM: the audit trail's append-only trigger is missing or disabled" in broken.stderr
