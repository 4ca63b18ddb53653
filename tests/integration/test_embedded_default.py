"""The embedded default needs no server, yet background work really runs: a task enqueued after
commit is executed by a real worker process, and periodic tasks fire."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from tests.integration.conftest import ROOT, start_worker, stop, wait_for

pytestmark = pytest.mark.integration

SEND = """
from django.db import transaction
from governance.models import OutboundChannel
from governance.services.notifications import notification_send
from governance.services.people import person_create
with transaction.atomic():
    robot = OutboundChannel.objects.create(name="robot", kind="wecom", endpoint="{url}/robot")
    user = person_create(actor=None, username="duty", real_name="值班员")
    notification_send(recipient=user, title="嵌入式默认配置", body="后台任务已执行", channels=[robot])
print("queued")
"""


def test_task_enqueued_after_commit_runs_and_periodic_tasks_fire(
    tmp_path, clean_env, worker_log, http_server
):
    env = clean_env | {"RONGZHI_VAR_DIR": str(tmp_path / "var")}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    worker = start_worker(env, worker_log)
    try:
        sent = subprocess.run(
            [*manage, "shell", "-c", SEND.format(url=http_server.url)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert sent.returncode == 0, sent.stderr
        wait_for(lambda: http_server.requests, what="the robot webhook to be called")
        database = tmp_path / "var" / "rongzhi.sqlite3"

        def beats() -> int:
            with sqlite3.connect(database, timeout=10) as db:
                row = db.execute("SELECT count FROM governance_heartbeat WHERE name = 'celery'").fetchone()
            return row[0] if row else 0

        wait_for(lambda: beats() >= 3, what="three heartbeats from beat")
        with sqlite3.connect(database, timeout=10) as db:
            status = db.execute("SELECT status, attempts FROM governance_outboundmessage").fetchall()
    finally:
        stop(worker)
    assert status == [("sent", 1)], worker_log.read_text()[-3000:]
    assert len(http_server.requests) == 1
    assert http_server.requests[0].body == {
        "msgtype": "text",
        "text": {"content": "嵌入式默认配置\n后台任务已执行"},
    }
