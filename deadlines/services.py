"""Every write on clocks, the calendar and the policies (DESIGN §6), and the one reminder scan.

Higher apps start, meet, pause and extend their clocks through these functions inside their own
transactions, with their own row (petition or case) already locked: the lock order is always the
subject, then its deadlines. A change to the calendar or a policy recounts every open clock it can
move, whoever owns it, in one place (deadlines_recount), from the admin, `load_holidays` or code.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Exists, Model, OuterRef, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, User
from accounts.selectors import Directory
from accounts.services import notifications_send
from deadlines.calendar import LoadResult, count_due, due_date, holidays_load, horizon, work_calendar
from deadlines.models import (
    PETITIONER_WINDOWS,
    CalendarDay,
    CalendarSource,
    CalendarYear,
    Deadline,
    DeadlineKind,
    DeadlinePolicy,
    DeadlineStatus,
    ReminderLevel,
    ReminderSent,
)
from deadlines.owners import MovedDeadline, owner_of, subject_model
from deadlines.selectors import deadlines_of

# One clock of a subject.


def deadline_open(*, subject: Model, kind: str, start: date) -> Deadline:
    """Start step `kind` on `subject` from `start`, counted on today's policy and calendar; a clock of
    that kind already there starts again (rerouting, a new window), forgetting its old reminders."""
    due_on = due_date(kind=kind, start=start).due_on
    existing = deadlines_of(subject).filter(kind=kind)
    values = {"start_on": start, "due_on": due_on, "paused_days": 0, "extension_days": 0, "status": DeadlineStatus.OPEN, "met_on": None}
    if existing.update(**values):
        ReminderSent.objects.filter(deadline__in=existing).delete()
        return existing.get()
    return Deadline.objects.create(subject=subject, kind=kind, **values)


def deadline_set(*, subject: Model, kind: str, start: date, due_on: date) -> Deadline:
    """A new clock whose due date is already known: set by a person (a supervision order's), or
    counted by the caller, who needed it first (a petition's row carries its decision due date)."""
    return Deadline.objects.create(subject=subject, kind=kind, start_on=start, due_on=due_on)


def deadline_meet(*, subject: Model, kind: str, on: date) -> Deadline | None:
    """Step `kind` was done on `on`: met if by the due date, else overdue (late is still recorded).
    None if the subject has no such clock."""
    deadline = deadlines_of(subject).filter(kind=kind).select_for_update().first()
    if deadline is not None:
        deadline_done(deadline=deadline, on=on)
    return deadline


def deadline_done(*, deadline: Deadline, on: date) -> Deadline:
    deadline.met_on = on
    deadline.status = DeadlineStatus.MET if on <= deadline.due_on else DeadlineStatus.OVERDUE
    deadline.save(update_fields=["met_on", "status"])
    return deadline


def deadline_locked(*, subject: Model, kind: str) -> Deadline:
    return deadlines_of(subject).select_for_update().get(kind=kind)


def deadline_pause(*, deadline: Deadline, days: int) -> Deadline:
    """Days that do not count (a hearing during re-examination): the due date moves by them."""
    deadline.paused_days += days
    return _recount_one(deadline)


def deadline_extend(*, deadline: Deadline, days: int) -> Deadline:
    """The one approved extension of a step: its days are added to the limit."""
    deadline.extension_days = days
    return _recount_one(deadline)


def _recount_one(deadline: Deadline) -> Deadline:
    deadline.due_on = due_date(
        kind=deadline.kind, start=deadline.start_on, pauses=deadline.paused_days, extension_days=deadline.extension_days
    ).due_on
    deadline.save(update_fields=["due_on", "paused_days", "extension_days"])
    ReminderSent.objects.filter(deadline=deadline).delete()
    return deadline


# Changes to the calendar and the policies, and the one recount they share.


@dataclass(frozen=True)
class DeadlinesMoved:
    """How many objects of each model (by label, e.g. "cases.case") got a new due date from one change."""

    counts: dict[str, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(self.counts.values())

    def of(self, model: type[Model]) -> int:
        return self.counts.get(model._meta.label_lower, 0)

    def summary(self) -> str:
        """One sentence for the administrator, in the active language, e.g. "Open deadlines moved on 1 petition, 2 cases." """
        if not self:
            return _("No open deadline moved.")
        parts = []
        for label, count in sorted(self.counts.items(), reverse=True):
            meta = apps.get_model(label)._meta
            parts.append(_("%(count)d %(name)s") % {"count": count, "name": meta.verbose_name if count == 1 else meta.verbose_name_plural})
        return _("Open deadlines moved on %(parts)s.") % {"parts": _(", ").join(parts)}


class ActorRequired(Exception):
    """A change that moves deadlines was made without naming who is accountable for it."""


def deadlines_recount(*, actor: User, changed_from: date = date.min, kind: str | None = None, by_policy: bool = False) -> DeadlinesMoved:
    """Recount every open clock a change can move — due on or after `changed_from`, of `kind` if
    given — and let each owner record the moves on its timeline. Call inside the change's transaction.

    A due date before the changed day was counted without looking at it, so only later ones are
    read. The subjects with such clocks (of the owners the change concerns) are locked first, in the
    services' order (subject, then deadline): a step under way on the old calendar finishes first and
    is recounted here, or starts after and counts on the new one. One read of the policies and one of the calendar, one update,
    whatever the number of clocks.
    """
    open_from = Deadline.objects.filter(status=DeadlineStatus.OPEN, due_on__gte=changed_from).exclude(kind=DeadlineKind.SUPERVISION)
    candidates = open_from.filter(kind=kind) if kind is not None else open_from
    # Only the owners of the step that changed: a new handling limit locks no petition.
    waiting = open_from.filter(subject_type_id__in=candidates.values("subject_type_id"))
    subjects: dict[int, list[int]] = defaultdict(list)
    for type_id, subject_id in waiting.values_list("subject_type_id", "subject_id").distinct().order_by("subject_type_id", "subject_id"):
        subjects[type_id].append(subject_id)
    for type_id, ids in subjects.items():
        model = subject_model(type_id)
        list(model._default_manager.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    deadlines = list(candidates.select_for_update().order_by("pk"))
    if not deadlines:
        return DeadlinesMoved()
    policies = DeadlinePolicy.objects.in_bulk(field_name="kind")
    counts = {deadline.pk: deadline.counted_with(policies[deadline.kind]) for deadline in deadlines}
    calendar = work_calendar(
        first=min(deadline.start_on for deadline in deadlines) + timedelta(days=1),
        last=max(horizon(**count) for count in counts.values()),
    )
    moved_by_type: dict[int, list[MovedDeadline]] = defaultdict(list)
    for deadline in deadlines:
        due_on = count_due(calendar=calendar, **counts[deadline.pk]).due_on
        if due_on != deadline.due_on:
            moved_by_type[deadline.subject_type_id].append(
                MovedDeadline(deadline=deadline, old_due_on=deadline.due_on, by_policy=by_policy)
            )
            deadline.due_on = due_on
    moved = [item.deadline for items in moved_by_type.values() for item in items]
    Deadline.objects.bulk_update(moved, ["due_on"])
    ReminderSent.objects.filter(deadline__in=moved).delete()
    result = {}
    for type_id, items in moved_by_type.items():
        owner_of(type_id).deadlines_moved(items, actor)
        label = subject_model(type_id)._meta.label_lower
        result[label] = len({item.deadline.subject_id for item in items})
    return DeadlinesMoved(counts=result)


def calendar_day_save(*, actor: User, day: CalendarDay) -> DeadlinesMoved:
    """Save a holiday or make-up working day; the open deadlines it changes move with it.

    The day becomes the administrator's ("manual"), so re-seeding from the package keeps it.
    """
    day.full_clean(exclude=["year"])
    with transaction.atomic():
        previous_date = CalendarDay.objects.filter(pk=day.pk).values_list("date", flat=True).first() if day.pk else None
        CalendarYear.objects.get_or_create(year=day.date.year)
        day.year_id, day.source = day.date.year, CalendarSource.MANUAL
        day.save()
        return deadlines_recount(actor=actor, changed_from=min(filter(None, [day.date, previous_date])))


def calendar_day_delete(*, actor: User, day: CalendarDay) -> DeadlinesMoved:
    """Delete a calendar day (it follows the weekend rule again); the deadlines it changes move back."""
    with transaction.atomic():
        day.delete()
        return deadlines_recount(actor=actor, changed_from=day.date)


def deadline_policy_save(*, actor: User, policy: DeadlinePolicy) -> DeadlinesMoved:
    """Save a step's limit or counting rule; the open deadlines of that step are recounted by it, so
    no stored due date contradicts the explanation the pages count on today's policy. The extension
    cap is no period: approved extensions keep their days, and the new cap applies from now on."""
    policy.full_clean()
    with transaction.atomic():
        policy.save()
        if policy.kind == DeadlineKind.EXTENSION:
            return DeadlinesMoved()
        return deadlines_recount(actor=actor, kind=policy.kind, by_policy=True)


def holidays_reload(*, actor: User | None, years: Iterable[int] | None = None) -> tuple[LoadResult, DeadlinesMoved]:
    """Re-seed the calendar from the `chinesecalendar` package and move the open deadlines it changes.

    Each moved deadline's event names who made the change. Without an `actor`, a reload that
    changes the calendar while open deadlines run into the years it touches is refused
    (ActorRequired, nothing saved) rather than moving dates with nobody on the timeline.
    """
    with transaction.atomic():
        result = holidays_load(years=years)
        if not (result.created or result.updated or result.deleted):
            return result, DeadlinesMoved()
        changed_from = date(result.years[0], 1, 1)
        if actor is None:
            if (
                Deadline.objects.filter(status=DeadlineStatus.OPEN, due_on__gte=changed_from)
                .exclude(kind=DeadlineKind.SUPERVISION)
                .exists()
            ):
                raise ActorRequired(changed_from)
            return result, DeadlinesMoved()
        return result, deadlines_recount(actor=actor, changed_from=changed_from)


# Reminders (DESIGN §6): the scan that beat runs every few minutes and `manage.py scan_deadlines` by hand.


@dataclass(frozen=True)
class ScanResult:
    reminders: int
    notifications: int


# The notification each reminder level is sent as.
REMINDER_KINDS = {
    ReminderLevel.DUE_SOON: NotificationKind.DUE_SOON,
    ReminderLevel.DUE_TODAY: NotificationKind.DUE_TODAY,
    ReminderLevel.OVERDUE: NotificationKind.OVERDUE,
}


def reminder_level(due_on: date, as_of: date) -> ReminderLevel:
    if due_on < as_of:
        return ReminderLevel.OVERDUE
    if due_on == as_of:
        return ReminderLevel.DUE_TODAY
    return ReminderLevel.DUE_SOON


def deadlines_scan(*, as_of: date | None = None, batch_size: int = 1000) -> ScanResult:
    """Send the reminder each open clock has reached on `as_of` (default today), once.

    It reads the database, so a scan run late catches up: a deadline that went from "due soon" to
    overdue while nothing ran gets the overdue reminder (the earlier ones would say something no
    longer true). The petitioner's own windows get none. Deadlines are taken in batches by id, each
    batch in its own transaction: memory stays bounded and an interrupted scan keeps what it sent.
    Two scans at once each claim a reminder with an insert the unique constraint arbitrates, and only
    the winner notifies. Who is told is the owner's business (deadlines.owners).
    """
    as_of = as_of or timezone.localdate()
    candidates = (
        Deadline.objects.filter(status=DeadlineStatus.OPEN, due_on__lte=as_of + timedelta(days=settings.REMINDER_DUE_SOON_DAYS))
        .exclude(kind__in=PETITIONER_WINDOWS)
        .annotate(level=_level_of(as_of))
        .exclude(Exists(ReminderSent.objects.filter(deadline=OuterRef("pk"), level=OuterRef("level"))))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    directory = Directory()
    reminders = notifications = 0
    last_pk = 0
    while batch := list(candidates.filter(pk__gt=last_pk)[:batch_size]):
        last_pk = batch[-1]
        with transaction.atomic():
            claimed = _reminders_claim(batch, as_of)
            by_type: dict[int, list[Deadline]] = defaultdict(list)
            for deadline in claimed:
                by_type[deadline.subject_type_id].append(deadline)
            drafts = [
                draft for type_id, deadlines in by_type.items() for draft in owner_of(type_id).reminder_drafts(deadlines, as_of, directory)
            ]
            sent = notifications_send(drafts)
        reminders += len(claimed)
        notifications += len(sent)
    return ScanResult(reminders=reminders, notifications=notifications)


def _level_of(as_of: date) -> Case:
    """reminder_level in SQL."""
    return Case(
        When(due_on__lt=as_of, then=Value(ReminderLevel.OVERDUE)),
        When(due_on=as_of, then=Value(ReminderLevel.DUE_TODAY)),
        default=Value(ReminderLevel.DUE_SOON),
    )


def _reminders_claim(deadline_ids: list[int], as_of: date) -> list[Deadline]:
    """Lock the batch's deadlines, re-read them (one may have been met or moved since the batch was
    listed) and insert their reminder rows with INSERT … ON CONFLICT DO NOTHING; returns the
    deadlines whose row this scan inserted."""
    deadlines = {
        deadline.pk: deadline for deadline in Deadline.objects.select_for_update().filter(pk__in=deadline_ids, status=DeadlineStatus.OPEN)
    }
    if not deadlines:
        return []
    now = timezone.now()
    rows = [(deadline.pk, reminder_level(deadline.due_on, as_of), deadline.due_on, now) for deadline in deadlines.values()]
    table = connection.ops.quote_name(ReminderSent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (deadline_id, level, due_on, sent_at) VALUES {', '.join(['(%s, %s, %s, %s)'] * len(rows))} "
            "ON CONFLICT (deadline_id, level) DO NOTHING RETURNING deadline_id",
            [value for row in rows for value in row],
        )
        won = {deadline_id for (deadline_id,) in cursor.fetchall()}
    return [deadline for pk, deadline in deadlines.items() if pk in won]
