"""The deadline engine (DESIGN §6): start day not counted, a last day on a rest day moves to the next working day.

The calendar these tests count on is the one the migration seeds from `chinesecalendar` (2004–2026).
In 2026 the National Day holiday is 1–7 October, with make-up working days on Sunday 20 September
and Saturday 10 October.
"""

import logging
import re
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from deadlines import calendar
from deadlines.calendar import count_due, due_date, horizon, work_calendar
from deadlines.models import CalendarDay, CalendarSource, CalendarYear, DayUnit, DeadlineKind, DeadlinePolicy

pytestmark = [pytest.mark.django_db, pytest.mark.deadlines]


@pytest.fixture(autouse=True)
def _english():
    """Explanations are checked against their English source strings; one test checks the Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _no_year_warned_yet(monkeypatch):
    """Unknown years are reported once per process; each test starts as a fresh process would."""
    monkeypatch.setattr(calendar, "_warned_years", set())


def calendar_days_due(start: date, days: int) -> date:
    """`days` calendar days from `start`, moved off a rest day, on the stored calendar."""
    policy = DeadlinePolicy(kind="", days=days, unit=DayUnit.CALENDAR, moves_off_rest_days=True)
    calendar = work_calendar(first=start + timedelta(days=1), last=horizon(policy=policy, start=start))
    return count_due(policy=policy, calendar=calendar, start=start).due_on


def is_workday(day: date) -> bool:
    return work_calendar(first=day, last=day).is_workday(day)


def decision(start: date) -> date:
    return due_date(kind=DeadlineKind.DECISION, start=start).due_on


# The seeded calendar and policies


def test_the_calendar_holds_the_packages_years_and_only_exceptions_to_the_weekend_rule():
    assert list(CalendarYear.objects.filter(complete=True).order_by("year").values_list("year", flat=True)) == list(range(2004, 2027))
    days = CalendarDay.objects.all()
    assert days.count() > 400
    assert all(day.is_workday == (day.date.weekday() >= 5) for day in days)
    assert all(day.year_id == day.date.year and day.source == CalendarSource.PACKAGE for day in days)
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).name == "调休上班（国庆节）"
    assert not CalendarDay.objects.filter(date=date(2026, 10, 3)).exists()  # a Saturday inside the holiday: a rest day anyway


def test_the_default_policies_follow_the_regulation():
    policies = {policy.kind: (policy.days, policy.unit, policy.moves_off_rest_days) for policy in DeadlinePolicy.objects.all()}
    assert policies == {
        "decision": (15, DayUnit.CALENDAR, True),
        "objection": (5, DayUnit.WORKING, True),
        "handling": (60, DayUnit.CALENDAR, True),
        "extension": (30, DayUnit.CALENDAR, True),
        "review_request": (30, DayUnit.CALENDAR, True),
        "review_decision": (30, DayUnit.CALENDAR, True),
        "reexamination_request": (30, DayUnit.CALENDAR, True),
        "reexamination_decision": (30, DayUnit.CALENDAR, True),
        # The assigning unit's term for the completion report (Art. 22): the handling period by default.
        "completion_report": (60, DayUnit.CALENDAR, True),
    }
    assert DeadlinePolicy.objects.get(kind="reexamination_decision").basis == "《信访工作条例》（2022）第三十六条"
    assert DeadlinePolicy.objects.get(kind="completion_report").basis == "《信访工作条例》（2022）第二十二条"


# Calendar days


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (date(2026, 9, 28), date(2026, 10, 13)),  # DESIGN's example
        (date(2026, 9, 18), date(2026, 10, 8)),  # Saturday 3 October, inside the National Day holiday
        (date(2026, 9, 16), date(2026, 10, 8)),  # Thursday 1 October, National Day itself
        (date(2026, 10, 23), date(2026, 11, 9)),  # Saturday 7 November, an ordinary weekend
        (date(2026, 9, 25), date(2026, 10, 10)),  # Saturday 10 October 2026 is a make-up working day
        (date(2026, 9, 5), date(2026, 9, 20)),  # and so is Sunday 20 September 2026
        (date(2026, 12, 20), date(2027, 1, 4)),  # into a year not entered: Monday 4 January by the weekend rule
        (date(2028, 2, 14), date(2028, 2, 29)),  # a leap day
    ],
)
def test_decision_deadlines_on_a_table_of_dates(start, due):
    assert decision(start) == due


def test_the_start_day_is_not_counted():
    assert calendar_days_due(date(2026, 3, 2), 1) == date(2026, 3, 3)


def test_the_explanation_of_a_last_day_on_national_day():
    assert due_date(kind=DeadlineKind.DECISION, start=date(2026, 9, 16)).explanation == (
        "Under 《信访工作条例》（2022）第二十二条、第二十三条 the limit is 15 calendar days.",
        "Start day 2026-09-16 (not counted); 15 calendar days end on 2026-10-01.",
        "The last day, 2026-10-01, is a public holiday (国庆节); it moves to the next working day, 2026-10-08.",
    )


def test_the_explanation_of_a_last_day_on_a_weekend_and_of_one_on_a_working_day():
    assert due_date(kind=DeadlineKind.DECISION, start=date(2026, 9, 18)).explanation[1:] == (
        "Start day 2026-09-18 (not counted); 15 calendar days end on 2026-10-03.",
        "The last day, 2026-10-03, is a weekend day; it moves to the next working day, 2026-10-08.",
    )
    assert due_date(kind=DeadlineKind.DECISION, start=date(2026, 9, 28)).explanation[1:] == (
        "Start day 2026-09-28 (not counted); 15 calendar days end on 2026-10-13.",
    )


def test_the_explanation_is_in_chinese_by_default():
    with translation.override("zh-hans"):
        explanation = due_date(kind=DeadlineKind.DECISION, start=date(2026, 9, 16)).explanation
        unknown_year = due_date(kind=DeadlineKind.DECISION, start=date(2029, 12, 21)).explanation
    assert len(explanation) == 3
    assert all(sentence.endswith("。") and not re.search(r"[A-Za-z]{3,}", sentence) for sentence in (*explanation, *unknown_year))
    assert "起算日 2026-09-16" in explanation[1] and "2026-10-01" in explanation[1]
    assert all(text in explanation[2] for text in ("2026-10-01", "法定节假日", "国庆节", "2026-10-08"))
    assert "2030" in unknown_year[-1] and "节假日" in unknown_year[-1]


def test_a_leap_year_counts_29_february():
    CalendarYear.objects.create(year=2028, complete=True)
    # 16 days to 31 January, 29 in February, 15 in March.
    handling = due_date(kind=DeadlineKind.HANDLING, start=date(2028, 1, 15))
    assert handling.due_on == date(2028, 3, 15)
    assert handling.explanation[1:] == ("Start day 2028-01-15 (not counted); 60 calendar days end on 2028-03-15.",)


# Working days


def test_working_days_skip_holidays_and_count_a_make_up_saturday():
    # 30 Sep (1); 1–7 Oct holiday; 8 Oct (2), 9 Oct (3), Saturday 10 Oct make-up (4), Monday 12 Oct (5).
    objection = due_date(kind=DeadlineKind.OBJECTION, start=date(2026, 9, 29))
    assert objection.due_on == date(2026, 10, 12)
    assert objection.explanation == (
        "Under 《信访工作条例》（2022）第二十三条 the limit is 5 working days.",
        "Start day 2026-09-29 (not counted); 5 working days end on 2026-10-12.",
        "Public holidays not counted: 2026-10-01 (国庆节), 2026-10-02 (国庆节), 2026-10-05 (国庆节), 2026-10-06 (国庆节), "
        "2026-10-07 (国庆节).",
        "Make-up working days counted: 2026-10-10 (调休上班（国庆节）).",
    )


def test_a_make_up_sunday_counts_as_a_working_day():
    # Thursday 17 (1), Friday 18 (2), Sunday 20 September make-up (3), Monday 21 (4), Tuesday 22 (5).
    assert due_date(kind=DeadlineKind.OBJECTION, start=date(2026, 9, 16)).due_on == date(2026, 9, 22)


def test_working_days_follow_the_weekend_rule_where_no_day_is_entered():
    # Monday 2 March 2026: Tuesday to Friday, then Monday 9 March.
    assert due_date(kind=DeadlineKind.OBJECTION, start=date(2026, 3, 2)).due_on == date(2026, 3, 9)


# Pauses and the extension


def test_the_extension_adds_to_handling():
    # 60 + 30 days from Monday 2 March 2026 is Sunday 31 May, so Monday 1 June.
    handling = due_date(kind=DeadlineKind.HANDLING, start=date(2026, 3, 2), extension_days=30)
    assert handling.due_on == date(2026, 6, 1)
    assert handling.explanation == (
        "Under 《信访工作条例》（2022）第三十四条 the limit is 60 calendar days.",
        "The extension adds 30 days.",
        "Start day 2026-03-02 (not counted); 90 calendar days end on 2026-05-31.",
        "The last day, 2026-05-31, is a weekend day; it moves to the next working day, 2026-06-01.",
    )
    # Without it: Friday 1 May 2026, inside the Labour Day holiday (1–5 May).
    assert due_date(kind=DeadlineKind.HANDLING, start=date(2026, 3, 2)).due_on == date(2026, 5, 6)


def test_hearing_days_are_not_counted_in_a_re_examination():
    # 30 days from 1 September 2026 is 1 October; 5 hearing days make it Tuesday 6 October, still the holiday.
    without_hearing = due_date(kind=DeadlineKind.REEXAMINATION_DECISION, start=date(2026, 9, 1))
    with_hearing = due_date(kind=DeadlineKind.REEXAMINATION_DECISION, start=date(2026, 9, 1), pauses=5)
    assert (without_hearing.due_on, with_hearing.due_on) == (date(2026, 10, 8), date(2026, 10, 8))
    with_long_hearing = due_date(kind=DeadlineKind.REEXAMINATION_DECISION, start=date(2026, 9, 1), pauses=12)
    assert with_long_hearing.due_on == date(2026, 10, 13)
    assert with_long_hearing.explanation[1:] == (
        "12 days of hearing or other pauses are not counted, so the period runs that much longer.",
        "Start day 2026-09-01 (not counted); 42 calendar days end on 2026-10-13.",
    )


def test_negative_pauses_are_refused():
    with pytest.raises(ValueError):
        due_date(kind=DeadlineKind.HANDLING, start=date(2026, 3, 2), pauses=-1)


# The policy is data


def test_an_administrator_can_change_a_limit_and_the_rest_day_rule():
    DeadlinePolicy.objects.filter(kind=DeadlineKind.DECISION).update(days=10)
    assert decision(date(2026, 9, 28)) == date(2026, 10, 8)
    DeadlinePolicy.objects.filter(kind=DeadlineKind.DECISION).update(days=15, moves_off_rest_days=False)
    stays = due_date(kind=DeadlineKind.DECISION, start=date(2026, 9, 18))
    assert stays.due_on == date(2026, 10, 3)
    assert stays.explanation[-1] == "The last day, 2026-10-03, is a rest day; under the counting policy it does not move."
    DeadlinePolicy.objects.filter(kind=DeadlineKind.DECISION).update(unit=DayUnit.WORKING)
    assert decision(date(2026, 9, 28)) == date(2026, 10, 23)


def test_the_extension_is_a_cap_not_a_period():
    with pytest.raises(ValueError):
        due_date(kind=DeadlineKind.EXTENSION, start=date(2026, 3, 2))


# Years the calendar does not know


def test_a_year_without_a_holiday_calendar_counts_weekends_only_and_warns_once(caplog):
    with caplog.at_level(logging.WARNING, logger="deadlines.calendar"):
        # Saturday 5 January 2030 moves to Monday 7 January.
        first = due_date(kind=DeadlineKind.DECISION, start=date(2029, 12, 21))
        assert first.due_on == date(2030, 1, 7)
        # New Year's Day 2030 is unknown to the calendar, so it is treated as a Tuesday like any other.
        assert calendar_days_due(date(2029, 12, 17), 15) == date(2030, 1, 1)
    assert first.explanation[-1] == "The 2030 holiday schedule has not been entered; only weekends count as rest days."
    warnings = [record for record in caplog.records if record.name == "deadlines.calendar"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING and "2030" in warnings[0].getMessage()


def test_a_year_entered_in_part_uses_its_days_and_says_the_rest_follow_the_weekend_rule(caplog):
    CalendarYear.objects.create(year=2027, complete=False)
    CalendarDay.objects.create(date=date(2027, 10, 1), year_id=2027, is_workday=False, name="国庆节")
    with caplog.at_level(logging.WARNING, logger="deadlines.calendar"):
        due = due_date(kind=DeadlineKind.DECISION, start=date(2027, 9, 16))
    assert due.due_on == date(2027, 10, 4)  # Friday 1 October entered, then the weekend
    assert due.explanation[-1] == "The 2027 holiday schedule is not entered in full; days not entered follow the weekend rule."
    assert [record.getMessage() for record in caplog.records if "2027" in record.getMessage()]

    CalendarYear.objects.filter(year=2027).update(complete=True)
    complete = due_date(kind=DeadlineKind.DECISION, start=date(2027, 9, 16))
    assert complete.explanation[-1].startswith("The last day, 2027-10-01, is a public holiday (国庆节)")


def test_is_workday_reads_the_stored_calendar():
    assert not is_workday(date(2026, 10, 1))
    assert is_workday(date(2026, 10, 10))
    assert not is_workday(date(2026, 10, 11))
    assert is_workday(date(2026, 10, 12))
    CalendarDay.objects.filter(date=date(2026, 10, 10)).delete()
    assert not is_workday(date(2026, 10, 10))


# Cost


def test_a_due_date_costs_two_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        due_date(kind=DeadlineKind.REEXAMINATION_DECISION, start=date(2026, 9, 1), pauses=200, extension_days=0)
    with django_assert_max_num_queries(2):
        due_date(kind=DeadlineKind.OBJECTION, start=date(2026, 12, 30))


# The calendar's rows


def test_an_entry_must_be_an_exception_to_the_weekend_rule():
    with pytest.raises(ValidationError) as caught:
        CalendarDay(date=date(2026, 3, 4), year_id=2026, is_workday=True, name="调休上班").clean()
    assert set(caught.value.message_dict) == {"is_workday"}
    with pytest.raises(ValidationError):
        CalendarDay(date=date(2026, 3, 7), year_id=2026, is_workday=False, name="假日").clean()
    CalendarDay(date=date(2026, 3, 7), year_id=2026, is_workday=True, name="调休上班").clean()


def test_load_holidays_restores_package_days_and_keeps_administrators_days():
    CalendarDay.objects.filter(date=date(2026, 10, 1)).delete()
    CalendarDay.objects.filter(date=date(2026, 10, 2)).update(name="改名")
    CalendarDay.objects.filter(date=date(2026, 10, 5)).update(name="管理员改过", source=CalendarSource.MANUAL)
    CalendarDay.objects.create(date=date(2026, 3, 4), year_id=2026, is_workday=False, name="不在包里", source=CalendarSource.PACKAGE)
    CalendarDay.objects.create(date=date(2026, 3, 5), year_id=2026, is_workday=False, name="本地假日", source=CalendarSource.MANUAL)
    CalendarYear.objects.filter(year=2026).update(complete=False)
    out = StringIO()

    call_command("load_holidays", year=[2026], stdout=out)

    assert out.getvalue().strip() == "Years 2026: 1 days added, 1 changed, 1 removed, 1 entered by administrators kept."
    names = dict(CalendarDay.objects.filter(year_id=2026).values_list("date", "name"))
    assert names[date(2026, 10, 1)] == names[date(2026, 10, 2)] == "国庆节"
    assert names[date(2026, 10, 5)] == "管理员改过"
    assert names[date(2026, 3, 5)] == "本地假日"
    assert date(2026, 3, 4) not in names
    assert CalendarYear.objects.get(year=2026).complete


def test_load_holidays_refuses_a_year_the_package_does_not_know():
    before = CalendarDay.objects.count()
    with pytest.raises(CommandError, match="2030"):
        call_command("load_holidays", year=[2030], stdout=StringIO())
    assert CalendarDay.objects.count() == before
    assert not CalendarYear.objects.filter(year=2030).exists()
