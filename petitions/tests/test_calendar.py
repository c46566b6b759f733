"""Legal periods (DESIGN §6): start day not counted, a last day on a rest day moves to the next working day."""

import logging
from datetime import date

import pytest

from petitions.calendar import calendar_days_due, is_workday


def test_design_example_received_28_september_2026():
    assert calendar_days_due(date(2026, 9, 28), 15) == date(2026, 10, 13)


def test_the_start_day_is_not_counted():
    assert calendar_days_due(date(2026, 3, 2), 1) == date(2026, 3, 3)


def test_a_last_day_inside_the_national_day_holiday_moves_to_the_next_working_day():
    # 18 September + 15 days is Saturday 3 October, inside the 1–7 October 2026 holiday.
    assert calendar_days_due(date(2026, 9, 18), 15) == date(2026, 10, 8)


def test_a_last_day_on_an_ordinary_weekend_moves_to_monday():
    # Saturday 7 November 2026.
    assert calendar_days_due(date(2026, 10, 23), 15) == date(2026, 11, 9)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (date(2026, 9, 25), date(2026, 10, 10)),  # Saturday 10 October 2026 is a make-up working day
        (date(2026, 9, 5), date(2026, 9, 20)),  # and so is Sunday 20 September 2026
    ],
)
def test_a_make_up_working_weekend_day_counts_as_a_working_day(start, due):
    assert calendar_days_due(start, 15) == due


def test_holidays_and_make_up_days():
    assert not is_workday(date(2026, 10, 1))
    assert is_workday(date(2026, 10, 10))
    assert not is_workday(date(2026, 10, 11))
    assert is_workday(date(2026, 10, 12))


def test_a_year_without_a_holiday_calendar_counts_weekends_only_and_warns(caplog):
    with caplog.at_level(logging.WARNING, logger="petitions.calendar"):
        # Saturday 5 January 2030 moves to Monday 7 January.
        assert calendar_days_due(date(2029, 12, 21), 15) == date(2030, 1, 7)
        # New Year's Day 2030 is unknown to the calendar, so it is treated as a Tuesday like any other.
        assert calendar_days_due(date(2029, 12, 17), 15) == date(2030, 1, 1)
    warnings = [record for record in caplog.records if record.name == "petitions.calendar"]
    assert warnings
    assert all(record.levelno == logging.WARNING and "2030" in record.getMessage() for record in warnings)
