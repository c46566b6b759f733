"""The reminder scan (deadlines.services.deadlines_scan) on case clocks: which level, to whom, once, late, at once."""

import threading
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import Notification, NotificationKind, OutboxEmail
from cases import services
from cases.tests.factories import make_case
from deadlines import services as deadline_services
from deadlines import tasks
from deadlines.models import Deadline, DeadlineKind, DeadlineStatus, ReminderSent

pytestmark = pytest.mark.deadlines


def handling(case) -> Deadline:
    return Deadline.objects.get(case=case, kind=DeadlineKind.HANDLING)


def received(kind: str) -> dict[str, list[str]]:
    """Who got notifications of `kind`: message -> sorted usernames."""
    found: dict[str, list[str]] = {}
    for message, username in Notification.objects.filter(kind=kind).values_list("message", "recipient__username"):
        found.setdefault(message, []).append(username)
    return {message: sorted(names) for message, names in found.items()}


def recipients(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


@pytest.fixture
def assigned(county):
    return make_case(county, state="assigned")


def test_due_soon_goes_to_the_lead_official_and_the_team_once(county, assigned):
    due = handling(assigned).due_on

    result = deadline_services.deadlines_scan(as_of=due - timedelta(days=3))

    assert result.reminders == 1
    assert recipients(NotificationKind.DUE_SOON) == ["handler_a", "leader_a"]
    assert deadline_services.deadlines_scan(as_of=due - timedelta(days=3)).reminders == 0
    assert deadline_services.deadlines_scan(as_of=due - timedelta(days=1)).reminders == 0
    assert Notification.objects.filter(kind=NotificationKind.DUE_SOON).count() == 2


def test_nothing_before_the_due_soon_window(county, assigned):
    due = handling(assigned).due_on

    assert deadline_services.deadlines_scan(as_of=due - timedelta(days=4)).reminders == 0
    assert not ReminderSent.objects.exists()


def test_each_level_once_and_overdue_also_reaches_the_supervisors(county, assigned):
    due = handling(assigned).due_on

    for day in range(-3, 4):
        deadline_services.deadlines_scan(as_of=due + timedelta(days=day))

    levels = sorted(ReminderSent.objects.values_list("level", flat=True))
    assert levels == ["due_soon", "due_today", "overdue"]
    assert recipients(NotificationKind.DUE_TODAY) == ["handler_a", "leader_a"]
    assert recipients(NotificationKind.OVERDUE) == ["handler_a", "leader_a", "supervisor"]
    (message,) = received(NotificationKind.OVERDUE)
    assert due.isoformat() in message


def test_a_late_scan_catches_up_with_the_level_that_holds_now(county, assigned):
    """Down from before "due soon" until after the due date: one overdue reminder, not three."""
    due = handling(assigned).due_on

    result = deadline_services.deadlines_scan(as_of=due + timedelta(days=5))

    assert result.reminders == 1
    assert list(ReminderSent.objects.values_list("level", flat=True)) == ["overdue"]
    assert not Notification.objects.filter(kind__in=[NotificationKind.DUE_SOON, NotificationKind.DUE_TODAY]).exists()


def test_an_unassigned_case_reminds_the_accepting_units_leaders_and_handlers(county):
    case = make_case(county, state="accepted")

    deadline_services.deadlines_scan(as_of=handling(case).due_on)

    assert recipients(NotificationKind.DUE_TODAY) == ["handler_a", "leader_a"]


def test_met_deadlines_and_the_petitioners_own_windows_are_not_reminded(county):
    case = make_case(county, state="replied")  # handling met; the review window is open
    window = Deadline.objects.get(case=case, kind=DeadlineKind.REVIEW_REQUEST)
    assert handling(case).status == DeadlineStatus.MET

    for day in (-3, 0, 1):
        deadline_services.deadlines_scan(as_of=window.due_on + timedelta(days=day))

    assert not ReminderSent.objects.exists()
    assert not Notification.objects.filter(kind__in=[NotificationKind.DUE_SOON, NotificationKind.OVERDUE]).exists()


def test_a_review_opinion_due_reminds_the_county_office_that_decides_it(county):
    case = make_case(county, state="review_requested")
    decision = Deadline.objects.get(case=case, kind=DeadlineKind.REVIEW_DECISION)

    deadline_services.deadlines_scan(as_of=decision.due_on)

    assert recipients(NotificationKind.DUE_TODAY) == ["handler_a", "leader_a", "supervisor"]


def test_an_extension_moves_the_due_date_and_rearms_the_reminders(county):
    case = make_case(county, state="in_progress")
    due = handling(case).due_on
    deadline_services.deadlines_scan(as_of=due - timedelta(days=2))
    assert ReminderSent.objects.filter(level="due_soon").count() == 1

    services.extension_request(actor=county.handler_a, case=case, days=15, reason="需要进一步调查")
    services.extension_approve(actor=county.leader_a, case=case)

    new_due = handling(case).due_on
    assert new_due > due
    assert not ReminderSent.objects.exists()
    deadline_services.deadlines_scan(as_of=new_due - timedelta(days=2))
    reminder = ReminderSent.objects.get()
    assert (reminder.level, reminder.due_on) == ("due_soon", new_due)
    assert Notification.objects.filter(kind=NotificationKind.DUE_SOON).count() == 4


def test_reminders_go_to_the_outbox_for_users_with_e_mail(county, assigned):
    county.leader_a.email = "leader_a@example.org"
    county.leader_a.save()
    county.handler_a.email, county.handler_a.email_notifications = "handler_a@example.org", False
    county.handler_a.save()

    deadline_services.deadlines_scan(as_of=handling(assigned).due_on)

    assert list(OutboxEmail.objects.values_list("notification__recipient__username", flat=True)) == ["leader_a"]


def test_batches_cost_the_same_queries_for_one_deadline_or_many(county, django_assert_max_num_queries):
    cases = [make_case(county, state="assigned") for _ in range(4)]
    as_of = max(handling(case).due_on for case in cases) + timedelta(days=1)

    # The directory (units, users); the case deadlines: per batch lock and re-read, claim, members,
    # notifications, outbox, and the empty last page; the petitions (their empty page).
    with django_assert_max_num_queries(14):
        result = deadline_services.deadlines_scan(as_of=as_of)

    assert result.reminders == 4
    assert Notification.objects.filter(kind=NotificationKind.OVERDUE).count() == 12


def test_small_batches_send_everything(county):
    cases = [make_case(county, state="assigned") for _ in range(3)]
    as_of = max(handling(case).due_on for case in cases) + timedelta(days=1)

    result = deadline_services.deadlines_scan(as_of=as_of, batch_size=1)

    assert result.reminders == 3
    assert ReminderSent.objects.count() == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_scans_at_once_send_each_reminder_once(county):
    cases = [make_case(county, state="assigned") for _ in range(6)]
    as_of = max(handling(case).due_on for case in cases) + timedelta(days=1)
    start = threading.Barrier(2)
    results, errors = [], []

    def scan():
        try:
            start.wait()
            results.append(deadline_services.deadlines_scan(as_of=as_of, batch_size=1))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(result.reminders for result in results) == 6
    assert ReminderSent.objects.count() == 6
    # Each of the six cases: leader_a, handler_a and the supervisor, once each.
    assert Notification.objects.filter(kind=NotificationKind.OVERDUE).count() == 18
    assert Notification.objects.values("recipient", "message").distinct().count() == Notification.objects.count()


def test_the_command_scans_as_of_a_day(county, assigned, capsys):
    due = handling(assigned).due_on

    call_command("scan_deadlines", "--as-of", due.isoformat())

    assert "1 reminders sent, 2 notifications." in capsys.readouterr().out
    assert ReminderSent.objects.get().level == "due_today"


@pytest.mark.parametrize("value", ["2026-13-01", "tomorrow", "2026/12/01"])
def test_the_command_refuses_a_malformed_date_and_sends_nothing(county, assigned, value):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("scan_deadlines", "--as-of", value)

    assert not ReminderSent.objects.exists()
    assert not Notification.objects.filter(kind__in=[NotificationKind.DUE_SOON, NotificationKind.OVERDUE]).exists()


def test_the_task_runs_the_scan_for_today(county, assigned):
    handling_deadline = handling(assigned)
    handling_deadline.due_on = handling_deadline.start_on  # overdue today
    handling_deadline.save()

    outcome = tasks.scan_deadlines.apply().get()

    assert outcome == {"reminders": 1, "notifications": 3}


def test_a_petition_waiting_for_its_decision_reminds_the_unit_that_must_decide(county):
    from petitions import services as petition_services
    from petitions.tests.factories import make_petition

    petition = make_petition(actor=county.bureau_clerk, locality=county.township_a)
    petition = petition_services.petition_route(
        actor=county.bureau_clerk, petition=petition, unit=county.township_b, mode="transfer", reason="按职责转送"
    )
    due = petition.decision_due

    deadline_services.deadlines_scan(as_of=due - timedelta(days=3))
    deadline_services.deadlines_scan(as_of=due - timedelta(days=2))
    deadline_services.deadlines_scan(as_of=due + timedelta(days=1))

    assert sorted(ReminderSent.objects.filter(deadline__kind=DeadlineKind.DECISION).values_list("level", flat=True)) == [
        "due_soon",
        "overdue",
    ]
    assert recipients(NotificationKind.DUE_SOON) == ["clerk_b", "handler_b"]
    assert recipients(NotificationKind.OVERDUE) == ["clerk_b", "handler_b", "supervisor"]
    (message,) = received(NotificationKind.OVERDUE)
    assert petition.reg_no in message


def test_a_decided_petition_is_not_reminded_and_rerouting_rearms(county):
    from petitions import services as petition_services
    from petitions.tests.factories import make_petition

    petition = make_petition(actor=county.bureau_clerk, locality=county.township_a)
    deadline_services.deadlines_scan(as_of=petition.decision_due)
    assert ReminderSent.objects.filter(deadline__petition=petition).count() == 1

    petition_services.petition_route(actor=county.bureau_clerk, petition=petition, unit=county.township_a, mode="transfer")
    assert not ReminderSent.objects.filter(deadline__kind=DeadlineKind.DECISION).exists()

    make_case(county, state="accepted")  # a routed and accepted petition: decided
    deadline_services.deadlines_scan(as_of=petition.decision_due + timedelta(days=400))
    reminded = set(ReminderSent.objects.filter(deadline__kind=DeadlineKind.DECISION).values_list("deadline__subject_id", flat=True))
    assert reminded == {petition.pk}
