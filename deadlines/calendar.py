"""The deadline engine (DESIGN §6): legal periods counted on the holiday calendar in the database.

The rules: the starting day is not counted; calendar-day limits end `days` days later, and a last
day on a rest day moves to the next working day when the step's policy says so; working-day limits
count working days only (weekends and holidays skipped, make-up working weekend days counted).
The calendar stores only the exceptions to the weekend rule. A year not marked complete is counted
by the weekend rule plus whatever days it has, with a warning, never an error.

`due_date` is the one entry point; `count_due` is the pure counting it wraps, for callers that
count many deadlines on one calendar (see services.deadlines_recount).
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar
from django.apps import apps as global_apps
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from deadlines.models import CalendarSource, CalendarYear, DayUnit, DeadlineKind, DeadlinePolicy

logger = logging.getLogger(__name__)

# The package names holidays in English; the calendar shows the official Chinese names.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

# Years already warned about in this process: an unknown year is reported once, not on every count.
_warned_years: set[int] = set()


@dataclass(frozen=True)
class WorkCalendar:
    """The calendar of some whole years, in memory: exceptions to the weekend rule and complete years."""

    first_year: int
    last_year: int
    exceptions: dict[date, tuple[bool, str]] = field(default_factory=dict)  # date -> (is working day, name)
    complete_years: frozenset[int] = frozenset()

    def is_workday(self, day: date) -> bool:
        if not self.first_year <= day.year <= self.last_year:
            raise ValueError(f"The calendar was read for {self.first_year}–{self.last_year}, not for {day.isoformat()}.")
        exception = self.exceptions.get(day)
        return exception[0] if exception else day.weekday() < 5

    def name(self, day: date) -> str:
        exception = self.exceptions.get(day)
        return exception[1] if exception else ""

    def has_days_in(self, year: int) -> bool:
        return any(day.year == year for day in self.exceptions)


@dataclass(frozen=True)
class DueDate:
    """A due date and how it was computed, one sentence per step, in the active language."""

    due_on: date
    explanation: tuple[str, ...]


def work_calendar(*, first: date, last: date) -> WorkCalendar:
    """The calendar of the years from `first` to `last`, read in one query."""
    exceptions: dict[date, tuple[bool, str]] = {}
    complete_years = set()
    rows = CalendarYear.objects.filter(year__range=(first.year, last.year)).values_list(
        "year", "complete", "days__date", "days__is_workday", "days__name"
    )
    for year, complete, day, is_workday, name in rows:
        if complete:
            complete_years.add(year)
        if day is not None:
            exceptions[day] = (is_workday, name)
    return WorkCalendar(first_year=first.year, last_year=last.year, exceptions=exceptions, complete_years=frozenset(complete_years))


def horizon(*, policy: DeadlinePolicy, start: date, pauses: int = 0, extension_days: int = 0) -> date:
    """A day surely after the due date, so one read of the calendar covers the whole count.

    N working days never span more than 2N + 60 calendar days, even across the Spring Festival.
    """
    total = policy.days + pauses + extension_days
    return start + timedelta(days=(2 * total if policy.unit == DayUnit.WORKING else total) + 60)


def due_date(*, kind: str, start: date, pauses: int = 0, extension_days: int = 0) -> DueDate:
    """The due date of step `kind` that starts on `start`, and how it was computed. Two queries."""
    if kind == DeadlineKind.EXTENSION:
        raise ValueError("The extension is a cap on handling, not a period; pass it as extension_days.")
    try:
        policy = DeadlinePolicy.objects.get(kind=kind)
    except DeadlinePolicy.DoesNotExist:
        raise DeadlinePolicy.DoesNotExist(f"No deadline policy for “{kind}”.") from None
    end = horizon(policy=policy, start=start, pauses=pauses, extension_days=extension_days)
    calendar = work_calendar(first=start + timedelta(days=1), last=end)
    return count_due(policy=policy, calendar=calendar, start=start, pauses=pauses, extension_days=extension_days)


def count_due(*, policy: DeadlinePolicy, calendar: WorkCalendar, start: date, pauses: int = 0, extension_days: int = 0) -> DueDate:
    """The counting itself, on a calendar already in memory: no queries."""
    if pauses < 0 or extension_days < 0:
        raise ValueError("Pauses and extensions cannot be negative.")
    total = policy.days + pauses + extension_days
    explanation = [_limit_sentence(policy)] if policy.basis else []
    if extension_days:
        explanation.append(
            ngettext("The extension adds %(days)d day.", "The extension adds %(days)d days.", extension_days) % {"days": extension_days}
        )
    if pauses:
        message = ngettext(
            "%(days)d day of hearing or other pause is not counted, so the period runs that much longer.",
            "%(days)d days of hearing or other pauses are not counted, so the period runs that much longer.",
            pauses,
        )
        explanation.append(message % {"days": pauses})
    consulting = _ConsultedCalendar(calendar)
    if policy.unit == DayUnit.WORKING:
        due, sentences = _count_working_days(consulting, start, total)
    else:
        due, sentences = _count_calendar_days(consulting, start, total, moves_off_rest_days=policy.moves_off_rest_days)
    explanation.extend(sentences)
    for year in sorted(consulting.years - calendar.complete_years):
        _warn_unknown_year(year)
        if calendar.has_days_in(year):
            message = _("The %(year)d holiday schedule is not entered in full; days not entered follow the weekend rule.")
        else:
            message = _("The %(year)d holiday schedule has not been entered; only weekends count as rest days.")
        explanation.append(message % {"year": year})
    return DueDate(due_on=due, explanation=tuple(explanation))


class _ConsultedCalendar:
    """The calendar, noting which years the count looked at: only those can make it uncertain."""

    def __init__(self, calendar: WorkCalendar):
        self.calendar = calendar
        self.years: set[int] = set()

    def is_workday(self, day: date) -> bool:
        self.years.add(day.year)
        return self.calendar.is_workday(day)

    def name(self, day: date) -> str:
        return self.calendar.name(day)


def _count_calendar_days(calendar: _ConsultedCalendar, start: date, total: int, *, moves_off_rest_days: bool) -> tuple[date, list[str]]:
    last_day = due = start + timedelta(days=total)
    sentences = [
        ngettext(
            "Start day %(start)s (not counted); %(days)d calendar day ends on %(end)s.",
            "Start day %(start)s (not counted); %(days)d calendar days end on %(end)s.",
            total,
        )
        % {"start": start.isoformat(), "days": total, "end": last_day.isoformat()}
    ]
    if calendar.is_workday(last_day):
        return due, sentences
    if not moves_off_rest_days:
        message = _("The last day, %(date)s, is a rest day; under the counting policy it does not move.")
        return due, [*sentences, message % {"date": last_day.isoformat()}]
    while not calendar.is_workday(due):
        due += timedelta(days=1)
    name = calendar.name(last_day)
    if name:
        message = _("The last day, %(date)s, is a public holiday (%(name)s); it moves to the next working day, %(due)s.")
    else:
        message = _("The last day, %(date)s, is a weekend day; it moves to the next working day, %(due)s.")
    return due, [*sentences, message % {"date": last_day.isoformat(), "name": name, "due": due.isoformat()}]


def _count_working_days(calendar: _ConsultedCalendar, start: date, total: int) -> tuple[date, list[str]]:
    due, counted, holidays, make_up_days = start, 0, [], []
    while counted < total:
        due += timedelta(days=1)
        if calendar.is_workday(due):
            counted += 1
            if due.weekday() >= 5:
                make_up_days.append(due)
        elif due.weekday() < 5:
            holidays.append(due)
    sentences = [
        ngettext(
            "Start day %(start)s (not counted); %(days)d working day ends on %(end)s.",
            "Start day %(start)s (not counted); %(days)d working days end on %(end)s.",
            total,
        )
        % {"start": start.isoformat(), "days": total, "end": due.isoformat()}
    ]
    if holidays:
        sentences.append(_("Public holidays not counted: %(days)s.") % {"days": _day_list(holidays, calendar)})
    if make_up_days:
        sentences.append(_("Make-up working days counted: %(days)s.") % {"days": _day_list(make_up_days, calendar)})
    return due, sentences


def _limit_sentence(policy: DeadlinePolicy) -> str:
    if policy.unit == DayUnit.WORKING:
        return ngettext(
            "Under %(basis)s the limit is %(days)d working day.", "Under %(basis)s the limit is %(days)d working days.", policy.days
        ) % {"basis": policy.basis, "days": policy.days}
    return ngettext(
        "Under %(basis)s the limit is %(days)d calendar day.", "Under %(basis)s the limit is %(days)d calendar days.", policy.days
    ) % {"basis": policy.basis, "days": policy.days}


def _day_list(days: list[date], calendar: _ConsultedCalendar) -> str:
    named = (
        _("%(date)s (%(name)s)") % {"date": day.isoformat(), "name": calendar.name(day)} if calendar.name(day) else day.isoformat()
        for day in days
    )
    return _(", ").join(named)


def _warn_unknown_year(year: int) -> None:
    if year not in _warned_years:
        _warned_years.add(year)
        logger.warning("The %s holiday schedule is not complete in the calendar; counting weekends only. Enter it in the admin.", year)


# Seeding from the `chinesecalendar` package.


def package_years() -> list[int]:
    """The years the installed `chinesecalendar` knows."""
    return sorted({day.year for day in chinese_calendar.holidays} | {day.year for day in chinese_calendar.workdays})


def package_exceptions(year: int) -> dict[date, tuple[bool, str]]:
    """The package's exceptions to the weekend rule in `year`: holidays on weekdays, working weekend days."""
    exceptions = {}
    for day, name in chinese_calendar.holidays.items():
        if day.year == year and day.weekday() < 5:
            exceptions[day] = (False, HOLIDAY_NAMES.get(name, name))
    for day, name in chinese_calendar.workdays.items():
        if day.year == year and day.weekday() >= 5:
            exceptions[day] = (True, f"调休上班（{HOLIDAY_NAMES.get(name, name)}）")
    return exceptions


@dataclass
class LoadResult:
    years: list[int]
    created: int = 0
    updated: int = 0
    deleted: int = 0
    kept_manual: int = 0


def holidays_load(*, years: Iterable[int] | None = None, apps=global_apps) -> LoadResult:
    """Bring the calendar in line with the `chinesecalendar` package for `years` (default: all it knows).

    Used by the data migration (with its historical `apps`) and by deadlines.services.holidays_reload. Days an
    administrator entered or changed (source "manual") are kept; package days the package no longer
    lists are removed; each loaded year is marked complete. Open deadlines are not recomputed here.
    """
    calendar_year_model = apps.get_model("deadlines", "CalendarYear")
    calendar_day_model = apps.get_model("deadlines", "CalendarDay")
    known = package_years()
    years = sorted(set(known if years is None else years))
    unknown = [year for year in years if year not in known]
    if unknown:
        raise ValueError(f"chinesecalendar {chinese_calendar.__version__} does not know {', '.join(map(str, unknown))}.")
    result = LoadResult(years=years)
    if not years:
        return result
    with transaction.atomic():
        calendar_year_model.objects.bulk_create([calendar_year_model(year=year) for year in years], ignore_conflicts=True)
        calendar_year_model.objects.filter(year__in=years).update(complete=True)
        stored = {day.date: day for day in calendar_day_model.objects.filter(year_id__in=years)}
        wanted = {}
        for year in years:
            wanted.update(package_exceptions(year))
        new, changed = [], []
        for day, (is_workday, name) in wanted.items():
            existing = stored.get(day)
            if existing is None:
                new.append(calendar_day_model(date=day, year_id=day.year, is_workday=is_workday, name=name, source=CalendarSource.PACKAGE))
            elif existing.source == CalendarSource.MANUAL:
                result.kept_manual += 1
            elif (existing.is_workday, existing.name) != (is_workday, name):
                existing.is_workday, existing.name = is_workday, name
                changed.append(existing)
        stale = [day.pk for day in stored.values() if day.source == CalendarSource.PACKAGE and day.date not in wanted]
        calendar_day_model.objects.bulk_create(new)
        calendar_day_model.objects.bulk_update(changed, ["is_workday", "name"])
        calendar_day_model.objects.filter(pk__in=stale).delete()
    result.created, result.updated, result.deleted = len(new), len(changed), len(stale)
    return result
