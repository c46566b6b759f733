"""The statistics page, closing a month and report files: each as the allowed role, a refused role,
another unit and anonymous; the bad input the issue lists, each with its message; refused requests
change nothing (no closing, no run); the frozen report and where live data now differs; a file
asked for, built and downloaded; the page's query count, which must not grow with the data.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import UnitKind
from accounts.tests.factories import make_unit, make_user
from cases import services as case_services
from cases.models import Case, SupervisionOrder
from cases.tests.factories import make_case
from deadlines.models import Deadline, DeadlineKind
from petitions.tests.factories import make_petition
from reporting import services, views
from reporting.models import MonthClosing, ReportRun, ReportSnapshot, RunStatus
from reporting.periods import Period
from reporting.tables import Column, rate_formulas

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGE = "report-page"


@pytest.fixture(autouse=True)
def english(settings):
    """English UI so assertions can read messages."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def login(client, user):
    client.force_login(user)
    return client


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def last_month() -> Period:
    previous = timezone.localdate().replace(day=1) - timedelta(days=1)
    return Period.month(previous.year, previous.month)


def this_month() -> Period:
    today = timezone.localdate()
    return Period.month(today.year, today.month)


def in_last_month(day: int = 10, hour: int = 10) -> datetime:
    return datetime.combine(last_month().start + timedelta(days=day - 1), time(hour), SHANGHAI)


def month_query(period: Period, **extra) -> dict:
    return {"year": period.start.year, "month": period.start.month, **extra}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def month(county):
    """Last month: two petitions for township A, one for township B."""
    county.petitions = [
        make_petition(actor=county.clerk_a, locality=county.township_a, received_at=in_last_month(3)),
        make_petition(actor=county.clerk_a, locality=county.township_a, received_at=in_last_month(4), channel="letter"),
        make_petition(actor=county.clerk_b, locality=county.township_b, received_at=in_last_month(5)),
    ]
    return county


def _overdue_case(county, due: date) -> Case:
    """A case of township A whose reply was due on `due` and is not served."""
    case = make_case(county, state="in_progress", accepted_on=timezone.localdate() - timedelta(days=100))
    Case.objects.filter(pk=case.pk).update(handling_due=due)
    Deadline.objects.filter(case=case, kind=DeadlineKind.HANDLING).update(due_on=due)
    return Case.objects.get(pk=case.pk)


# --- the page: who sees what ----------------------------------------------------------------------


def test_county_office_sees_last_months_county_report_by_default(client, month):
    response = login(client, month.supervisor).get(reverse(PAGE))

    assert response.status_code == 200
    figures = response.context["report"].figures
    assert figures["period"] == last_month().as_dict()
    assert figures["unit"] is None
    assert figures["totals"]["petitions"] == 3
    html = response.content.decode()
    assert "The whole county" in html
    assert f"{last_month().start:%Y-%m}" in html
    for key in ("totals", "by_channel", "by_category", "by_purpose", "by_locality", "by_unit", "rates", "overdue", "supervised"):
        assert f'id="report-{key}"' in html
    # A chart beside each table but the lists of cases.
    assert html.count('<div class="col-lg-5 report-chart-column"><svg') + html.count('<div class="col-lg-6 report-chart-column"><svg') == 7
    # The filter shows the month and scope shown.
    assert response.context["form"].initial == {"year": last_month().start.year, "month": last_month().start.month, "unit": ""}


def test_unit_user_sees_their_own_unit_and_may_not_pick_the_county(client, month):
    response = login(client, month.clerk_a).get(reverse(PAGE))

    assert response.status_code == 200
    figures = response.context["report"].figures
    assert figures["unit"]["id"] == month.township_a.pk
    assert figures["totals"]["petitions"] == 2
    unit_choices = dict(response.context["form"].fields["unit"].widget.choices)
    assert month.township_a.pk in unit_choices
    assert month.township_b.pk not in unit_choices and "" not in unit_choices


def test_unit_user_may_pick_a_unit_below_theirs(client, month):
    below = make_unit(kind=UnitKind.DEPARTMENT, name="城关镇司法所", parent=month.township_a)
    response = login(client, month.clerk_a).get(reverse(PAGE), {"unit": below.pk})
    assert response.status_code == 200
    assert response.context["report"].figures["unit"]["id"] == below.pk
    assert response.context["report"].figures["totals"]["petitions"] == 0


def test_county_office_picks_a_unit(client, month):
    response = login(client, month.supervisor).get(reverse(PAGE), {"unit": month.township_b.pk})
    assert response.context["report"].figures["unit"]["id"] == month.township_b.pk
    assert response.context["report"].figures["totals"]["petitions"] == 1
    assert "河口乡" in response.content.decode()


def test_a_unit_outside_the_users_scope_is_not_found(client, month):
    assert login(client, month.clerk_a).get(reverse(PAGE), {"unit": month.township_b.pk}).status_code == 404
    assert login(client, month.supervisor).get(reverse(PAGE), {"unit": 999_999}).status_code == 404


def test_anonymous_is_sent_to_log_in(client, month):
    assert_login_redirect(client.get(reverse(PAGE)))


def test_a_user_without_unit_or_county_role_is_refused(client, month):
    nobody = make_user(unit=None, roles=["clerk"])
    assert login(client, nobody).get(reverse(PAGE)).status_code == 403


def test_the_navbar_links_the_statistics_for_users_with_a_role(client, month):
    link = f'href="{reverse(PAGE)}"'
    assert link in login(client, month.handler_a).get(reverse("case-list")).content.decode()
    without_role = make_user(unit=month.township_a, roles=[])
    assert link not in login(client, without_role).get(reverse("case-list")).content.decode()


# --- the page: bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (lambda: {"year": timezone.localdate().year + 1, "month": 1}, "That period has not begun yet"),
        (lambda: {"year": 2001, "month": 1}, "That period ends before the first petition was received"),
        (lambda: {"date_from": "2026-05-10", "date_to": "2026-05-01"}, "The last day is before the first day."),
        (lambda: {"year": 2026, "month": 5, "date_from": "2026-05-01", "date_to": "2026-05-10"}, "Give either a month or a range"),
        (lambda: {"year": 2026}, "Give both the year and the month."),
        (lambda: {"date_from": "2026-05-01"}, "Give both the first and the last day."),
        (lambda: {"month": 13}, "Ensure this value is less than or equal to 12."),
        (lambda: {"date_from": "yesterday", "date_to": "2026-05-01"}, "Enter a valid date."),
    ],
)
def test_bad_periods_come_back_on_the_form_and_nothing_is_computed(client, month, query, message):
    response = login(client, month.supervisor).get(reverse(PAGE), query())

    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert "report" not in response.context
    assert 'id="report-totals"' not in response.content.decode()


def test_no_figures_before_any_petition(client, county):
    response = login(client, county.supervisor).get(reverse(PAGE))
    assert response.status_code == 400
    assert "No petition has been registered yet" in response.content.decode()


def test_a_future_year_stays_chosen_beside_its_message(client, month):
    year = timezone.localdate().year + 1
    response = login(client, month.supervisor).get(reverse(PAGE), {"year": year, "month": 1})
    assert f'<option value="{year}" selected>' in response.content.decode()


def test_a_range_of_days(client, month):
    response = login(client, month.supervisor).get(
        reverse(PAGE), {"date_from": in_last_month(4).date().isoformat(), "date_to": in_last_month(20).date().isoformat()}
    )
    assert response.status_code == 200
    assert response.context["report"].figures["totals"]["petitions"] == 2
    assert response.context["is_month"] is False
    assert 'id="month-closing"' not in response.content.decode()


# --- the page: tables -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "text", "is_number"),
    [
        ("int", 12345, "12,345", True),
        ("int", 0, "0", True),
        ("percent", 0.935, "93.5%", True),
        ("percent", -1, "-100.0%", True),
        ("percent", None, "—", True),
        ("date", "2026-09-30", "2026-09-30", False),
        ("date", None, "—", False),
        ("text", "城关镇", "城关镇", False),
    ],
)
def test_cells_are_written_by_their_kind(kind, value, text, is_number):
    assert views._cell(Column("label", kind), value) == views.Cell(text, is_number=is_number)


def test_the_known_month_reads_as_counted_by_hand(client, known_month):
    """September 2026 of reporting/tests/conftest.py: the figures written as the page writes them."""
    response = login(client, known_month.county.supervisor).get(reverse(PAGE), {"year": 2026, "month": 9})

    rows = {view.table.key: [[cell.text for cell in row] for row in view.rows] for view in response.context["tables"]}
    # 14 petitions; 6 in August (+133.3 %), 5 in September 2025 (+180.0 %).
    assert rows["totals"][0] == ["All petitions (items)", "14", "6", "133.3%", "5", "180.0%"]
    assert rows["totals"][3] == ["Visits (people)", "15", "8", "87.5%", "10", "50.0%"]
    assert rows["rates"] == [
        ["Timely acceptance rate", "2", "6", "33.3%"],
        ["On-time completion rate", "3", "7", "42.9%"],
        ["Participation rate", "5", "6", "83.3%"],
        ["Satisfaction rate", "4", "5", "80.0%"],
    ]
    overdue_reg_nos = [row[0] for row in rows["overdue"]]
    assert known_month.cases["unserved_overdue"].reg_no in overdue_reg_nos
    assert known_month.cases["served_on_due_day"].reg_no not in overdue_reg_nos


def test_rates_print_their_formulas(client, month):
    html = login(client, month.supervisor).get(reverse(PAGE)).content.decode()
    for formula in rate_formulas().values():
        assert escape(formula) in html


def test_overdue_and_supervised_cases_link_to_their_case(client, month):
    overdue = _overdue_case(month, last_month().start + timedelta(days=4))
    order = case_services.supervision_issue(
        actor=month.supervisor, case=overdue, unit=month.township_a, due_on=timezone.localdate(), instruction="限期办结"
    )
    SupervisionOrder.objects.filter(pk=order.pk).update(issued_at=in_last_month(8))

    response = login(client, month.supervisor).get(reverse(PAGE))

    html = response.content.decode()
    link = f'<a href="{reverse("case-detail", args=[overdue.pk])}">{overdue.petitions.get().reg_no}</a>'
    overdue_section = html[html.index('id="report-overdue"') : html.index('id="report-supervised"')]
    supervised_section = html[html.index('id="report-supervised"') :]
    assert link in overdue_section
    assert link in supervised_section


def test_long_lists_of_cases_come_a_page_at_a_time(client, month, monkeypatch):
    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 1)
    first = _overdue_case(month, last_month().start + timedelta(days=2))
    second = _overdue_case(month, last_month().start + timedelta(days=6))
    client = login(client, month.supervisor)

    page_one = client.get(reverse(PAGE), month_query(last_month())).content.decode()
    page_two = client.get(reverse(PAGE), month_query(last_month(), overdue_page=2)).content.decode()

    # The most overdue first; the other list's page and the period are kept in the links.
    assert reverse("case-detail", args=[first.pk]) in page_one and reverse("case-detail", args=[second.pk]) not in page_one
    assert reverse("case-detail", args=[second.pk]) in page_two and reverse("case-detail", args=[first.pk]) not in page_two
    assert escape(f"?year={last_month().start.year}&month={last_month().start.month}&overdue_page=2#report-overdue") in page_one


# --- a closed month -------------------------------------------------------------------------------


def test_a_closed_month_shows_its_frozen_figures_and_where_live_data_now_differs(client, month):
    period = last_month()
    services.month_close(actor=month.supervisor, year=period.start.year, month=period.start.month)
    # A late registration in the closed month.
    make_petition(actor=month.clerk_a, locality=month.township_a, received_at=in_last_month(20))

    response = login(client, month.supervisor).get(reverse(PAGE), month_query(period))

    assert response.status_code == 200
    assert response.context["report"].is_frozen
    assert response.context["report"].figures["totals"]["petitions"] == 3  # frozen, not 4
    differences = response.context["differences"]
    assert {"section": "Volumes", "key": "All petitions (items)", "frozen": "3", "live": "4"} in differences
    assert {"section": "By responsible unit", "key": "城关镇", "frozen": "2", "live": "3"} in differences
    assert {"section": "By locality", "key": "城关镇", "frozen": "2", "live": "3"} in differences
    assert {"section": "By channel", "key": "Visit", "frozen": "2", "live": "3"} in differences
    html = response.content.decode()
    assert 'id="live-differences"' in html
    assert "Closed on" in html and month.supervisor.full_name in html


def test_a_closed_month_without_changes_says_live_data_agrees(client, month):
    period = last_month()
    services.month_close(actor=month.supervisor, year=period.start.year, month=period.start.month)
    response = login(client, month.clerk_a).get(reverse(PAGE), month_query(period))
    assert response.context["differences"] == []
    assert 'id="live-unchanged"' in response.content.decode()


def test_the_difference_names_a_unit_added_after_the_month_was_closed(client, month):
    period = last_month()
    services.month_close(actor=month.supervisor, year=period.start.year, month=period.start.month)
    added = make_unit(kind=UnitKind.DEPARTMENT, name="县新设局")
    clerk = make_user(unit=added, roles=["clerk"])
    make_petition(actor=clerk, locality=month.township_a, received_at=in_last_month(21))

    differences = login(client, month.supervisor).get(reverse(PAGE), month_query(period)).context["differences"]

    assert {"section": "By responsible unit", "key": "县新设局", "frozen": "0", "live": "1"} in differences


# --- closing and reopening a month ------------------------------------------------------------------


def test_the_page_offers_closing_to_supervisors_for_a_month_that_is_over(client, month):
    supervisor_page = login(client, month.supervisor).get(reverse(PAGE), month_query(last_month())).content.decode()
    assert 'id="month-close-form"' in supervisor_page and 'id="month-reopen-form"' not in supervisor_page

    running = login(client, month.supervisor).get(reverse(PAGE), month_query(this_month())).content.decode()
    assert 'id="month-close-form"' not in running
    assert "The month is not over yet" in running

    clerk_page = login(client, month.clerk_a).get(reverse(PAGE), month_query(last_month())).content.decode()
    assert 'id="month-close-form"' not in clerk_page and 'id="month-reopen-form"' not in clerk_page


def test_supervisor_closes_a_month(client, month):
    period = last_month()
    response = login(client, month.supervisor).post(reverse("report-close"), month_query(period, unit=month.township_a.pk))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse(PAGE)}?year={period.start.year}&month={period.start.month}&unit={month.township_a.pk}"
    closing = MonthClosing.objects.get()
    assert (closing.year, closing.month, closing.closed_by) == (period.start.year, period.start.month, month.supervisor)
    page = client.get(response["Location"])
    assert "The month is closed: its figures are frozen." in messages_of(page)
    html = page.content.decode()
    assert 'id="month-reopen-form"' in html and 'id="month-close-form"' not in html
    assert 'id="month-history"' in html


def test_closing_a_month_twice_says_so_and_changes_nothing(client, month):
    period = last_month()
    services.month_close(actor=month.supervisor, year=period.start.year, month=period.start.month)
    snapshots = ReportSnapshot.objects.count()

    response = login(client, month.supervisor).post(reverse("report-close"), month_query(period), follow=True)

    assert f"{period.start:%Y-%m} is already closed." in messages_of(response)
    assert MonthClosing.objects.count() == 1 and ReportSnapshot.objects.count() == snapshots


def test_a_month_not_over_cannot_be_closed(client, month):
    response = login(client, month.supervisor).post(reverse("report-close"), month_query(this_month()), follow=True)
    assert any("is not over yet" in message for message in messages_of(response))
    assert not MonthClosing.objects.exists()


def test_a_bad_month_to_close_says_so(client, month):
    response = login(client, month.supervisor).post(reverse("report-close"), {"year": 2026, "month": 13}, follow=True)
    assert "Ensure this value is less than or equal to 12." in messages_of(response)
    assert not MonthClosing.objects.exists()


@pytest.mark.parametrize("name", ["clerk_a", "handler_a", "leader_a", "admin", "bureau_clerk"])
def test_only_supervisors_close_and_reopen(client, month, name):
    period = last_month()
    response = login(client, getattr(month, name)).post(reverse("report-close"), month_query(period))
    assert response.status_code == 403
    assert not MonthClosing.objects.exists()

    services.month_close(actor=month.supervisor, year=period.start.year, month=period.start.month)
    response = client.post(reverse("report-reopen"), month_query(period, reason="数据更正"))
    assert response.status_code == 403
    assert MonthClosing.objects.get().reopened_at is None


def test_anonymous_cannot_close_or_reopen(client, month):
    period = last_month()
    assert_login_redirect(client.post(reverse("report-close"), month_query(period)))
    assert not MonthClosing.objects.exists()
    services.month_close(actor=month.supervisor, year=period.start.year, month=period.start.month)
    assert_login_redirect(client.post(reverse("report-reopen"), month_query(period, reason="数据更正")))
    assert MonthClosing.objects.get().reopened_at is None


def test_closing_and_reopening_are_posts(client, month):
    login(client, month.supervisor)
    assert client.get(reverse("report-close"), month_query(last_month())).status_code == 405
    assert client.get(reverse("report-reopen"), month_query(last_month())).status_code == 405
    assert not MonthClosing.objects.exists()


def test_supervisor_reopens_a_month_with_a_reason(client, month):
    period = last_month()
    services.month_close(actor=month.supervisor, year=period.start.year, month=period.start.month)

    response = login(client, month.supervisor).post(reverse("report-reopen"), month_query(period, reason="补录迟到信件"), follow=True)

    closing = MonthClosing.objects.get()
    assert (closing.reopened_by, closing.reopen_reason) == (month.supervisor, "补录迟到信件")
    assert "The month is reopened: its figures are live again until it is closed anew." in messages_of(response)
    html = response.content.decode()
    assert "Reopened on" in html and "补录迟到信件" in html
    assert 'id="month-close-form"' in html  # it may be closed again
    assert not response.context["report"].is_frozen


def test_reopening_needs_a_reason(client, month):
    period = last_month()
    services.month_close(actor=month.supervisor, year=period.start.year, month=period.start.month)
    response = login(client, month.supervisor).post(reverse("report-reopen"), month_query(period, reason="  "), follow=True)
    assert "This field is required." in messages_of(response)
    assert MonthClosing.objects.get().reopened_at is None


def test_reopening_a_month_not_closed_says_so(client, month):
    response = login(client, month.supervisor).post(reverse("report-reopen"), month_query(last_month(), reason="更正"), follow=True)
    assert f"{last_month().start:%Y-%m} is not closed." in messages_of(response)
    assert not MonthClosing.objects.exists()


# --- report files -----------------------------------------------------------------------------------


def test_a_file_asked_for_is_built_and_downloaded(client, month, inline_tasks, django_capture_on_commit_callbacks):
    period = last_month()
    login(client, month.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report-run-request"), month_query(period, format="csv"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse(PAGE)}?year={period.start.year}&month={period.start.month}#report-runs"
    run = ReportRun.objects.get()
    assert (run.status, run.progress, run.format, run.unit, run.requested_by) == (RunStatus.DONE, 100, "csv", None, month.supervisor)
    assert (run.date_from, run.date_to) == (period.start, period.end)

    page = client.get(response["Location"])
    assert "The CSV file is asked for: its progress is shown under Report files." in messages_of(page)
    row = client.get(reverse("report-run-status", args=[run.pk])).content.decode()
    assert reverse("report-run-file", args=[run.pk]) in row
    assert "hx-trigger" not in row  # done: the row stops polling
    assert reverse("report-run-file", args=[run.pk]) in page.content.decode()
    download = client.get(reverse("report-run-file", args=[run.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="xinfang-report-{period.start:%Y-%m}-county.csv"'
    assert "All petitions (items),3," in b"".join(download.streaming_content).decode("utf-8-sig")


def test_a_unit_user_asks_for_their_units_file(client, month, inline_tasks, django_capture_on_commit_callbacks):
    login(client, month.clerk_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("report-run-request"), month_query(last_month(), format="xlsx"))
    run = ReportRun.objects.get()
    assert (run.unit, run.status) == (month.township_a, RunStatus.DONE)


def test_a_file_being_built_polls_its_progress(client, month, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not started on it
        run = services.report_run_request(actor=month.clerk_a, period=last_month(), unit=month.township_a, format="pdf")
    login(client, month.clerk_a)

    row = client.get(reverse("report-run-status", args=[run.pk]), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in row and 'aria-valuenow="0"' in row

    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=40)
    row = client.get(reverse("report-run-status", args=[run.pk]), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in row and 'aria-valuenow="40"' in row and "width: 40%" in row

    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED)
    row = client.get(reverse("report-run-status", args=[run.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in row and "Failed" in row

    page = client.get(reverse(PAGE)).content.decode()
    assert f'id="report-run-{run.pk}"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (lambda: month_query(last_month(), format="docx"), "Unknown format docx: choose pdf, xlsx or csv."),
        (lambda: month_query(last_month()), "This field is required."),
        (lambda: {"year": timezone.localdate().year + 1, "month": 1, "format": "pdf"}, "That period has not begun yet"),
        (lambda: {"date_from": "2026-05-10", "date_to": "2026-05-01", "format": "pdf"}, "The last day is before the first day."),
    ],
)
def test_bad_requests_for_a_file_say_why_and_build_nothing(client, month, data, message):
    response = login(client, month.supervisor).post(reverse("report-run-request"), data(), follow=True)
    assert any(message in text for text in messages_of(response))
    assert not ReportRun.objects.exists()


def test_a_file_of_another_unit_is_not_found(client, month):
    response = login(client, month.clerk_a).post(
        reverse("report-run-request"), month_query(last_month(), unit=month.township_b.pk, format="pdf")
    )
    assert response.status_code == 404
    assert not ReportRun.objects.exists()


def test_files_are_refused_to_anonymous_and_users_without_a_unit(client, month):
    data = month_query(last_month(), format="pdf")
    assert_login_redirect(client.post(reverse("report-run-request"), data))
    assert login(client, make_user(unit=None, roles=["handler"])).post(reverse("report-run-request"), data).status_code == 403
    assert client.get(reverse("report-run-request")).status_code == 405
    assert not ReportRun.objects.exists()


def test_another_users_file_is_not_found(client, month, inline_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.report_run_request(actor=month.clerk_a, period=last_month(), unit=month.township_a, format="csv")
    login(client, month.clerk_b)
    assert client.get(reverse("report-run-status", args=[run.pk])).status_code == 404
    assert client.get(reverse("report-run-file", args=[run.pk])).status_code == 404
    assert f'id="report-run-{run.pk}"' not in client.get(reverse(PAGE)).content.decode()
    # The county office sees every file.
    login(client, month.supervisor)
    assert client.get(reverse("report-run-status", args=[run.pk])).status_code == 200
    assert client.get(reverse("report-run-file", args=[run.pk])).status_code == 200


def test_a_file_not_built_yet_cannot_be_downloaded(client, month, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = services.report_run_request(actor=month.clerk_a, period=last_month(), unit=month.township_a, format="csv")
    assert login(client, month.clerk_a).get(reverse("report-run-file", args=[run.pk])).status_code == 404


def test_a_signed_out_row_stops_polling(client, month, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = services.report_run_request(actor=month.clerk_a, period=last_month(), unit=month.township_a, format="csv")
    assert client.get(reverse("report-run-status", args=[run.pk]), headers={"HX-Request": "true"}).status_code == 286
    assert_login_redirect(client.get(reverse("report-run-status", args=[run.pk])))
    assert_login_redirect(client.get(reverse("report-run-file", args=[run.pk])))


# --- query counts -------------------------------------------------------------------------------------


def _dataset(county, size: int) -> None:
    """`size` more units, each with a petition last month, and `size` overdue cases with a file each."""
    for number in range(size):
        unit = make_unit(kind=UnitKind.DEPARTMENT, name=f"县第{number}局")
        clerk = make_user(unit=unit, roles=["clerk"])
        make_petition(actor=clerk, locality=county.township_a, received_at=in_last_month(number % 27 + 1))
        make_petition(actor=county.clerk_a, locality=county.township_a, received_at=in_last_month(number % 27 + 1))
        _overdue_case(county, last_month().start + timedelta(days=number % 27))
        ReportRun.objects.create(date_from=last_month().start, date_to=last_month().end, format="pdf", requested_by=county.supervisor)
        ReportRun.objects.create(
            date_from=last_month().start, date_to=last_month().end, format="csv", unit=county.township_a, requested_by=county.clerk_a
        )


# The page reads: the session and the user; the units in scope (and below the user's unit); the
# first petition's day, for the form's check and for the years it offers; the unit asked for; the
# figures (report_figures: 17); the month's closing, then its history; the last files; and the
# navbar's counts. A unit's scope reads the units below it once more for the figures.
COUNTY_QUERIES = 25
UNIT_QUERIES = 28


@pytest.mark.parametrize("size", [1, 6])
def test_page_query_count_does_not_grow_with_the_data(client, month, size, django_assert_max_num_queries):
    _dataset(month, size)
    for user, queries in ((month.supervisor, COUNTY_QUERIES), (month.clerk_a, UNIT_QUERIES)):
        login(client, user)
        with django_assert_max_num_queries(queries):
            response = client.get(reverse(PAGE))
        assert response.status_code == 200
        assert len(response.context["report"].figures["overdue"]) >= size
        assert len(response.context["runs"]) >= size


@pytest.mark.parametrize("size", [1, 6])
def test_closed_month_query_count_does_not_grow_with_the_data(client, month, size, django_assert_max_num_queries):
    _dataset(month, size)
    period = last_month()
    services.month_close(actor=month.supervisor, year=period.start.year, month=period.start.month)
    make_petition(actor=month.clerk_a, locality=month.township_a, received_at=in_last_month(15))
    login(client, month.supervisor)
    # And the snapshot.
    with django_assert_max_num_queries(COUNTY_QUERIES + 1):
        response = client.get(reverse(PAGE), month_query(period))
    assert response.context["differences"]


def test_an_invalid_form_computes_nothing(client, month, django_assert_max_num_queries):
    """The session, the user, the units, the first petition's day (the check and the years), the bell."""
    login(client, month.supervisor)
    with django_assert_max_num_queries(6):
        response = client.get(reverse(PAGE), {"year": 2001, "month": 1})
    assert response.status_code == 400
