"""A supervisor opens the statistics page in a real browser, asks for the PDF and watches its row:
the progress bar moves and the download link appears without a reload.

The worker is held back (the task's delay is recorded, not sent) so that the row is seen waiting
and polling; the test then builds the file itself, as a worker would, and while it builds the row
shows how far it has got.
"""

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.tests.factories import PASSWORD
from petitions.tests.factories import make_petition
from reporting import exports, services
from reporting.models import ReportRun, RunStatus
from reporting.tasks import report_run_build
from tests.browser import BROWSER_TEST_MARKS, SCREENS

pytestmark = BROWSER_TEST_MARKS


def test_supervisor_asks_for_a_pdf_and_sees_it_built(page, live_server, county, monkeypatch):
    last_month_day = timezone.localdate().replace(day=1) - timedelta(days=5)
    for hour in (9, 10, 11):
        make_petition(
            actor=county.clerk_a,
            locality=county.township_a,
            received_at=datetime.combine(last_month_day, time(hour), ZoneInfo("Asia/Shanghai")),
        )
    queued = []
    monkeypatch.setattr(report_run_build, "delay", queued.append)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.locator(".navbar a[href='/reports/']").click()
    page.wait_for_url(f"{live_server.url}/reports/")
    assert f"{last_month_day.year}年{last_month_day.month}月" in page.locator("[data-testid=report-title]").inner_text()
    assert page.locator("#report-totals svg").count() == 1

    page.locator("#report-export-form button[value=pdf]").click()
    page.wait_for_url(f"{live_server.url}/reports/?*#report-runs")
    run = ReportRun.objects.get()
    assert queued == [run.pk] and run.format == "pdf"
    row = page.locator(f"#report-run-{run.pk}")
    assert row.get_attribute("data-status") == RunStatus.PENDING
    assert row.get_attribute("hx-trigger") == "every 1s"

    # The worker builds the file. Midway, before the PDF is drawn, the page's row shows the progress
    # written so far, without a reload.
    export_file = exports.export_file

    def export_once_the_page_shows_progress(**arguments):
        page.locator(f"#report-run-{run.pk}[data-status=running] [role=progressbar][aria-valuenow='40']").wait_for()
        page.screenshot(path=str(SCREENS / "report-run-building.png"), full_page=True)
        return export_file(**arguments)

    monkeypatch.setattr(exports, "export_file", export_once_the_page_shows_progress)
    assert services.report_run_build(run.pk) is not None

    done = page.locator(f"#report-run-{run.pk}[data-status=done]")
    done.wait_for()
    assert done.locator("[role=progressbar]").get_attribute("aria-valuenow") == "100"
    assert done.get_attribute("hx-trigger") is None  # polling stopped
    page.screenshot(path=str(SCREENS / "report-run-done.png"), full_page=True)

    with page.expect_download() as download_info:
        done.get_by_role("link").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
