"""Counting legal periods (DESIGN §6): start day not counted; a last day on a rest day moves on."""

import logging
from datetime import date, timedelta

import chinese_calendar

logger = logging.getLogger(__name__)


def is_workday(day: date) -> bool:
    """Public holidays and make-up working days from `chinesecalendar`; weekends beyond its years."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        logger.warning("No holiday calendar for %s; counting weekends only.", day.year)
        return day.weekday() < 5


def calendar_days_due(start: date, days: int) -> date:
    """The last day of a period of `days` calendar days that starts after `start`."""
    due = start + timedelta(days=days)
    while not is_workday(due):
        due += timedelta(days=1)
    return due
