"""API (API.md, Reports): the monthly figures, closing and reopening a month, report runs.

Each endpoint gets the quartet: the allowed role, a refused role (403, nothing saved), a user asking
for another unit's figures (404) and anonymous (401); then bad input (400 with field errors) and
conflicts (409). Query counts are pinned and shown not to grow with the data.
"""

from datetime import date

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import UnitKind
from accounts.tests.factories import make_unit, make_user
from cases.tests.factories import make_case
from petitions import services as petition_services
from petitions.tests.factories import make_petition
from reporting import exports
from reporting.models import MonthClosing, ReportRun, ReportSnapshot
from reporting.tests.conftest import AUGUST_TOTALS, SEPTEMBER_RATES, SEPTEMBER_TOTALS, at

MONTHLY = "/api/v1/reports/monthly/"
CLOSE = "/api/v1/reports/monthly/close/"
REOPEN = "/api/v1/reports/monthly/reopen/"
RUNS = "/api/v1/reports/runs/"
SEPTEMBER = {"year": 2026, "month": 9}


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def api():
    return APIClient()


def as_user(api: APIClient, user) -> APIClient:
    api.force_authenticate(user)
    return api


@pytest.fixture
def september(county):
    """A small September: two letters for township A, a visit for township B."""
    make_petition(actor=county.clerk_a, locality=county.township_a, received_at=at(9, 3), channel="letter")
    make_petition(actor=county.clerk_a, locality=county.township_a, received_at=at(9, 4), channel="letter")
    make_petition(actor=county.clerk_b, locality=county.township_b, received_at=at(9, 5), channel="visit")
    return county


def closings() -> list:
    return [list(MonthClosing.objects.values_list("year", "month", "reopened_at", "reopen_reason")), ReportSnapshot.objects.count()]


# GET /reports/monthly/ ----------------------------------------------------------------------------


def test_the_county_report_for_a_supervisor(api, known_month):
    county = known_month.county
    response = as_user(api, county.supervisor).get(MONTHLY, SEPTEMBER)
    assert response.status_code == 200
    data = response.json()

    # API.md's shape, and what this implementation adds.
    assert set(data) == {
        *("period", "totals", "by_channel", "by_category", "by_locality", "by_unit", "rates", "overdue", "change"),
        *("unit", "as_of", "by_purpose", "rate_counts", "supervised", "frozen", "closed_at", "live_differences"),
    }
    assert data["period"] == {"start": "2026-09-01", "end": "2026-09-30", "year": 2026, "month": 9}
    assert data["unit"] is None
    assert data["as_of"] == timezone.localdate().isoformat()
    api_md_totals = ("petitions", "letters", "visits_batches", "visits_people", "online", "phone", "group_batches", "group_people")
    assert {key: data["totals"][key] for key in (*api_md_totals, "repeat", "skip_level")} == {
        "petitions": 14,
        "letters": 5,
        "visits_batches": 5,
        "visits_people": 15,
        "online": 2,
        "phone": 1,
        "group_batches": 2,
        "group_people": 11,
        "repeat": 2,
        "skip_level": 2,
    }
    assert data["totals"] == SEPTEMBER_TOTALS
    assert data["by_channel"][1] == {"channel": "visit", "items": 5, "people": 15}
    assert [(row["code"], row["items"]) for row in data["by_category"] if row["items"]] == [
        ("04", 1),
        ("06", 1),
        ("07", 2),
        ("08", 7),
        ("11", 1),
        ("13", 1),
        ("99", 1),
    ]
    assert [(row["id"], row["items"]) for row in data["by_locality"]] == [(county.township_a.pk, 9), (county.township_b.pk, 5)]
    assert [row["items"] for row in data["by_unit"]] == [1, 1, 1, 1, 7, 3]
    # Fractions 0..1 as JSON numbers.
    assert data["rates"] == SEPTEMBER_RATES
    assert data["rates"] == {
        "timely_acceptance": 0.3333333333333333,
        "on_time_completion": 0.42857142857142855,
        "participation": 0.8333333333333334,
        "satisfaction": 0.8,
    }
    cases = known_month.cases
    assert [(row["case"], row["days_overdue"]) for row in data["overdue"]] == [
        (cases["due_august_served_september"].pk, 14),
        (cases["served_late"].pk, 4),
        (cases["unserved_overdue"].pk, 18),
        (cases["served_after_month"].pk, 9),
        (cases["unserved_due_on_the_23rd"].pk, 7),
    ]
    assert data["overdue"][2]["handling_due"] == "2026-09-12" and data["overdue"][2]["served_on"] is None
    assert len(data["supervised"]) == 3
    assert data["change"]["month_on_month"]["totals"] == AUGUST_TOTALS
    assert data["change"]["month_on_month"]["change"]["petitions"] == 8 / 6
    assert data["change"]["month_on_month"]["change"]["phone"] is None
    assert data["change"]["year_on_year"]["period"]["start"] == "2025-09-01"
    assert data["change"]["year_on_year"]["change"]["visits_people"] == 0.5
    assert (data["frozen"], data["closed_at"], data["live_differences"]) == (False, None, [])


def test_a_unit_user_gets_their_units_report_and_no_other(api, known_month):
    county = known_month.county
    data = as_user(api, county.clerk_a).get(MONTHLY, SEPTEMBER).json()
    assert data["unit"] == {"id": county.township_a.pk, "code": county.township_a.code, "name": "城关镇"}
    assert data["totals"]["petitions"] == 8  # with the sub-unit's
    assert data["rates"]["timely_acceptance"] == 0.5

    sub_unit = as_user(api, county.clerk_a).get(MONTHLY, {**SEPTEMBER, "unit": known_month.sub_unit.pk})
    assert sub_unit.status_code == 200 and sub_unit.json()["totals"]["petitions"] == 1

    for unit in (county.township_b, county.bureau):
        response = as_user(api, county.clerk_a).get(MONTHLY, {**SEPTEMBER, "unit": unit.pk})
        assert response.status_code == 404
    assert as_user(api, county.handler_b).get(MONTHLY, {**SEPTEMBER, "unit": county.township_a.pk}).status_code == 404

    township_b = as_user(api, county.handler_b).get(MONTHLY, SEPTEMBER).json()
    assert (township_b["unit"]["id"], township_b["totals"]["petitions"]) == (county.township_b.pk, 3)
    # The county office may ask for any unit.
    department = as_user(api, county.supervisor).get(MONTHLY, {**SEPTEMBER, "unit": county.department.pk}).json()
    assert (department["unit"]["id"], department["totals"]["group_people"]) == (county.department.pk, 6)


def test_monthly_anonymous_is_401(api, september):
    assert api.get(MONTHLY, SEPTEMBER).status_code == 401


def test_a_user_without_a_unit_is_refused(api, september):
    nobody = make_user(unit=None, roles=["clerk"])
    assert as_user(api, nobody).get(MONTHLY, SEPTEMBER).status_code == 403


def test_without_a_period_it_is_last_month(api, september):
    today = timezone.localdate()
    last_month = today.replace(day=1).toordinal() - 1
    expected = date.fromordinal(last_month)
    data = as_user(api, september.supervisor).get(MONTHLY).json()
    assert (data["period"]["year"], data["period"]["month"]) == (expected.year, expected.month)


def test_a_range_of_days(api, september):
    data = as_user(api, september.supervisor).get(MONTHLY, {"date_from": "2026-09-04", "date_to": "2026-09-05"}).json()
    assert data["period"] == {"start": "2026-09-04", "end": "2026-09-05", "year": None, "month": None}
    assert (data["totals"]["letters"], data["totals"]["visits_batches"]) == (1, 1)
    assert data["change"]["month_on_month"]["period"] == {"start": "2026-09-02", "end": "2026-09-03", "year": None, "month": None}


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"year": 2100, "month": 12}, {"detail": "That period has not begun yet: there are no figures for it."}),
        (
            {"year": 2026, "month": 8},
            {"detail": "That period ends before the first petition was received (2026-09-03): there are no figures for it."},
        ),
        ({"date_from": "2026-09-10", "date_to": "2026-09-01"}, {"date_to": ["The last day is before the first day."]}),
        (
            {"year": 2026, "month": 9, "date_from": "2026-09-01", "date_to": "2026-09-10"},
            {"detail": "Give either a month or a range of dates, not both."},
        ),
        ({"date_from": "2026-09-01"}, {"date_to": ["Give both the first and the last day."]}),
        ({"year": 2026}, {"month": ["Give both the year and the month."]}),
        ({"year": 2026, "month": 13}, {"month": ["Ensure this value is less than or equal to 12."]}),
        ({"year": "二〇二六", "month": 9}, {"year": ["Enter a whole number."]}),
        ({"date_from": "2026-02-30", "date_to": "2026-03-01"}, {"date_from": ["Enter a valid date."]}),
        ({"year": 2026, "month": 9, "unit": "A"}, {"unit": ["Enter a whole number."]}),
    ],
)
def test_monthly_bad_input_is_a_400_with_the_reason(api, september, query, errors):
    response = as_user(api, september.supervisor).get(MONTHLY, query)
    assert response.status_code == 400
    assert response.json() == errors


def test_before_any_petition_there_are_no_figures(api, county):
    response = as_user(api, county.supervisor).get(MONTHLY, SEPTEMBER)
    assert response.status_code == 400
    assert response.json() == {"detail": "No petition has been registered yet, so there are no figures to report."}


def test_monthly_query_count_does_not_grow_with_the_data(api, september, django_assert_num_queries, django_assert_max_num_queries):
    """The same queries for three petitions as for many more, more units and a case."""

    def count(user, queries):
        as_user(api, user).get(MONTHLY, SEPTEMBER)  # warm: content types, the user's roles
        with django_assert_num_queries(queries):
            assert as_user(api, user).get(MONTHLY, SEPTEMBER).status_code == 200

    count(september.supervisor, 15)
    count(september.clerk_a, 17)
    with django_assert_max_num_queries(18):
        as_user(api, september.supervisor).get(MONTHLY, SEPTEMBER)
    with django_assert_max_num_queries(20):
        as_user(api, september.clerk_a).get(MONTHLY, SEPTEMBER)

    for number in range(3):
        unit = make_unit(kind=UnitKind.DEPARTMENT, parent=september.township_a)
        make_unit(kind=UnitKind.TOWNSHIP)
        for day in range(1, 6):
            petition = make_petition(
                actor=september.clerk_a, locality=september.township_a, received_at=at(9, day + number * 5), channel="online"
            )
            petition_services.petition_route(actor=september.clerk_a, petition=petition, unit=unit, mode="transfer", reason="按职责转送")
    make_case(september, state="in_progress", accepted_on=date(2026, 7, 1))
    count(september.supervisor, 15)
    count(september.clerk_a, 17)


def test_a_frozen_month_answers_its_frozen_figures_and_what_differs_now(api, september):
    closed = as_user(api, september.supervisor).post(CLOSE, SEPTEMBER, format="json").json()
    make_petition(actor=september.clerk_b, locality=september.township_b, received_at=at(9, 20), channel="letter")

    data = as_user(api, september.supervisor).get(MONTHLY, SEPTEMBER).json()
    assert data["frozen"] is True and data["closed_at"] == closed["closed_at"]
    assert (data["totals"]["petitions"], data["totals"]["letters"]) == (3, 2)
    assert [(row["section"], row["key"], row["frozen"], row["live"]) for row in data["live_differences"]] == [
        ("totals", "petitions", 3, 4),
        ("totals", "letters", 2, 3),
        ("by_channel", "letter", 2, 3),
        ("by_purpose", "complaint", 3, 4),
        ("by_category", data["by_category"][7]["id"], 3, 4),  # 08, the factories' category
        ("by_locality", september.township_b.pk, 1, 2),
        ("by_unit", september.township_b.pk, 1, 2),
    ]
    # Township B's user sees township B's frozen figures.
    township_b = as_user(api, september.clerk_b).get(MONTHLY, SEPTEMBER).json()
    assert (township_b["frozen"], township_b["totals"]["petitions"], len(township_b["live_differences"])) == (True, 1, 7)
    township_a = as_user(api, september.clerk_a).get(MONTHLY, SEPTEMBER).json()
    assert (township_a["frozen"], township_a["totals"]["petitions"], township_a["live_differences"]) == (True, 2, [])


def test_a_frozen_months_query_count(api, september, django_assert_max_num_queries):
    as_user(api, september.supervisor).post(CLOSE, SEPTEMBER, format="json")
    with django_assert_max_num_queries(19):  # the snapshot, and today's figures to compare
        assert as_user(api, september.supervisor).get(MONTHLY, SEPTEMBER).status_code == 200


# POST /reports/monthly/close/ and /reopen/ --------------------------------------------------------


def test_closing_a_month(api, september):
    response = as_user(api, september.supervisor).post(CLOSE, SEPTEMBER, format="json")
    assert response.status_code == 200
    data = response.json()
    closing = MonthClosing.objects.get()
    assert data == {
        "year": 2026,
        "month": 9,
        "closed_at": data["closed_at"],
        "closed_by": "supervisor",
        "reopened_at": None,
        "reopened_by": None,
        "reopen_reason": "",
    }
    assert data["closed_at"] == timezone.localtime(closing.closed_at).isoformat()
    assert data["closed_at"].endswith("+08:00")  # shown in Asia/Shanghai, as every time the API gives
    assert ReportSnapshot.objects.filter(closing=closing).count() == 6


def test_closing_refused(api, september):
    for user in (september.clerk_a, september.leader_a, september.admin):
        response = as_user(api, user).post(CLOSE, SEPTEMBER, format="json")
        assert response.status_code == 403
    assert APIClient().post(CLOSE, SEPTEMBER, format="json").status_code == 401
    assert closings() == [[], 0]


def test_closing_twice_is_a_conflict(api, september):
    assert as_user(api, september.supervisor).post(CLOSE, SEPTEMBER, format="json").status_code == 200
    before = closings()
    response = as_user(api, september.supervisor).post(CLOSE, SEPTEMBER, format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "2026-09 is already closed."}
    assert closings() == before


def test_closing_the_running_month_is_a_conflict(api, september):
    today = timezone.localdate()
    response = as_user(api, september.supervisor).post(CLOSE, {"year": today.year, "month": today.month}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"{today.year}-{today.month:02d} is not over yet; a month can be closed from the day after its last day."
    }
    assert closings() == [[], 0]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"year": 2026}, {"month": ["This field is required."]}),
        ({"year": 2026, "month": 0}, {"month": ["Ensure this value is greater than or equal to 1."]}),
        ({"year": "next", "month": 9}, {"year": ["Enter a whole number."]}),
    ],
)
def test_closing_bad_input(api, september, body, errors):
    response = as_user(api, september.supervisor).post(CLOSE, body, format="json")
    assert (response.status_code, response.json()) == (400, errors)
    assert closings() == [[], 0]


def test_reopening_a_month(api, september):
    as_user(api, september.supervisor).post(CLOSE, SEPTEMBER, format="json")
    response = as_user(api, september.supervisor).post(REOPEN, {**SEPTEMBER, "reason": "补录漏登来信"}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert (data["reopened_by"], data["reopen_reason"], data["closed_by"]) == ("supervisor", "补录漏登来信", "supervisor")
    assert data["reopened_at"].endswith("+08:00")
    assert as_user(api, september.supervisor).get(MONTHLY, SEPTEMBER).json()["frozen"] is False
    # And it can be closed again.
    assert as_user(api, september.supervisor).post(CLOSE, SEPTEMBER, format="json").status_code == 200
    assert MonthClosing.objects.count() == 2


def test_reopening_refused(api, september):
    as_user(api, september.supervisor).post(CLOSE, SEPTEMBER, format="json")
    before = closings()
    body = {**SEPTEMBER, "reason": "重新统计"}
    for user in (september.clerk_a, september.leader_a, september.admin):
        assert as_user(api, user).post(REOPEN, body, format="json").status_code == 403
    assert APIClient().post(REOPEN, body, format="json").status_code == 401
    response = as_user(api, september.supervisor).post(REOPEN, SEPTEMBER, format="json")
    assert (response.status_code, response.json()) == (400, {"reason": ["This field is required."]})
    response = as_user(api, september.supervisor).post(REOPEN, {**SEPTEMBER, "reason": "   "}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["reason"]
    assert closings() == before


def test_reopening_a_month_that_is_not_closed_is_a_conflict(api, september):
    response = as_user(api, september.supervisor).post(REOPEN, {**SEPTEMBER, "reason": "重新统计"}, format="json")
    assert (response.status_code, response.json()) == (409, {"detail": "2026-09 is not closed."})


# Report runs ------------------------------------------------------------------------------------


def test_asking_for_a_file(api, september, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = as_user(api, september.clerk_a).post(RUNS, {**SEPTEMBER, "format": "pdf"}, format="json")
    assert response.status_code == 202
    run = ReportRun.objects.get()
    assert len(queued) == 1
    data = response.json()
    assert {key: data[key] for key in ("id", "status", "progress", "file_url", "format", "unit", "scheduled")} == {
        "id": run.pk,
        "status": "pending",
        "progress": 0,
        "file_url": None,
        "format": "pdf",
        "unit": september.township_a.pk,
        "scheduled": False,
    }
    assert (data["date_from"], data["date_to"]) == ("2026-09-01", "2026-09-30")
    assert run.requested_by == september.clerk_a


def test_a_run_is_polled_until_done(api, september, inline_tasks, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(exports, "export_file", lambda *, report, format: exports.ExportedFile("report.csv", "text/csv", b"a,b\n"))
    with django_capture_on_commit_callbacks(execute=True):
        created = as_user(api, september.supervisor).post(
            RUNS, {**SEPTEMBER, "unit": september.township_b.pk, "format": "csv"}, format="json"
        )
    run_id = created.json()["id"]
    data = as_user(api, september.supervisor).get(f"{RUNS}{run_id}/").json()
    assert (data["id"], data["status"], data["progress"], data["unit"]) == (run_id, "done", 100, september.township_b.pk)
    assert data["file_url"] == f"http://testserver/reports/runs/{run_id}/file/"


def test_runs_refused(api, september, django_capture_on_commit_callbacks):
    # Another unit's figures: 404, and nothing saved or queued.
    with django_capture_on_commit_callbacks() as queued:
        response = as_user(api, september.clerk_a).post(
            RUNS, {**SEPTEMBER, "unit": september.township_b.pk, "format": "pdf"}, format="json"
        )
    assert response.status_code == 404 and queued == []
    assert APIClient().post(RUNS, {**SEPTEMBER, "format": "pdf"}, format="json").status_code == 401
    nobody = make_user(unit=None, roles=["clerk"])
    assert as_user(api, nobody).post(RUNS, {**SEPTEMBER, "format": "pdf"}, format="json").status_code == 403
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({**SEPTEMBER, "format": "docx"}, {"format": ["Unknown format docx: choose pdf, xlsx or csv."]}),
        (SEPTEMBER, {"format": ["This field is required."]}),
        ({"year": 2100, "month": 1, "format": "pdf"}, {"detail": "That period has not begun yet: there are no figures for it."}),
        ({"date_from": "2026-09-10", "date_to": "2026-09-01", "format": "csv"}, {"date_to": ["The last day is before the first day."]}),
    ],
)
def test_runs_bad_input(api, september, body, errors):
    response = as_user(api, september.supervisor).post(RUNS, body, format="json")
    assert (response.status_code, response.json()) == (400, errors)
    assert not ReportRun.objects.exists()


def test_a_run_is_seen_by_who_asked_and_the_county_office(api, september, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        run_id = as_user(api, september.clerk_a).post(RUNS, {**SEPTEMBER, "format": "xlsx"}, format="json").json()["id"]
    url = f"{RUNS}{run_id}/"
    assert as_user(api, september.clerk_a).get(url).json()["id"] == run_id
    assert as_user(api, september.supervisor).get(url).status_code == 200
    # Someone else, even of the same unit, does not see it.
    assert as_user(api, september.handler_a).get(url).status_code == 404
    assert as_user(api, september.clerk_b).get(url).status_code == 404
    assert APIClient().get(url).status_code == 401
    assert as_user(api, september.clerk_a).get(f"{RUNS}999999/").status_code == 404
    # The list: one's own.
    assert [row["id"] for row in as_user(api, september.clerk_a).get(RUNS).json()["results"]] == [run_id]
    assert as_user(api, september.clerk_b).get(RUNS).json()["results"] == []


@pytest.mark.parametrize("url", [CLOSE, REOPEN, RUNS])
def test_a_body_that_is_not_an_object_is_a_400(api, september, url):
    response = as_user(api, september.supervisor).post(url, [SEPTEMBER], format="json")
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid data. Expected a dictionary, but got list."})
    assert closings() == [[], 0]
    assert not ReportRun.objects.exists()
