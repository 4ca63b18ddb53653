"""Production settings: ``manage.py check --deploy`` is clean, cookies are secure, and the
session timeout comes from the environment."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    return env | {
        "DJANGO_SETTINGS_MODULE": "governance.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "rongzhi.example.gov.cn",
        "PII_ENCRYPTION_KEYS": secrets.token_urlsafe(32),
        "PII_HASH_KEY": secrets.token_urlsafe(32),
        **overrides,
    }


def test_the_deploy_check_of_the_production_settings_reports_no_issue(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(RONGZHI_VAR_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_cookies_are_secure_and_the_idle_timeout_comes_from_the_environment(tmp_path):
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_AGE', 'SECURE_SSL_REDIRECT', "
        "'SECURE_HSTS_SECONDS', 'X_FRAME_OPTIONS', 'DEBUG', 'AXES_FAILURE_LIMIT']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(
            RONGZHI_VAR_DIR=str(tmp_path), SESSION_IDLE_TIMEOUT_MINUTES="15", LOGIN_FAILURE_LIMIT="4"
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_AGE": 900,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "X_FRAME_OPTIONS": "DENY",
        "DEBUG": False,
        "AXES_FAILURE_LIMIT": 4,
    }
