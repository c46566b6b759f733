"""The bell and the list in a real browser: htmx swaps a row, the bell follows, and it polls.

Like tests/test_browser.py: Debian's Chromium through Playwright, skipped where it is missing. The
30 s poll is reached by moving the page's clock forward, not by waiting.
"""

import pytest

from accounts import services
from accounts.models import Notification, NotificationKind
from accounts.tests.factories import PASSWORD
from tests.browser import BROWSER_TEST_MARKS, chromium_page

pytestmark = BROWSER_TEST_MARKS


@pytest.fixture
def page(monkeypatch):
    with chromium_page(monkeypatch) as page:
        yield page


@pytest.fixture
def no_queueing(monkeypatch):
    """Committed for real: the outbox task must not reach Redis from a test (nor run eagerly)."""
    import config.celery

    monkeypatch.setattr(config.celery, "enqueue_on_commit", lambda task, *args: None)


def notify(user, message: str) -> Notification:
    (notification,) = services.notify(recipients=[user], kind=NotificationKind.DUE_SOON, message=message, link="/cases/")
    return notification


def test_marking_read_swaps_the_row_and_the_bell_follows_and_polls(page, live_server, county, no_queueing):
    first = notify(county.handler_a, "第一条提醒")
    notify(county.handler_a, "第二条提醒")
    badge = page.locator("#nav-bell [data-testid=unread-count]")

    page.clock.install()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "handler_a")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    assert badge.inner_text() == "2"

    page.click("#nav-bell")
    page.wait_for_url(f"{live_server.url}/notifications/")
    row = page.locator(f"#notification-{first.pk}")
    assert "notification-unread" in row.get_attribute("class")

    row.get_by_role("button").click()  # its "mark as read", answered with the row alone
    page.wait_for_function(f"!document.querySelector('#notification-{first.pk}').classList.contains('notification-unread')")
    page.wait_for_function("document.querySelector('#nav-bell [data-testid=unread-count]').innerText === '1'")
    assert page.url == f"{live_server.url}/notifications/"  # no full reload
    assert Notification.objects.get(pk=first.pk).read_at is not None

    # Something new arrives; the bell shows it at its next poll, without a reload.
    notify(county.handler_a, "第三条提醒")
    assert badge.inner_text() == "1"
    page.clock.run_for("00:31")
    page.wait_for_function("document.querySelector('#nav-bell [data-testid=unread-count]').innerText === '2'")
