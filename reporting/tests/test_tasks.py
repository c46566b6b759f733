"""The Celery tasks, run in the process as without REDIS_URL: building a run and the beat's tick, each
safe to deliver twice; and the beat schedule that fires the tick."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from accounts.models import Notification, NotificationKind
from config.celery import app as celery_app
from reporting import exports, selectors, tasks
from reporting.models import ReportRun, RunStatus
from reporting.periods import Period


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def exported(monkeypatch):
    built = []

    def export_file(*, report, format):
        built.append(format)
        return exports.ExportedFile(f"report.{format}", "application/octet-stream", b"file")

    monkeypatch.setattr(exports, "export_file", export_file)
    return built


def test_the_build_task_builds_once(county, inline_tasks, exported):
    run = ReportRun.objects.create(date_from=Period.month(2026, 9).start, date_to=Period.month(2026, 9).end, format="csv")
    assert tasks.report_run_build.delay(run.pk).get() == "built"
    assert tasks.report_run_build.delay(run.pk).get() == "not claimed"
    assert exported == ["csv"]
    run.refresh_from_db()
    assert (run.status, run.progress) == (RunStatus.DONE, 100)


def test_a_failing_build_task_marks_the_run_failed(county, inline_tasks, monkeypatch):
    def export_file(*, report, format):
        raise RuntimeError("WeasyPrint ran out of memory")

    monkeypatch.setattr(exports, "export_file", export_file)
    run = ReportRun.objects.create(date_from=Period.month(2026, 9).start, date_to=Period.month(2026, 9).end, format="pdf")
    with pytest.raises(RuntimeError):
        tasks.report_run_build.delay(run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FAILED, "RuntimeError")


def test_the_tick_builds_last_months_files_and_tells_the_county_office_once(
    county, inline_tasks, exported, django_capture_on_commit_callbacks
):
    period = selectors.scheduled_month_due(timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reports_tick.delay().get() == {"monthly": 2, "resumed": 0}

    runs = list(ReportRun.objects.order_by("format").values_list("date_from", "date_to", "format", "scheduled", "status"))
    assert runs == [(period.start, period.end, "pdf", True, "done"), (period.start, period.end, "xlsx", True, "done")]
    assert sorted(exported) == ["pdf", "xlsx"]
    assert list(Notification.objects.filter(kind=NotificationKind.REPORT).values_list("recipient__username", flat=True)) == ["supervisor"]

    # Beat fires again: nothing new is built and no one is told again.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reports_tick.delay().get() == {"monthly": 2, "resumed": 0}
    assert ReportRun.objects.count() == 2 and len(exported) == 2
    assert Notification.objects.filter(kind=NotificationKind.REPORT).count() == 1


def test_the_tick_resumes_a_run_whose_task_was_lost(county, inline_tasks, exported, django_capture_on_commit_callbacks):
    period = Period.month(2026, 9)
    lost = ReportRun.objects.create(date_from=period.start, date_to=period.end, format="csv", requested_by=county.clerk_a)
    ReportRun.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.reports_tick.delay().get()
    assert result == {"monthly": 2, "resumed": 1}
    lost.refresh_from_db()
    assert lost.status == RunStatus.DONE
    assert exported.count("csv") == 1


def test_the_beat_schedule_fires_the_tick():
    entry = django_settings.CELERY_BEAT_SCHEDULE["reports-tick"]
    assert entry == {"task": "reporting.tasks.reports_tick", "schedule": timedelta(minutes=10)}
    assert celery_app.conf.beat_schedule["reports-tick"]["task"] == tasks.reports_tick.name == "reporting.tasks.reports_tick"
    assert tasks.report_run_build.name in celery_app.tasks
