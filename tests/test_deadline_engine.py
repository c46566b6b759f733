"""The one deadline engine across the apps that own clocks: every path that changes the calendar or
a policy moves the open clocks of petitions and cases alike, each with an event on its timeline."""

from datetime import UTC, date, datetime
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import make_user
from cases.models import Case, CaseAction, CaseEvent
from cases.tests.factories import make_case
from deadlines import services
from deadlines.models import CalendarDay, CalendarSource, Deadline, DeadlineKind, DeadlinePolicy, ReminderSent
from petitions.models import Action, Petition, PetitionEvent
from petitions.tests.factories import make_petition

pytestmark = [pytest.mark.django_db, pytest.mark.deadlines]


def frozen_at(day: date):
    return mock.patch("django.utils.timezone.now", return_value=datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC))


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def administrator(county):
    user = make_user(unit=county.bureau, roles=["admin"], username="site_admin")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def both_due_on_9_december(county) -> tuple[Petition, Case]:
    """Built on 1 December 2026: a petition received 24 November and a case accepted 10 October,
    both due Wednesday 9 December."""
    with frozen_at(date(2026, 12, 1)):
        petition = make_petition(actor=county.clerk_a, locality=county.township_a, received_at=datetime(2026, 11, 24, 2, tzinfo=UTC))
        case = make_case(county, state="in_progress", accepted_on=date(2026, 10, 10))
    assert (petition.decision_due, case.handling_due) == (date(2026, 12, 9), date(2026, 12, 9))
    return petition, case


def due_dates(petition: Petition, case: Case) -> tuple[date, date, date, date]:
    """The copies on the rows and the clocks themselves."""
    petition.refresh_from_db()
    case.refresh_from_db()
    return (
        petition.decision_due,
        petition.deadlines.get(kind=DeadlineKind.DECISION).due_on,
        case.handling_due,
        case.deadlines.get(kind=DeadlineKind.HANDLING).due_on,
    )


def recount_events(petition: Petition, case: Case) -> tuple[int, int]:
    return (
        PetitionEvent.objects.filter(petition=petition, action=Action.DEADLINE_RECOMPUTED).count(),
        CaseEvent.objects.filter(case=case, action=CaseAction.DEADLINE_RECOMPUTED).count(),
    )


def test_a_holiday_edited_in_the_admin_moves_petition_and_case_clocks(client, county, administrator):
    petition, case = both_due_on_9_december(county)
    client.force_login(administrator)

    response = client.post(
        reverse("admin:deadlines_calendarday_add"), {"date": "2026-12-09", "is_workday": "", "name": "地方假日"}, follow=True
    )

    assert "Open deadlines moved on 1 petition, 1 case." in response.content.decode()
    assert due_dates(petition, case) == (date(2026, 12, 10),) * 4
    assert recount_events(petition, case) == (1, 1)


def test_load_holidays_moves_petition_and_case_clocks(county, administrator):
    # A package day the package no longer lists: the clocks were counted with it, and reloading drops it.
    CalendarDay.objects.create(date=date(2026, 12, 9), year_id=2026, is_workday=False, name="旧假日", source=CalendarSource.PACKAGE)
    petition, case = (None, None)
    with frozen_at(date(2026, 12, 1)):
        petition = make_petition(actor=county.clerk_a, locality=county.township_a, received_at=datetime(2026, 11, 24, 2, tzinfo=UTC))
        case = make_case(county, state="in_progress", accepted_on=date(2026, 10, 10))
    assert due_dates(petition, case) == (date(2026, 12, 10),) * 4
    out = StringIO()

    call_command("load_holidays", year=[2026], by=administrator.username, stdout=out)

    assert "Open deadlines moved on 1 petition, 1 case." in out.getvalue()
    assert due_dates(petition, case) == (date(2026, 12, 9),) * 4
    assert recount_events(petition, case) == (1, 1)


@pytest.mark.parametrize(("kind", "moves"), [(DeadlineKind.DECISION, "petition"), (DeadlineKind.HANDLING, "case")])
def test_a_policy_edited_in_the_admin_moves_the_clocks_of_its_step(client, county, administrator, kind, moves):
    petition, case = both_due_on_9_december(county)
    policy = DeadlinePolicy.objects.get(kind=kind)
    client.force_login(administrator)

    response = client.post(
        reverse("admin:deadlines_deadlinepolicy_change", args=[policy.pk]),
        {"days": policy.days + 1, "unit": policy.unit, "moves_off_rest_days": "on", "basis": policy.basis},
        follow=True,
    )

    assert response.status_code == 200
    assert f"Open deadlines moved on 1 {moves}." in response.content.decode()
    later, same = date(2026, 12, 10), date(2026, 12, 9)
    expected = (later, later, same, same) if moves == "petition" else (same, same, later, later)
    assert due_dates(petition, case) == expected
    assert recount_events(petition, case) == ((1, 0) if moves == "petition" else (0, 1))


def test_one_scan_reminds_every_owner_and_a_moved_clock_again(county, administrator):
    petition, case = both_due_on_9_december(county)

    first = services.deadlines_scan(as_of=date(2026, 12, 9))
    again = services.deadlines_scan(as_of=date(2026, 12, 9))
    services.calendar_day_save(actor=administrator, day=CalendarDay(date=date(2026, 12, 9), is_workday=False, name="地方假日"))
    moved = services.deadlines_scan(as_of=date(2026, 12, 10))

    assert (first.reminders, again.reminders, moved.reminders) == (2, 0, 2)
    reminded = ReminderSent.objects.values_list("deadline__kind", "level")
    assert sorted(reminded) == [("decision", "due_today"), ("handling", "due_today")]
    assert set(Deadline.objects.filter(reminders__isnull=False).values_list("subject_id", flat=True)) == {petition.pk, case.pk}
