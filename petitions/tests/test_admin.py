"""The holiday calendar and the deadline policy in the Django admin."""

from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.urls import reverse

from accounts.tests.factories import make_user
from deadlines.models import CalendarDay, CalendarSource, DeadlineKind, DeadlinePolicy
from petitions.models import Action, PetitionEvent
from petitions.tests.factories import make_petition

pytestmark = pytest.mark.deadlines


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def administrator(county):
    user = make_user(unit=county.bureau, roles=["admin"], username="site_admin")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def due_on_4_november(county):
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 10, 20, 2, 0, tzinfo=UTC)):
        return make_petition(actor=county.clerk_a, locality=county.township_a, received_at=datetime(2026, 10, 20, 1, 0, tzinfo=UTC))


def test_adding_a_holiday_in_the_admin_moves_open_deadlines(client, administrator, due_on_4_november):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:deadlines_calendarday_add"), {"date": "2026-11-04", "is_workday": "", "name": "地方假日"}, follow=True
    )
    assert response.status_code == 200
    assert "Open deadlines moved on 1 petition." in response.content.decode()
    day = CalendarDay.objects.get(date=date(2026, 11, 4))
    assert (day.source, day.year_id, day.is_workday) == (CalendarSource.MANUAL, 2026, False)
    due_on_4_november.refresh_from_db()
    assert due_on_4_november.decision_due == date(2026, 11, 5)
    event = PetitionEvent.objects.get(action=Action.DEADLINE_RECOMPUTED)
    assert (event.petition, event.actor) == (due_on_4_november, administrator)


def test_deleting_a_holiday_in_the_admin_moves_open_deadlines_back(client, administrator, due_on_4_november):
    client.force_login(administrator)
    client.post(reverse("admin:deadlines_calendarday_add"), {"date": "2026-11-04", "is_workday": "", "name": "地方假日"})
    day = CalendarDay.objects.get(date=date(2026, 11, 4))
    response = client.post(reverse("admin:deadlines_calendarday_delete", args=[day.pk]), {"post": "yes"})
    assert response.status_code == 302
    due_on_4_november.refresh_from_db()
    assert due_on_4_november.decision_due == date(2026, 11, 4)
    assert PetitionEvent.objects.filter(action=Action.DEADLINE_RECOMPUTED).count() == 2


def test_the_admin_refuses_a_day_that_is_no_exception_and_has_no_bulk_delete(client, administrator):
    client.force_login(administrator)
    response = client.post(reverse("admin:deadlines_calendarday_add"), {"date": "2026-11-04", "is_workday": "on", "name": "调休上班"})
    assert response.status_code == 200
    assert "is a weekday and so a working day already" in response.content.decode()
    assert not CalendarDay.objects.filter(date=date(2026, 11, 4)).exists()
    changelist = client.get(reverse("admin:deadlines_calendarday_changelist"), {"year__year__exact": "2026"})
    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()


def test_an_administrator_edits_a_policy_but_cannot_add_or_delete_one(client, administrator):
    client.force_login(administrator)
    policy = DeadlinePolicy.objects.get(kind=DeadlineKind.DECISION)
    response = client.post(
        reverse("admin:deadlines_deadlinepolicy_change", args=[policy.pk]),
        {"days": "20", "unit": "calendar", "moves_off_rest_days": "on", "basis": policy.basis},
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.days == 20
    assert client.get(reverse("admin:deadlines_deadlinepolicy_add")).status_code == 403
    assert client.get(reverse("admin:deadlines_deadlinepolicy_delete", args=[policy.pk])).status_code == 403
    assert client.get(reverse("admin:deadlines_calendaryear_changelist")).status_code == 200


def test_a_new_decision_limit_moves_open_decision_deadlines(client, administrator, due_on_4_november):
    client.force_login(administrator)
    policy = DeadlinePolicy.objects.get(kind=DeadlineKind.DECISION)
    response = client.post(
        reverse("admin:deadlines_deadlinepolicy_change", args=[policy.pk]),
        {"days": "16", "unit": "calendar", "moves_off_rest_days": "on", "basis": policy.basis},
        follow=True,
    )
    assert "Open deadlines moved on 1 petition." in response.content.decode()
    due_on_4_november.refresh_from_db()
    assert due_on_4_november.decision_due == date(2026, 11, 5)
    event = PetitionEvent.objects.get(action=Action.DEADLINE_RECOMPUTED)
    assert (event.petition, event.actor) == (due_on_4_november, administrator)
    assert event.note == "Decision to accept deadline moved from 2026-11-04 to 2026-11-05 by a change to the deadline policy."
