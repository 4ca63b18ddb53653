"""Settings from the environment: the embedded default, PostgreSQL/Redis, production refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "from governance.celery import app; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']), "
    "'broker': app.conf.broker_url, 'cache': s.CACHES['default']['BACKEND'], 'tz': s.TIME_ZONE, "
    "'lang': s.LANGUAGE_CODE, 'queues': sorted(q.name for q in app.conf.task_queues), "
    "'beat': sorted(app.conf.beat_schedule)}))"
)


def run(env_overrides: dict[str, str], code: str = PROBE, module: str = "governance.settings.local"):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env |= {"DJANGO_SETTINGS_MODULE": module, **env_overrides}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_nothing_set_gives_the_embedded_default(tmp_path):
    result = run({"RONGZHI_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert probe["engine"] == "django.db.backends.sqlite3"
    assert probe["name"] == str(tmp_path / "rongzhi.sqlite3")
    assert probe["broker"] == "filesystem://"
    assert probe["cache"].endswith("FileBasedCache")
    assert (probe["tz"], probe["lang"]) == ("Asia/Shanghai", "zh-hans")
    assert probe["queues"] == ["default", "dispatch", "scores"]
    assert probe["beat"] == [
        "audit-partitions-ahead",
        "disputes-escalation-sweep",
        "disputes-reminder-sweep",
        "disputes-retention-sweep",
        "notifications-sweep",
        "peace-index-events-sweep",
        "peace-index-nightly-recompute",
        "pending-tasks-publish",
        "stations-sla-sweep",
        "stations-summons-sweep",
        "volunteers-occurrences-sweep",
        "volunteers-points-expire",
        "volunteers-reminder-sweep",
        "volunteers-star-recompute",
        "worker-heartbeat",
    ]


def test_database_and_redis_urls_switch_to_postgres_and_redis():
    result = run(
        {"DATABASE_URL": "postgres://u@db.example:5432/rz", "REDIS_URL": "redis://cache.example:6379/0"}
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert probe["engine"] == "django.db.backends.postgresql"
    assert probe["name"] == "rz"
    assert probe["broker"] == "redis://cache.example:6379/0"
    assert probe["cache"] == "django.core.cache.backends.redis.RedisCache"


def test_production_refuses_the_default_secret_key():
    result = run(
        {"ALLOWED_HOSTS": "rongzhi.example"},
        code="import django; django.setup()",
        module="governance.settings.production",
    )
    assert result.returncode != 0
    assert "Set SECRET_KEY to a random value" in result.stderr


def test_production_check_deploy_is_clean(tmp_path):
    env = {
        "SECRET_KEY": "k" * 20 + "-production-secret-for-the-check-only-0123456789",
        "ALLOWED_HOSTS": "rongzhi.example",
        "PII_ENCRYPTION_KEYS": "pii-key-one",
        "PII_HASH_KEY": "pii-hash-key",
        "RONGZHI_VAR_DIR": str(tmp_path),
    }
    result = run(
        env,
        code="import sys; from django.core.management import execute_from_command_line as m; "
        "m(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        module="governance.settings.production",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_docker_compose_names_the_services_and_wires_the_environment():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker-dispatch", "worker", "beat"} <= set(services)
    for name in ("web", "worker-dispatch", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert env["DJANGO_SETTINGS_MODULE"] == "governance.settings.production"
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert "--beat" not in " ".join(services["worker"]["command"])
    assert "beat" in services["beat"]["command"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_platform_talks_to_postgresql_with_jit_off():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"  # short queries never pay for compiling (docs/scaling.md)
