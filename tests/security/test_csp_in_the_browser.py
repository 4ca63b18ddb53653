"""The Content Security Policy in a real browser: the pages of each persona load and run their
scripts without a single CSP violation (Chromium reports each one on the console)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM, browser, page_factory  # noqa: F401 (fixtures)
from tests.governance.factories import PASSWORD
from tests.security.world import build

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() or shutil.which("chromium")), reason=f"no chromium at {CHROMIUM}"
    ),
]

# (role of the matrix world, pages; "{name}" is filled from the world's URL kwargs)
VISITS = [
    ("officer", ["/", "/stations/", "/stations/{station_id}/map/", "/disputes/", "/disputes/{dispute_id}/",
                 "/disputes/{dispute_id}/agreement/print/", "/stations/figures/"]),
    ("county_admin", ["/stations/board/", "/api/docs/", "/disputes/figures/", "/peace/"]),
    ("grid_worker", ["/stations/grid/report/", "/disputes/grid/new/", "/disputes/screening/visits/{assignment_id}/"]),
    ("volunteer", ["/volunteers/", "/volunteers/claims/", "/volunteers/shop/"]),
]  # fmt: skip


@pytest.mark.parametrize(("role", "paths"), VISITS, ids=[v[0] for v in VISITS])
def test_pages_run_without_a_policy_violation(page_factory, live_server, role, paths):  # noqa: F811
    world = build()
    page = page_factory()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(f"{page.url}: {error}"))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", world.users[role].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    for path in paths:
        response = page.goto(live_server.url + path.format(**world.kwargs))
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
    assert violations == []
