"""Content Security Policy: every page says ``script-src 'self'`` (no inline script, no eval), and
no template carries an inline script, an ``on*=`` handler or a ``javascript:`` link."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from governance.models import Membership
from tests.governance.factories import county
from tests.stations.factories import station_for

R = Membership.Role
ROOT = Path(settings.BASE_DIR)

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""=\s*["']\s*javascript:""", re.IGNORECASE)
# htmx runs these with eval: hx-on handlers, js: values, and [filters] in hx-trigger.
HTMX_EVAL = re.compile(
    r"""hx-on[:-]|hx-(vals|vars)\s*=\s*["']\s*js:|hx-trigger\s*=\s*["'][^"']*\[""", re.IGNORECASE
)


def project_templates() -> list[Path]:
    found = sorted((ROOT / "templates").rglob("*.html"))
    for app in ("governance", "stations", "disputes", "volunteers", "peace_index"):
        found += sorted((ROOT / app / "templates").rglob("*.html"))
    return found


def offences(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path.relative_to(ROOT)}:{number}"
        for tag in SCRIPT_TAG.finditer(line):
            if "src=" not in tag.group(1):
                found.append(f"{where}: inline <script>")
        if HANDLER_ATTRIBUTE.search(line):
            found.append(f"{where}: on*= handler")
        if JAVASCRIPT_URL.search(line):
            found.append(f"{where}: javascript: URL")
        if HTMX_EVAL.search(line):
            found.append(f"{where}: htmx attribute evaluated as code")
    return found


def test_the_template_scan_finds_each_kind_of_inline_code(tmp_path):
    sample = tmp_path / "templates" / "sample.html"
    sample.parent.mkdir()
    sample.write_text(
        '<script>alert(1)</script>\n<button onclick="go()">x</button>\n<a href="javascript:go()">x</a>\n'
        '<div hx-trigger="every 3s [ok()]"></div>\n<script src="/static/a.js"></script>\n'
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert offences(sample) == [
            "templates/sample.html:1: inline <script>",
            "templates/sample.html:2: on*= handler",
            "templates/sample.html:3: javascript: URL",
            "templates/sample.html:4: htmx attribute evaluated as code",
        ]
    finally:
        ROOT = saved


def test_no_template_has_inline_script_or_event_handler():
    templates = project_templates()
    assert len(templates) > 50
    found = [offence for path in templates for offence in offences(path)]
    assert found == []


def test_the_policy_allows_scripts_from_the_platform_only():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-eval'" not in [v for values in directives.values() for v in values]


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.django_db
def test_the_login_page_carries_the_policy(client):
    policy = policy_of(client.get("/accounts/login/"))
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/stations/", "/stations/board/", "/disputes/", "/api/docs/", "/api/v1/me/"]
)
def test_pages_and_api_answers_carry_the_policy(client, path):
    c = county()
    station_for(c)
    client.force_login(c.person(R.COMMANDER, c.psb))
    response = client.get(path)
    assert response.status_code == 200
    assert policy_of(response)["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_swagger_ui_starts_from_a_script_file_not_an_inline_script(client):
    c = county()
    client.force_login(c.person(R.COUNTY_ADMIN, c.plc))
    html = client.get("/api/docs/").content.decode()
    assert '<script src="/api/docs/?script="></script>' in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_a_map_tile_server_is_the_one_other_image_source(monkeypatch):
    import subprocess
    import sys

    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "governance.settings.local",
        "MAP_TILE_URL": "http://tiles.internal:8080/{z}/{x}/{y}.png",
    }
    import os

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '["\'self\'", "data:", "http://tiles.internal:8080"]'
