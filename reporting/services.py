"""Writes on the statistics: closing and reopening a month, and report runs (request, build, the
monthly job)."""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, Role, Unit, User
from accounts.selectors import Directory
from accounts.services import notify, site_language
from config.celery import enqueue_on_commit
from petitions.models import TransitionNotAllowed
from reporting import exports, permissions, selectors
from reporting.models import MonthClosing, ReportFormat, ReportRun, ReportSnapshot, RunStatus
from reporting.periods import Period

logger = logging.getLogger(__name__)

# What the monthly job builds for the county office.
MONTHLY_FORMATS = (ReportFormat.XLSX, ReportFormat.PDF)


def month_close(*, actor: User, year: int, month: int, today: date | None = None) -> MonthClosing:
    """Freeze a month's figures: the county's and every unit's, computed now and stored, so that
    every later page and file of the month shows them whatever changes in the data afterwards."""
    permissions.require(permissions.can_close_month(actor))
    today = today or timezone.localdate()
    period = Period.month(year, month)
    if period.end >= today:
        raise TransitionNotAllowed(
            _("%(month)s is not over yet; a month can be closed from the day after its last day.") % {"month": f"{year}-{month:02d}"}
        )
    if selectors.month_closing_get(year, month) is not None:
        raise TransitionNotAllowed(_("%(month)s is already closed.") % {"month": f"{year}-{month:02d}"})
    scopes = [None, *Unit.objects.order_by("pk")]
    snapshots = [(unit, selectors.report_figures(period=period, unit=unit, as_of=today)) for unit in scopes]
    try:
        with transaction.atomic():
            closing = MonthClosing.objects.create(year=year, month=month, closed_by=actor, closed_at=timezone.now())
            ReportSnapshot.objects.bulk_create(ReportSnapshot(closing=closing, unit=unit, figures=figures) for unit, figures in snapshots)
    except IntegrityError as error:  # someone closed it while the figures were being computed
        raise TransitionNotAllowed(_("%(month)s is already closed.") % {"month": f"{year}-{month:02d}"}) from error
    return closing


def month_reopen(*, actor: User, year: int, month: int, reason: str) -> MonthClosing:
    """Unfreeze a month: its figures are live again until it is closed anew. The closing row keeps
    who reopened it, when and why."""
    permissions.require(permissions.can_close_month(actor))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the month is reopened; it is kept with the month's history.")]})
    with transaction.atomic():
        updated = MonthClosing.objects.filter(year=year, month=month, reopened_at__isnull=True).select_for_update().first()
        if updated is None:
            raise TransitionNotAllowed(_("%(month)s is not closed.") % {"month": f"{year}-{month:02d}"})
        updated.reopened_by, updated.reopened_at, updated.reopen_reason = actor, timezone.now(), reason
        updated.save(update_fields=["reopened_by", "reopened_at", "reopen_reason"])
    return updated


def report_run_request(*, actor: User, period: Period, unit: Unit | None, format: str) -> ReportRun:
    """Ask for a file; a Celery task builds it (reporting.tasks.report_run_build)."""
    permissions.require(permissions.can_view_reports(actor))
    with transaction.atomic():
        run = ReportRun.objects.create(date_from=period.start, date_to=period.end, unit=unit, format=format, requested_by=actor)
        enqueue_on_commit(_build_task(), run.pk)
    return run


def _build_task():
    from reporting.tasks import report_run_build  # tasks import services; the task is looked up when queued

    return report_run_build


def _progress(run_id: int, progress: int) -> None:
    ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(progress=progress)


def _claimable(now) -> Q:
    """Waiting, or left running by a worker that died: the task's hard time limit has passed since
    it started, so no worker can still be on it."""
    return Q(status=RunStatus.PENDING) | Q(
        status=RunStatus.RUNNING, started_at__lt=now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    )


def report_run_build(run_id: int) -> ReportRun | None:
    """Build a run's file. Claims the run first, so that a second delivery of the task does nothing;
    progress is written as it goes, for the page's progress bar."""
    now = timezone.now()
    claimed = ReportRun.objects.filter(_claimable(now), pk=run_id).update(status=RunStatus.RUNNING, started_at=now, progress=5)
    if not claimed:
        return None
    run = ReportRun.objects.select_related("unit").get(pk=run_id)
    try:
        with site_language():
            report = selectors.report_get(period=Period(run.date_from, run.date_to), unit=run.unit)
            _progress(run.pk, 40)
            exported = exports.export_file(report=report, format=run.format)
            _progress(run.pk, 90)
    except Exception as error:
        logger.exception("Report run %s failed", run.pk)
        with transaction.atomic():
            ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=type(error).__name__, finished_at=timezone.now())
            if run.scheduled:
                _notify_monthly_report(run, failed=True)
        raise
    with transaction.atomic():
        if run.scheduled:
            # Lock the month's scheduled runs, so that of two finishing at once exactly one sees both done.
            monthly = list(
                ReportRun.objects.select_for_update()
                .filter(scheduled=True, date_from=run.date_from, date_to=run.date_to, unit=None)
                .order_by("pk")
            )
        run.file.save(exported.filename, ContentFile(exported.content), save=False)
        run.status, run.progress, run.finished_at = RunStatus.DONE, 100, timezone.now()
        run.save(update_fields=["file", "status", "progress", "finished_at"])
        if run.scheduled and all(other.pk == run.pk or other.status == RunStatus.DONE for other in monthly):
            _notify_monthly_report(run)
    return run


def _notify_monthly_report(run: ReportRun, *, failed: bool = False) -> None:
    """Tell the county office that last month's files are ready, or that one could not be built (the
    job does not retry a failed build by itself: it would fail again the same way)."""
    period = Period(run.date_from, run.date_to)
    with site_language():
        if failed:
            message = _("The monthly statistics for %(month)s could not be built; ask for the file again on the statistics page.")
        else:
            message = _("The monthly statistics for %(month)s are ready: the PDF and Excel files are on the statistics page.")
        message %= {"month": f"{period.start.year}-{period.start.month:02d}"}
    link = f"{reverse('report-page')}?year={period.start.year}&month={period.start.month}"
    notify(recipients=Directory().with_role(Role.SUPERVISOR), kind=NotificationKind.REPORT, message=message, link=link)


def monthly_reports_schedule(*, today: date | None = None) -> list[ReportRun]:
    """The monthly job: last month's county report as Excel and PDF, built once however often beat
    fires, so a job missed on the 1st is caught up later; the county office is notified when both
    files are done."""
    period = selectors.scheduled_month_due(today or timezone.localdate())
    runs = []
    for format in MONTHLY_FORMATS:
        run, created = ReportRun.objects.get_or_create(date_from=period.start, date_to=period.end, format=format, scheduled=True, unit=None)
        if created:
            enqueue_on_commit(_build_task(), run.pk)
        runs.append(run)
    return runs


def report_runs_resume(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Queue again the runs whose task never arrived (the broker was down when they were asked for)
    or whose worker died; building claims each run, so a run queued twice is built once."""
    now = timezone.now()
    stale = ReportRun.objects.filter(_claimable(now), created_at__lt=now - older_than).values_list("pk", flat=True)
    run_ids = list(stale)
    for run_id in run_ids:
        enqueue_on_commit(_build_task(), run_id)
    return len(run_ids)
