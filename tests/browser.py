"""Debian's Chromium through Playwright, for the browser tests (Playwright's own browser download is
not available on these machines)."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Where the browser tests leave their screenshots, to be looked at.
SCREENS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/screens"))
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

BROWSER_TEST_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM}; install Debian's chromium package"),
    # serialized_rollback keeps the categories the migrations seed for the tests that run after this one.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@contextmanager
def chromium_page(monkeypatch) -> Iterator:
    """A page in a fresh headless Chromium, in Chinese and the county's time zone."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        yield context.new_page()
        # While Playwright's event loop runs, Django's connection handler gives this thread a
        # separate connection for the test's own queries; close it here, inside that state, or the
        # test database cannot be dropped at the end of the run.
        connections.close_all()
        context.close()
        browser.close()
