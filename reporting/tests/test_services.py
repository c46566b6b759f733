"""Writes on the statistics: closing a month (frozen snapshots, who may, when, twice, two at once),
reopening it (audited, then live again), report runs (claimed once, failures, runs a dead worker
left) and the monthly job (once however often beat fires, the county office told once).

The files themselves are reporting/exports.py's, tested on their own: here a fake export_file stands
in, which also lets a test see what the build handed it and when.
"""

import threading
from datetime import date, timedelta

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from accounts.models import Notification, NotificationKind, UnitKind
from accounts.tests.factories import make_unit, make_user
from petitions import services as petition_services
from petitions.models import Petition, TransitionNotAllowed
from petitions.tests.factories import category, make_petition
from reporting import exports, selectors, services
from reporting.models import MonthClosing, ReportRun, ReportSnapshot, RunStatus
from reporting.periods import Period
from reporting.tests.conftest import SEPTEMBER, SEPTEMBER_RATE_COUNTS, SEPTEMBER_TOTALS, at

DAY_AFTER = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    """Messages in their English source strings; files under a temporary media root."""
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def exported(monkeypatch):
    """A fake exports.export_file that records each call, with the run's state at that moment.
    Set `exported.error` to make it fail."""
    calls = []

    def export_file(*, report, format):
        run = ReportRun.objects.filter(status=RunStatus.RUNNING).order_by("-started_at").first()
        calls.append({"report": report, "format": format, "status": run.status, "progress": run.progress})
        if export_file.error:
            raise export_file.error
        return exports.ExportedFile(filename=f"report.{format}", content_type="application/octet-stream", content=f"{format}!".encode())

    export_file.error = None
    export_file.calls = calls
    monkeypatch.setattr(exports, "export_file", export_file)
    return export_file


def closing_state() -> list:
    return [
        list(MonthClosing.objects.values_list("year", "month", "closed_by_id", "reopened_at", "reopen_reason")),
        ReportSnapshot.objects.count(),
    ]


# Closing ----------------------------------------------------------------------------------------


def test_closing_freezes_the_county_and_every_unit(known_month):
    county = known_month.county
    closing = services.month_close(actor=county.supervisor, year=2026, month=9, today=DAY_AFTER)

    assert (closing.year, closing.month, closing.closed_by, closing.reopened_at) == (2026, 9, county.supervisor, None)
    assert selectors.month_closing_get(2026, 9) == closing
    snapshots = {snapshot.unit_id: snapshot.figures for snapshot in closing.snapshots.all()}
    units = [None, county.bureau, county.leadership, county.department, county.township_a, county.township_b, known_month.sub_unit]
    assert set(snapshots) == {unit and unit.pk for unit in units}
    assert snapshots[None]["totals"] == SEPTEMBER_TOTALS
    assert snapshots[None]["rate_counts"] == SEPTEMBER_RATE_COUNTS
    assert snapshots[None]["as_of"] == "2026-10-01"
    # Each is the unit's report as it stood, JSON as stored.
    petitions = {unit_id: figures["totals"]["petitions"] for unit_id, figures in snapshots.items()}
    assert petitions == {
        None: 14,
        county.bureau.pk: 1,
        county.leadership.pk: 1,
        county.department.pk: 1,
        county.township_a.pk: 8,
        county.township_b.pk: 3,
        known_month.sub_unit.pk: 1,
    }
    for unit in units:
        assert snapshots[unit and unit.pk] == selectors.report_figures(period=SEPTEMBER, unit=unit, as_of=DAY_AFTER)


def test_a_closed_month_reprints_its_frozen_figures_and_shows_what_changed_since(known_month):
    county, petitions = known_month.county, known_month.petitions
    closing = services.month_close(actor=county.supervisor, year=2026, month=9, today=DAY_AFTER)
    frozen = ReportSnapshot.objects.get(closing=closing, unit=None).figures

    # Later: a September letter registered late, and s8's decision (due 09-25) entered as made on the 24th.
    make_petition(
        actor=county.clerk_b, locality=county.township_b, received_at=at(9, 20), channel="letter", category_code="13", purpose="other"
    )
    petition_services.petition_not_accept(actor=county.clerk_a, petition=petitions["s8"], reason="不属于本单位职责")
    Petition.objects.filter(pk=petitions["s8"].pk).update(decided_at=at(9, 24, 16))

    report = selectors.report_get(period=SEPTEMBER, unit=None)
    assert report.is_frozen and report.closing == closing
    assert report.figures == frozen
    assert report.figures["totals"]["petitions"] == 14
    assert report.live_differences is None  # only asked for

    report = selectors.report_get(period=SEPTEMBER, unit=None, compare_live=True)
    assert report.figures == frozen
    ministry_of_civil_affairs = category("13").pk
    assert report.live_differences == [
        {"section": "totals", "key": "petitions", "frozen": 14, "live": 15},
        {"section": "totals", "key": "letters", "frozen": 5, "live": 6},
        {"section": "by_channel", "key": "letter", "frozen": 5, "live": 6},
        {"section": "by_purpose", "key": "other", "frozen": 2, "live": 3},
        {"section": "by_category", "key": ministry_of_civil_affairs, "frozen": 1, "live": 2},
        {"section": "by_locality", "key": county.township_b.pk, "frozen": 5, "live": 6},
        {"section": "by_unit", "key": county.township_b.pk, "frozen": 3, "live": 4},
        {
            "section": "rates",
            "key": "timely_acceptance",
            "frozen": {"numerator": 2, "denominator": 6},
            "live": {"numerator": 3, "denominator": 6},
        },
    ]
    # A unit's report is frozen too, and differs only where its own figures do.
    township_b = selectors.report_get(period=SEPTEMBER, unit=county.township_b, compare_live=True)
    assert township_b.is_frozen and township_b.figures["totals"]["petitions"] == 3
    assert [(row["section"], row["key"], row["frozen"], row["live"]) for row in township_b.live_differences] == [
        ("totals", "petitions", 3, 4),
        ("totals", "letters", 2, 3),
        ("by_channel", "letter", 2, 3),
        ("by_purpose", "other", 1, 2),
        ("by_category", ministry_of_civil_affairs, 1, 2),
        ("by_locality", county.township_b.pk, 3, 4),
        ("by_unit", county.township_b.pk, 3, 4),
    ]
    township_a = selectors.report_get(period=SEPTEMBER, unit=county.township_a, compare_live=True)
    assert township_a.live_differences == [
        {
            "section": "rates",
            "key": "timely_acceptance",
            "frozen": {"numerator": 2, "denominator": 4},
            "live": {"numerator": 3, "denominator": 4},
        }
    ]
    # Other periods are live: a range across the month, and August.
    assert not selectors.report_get(period=Period(date(2026, 9, 1), date(2026, 9, 29)), unit=None).is_frozen
    assert not selectors.report_get(period=Period.month(2026, 8), unit=None).is_frozen


def test_closing_is_for_supervisors(county):
    for user in (county.clerk_a, county.leader_a, county.admin, county.bureau_clerk):
        with pytest.raises(PermissionDenied):
            services.month_close(actor=user, year=2026, month=9, today=DAY_AFTER)
    assert closing_state() == [[], 0]


def test_a_month_is_closed_once_it_is_over(county):
    with pytest.raises(TransitionNotAllowed) as refused:
        services.month_close(actor=county.supervisor, year=2026, month=9, today=date(2026, 9, 30))
    assert str(refused.value) == "2026-09 is not over yet; a month can be closed from the day after its last day."
    with pytest.raises(TransitionNotAllowed):
        services.month_close(actor=county.supervisor, year=2026, month=11, today=DAY_AFTER)
    assert closing_state() == [[], 0]

    services.month_close(actor=county.supervisor, year=2026, month=9, today=DAY_AFTER)
    assert closing_state() == [[(2026, 9, county.supervisor.pk, None, "")], 6]


def test_closing_twice_is_refused_with_a_clear_message(county):
    services.month_close(actor=county.supervisor, year=2026, month=9, today=DAY_AFTER)
    before = closing_state()
    with pytest.raises(TransitionNotAllowed) as refused:
        services.month_close(actor=county.supervisor, year=2026, month=9, today=date(2026, 10, 2))
    assert str(refused.value) == "2026-09 is already closed."
    assert closing_state() == before


def test_a_closing_that_lost_the_race_is_refused_and_saves_nothing(county, monkeypatch):
    """Another supervisor's closing landed between the check and the insert: the unique constraint
    refuses the second, as the same clear conflict."""
    winner = services.month_close(actor=county.supervisor, year=2026, month=9, today=DAY_AFTER)
    monkeypatch.setattr(selectors, "month_closing_get", lambda year, month: None)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.month_close(actor=county.supervisor, year=2026, month=9, today=DAY_AFTER)
    assert str(refused.value) == "2026-09 is already closed."
    assert list(MonthClosing.objects.all()) == [winner]
    assert ReportSnapshot.objects.count() == 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_supervisors_closing_at_once_one_wins(county, monkeypatch):
    """Both pass the check before either inserts; the database lets one closing through."""
    second_supervisor = make_user(unit=county.bureau, roles=["supervisor"], username="supervisor_2")
    both_checked = threading.Barrier(2, timeout=20)
    checked = selectors.month_closing_get

    def check_then_wait(year, month):
        found = checked(year, month)
        both_checked.wait()
        return found

    monkeypatch.setattr(selectors, "month_closing_get", check_then_wait)
    outcomes = {}

    def close(user):
        try:
            outcomes[user.username] = services.month_close(actor=user, year=2026, month=9, today=DAY_AFTER)
        except TransitionNotAllowed as error:
            outcomes[user.username] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=(user,)) for user in (county.supervisor, second_supervisor)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    closings = list(MonthClosing.objects.all())
    assert len(closings) == 1
    winner = closings[0].closed_by.username
    loser = "supervisor_2" if winner == "supervisor" else "supervisor"
    assert outcomes[winner] == closings[0]
    assert isinstance(outcomes[loser], TransitionNotAllowed) and str(outcomes[loser]) == "2026-09 is already closed."
    assert ReportSnapshot.objects.filter(closing=closings[0]).count() == ReportSnapshot.objects.count() == 6


# Reopening --------------------------------------------------------------------------------------


def test_reopening_is_audited_then_live_and_closing_again_freezes_anew(county):
    first = services.month_close(actor=county.supervisor, year=2026, month=9, today=DAY_AFTER)
    reopened = services.month_reopen(actor=county.supervisor, year=2026, month=9, reason="  补录9月漏登来信  ")

    assert reopened.pk == first.pk
    first.refresh_from_db()
    assert (first.reopened_by, first.reopen_reason) == (county.supervisor, "补录9月漏登来信")
    assert timezone.now() - first.reopened_at < timedelta(minutes=1)
    assert first.reopened_at is not None
    assert selectors.month_closing_get(2026, 9) is None
    # Live again: a letter registered now is in the figures.
    make_petition(actor=county.clerk_a, locality=county.township_a, received_at=at(9, 15), channel="letter")
    report = selectors.report_get(period=SEPTEMBER, unit=None)
    assert not report.is_frozen and report.closing is None
    assert report.figures["totals"]["letters"] == 1
    # The first closing's snapshots stay with it, as history.
    assert ReportSnapshot.objects.filter(closing=first).count() == 6

    second = services.month_close(actor=county.supervisor, year=2026, month=9, today=date(2026, 10, 20))
    assert second.pk != first.pk
    assert list(selectors.month_closings(2026, 9)) == [second, first]
    assert selectors.month_closing_get(2026, 9) == second
    frozen = selectors.report_get(period=SEPTEMBER, unit=None)
    assert frozen.closing == second and frozen.figures["totals"]["letters"] == 1
    assert frozen.figures["as_of"] == "2026-10-20"
    assert ReportSnapshot.objects.filter(closing=second).count() == 6


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reopening_needs_a_reason(county, reason):
    services.month_close(actor=county.supervisor, year=2026, month=9, today=DAY_AFTER)
    before = closing_state()
    with pytest.raises(ValidationError) as refused:
        services.month_reopen(actor=county.supervisor, year=2026, month=9, reason=reason)
    assert refused.value.message_dict == {"reason": ["Say why the month is reopened; it is kept with the month's history."]}
    assert closing_state() == before


def test_reopening_a_month_that_is_not_closed_is_a_conflict(county):
    with pytest.raises(TransitionNotAllowed) as refused:
        services.month_reopen(actor=county.supervisor, year=2026, month=9, reason="重新统计")
    assert str(refused.value) == "2026-09 is not closed."
    services.month_close(actor=county.supervisor, year=2026, month=9, today=DAY_AFTER)
    services.month_reopen(actor=county.supervisor, year=2026, month=9, reason="重新统计")
    with pytest.raises(TransitionNotAllowed):  # reopened already
        services.month_reopen(actor=county.supervisor, year=2026, month=9, reason="重新统计")


def test_reopening_is_for_supervisors(county):
    services.month_close(actor=county.supervisor, year=2026, month=9, today=DAY_AFTER)
    before = closing_state()
    for user in (county.clerk_a, county.leader_a, county.admin):
        with pytest.raises(PermissionDenied):
            services.month_reopen(actor=user, year=2026, month=9, reason="重新统计")
    assert closing_state() == before


# Report runs ------------------------------------------------------------------------------------


def request_run(county, django_capture_on_commit_callbacks, *, user=None, unit=None, format="csv") -> ReportRun:
    with django_capture_on_commit_callbacks() as queued:
        run = services.report_run_request(actor=user or county.supervisor, period=SEPTEMBER, unit=unit, format=format)
    assert len(queued) == 1  # the build, queued once the run is saved
    return run


def test_a_run_is_requested_and_queued(county, django_capture_on_commit_callbacks):
    run = request_run(county, django_capture_on_commit_callbacks, user=county.clerk_a, unit=county.township_a, format="xlsx")
    run.refresh_from_db()
    assert (run.date_from, run.date_to, run.unit, run.format) == (date(2026, 9, 1), date(2026, 9, 30), county.township_a, "xlsx")
    assert (run.status, run.progress, run.requested_by, run.scheduled, run.file.name) == ("pending", 0, county.clerk_a, False, "")


def test_a_user_without_a_unit_cannot_ask_for_a_run(county):
    nobody = make_user(unit=None, roles=["clerk"])
    with pytest.raises(PermissionDenied):
        services.report_run_request(actor=nobody, period=SEPTEMBER, unit=None, format="pdf")
    assert not ReportRun.objects.exists()


def test_a_run_is_built_with_progress_and_its_file_kept(county, exported, django_capture_on_commit_callbacks):
    run = request_run(county, django_capture_on_commit_callbacks, unit=county.township_a)
    built = services.report_run_build(run.pk)

    assert built.pk == run.pk
    run.refresh_from_db()
    assert (run.status, run.progress, run.error) == ("done", 100, "")
    assert run.file.name == f"reports/2026/09/{run.pk}/report.csv"
    assert run.file.read() == b"csv!"
    assert run.started_at <= run.finished_at
    # The export got the unit's live report while the run showed it building.
    [call] = exported.calls
    assert (call["format"], call["status"], call["progress"]) == ("csv", "running", 40)
    assert call["report"].figures["unit"]["id"] == county.township_a.pk
    assert call["report"].figures["period"]["month"] == 9
    assert not call["report"].is_frozen


def test_a_run_of_a_closed_month_prints_the_frozen_figures(county, exported, django_capture_on_commit_callbacks):
    closing = services.month_close(actor=county.supervisor, year=2026, month=9, today=DAY_AFTER)
    run = request_run(county, django_capture_on_commit_callbacks)
    make_petition(actor=county.clerk_a, locality=county.township_a, received_at=at(9, 15))  # after closing
    services.report_run_build(run.pk)
    [call] = exported.calls
    assert call["report"].closing == closing
    assert call["report"].figures == ReportSnapshot.objects.get(closing=closing, unit=None).figures
    assert call["report"].figures["totals"]["petitions"] == 0


def test_a_run_is_built_once_however_often_the_task_arrives(county, exported, django_capture_on_commit_callbacks):
    run = request_run(county, django_capture_on_commit_callbacks)
    assert services.report_run_build(run.pk) is not None
    assert services.report_run_build(run.pk) is None
    assert len(exported.calls) == 1
    run.refresh_from_db()
    assert run.status == "done"


def test_a_failed_build_is_marked_failed_with_the_errors_class_only(county, exported, django_capture_on_commit_callbacks):
    run = request_run(county, django_capture_on_commit_callbacks)
    exported.error = ValueError("张三 110105198001010012 13800138000")
    with pytest.raises(ValueError):
        services.report_run_build(run.pk)
    run.refresh_from_db()
    assert (run.status, run.error, run.file.name) == ("failed", "ValueError", "")
    assert run.finished_at is not None
    # A failed run is not built again by a second delivery.
    exported.error = None
    assert services.report_run_build(run.pk) is None
    assert len(exported.calls) == 1


def test_a_run_a_dead_worker_left_running_is_claimable_after_the_time_limit(county, exported, django_capture_on_commit_callbacks):
    run = request_run(county, django_capture_on_commit_callbacks)
    limit = timedelta(seconds=django_settings.CELERY_TASK_TIME_LIMIT)
    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now() - limit + timedelta(minutes=1))
    assert services.report_run_build(run.pk) is None  # a worker may still be on it
    assert exported.calls == []

    ReportRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - limit - timedelta(seconds=1))
    assert services.report_run_build(run.pk) is not None
    run.refresh_from_db()
    assert run.status == "done" and timezone.now() - run.started_at < timedelta(minutes=1)


# The monthly job --------------------------------------------------------------------------------


def test_the_monthly_job_asks_for_last_months_county_files_once(county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        runs = services.monthly_reports_schedule(today=DAY_AFTER)
    assert len(queued) == 2
    assert sorted(run.format for run in runs) == ["pdf", "xlsx"]
    for run in runs:
        assert (run.date_from, run.date_to, run.unit, run.scheduled, run.requested_by, run.status) == (
            date(2026, 9, 1),
            date(2026, 9, 30),
            None,
            True,
            None,
            "pending",
        )
    # Beat fires again, and again later in the month: the same two runs, nothing queued again.
    for today in (DAY_AFTER, date(2026, 10, 31)):
        with django_capture_on_commit_callbacks() as queued:
            again = services.monthly_reports_schedule(today=today)
        assert queued == [] and {run.pk for run in again} == {run.pk for run in runs}
    assert ReportRun.objects.count() == 2
    # November's job is another month's.
    services.monthly_reports_schedule(today=date(2026, 11, 1))
    assert sorted(ReportRun.objects.values_list("date_from", "format")) == [
        (date(2026, 9, 1), "pdf"),
        (date(2026, 9, 1), "xlsx"),
        (date(2026, 10, 1), "pdf"),
        (date(2026, 10, 1), "xlsx"),
    ]


def test_the_county_office_is_told_once_when_both_files_are_done(county, exported, django_capture_on_commit_callbacks):
    second_supervisor = make_user(unit=county.bureau, roles=["supervisor"])
    with django_capture_on_commit_callbacks():
        excel, pdf = sorted(services.monthly_reports_schedule(today=DAY_AFTER), key=lambda run: run.format, reverse=True)
    assert (excel.format, pdf.format) == ("xlsx", "pdf")

    def told():
        return sorted(Notification.objects.filter(kind=NotificationKind.REPORT).values_list("recipient__username", "link", "message"))

    services.report_run_build(excel.pk)
    assert told() == []  # the PDF is still to come
    services.report_run_build(pdf.pk)
    message = "The monthly statistics for 2026-09 are ready: the PDF and Excel files are on the statistics page."
    link = "/reports/?year=2026&month=9"
    assert told() == sorted([(second_supervisor.username, link, message), ("supervisor", link, message)])
    # A second delivery of either task tells no one again.
    services.report_run_build(pdf.pk)
    services.report_run_build(excel.pk)
    assert len(told()) == 2
    assert Notification.objects.exclude(kind=NotificationKind.REPORT).filter(message__contains="monthly statistics").count() == 0


def test_the_county_office_is_told_when_a_monthly_file_failed_and_not_that_the_month_is_ready(
    county, exported, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        excel, pdf = sorted(services.monthly_reports_schedule(today=DAY_AFTER), key=lambda run: run.format, reverse=True)
    exported.error = OSError("disk full")
    with pytest.raises(OSError):
        services.report_run_build(excel.pk)
    exported.error = None
    services.report_run_build(pdf.pk)
    messages = list(Notification.objects.filter(kind=NotificationKind.REPORT).values_list("recipient__username", "message"))
    failed = "The monthly statistics for 2026-09 could not be built; ask for the file again on the statistics page."
    assert messages == [("supervisor", failed)]
    assert ReportRun.objects.get(pk=excel.pk).status == RunStatus.FAILED


def test_resume_queues_the_runs_whose_task_was_lost(county, monkeypatch, django_capture_on_commit_callbacks):
    queued = []

    class Task:
        name = "reporting.tasks.report_run_build"

        @staticmethod
        def delay(run_id):
            queued.append(run_id)

    monkeypatch.setattr(services, "_build_task", lambda: Task)
    now = timezone.now()
    limit = timedelta(seconds=django_settings.CELERY_TASK_TIME_LIMIT)

    def run(status, *, created_ago, started_ago=None):
        made = ReportRun.objects.create(date_from=date(2026, 9, 1), date_to=date(2026, 9, 30), format="pdf", status=status)
        started_at = now - started_ago if started_ago is not None else None
        ReportRun.objects.filter(pk=made.pk).update(created_at=now - created_ago, started_at=started_at)
        return made.pk

    lost = run(RunStatus.PENDING, created_ago=timedelta(minutes=6))
    just_asked = run(RunStatus.PENDING, created_ago=timedelta(minutes=4))
    dead_worker = run(RunStatus.RUNNING, created_ago=limit + timedelta(minutes=10), started_ago=limit + timedelta(minutes=1))
    run(RunStatus.RUNNING, created_ago=limit + timedelta(minutes=10), started_ago=limit - timedelta(minutes=1))  # still building
    run(RunStatus.DONE, created_ago=timedelta(days=1))
    run(RunStatus.FAILED, created_ago=timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_runs_resume() == 2
    assert sorted(queued) == [lost, dead_worker]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_runs_resume(older_than=timedelta(minutes=3)) == 3
    assert sorted(queued[2:]) == sorted([lost, just_asked, dead_worker])


def test_runs_of_a_unit_include_its_sub_units(county, exported, django_capture_on_commit_callbacks):
    sub_unit = make_unit(kind=UnitKind.DEPARTMENT, name="城关镇司法所", parent=county.township_a)
    petition = make_petition(actor=county.clerk_a, locality=county.township_a, received_at=at(9, 15), channel="letter")
    petition_services.petition_route(actor=county.clerk_a, petition=petition, unit=sub_unit, mode="transfer", reason="按职责转送")
    run = request_run(county, django_capture_on_commit_callbacks, user=county.clerk_a, unit=county.township_a)
    services.report_run_build(run.pk)
    [call] = exported.calls
    assert call["report"].figures["totals"]["letters"] == 1
    assert [row["items"] for row in call["report"].figures["by_unit"]] == [1, 0]
