"""Browser tests: Playwright driving Debian's chromium (Playwright's own download cannot work here)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        skip = pytest.mark.skip(
            reason=f"no chromium at {CHROMIUM}: install Debian's chromium (make test does)"
        )
        for item in items:
            if "e2e" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One browser per test module. Playwright's sync API keeps an event loop running in this
    thread while it is open, and Django's ORM refuses to run beside a loop unless told it is safe,
    which it is here (the test and the live server each use their own connection). Module scope
    confines both the loop and that permission to the browser tests."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _shipped_language(chinese_default: None) -> None:
    """The browser tests see the platform as shipped: Chinese by default."""


@pytest.fixture
def page_factory(browser: Any, live_server: Any) -> Iterator[Any]:
    """New pages with their own context; every request made is recorded on ``page.requested``."""
    contexts = []

    def make(width: int = 1280, height: int = 800) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.requested = []
        page.on("request", lambda request: page.requested.append(request.url))
        page.set_default_timeout(15000)
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
