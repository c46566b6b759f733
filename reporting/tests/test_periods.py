"""Periods: calendar months and ranges of days, their bounds in Asia/Shanghai, and what 环比 and 同比
compare with."""

from datetime import UTC, date, datetime

import pytest

from reporting.periods import Period


def test_month_runs_from_the_first_to_the_last_day():
    assert Period.month(2026, 9) == Period(date(2026, 9, 1), date(2026, 9, 30))
    assert Period.month(2026, 12) == Period(date(2026, 12, 1), date(2026, 12, 31))
    assert Period.month(2028, 2) == Period(date(2028, 2, 1), date(2028, 2, 29))
    assert Period.month(2026, 2) == Period(date(2026, 2, 1), date(2026, 2, 28))


def test_days_and_is_month():
    assert Period.month(2026, 9).days == 30
    assert Period.month(2026, 9).is_month
    assert Period(date(2026, 9, 1), date(2026, 9, 1)).days == 1
    assert not Period(date(2026, 9, 1), date(2026, 9, 29)).is_month
    assert not Period(date(2026, 9, 2), date(2026, 10, 1)).is_month
    assert not Period(date(2026, 9, 1), date(2026, 10, 31)).is_month  # two months are a range


def test_bounds_are_midnights_in_shanghai():
    start, end = Period.month(2026, 9).bounds()
    # Midnight in Shanghai is 16:00 UTC the day before.
    assert start == datetime(2026, 8, 31, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert str(start.tzinfo) == "Asia/Shanghai"


def test_last_second_of_the_month_is_in_it_and_midnight_after_is_not():
    start, end = Period.month(2026, 9).bounds()
    last_second = datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC)  # 23:59:59 on the 30th in Shanghai
    next_midnight = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)  # 00:00 on 1 October in Shanghai, still the 30th in UTC
    assert start <= last_second < end
    assert not next_midnight < end


@pytest.mark.parametrize(
    ("period", "previous"),
    [
        (Period.month(2026, 9), Period.month(2026, 8)),
        (Period.month(2026, 1), Period.month(2025, 12)),
        (Period.month(2026, 3), Period.month(2026, 2)),
        (Period.month(2028, 3), Period.month(2028, 2)),
        # A range compares with as many days just before it.
        (Period(date(2026, 9, 10), date(2026, 9, 19)), Period(date(2026, 8, 31), date(2026, 9, 9))),
        (Period(date(2026, 1, 1), date(2026, 1, 15)), Period(date(2025, 12, 17), date(2025, 12, 31))),
        (Period(date(2026, 3, 1), date(2026, 3, 1)), Period(date(2026, 2, 28), date(2026, 2, 28))),
        # Two whole months are a range of 61 days, not "the two months before".
        (Period(date(2026, 9, 1), date(2026, 10, 31)), Period(date(2026, 7, 2), date(2026, 8, 31))),
    ],
)
def test_previous(period, previous):
    assert period.previous() == previous
    if not period.is_month:
        assert previous.days == period.days


@pytest.mark.parametrize(
    ("period", "year_ago"),
    [
        (Period.month(2026, 9), Period.month(2025, 9)),
        (Period.month(2026, 1), Period.month(2025, 1)),
        (Period.month(2028, 2), Period.month(2027, 2)),  # 29 days, compared with a February of 28
        (Period.month(2027, 2), Period.month(2026, 2)),
        (Period(date(2026, 9, 10), date(2026, 9, 19)), Period(date(2025, 9, 10), date(2025, 9, 19))),
        # 29 February a year earlier is the 28th.
        (Period(date(2028, 2, 29), date(2028, 3, 5)), Period(date(2027, 2, 28), date(2027, 3, 5))),
        (Period(date(2028, 2, 20), date(2028, 2, 29)), Period(date(2027, 2, 20), date(2027, 2, 28))),
    ],
)
def test_year_ago(period, year_ago):
    assert period.year_ago() == year_ago


def test_as_dict_round_trips():
    month = Period.month(2026, 9)
    assert month.as_dict() == {"start": "2026-09-01", "end": "2026-09-30", "year": 2026, "month": 9}
    assert Period.from_dict(month.as_dict()) == month
    days = Period(date(2026, 9, 10), date(2026, 9, 19))
    assert days.as_dict() == {"start": "2026-09-10", "end": "2026-09-19", "year": None, "month": None}
    assert Period.from_dict(days.as_dict()) == days
