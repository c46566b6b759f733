"""Case deadlines on a table of dates (DESIGN §6), and how changes to the calendar or the policies move them.

The calendar is the one the migration seeds from `chinesecalendar` 1.11 (2004–2026). In 2026 the
National Day holiday is 1–7 October, with make-up working days on Sunday 20 September and
Saturday 10 October; 2027 and later are not entered, so they count weekends only.
"""

import logging
import re
from datetime import UTC, date, datetime
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import make_user
from cases import services
from cases.models import Case, CaseAction, CaseEvent
from cases.tests.factories import make_case
from cases.tests.test_services import case_state
from deadlines import calendar
from deadlines import services as deadline_services
from deadlines.calendar import due_date
from deadlines.models import CalendarDay, CalendarYear, Deadline, DeadlineKind, DeadlinePolicy, DeadlineStatus
from deadlines.selectors import deadline_explanations
from petitions.models import Petition
from petitions.tests.factories import make_petition

pytestmark = [pytest.mark.django_db, pytest.mark.deadlines]


@pytest.fixture(autouse=True)
def _english(settings):
    """Explanations and notes are checked against their English source strings; one test checks the Chinese."""
    settings.LANGUAGE_CODE = "en"  # the admin's requests
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _no_year_warned_yet(monkeypatch):
    """Unknown years are reported once per process; each test starts as a fresh process would."""
    monkeypatch.setattr(calendar, "_warned_years", set())


def frozen_at(day: date):
    """The clock at 10:00 in Beijing on `day`: the services date their work 'today'."""
    return mock.patch("django.utils.timezone.now", return_value=datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC))


def handling(case: Case) -> Deadline:
    return Deadline.objects.get(case=case, kind=DeadlineKind.HANDLING)


# The engine, row by row


@pytest.mark.parametrize(
    ("kind", "start", "due"),
    [
        pytest.param(DeadlineKind.DECISION, date(2026, 9, 28), date(2026, 10, 13), id="DESIGN example: received 28 Sep, 15 days"),
        pytest.param(DeadlineKind.HANDLING, date(2026, 8, 2), date(2026, 10, 8), id="60 days end on National Day, move to 8 Oct"),
        pytest.param(DeadlineKind.DECISION, date(2026, 9, 21), date(2026, 10, 8), id="last day Tue 6 Oct inside the holiday"),
        pytest.param(DeadlineKind.OBJECTION, date(2026, 10, 8), date(2026, 10, 14), id="5 working days count make-up Sat 10 Oct"),
        pytest.param(DeadlineKind.OBJECTION, date(2026, 9, 18), date(2026, 9, 24), id="5 working days count make-up Sun 20 Sep"),
        pytest.param(DeadlineKind.OBJECTION, date(2026, 9, 30), date(2026, 10, 13), id="5 working days skip the whole holiday"),
        pytest.param(DeadlineKind.DECISION, date(2026, 9, 25), date(2026, 10, 10), id="last day on make-up Sat 10 Oct does not move"),
        pytest.param(DeadlineKind.HANDLING, date(2026, 8, 21), date(2026, 10, 20), id="calendar days run through make-up days as usual"),
        pytest.param(DeadlineKind.HANDLING, date(2024, 1, 15), date(2024, 3, 15), id="2024 leap year: 29 Feb is counted"),
        pytest.param(DeadlineKind.OBJECTION, date(2024, 2, 27), date(2024, 3, 5), id="2024 working days across Thu 29 Feb"),
        pytest.param(DeadlineKind.REVIEW_DECISION, date(2028, 2, 10), date(2028, 3, 13), id="2028 leap year: Sat 11 Mar moves to Mon"),
    ],
)
def test_due_dates_on_the_stored_calendar(kind, start, due):
    assert due_date(kind=kind, start=start).due_on == due


def test_a_year_without_calendar_data_falls_back_to_weekends_says_so_and_warns(caplog):
    assert not CalendarYear.objects.filter(year=2031).exists()
    with caplog.at_level(logging.WARNING, logger="deadlines.calendar"):
        # Wednesday 1 October 2031 is not known as National Day, so it is an ordinary working day.
        national_day = due_date(kind=DeadlineKind.DECISION, start=date(2031, 9, 16))
        # Saturday 4 October 2031 moves to Monday 6 October by the weekend rule alone.
        weekend = due_date(kind=DeadlineKind.DECISION, start=date(2031, 9, 19))
    assert (national_day.due_on, weekend.due_on) == (date(2031, 10, 1), date(2031, 10, 6))
    assert national_day.explanation[-1] == "The 2031 holiday schedule has not been entered; only weekends count as rest days."
    assert weekend.explanation[-2:] == (
        "The last day, 2031-10-04, is a weekend day; it moves to the next working day, 2031-10-06.",
        "The 2031 holiday schedule has not been entered; only weekends count as rest days.",
    )
    warnings = [record for record in caplog.records if record.name == "deadlines.calendar"]
    assert [record.levelno for record in warnings] == [logging.WARNING]
    assert "2031" in warnings[0].getMessage()


# Case deadlines through the services


@pytest.mark.parametrize(
    ("hearings", "due"),
    [
        pytest.param([], date(2026, 10, 10), id="no hearing: 30 days end on make-up Sat 10 Oct"),
        pytest.param([(date(2026, 9, 14), date(2026, 9, 16))], date(2026, 10, 13), id="3 hearing days: exactly 3 days later"),
        pytest.param([(date(2026, 9, 15), date(2026, 9, 15))], date(2026, 10, 12), id="1 hearing day: Sun 11 Oct moves to Mon"),
        pytest.param(
            [(date(2026, 9, 11), date(2026, 9, 11)), (date(2026, 9, 14), date(2026, 9, 15))],
            date(2026, 10, 13),
            id="two hearings add up",
        ),
        pytest.param(
            [(date(2026, 9, 8), date(2026, 9, 11))],
            date(2026, 10, 12),
            id="a hearing from before the request pauses only its days after it",
        ),
    ],
)
def test_hearing_days_move_the_re_examination_opinion(county, hearings, due):
    with frozen_at(date(2026, 9, 10)):
        case = make_case(county, state="reexamination_requested", accepted_on=date(2026, 9, 1))
    with frozen_at(date(2026, 9, 20)):
        for held_on, end_on in hearings:
            services.hearing_add(actor=county.handler_a, case=Case.objects.get(pk=case.pk), held_on=held_on, end_on=end_on)
    deadline = Deadline.objects.get(case=case, kind=DeadlineKind.REEXAMINATION_DECISION)
    assert (deadline.start_on, deadline.paused_days, deadline.due_on) == (
        date(2026, 9, 10),
        sum((end_on - max(held_on, date(2026, 9, 11))).days + 1 for held_on, end_on in hearings),
        due,
    )


@pytest.mark.parametrize(
    ("days", "due"),
    [
        pytest.param(3, date(2026, 10, 13), id="3 days after make-up Sat 10 Oct"),
        pytest.param(1, date(2026, 10, 12), id="1 day: Sun 11 Oct moves to Mon"),
        pytest.param(30, date(2026, 11, 9), id="30 days: 90 in all, Mon 9 Nov"),
    ],
)
def test_an_approved_extension_moves_the_handling_deadline_and_the_case(county, days, due):
    with frozen_at(date(2026, 9, 10)):
        case = make_case(county, state="in_progress", accepted_on=date(2026, 8, 11))
        assert (handling(case).due_on, case.handling_due) == (date(2026, 10, 10), date(2026, 10, 10))
        services.extension_request(actor=county.handler_a, case=case, days=days, reason="需要补充调查")
        services.extension_approve(actor=county.leader_a, case=Case.objects.get(pk=case.pk))
    case.refresh_from_db()
    assert (handling(case).extension_days, handling(case).due_on, case.handling_due) == (days, due, due)


def test_a_case_explanation_is_a_list_of_chinese_sentences(county):
    with frozen_at(date(2026, 9, 10)):
        case = make_case(county, state="in_progress", accepted_on=date(2026, 8, 2))
        services.extension_request(actor=county.handler_a, case=case, days=2, reason="需要补充调查")
        services.extension_approve(actor=county.leader_a, case=Case.objects.get(pk=case.pk))
    with translation.override("zh-hans"):
        explanation = deadline_explanations([handling(case)])[handling(case).pk]
    assert handling(case).due_on == date(2026, 10, 8)  # 62 days end on Saturday 3 October, inside the holiday
    assert isinstance(explanation, tuple) and len(explanation) == 4
    assert all(sentence.endswith("。") and not re.search(r"[A-Za-z]{3,}", sentence) for sentence in explanation)
    assert "第三十四条" in explanation[0]
    assert "延期增加 2 日" in explanation[1]
    assert "2026-08-02" in explanation[2] and "2026-10-03" in explanation[2]
    assert "2026-10-03" in explanation[3] and "2026-10-08" in explanation[3]


# Changing the holiday calendar in the admin


@pytest.fixture
def administrator(county):
    user = make_user(unit=county.bureau, roles=["admin"], username="site_admin")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def cases_on_1_december(county):
    """Built on 1 December 2026: an open handling deadline due Wednesday 9 December, a met one due
    that day too, an open one due before it (2 November), and an open petition due 9 December."""
    with frozen_at(date(2026, 12, 1)):
        return {
            "open": make_case(county, state="in_progress", accepted_on=date(2026, 10, 10)),
            "met": make_case(county, state="replied", accepted_on=date(2026, 10, 10)),
            "earlier": make_case(county, state="in_progress", accepted_on=date(2026, 9, 1)),
            "petition": make_petition(actor=county.clerk_a, locality=county.township_a, received_at=datetime(2026, 11, 24, 2, tzinfo=UTC)),
        }


def test_the_built_deadlines_are_as_the_table_says(cases_on_1_december):
    assert handling(cases_on_1_december["open"]).due_on == date(2026, 12, 9)
    assert (handling(cases_on_1_december["met"]).due_on, handling(cases_on_1_december["met"]).status) == (
        date(2026, 12, 9),
        DeadlineStatus.MET,
    )
    assert handling(cases_on_1_december["earlier"]).due_on == date(2026, 11, 2)  # Saturday 31 October moves to Monday
    assert cases_on_1_december["petition"].decision_due == date(2026, 12, 9)


def add_holiday_on_9_december(client):
    return client.post(
        reverse("admin:deadlines_calendarday_add"), {"date": "2026-12-09", "is_workday": "", "name": "地方假日"}, follow=True
    )


def test_a_holiday_added_in_the_admin_moves_open_case_deadlines_and_records_it(client, administrator, cases_on_1_december):
    open_case, met, earlier = cases_on_1_december["open"], cases_on_1_december["met"], cases_on_1_december["earlier"]
    met_before, earlier_before = case_state(met.pk), case_state(earlier.pk)
    client.force_login(administrator)

    response = add_holiday_on_9_december(client)

    assert response.status_code == 200
    assert "Open deadlines moved on 1 petition, 1 case." in response.content.decode()
    open_case.refresh_from_db()
    assert (handling(open_case).due_on, open_case.handling_due) == (date(2026, 12, 10), date(2026, 12, 10))
    event = CaseEvent.objects.get(action=CaseAction.DEADLINE_RECOMPUTED)
    assert (event.case_id, event.actor, event.from_status, event.to_status) == (open_case.pk, administrator, "in_progress", "in_progress")
    assert event.note == "Handling deadline moved from 2026-12-09 to 2026-12-10 by a change to the holiday calendar."
    # Met on 1 December: it stays as it was judged. Due 2 November: counted without looking at 9 December.
    assert case_state(met.pk) == met_before
    assert case_state(earlier.pk) == earlier_before
    assert Petition.objects.get(pk=cases_on_1_december["petition"].pk).decision_due == date(2026, 12, 10)


def test_deleting_the_holiday_moves_the_deadline_back(client, administrator, cases_on_1_december):
    open_case = cases_on_1_december["open"]
    client.force_login(administrator)
    add_holiday_on_9_december(client)
    day = CalendarDay.objects.get(date=date(2026, 12, 9))

    response = client.post(reverse("admin:deadlines_calendarday_delete", args=[day.pk]), {"post": "yes"}, follow=True)

    assert response.status_code == 200
    assert "Open deadlines moved on 1 petition, 1 case." in response.content.decode()
    open_case.refresh_from_db()
    assert (handling(open_case).due_on, open_case.handling_due) == (date(2026, 12, 9), date(2026, 12, 9))
    notes = list(CaseEvent.objects.filter(action=CaseAction.DEADLINE_RECOMPUTED).order_by("id").values_list("case_id", "note"))
    assert notes == [
        (open_case.pk, "Handling deadline moved from 2026-12-09 to 2026-12-10 by a change to the holiday calendar."),
        (open_case.pk, "Handling deadline moved from 2026-12-10 to 2026-12-09 by a change to the holiday calendar."),
    ]


def test_moving_a_calendar_day_recounts_from_the_earlier_of_its_two_dates(county, administrator):
    with frozen_at(date(2026, 12, 1)):
        case = make_case(county, state="in_progress", accepted_on=date(2026, 10, 10))
    day = CalendarDay.objects.create(date=date(2026, 12, 29), year_id=2026, is_workday=False, name="地方假日")
    moved = deadline_services.calendar_day_save(actor=administrator, day=day)
    assert moved == deadline_services.DeadlinesMoved()
    day.date = date(2026, 12, 9)
    assert deadline_services.calendar_day_save(actor=administrator, day=day) == deadline_services.DeadlinesMoved(counts={"cases.case": 1})
    assert handling(case).due_on == date(2026, 12, 10)
    day.date = date(2026, 12, 30)
    assert deadline_services.calendar_day_save(actor=administrator, day=day) == deadline_services.DeadlinesMoved(counts={"cases.case": 1})
    assert handling(case).due_on == date(2026, 12, 9)


def test_a_change_that_moves_nothing_says_so(client, administrator, cases_on_1_december):
    # Only the met case's review window (due 31 December) is due after 16 December; its last day does not change.
    client.force_login(administrator)
    response = client.post(
        reverse("admin:deadlines_calendarday_add"), {"date": "2026-12-16", "is_workday": "", "name": "地方假日"}, follow=True
    )
    assert "No open deadline moved." in response.content.decode()
    assert not CaseEvent.objects.filter(action=CaseAction.DEADLINE_RECOMPUTED).exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("handler, not staff", 302), ("staff without the calendar permission", 403)],
)
def test_a_refused_calendar_change_changes_nothing(client, county, cases_on_1_december, who, status):
    if who != "anonymous":
        user = county.handler_a
        user.is_staff = who.startswith("staff")
        user.save()
        client.force_login(user)
    cases = [case for name, case in cases_on_1_december.items() if name != "petition"]
    before = [case_state(case.pk) for case in cases]

    response = client.post(reverse("admin:deadlines_calendarday_add"), {"date": "2026-12-09", "is_workday": "", "name": "地方假日"})

    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("admin:login"))
    assert not CalendarDay.objects.filter(date=date(2026, 12, 9)).exists()
    assert [case_state(case.pk) for case in cases] == before
    assert Petition.objects.get(pk=cases_on_1_december["petition"].pk).decision_due == date(2026, 12, 9)


def test_recounting_many_cases_costs_the_same_queries_as_one(county, administrator, django_assert_num_queries):
    with frozen_at(date(2026, 12, 1)):
        make_case(county, state="in_progress", accepted_on=date(2026, 10, 10))
    CalendarDay.objects.create(date=date(2026, 12, 9), year_id=2026, is_workday=False, name="地方假日")
    with django_assert_num_queries(QUERIES_PER_RECOUNT):
        assert deadline_services.deadlines_recount(actor=administrator, changed_from=date(2026, 12, 9)).of(Case) == 1
    with frozen_at(date(2026, 12, 1)):
        for _number in range(4):
            make_case(county, state="in_progress", accepted_on=date(2026, 10, 11))
    CalendarDay.objects.create(date=date(2026, 12, 10), year_id=2026, is_workday=False, name="地方假日")
    with django_assert_num_queries(QUERIES_PER_RECOUNT):
        assert deadline_services.deadlines_recount(actor=administrator, changed_from=date(2026, 12, 10)).of(Case) == 5
    assert set(Deadline.objects.filter(kind=DeadlineKind.HANDLING).values_list("due_on", flat=True)) == {date(2026, 12, 11)}
    assert set(Case.objects.values_list("handling_due", flat=True)) == {date(2026, 12, 11)}
    assert CaseEvent.objects.filter(action=CaseAction.DEADLINE_RECOMPUTED).count() == 6


# List the subjects and lock them, read the deadlines, the policies, the calendar; update the deadlines
# and clear their reminders; the owner reads its cases, updates them and inserts the events.
QUERIES_PER_RECOUNT = 10


# Changing a policy in the admin


def test_a_new_limit_recounts_the_open_deadlines_of_its_step(client, administrator, cases_on_1_december):
    client.force_login(administrator)
    policy = DeadlinePolicy.objects.get(kind=DeadlineKind.HANDLING)
    met_before, earlier_before = case_state(cases_on_1_december["met"].pk), case_state(cases_on_1_december["earlier"].pk)

    response = client.post(
        reverse("admin:deadlines_deadlinepolicy_change", args=[policy.pk]),
        {"days": "61", "unit": "calendar", "moves_off_rest_days": "on", "basis": policy.basis},
        follow=True,
    )

    assert "Open deadlines moved on 1 case." in response.content.decode()
    open_case = Case.objects.get(pk=cases_on_1_december["open"].pk)
    assert (handling(open_case).due_on, open_case.handling_due) == (date(2026, 12, 10), date(2026, 12, 10))
    earlier = cases_on_1_december["earlier"]
    # 61 days end on Sunday 1 November, which moves to Monday 2 November: recounted, not moved, no event.
    assert case_state(earlier.pk) == earlier_before
    assert case_state(cases_on_1_december["met"].pk) == met_before
    assert CaseEvent.objects.get(case=open_case, action=CaseAction.DEADLINE_RECOMPUTED).note == (
        "Handling deadline moved from 2026-12-09 to 2026-12-10 by a change to the deadline policy."
    )
    assert Petition.objects.get(pk=cases_on_1_december["petition"].pk).decision_due == date(2026, 12, 9)


def test_a_new_extension_cap_leaves_deadlines_alone_and_says_so(client, administrator, cases_on_1_december):
    client.force_login(administrator)
    policy = DeadlinePolicy.objects.get(kind=DeadlineKind.EXTENSION)
    before = case_state(cases_on_1_december["open"].pk)
    response = client.post(
        reverse("admin:deadlines_deadlinepolicy_change", args=[policy.pk]),
        {"days": "20", "unit": "calendar", "moves_off_rest_days": "on", "basis": policy.basis},
        follow=True,
    )
    assert "Approved extensions keep their days; the new cap applies to requests from now on." in response.content.decode()
    assert DeadlinePolicy.objects.get(kind=DeadlineKind.EXTENSION).days == 20
    assert case_state(cases_on_1_december["open"].pk) == before


# load_holidays


@pytest.fixture
def national_day_missing(county):
    """National Day 2026 lost from the calendar, and a case whose handling was counted without it."""
    CalendarDay.objects.filter(date__in=[date(2026, 10, 1), date(2026, 10, 2)]).delete()
    with frozen_at(date(2026, 9, 10)):
        case = make_case(county, state="in_progress", accepted_on=date(2026, 8, 2))
    assert handling(case).due_on == date(2026, 10, 1)
    return case


def test_load_holidays_moves_open_case_deadlines_and_names_who_ran_it(county, national_day_missing):
    out = StringIO()
    call_command("load_holidays", year=[2026], by="admin_user", stdout=out)
    assert out.getvalue().splitlines() == [
        "Years 2026: 2 days added, 0 changed, 0 removed, 0 entered by administrators kept.",
        "Open deadlines moved on 1 case.",
    ]
    case = Case.objects.get(pk=national_day_missing.pk)
    assert (handling(case).due_on, case.handling_due) == (date(2026, 10, 8), date(2026, 10, 8))
    event = CaseEvent.objects.get(action=CaseAction.DEADLINE_RECOMPUTED)
    assert (event.case_id, event.actor) == (case.pk, county.admin)
    assert event.note == "Handling deadline moved from 2026-10-01 to 2026-10-08 by a change to the holiday calendar."


def test_load_holidays_without_by_refuses_to_move_deadlines_and_changes_nothing(national_day_missing):
    before = case_state(national_day_missing.pk)
    with pytest.raises(CommandError, match="--by USERNAME"):
        call_command("load_holidays", year=[2026], stdout=StringIO())
    assert not CalendarDay.objects.filter(date=date(2026, 10, 1)).exists()
    assert case_state(national_day_missing.pk) == before


def test_load_holidays_refuses_an_unknown_user(national_day_missing):
    with pytest.raises(CommandError, match="nobody"):
        call_command("load_holidays", year=[2026], by="nobody", stdout=StringIO())
    assert not CalendarDay.objects.filter(date=date(2026, 10, 1)).exists()


# The petitioner's windows: unused, they lapse; the unit is not late on them.


# Logged in on the days it asks on: a session opened at a real "now" long before them would have expired.
@pytest.mark.time_machine("2026-10-08T10:00+08:00")
def test_an_unused_review_window_lapses_rather_than_falling_overdue(client, county):
    with frozen_at(date(2026, 9, 1)):
        case = make_case(county, state="replied", accepted_on=date(2026, 8, 3))
    window = Deadline.objects.get(case=case, kind=DeadlineKind.REVIEW_REQUEST)
    assert window.due_on == date(2026, 10, 8), "30 days from 1 September end on 1 October, in the holiday: the next working day"

    assert window.current_status(date(2026, 10, 8)) == DeadlineStatus.OPEN
    assert window.current_status(date(2026, 10, 9)) == DeadlineStatus.LAPSED
    assert Deadline(kind=DeadlineKind.HANDLING, due_on=date(2026, 10, 8)).current_status(date(2026, 10, 9)) == DeadlineStatus.OVERDUE

    client.force_login(county.handler_a)
    with frozen_at(date(2026, 10, 8)):
        assert b'action="/cases/%d/review/"' % case.pk in client.get(reverse("case-detail", args=[case.pk])).content
    with frozen_at(date(2026, 10, 9)):
        page = client.get(reverse("case-detail", args=[case.pk])).content
        detail = client.get(f"/api/v1/cases/{case.pk}/").json()
    assert b'action="/cases/%d/review/"' % case.pk not in page, "a lapsed window is not offered"
    assert b"overdue" not in page.split(b'id="case-deadlines"')[1].split(b"</table>")[0], "nor counted as overdue"
    assert {deadline["kind"]: deadline["status"] for deadline in detail["deadlines"]}["review_request"] == "lapsed"
