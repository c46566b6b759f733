"""Deadlines (DESIGN §6): the limits and the holiday calendar as data, and every clock that runs on them.

A clock (Deadline) belongs to one object of a higher app — a petition's decision, a case's handling,
review and re-examination steps, a supervision order — through a generic relation, so this app
knows no app above it. The counting itself is deadlines.calendar.
"""

from datetime import date

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DeadlineKind(models.TextChoices):
    """Steps with a limit; the API's deadline kinds, plus the objection window and the extension cap."""

    DECISION = "decision", _("Decision to accept")
    OBJECTION = "objection", _("Objection that the unit is not competent")
    HANDLING = "handling", _("Handling")
    EXTENSION = "extension", _("Extension (at most)")
    REVIEW_REQUEST = "review_request", _("Request for review")
    REVIEW_DECISION = "review_decision", _("Review opinion")
    REEXAMINATION_REQUEST = "reexamination_request", _("Request for re-examination")
    REEXAMINATION_DECISION = "reexamination_decision", _("Re-examination opinion")
    SUPERVISION = "supervision", _("Supervision order")
    COMPLETION_REPORT = "completion_report", _("Completion report to the assigning unit")


class DayUnit(models.TextChoices):
    CALENDAR = "calendar", _("calendar days")
    WORKING = "working", _("working days")


class DeadlinePolicy(models.Model):
    """One step's limit, as the regulation sets it and an administrator may adjust it.

    For `extension`, `days` is the most a unit may add to handling, not a period of its own.
    """

    kind = models.CharField(_("step"), max_length=30, choices=DeadlineKind.choices, unique=True)
    days = models.PositiveSmallIntegerField(_("days"), validators=[MinValueValidator(1), MaxValueValidator(366)])
    unit = models.CharField(_("counted in"), max_length=10, choices=DayUnit.choices, default=DayUnit.CALENDAR)
    moves_off_rest_days = models.BooleanField(
        _("a last day on a rest day moves to the next working day"),
        default=True,
        help_text=_("The usual rule for legal periods. Working-day limits always end on a working day."),
    )
    basis = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class CalendarYear(models.Model):
    """A year whose holiday schedule is entered; without `complete` the counting warns and uses weekends."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    complete = models.BooleanField(
        _("schedule complete"), default=False, help_text=_("Tick once every holiday and make-up working day of the year is entered.")
    )

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarSource(models.TextChoices):
    PACKAGE = "chinesecalendar", _("chinesecalendar package")
    MANUAL = "manual", _("Entered by an administrator")


class CalendarDay(models.Model):
    """An exception to the weekend rule: a holiday on a weekday, or a make-up working day on a weekend.

    `year` ties the day to its CalendarYear, so the counting reads a year's status and its days
    in one query.
    """

    date = models.DateField(_("date"), unique=True)
    year = models.ForeignKey(CalendarYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="days", editable=False)
    is_workday = models.BooleanField(_("working day"), help_text=_("Ticked for a make-up working day, empty for a holiday."))
    name = models.CharField(_("name"), max_length=50, help_text=_("For example 国庆节 or 调休上班（国庆节）."))
    source = models.CharField(_("source"), max_length=20, choices=CalendarSource.choices, default=CalendarSource.MANUAL, editable=False)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("holiday calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"

    def clean(self) -> None:
        if isinstance(self.date, date) and self.is_workday is not None and self.is_workday == (self.date.weekday() < 5):
            if self.is_workday:
                message = _("%(date)s is a weekday and so a working day already; only a weekend day can be a make-up working day.")
            else:
                message = _("%(date)s is a weekend day and so a rest day already; only a weekday can be a holiday entry.")
            raise ValidationError({"is_workday": message % {"date": self.date.isoformat()}})


class DeadlineStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    OVERDUE = "overdue", _("Overdue")
    LAPSED = "lapsed", _("Lapsed unused")


# The petitioner's own windows for asking a review or re-examination: the unit owes nothing on them,
# so one that passes unused has lapsed, it is not overdue (and no one is reminded of it).
PETITIONER_WINDOWS = frozenset({DeadlineKind.REVIEW_REQUEST, DeadlineKind.REEXAMINATION_REQUEST})


class Deadline(models.Model):
    """One clock: a step's deadline on a petition or a case (its subject).

    The due date is counted by deadlines.calendar from the start, the paused days and the extension,
    and stored; a supervision order's date is the supervisor's own, not counted. A subject has at
    most one clock of each kind, except supervision orders: a case can have several.
    """

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    kind = models.CharField(_("step"), max_length=30, choices=DeadlineKind.choices)
    start_on = models.DateField(_("starts on"))
    due_on = models.DateField(_("due on"))
    paused_days = models.PositiveSmallIntegerField(_("paused days"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("extension days"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN)
    met_on = models.DateField(_("met on"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["start_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind"], condition=~Q(kind=DeadlineKind.SUPERVISION), name="deadline_subject_kind"
            )
        ]
        indexes = [
            models.Index(fields=["subject_id", "subject_type"], name="deadline_subject"),
            # The reminder scan: open clocks by due date, read from the index without a walk of every row.
            models.Index(fields=["due_on", "id"], condition=Q(status="open"), name="deadline_open_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on:%Y-%m-%d}"

    @property
    def is_counted(self) -> bool:
        """Whether the due date comes from a policy (a supervision order's date is set by hand)."""
        return self.kind != DeadlineKind.SUPERVISION

    def current_status(self, today: date) -> str:
        """Stored status, except that an open deadline past its due date reads as overdue, or as
        lapsed if it was the petitioner's window."""
        if self.status == DeadlineStatus.OPEN and self.due_on < today:
            return DeadlineStatus.LAPSED if self.kind in PETITIONER_WINDOWS else DeadlineStatus.OVERDUE
        return self.status

    def counted_with(self, policy: DeadlinePolicy) -> dict:
        """What deadlines.calendar counts this due date from (count_due, horizon), under `policy`."""
        return {"policy": policy, "start": self.start_on, "pauses": self.paused_days, "extension_days": self.extension_days}


class ReminderLevel(models.TextChoices):
    """The reminders a deadline gets (DESIGN §6), each at most once for each due date it has had."""

    DUE_SOON = "due_soon", _("Due soon")
    DUE_TODAY = "due_today", _("Due today")
    OVERDUE = "overdue", _("Overdue")


class ReminderSent(models.Model):
    """That a deadline's reminder of one level went out. The unique constraint is what makes it
    once: a scan claims the row with INSERT … ON CONFLICT DO NOTHING and notifies only if it won.
    A due date that moves (extension, pause, rerouting, calendar change) clears its rows, so the new
    date is reminded again."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="reminders")
    level = models.CharField(_("level"), max_length=10, choices=ReminderLevel.choices)
    due_on = models.DateField(_("due on"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [models.UniqueConstraint(fields=["deadline", "level"], name="deadline_reminder_once")]
