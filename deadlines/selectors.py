"""Reads about clocks and the calendar that pages, the API and the scan share."""

from collections.abc import Iterable
from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from django.utils.translation import gettext

from deadlines.calendar import count_due, horizon, work_calendar
from deadlines.models import CalendarYear, Deadline, DeadlinePolicy

# How far ahead the calendar must be entered: the longest step (60 days, plus an extension of 30 and
# the rest-day moves) counted from today.
CALENDAR_LOOKAHEAD_DAYS = 120


def deadlines_of(subject: Model) -> QuerySet[Deadline]:
    """The clocks of one petition, case or other subject."""
    return Deadline.objects.filter(subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk)


def deadline_explanations(deadlines: Iterable[Deadline]) -> dict[int, tuple[str, ...]]:
    """How each due date is counted, on one read of the policies and one of the calendar for all of
    them. A supervision order's date is the supervisor's, not counted, whatever policy an
    administrator may have saved for the kind."""
    deadlines = list(deadlines)
    explanations: dict[int, tuple[str, ...]] = {
        deadline.pk: () if deadline.is_counted else (gettext("Set by the supervision order."),) for deadline in deadlines
    }
    policies = DeadlinePolicy.objects.in_bulk(field_name="kind")
    counted = [deadline for deadline in deadlines if deadline.is_counted and deadline.kind in policies]
    if not counted:
        return explanations
    counts = {deadline.pk: deadline.counted_with(policies[deadline.kind]) for deadline in counted}
    calendar = work_calendar(
        first=min(deadline.start_on for deadline in counted) + timedelta(days=1),
        last=max(horizon(**count) for count in counts.values()),
    )
    explanations.update({pk: count_due(calendar=calendar, **count).explanation for pk, count in counts.items()})
    return explanations


def calendar_years_incomplete(*, today: date) -> list[int]:
    """The years that deadlines counted from today can reach whose holiday schedule is not entered:
    until an administrator enters it, they count weekends only."""
    years = sorted({today.year, (today + timedelta(days=CALENDAR_LOOKAHEAD_DAYS)).year})
    complete = set(CalendarYear.objects.filter(year__in=years, complete=True).values_list("year", flat=True))
    return [year for year in years if year not in complete]
