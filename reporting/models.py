"""Monthly statistics that are kept: closed months' frozen figures and the files report runs build."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit


class MonthClosing(models.Model):
    """A month closed by a supervisor: its figures are frozen in the snapshots below and every
    reprint comes from them. Reopening stamps the row instead of deleting it, so the rows are also
    the audit trail of who closed and reopened which month, when and why."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed at"))
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reopened by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)

    class Meta:
        verbose_name = _("month closing")
        verbose_name_plural = _("month closings")
        ordering = ["-year", "-month", "-closed_at"]
        constraints = [
            # A month is closed at most once at a time; the second of two concurrent closings fails here.
            models.UniqueConstraint(fields=["year", "month"], condition=Q(reopened_at__isnull=True), name="month_closed_once"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="month_closing_month_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


class ReportSnapshot(models.Model):
    """The figures of a closed month for one scope (the county, or one unit), exactly as the
    statistics selector returned them when the month was closed."""

    closing = models.ForeignKey(MonthClosing, on_delete=models.CASCADE, related_name="snapshots")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    figures = models.JSONField(_("figures"))

    class Meta:
        verbose_name = _("report snapshot")
        verbose_name_plural = _("report snapshots")
        constraints = [
            models.UniqueConstraint(fields=["closing"], condition=Q(unit__isnull=True), name="snapshot_one_county"),
            models.UniqueConstraint(fields=["closing", "unit"], name="snapshot_one_per_unit"),
        ]


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel"
    CSV = "csv", "CSV"


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Building")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def report_file_path(run: "ReportRun", filename: str) -> str:
    """A folder per run, so that the file keeps the name it is downloaded under."""
    return f"reports/{run.date_from:%Y/%m}/{run.pk}/{filename}"


class ReportRun(models.Model):
    """One report file to build (a PDF, Excel or CSV of one period and scope), built by a Celery task
    that records its progress here; the finished file is kept for download."""

    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(_("format"), max_length=4, choices=ReportFormat.choices)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    file = models.FileField(_("file"), upload_to=report_file_path, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Built by the monthly beat job for the county office rather than asked for by a person.
    scheduled = models.BooleanField(_("monthly run"), default=False)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(date_to__gte=models.F("date_from")), name="report_run_period_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_run_progress_valid"),
            # The monthly job builds each format of a month once, however often beat fires.
            models.UniqueConstraint(
                fields=["date_from", "date_to", "format"], condition=Q(scheduled=True, unit__isnull=True), name="report_run_monthly_once"
            ),
        ]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="report_run_requester")]

    def __str__(self) -> str:
        return f"{self.date_from}–{self.date_to} {self.format}"

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)
