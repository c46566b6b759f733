"""Completion reports of assigned (交办) petitions (cases.services.reports): the clock opened on
acceptance, its reminders and recount, the report to the assigning unit, who is told, and the refusals."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, NotificationKind
from accounts.tests.factories import make_user
from cases import services
from cases.actions import ACTIONS
from cases.models import Case, CaseAction, CompletionReport
from cases.tests.factories import make_case
from cases.tests.test_services import case_state
from deadlines import services as deadline_services
from deadlines.models import Deadline, DeadlineKind, DeadlinePolicy, DeadlineStatus
from petitions import services as petition_services
from petitions.models import TransitionNotAllowed
from petitions.tests.factories import make_id_number, make_petition

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)  # a Monday
pinned = pytest.mark.time_machine("2026-06-15T10:00+08:00")


@pytest.fixture
def people(county):
    """The bureau's leader is told of the reports the bureau receives, with its clerk."""
    county.bureau_leader = make_user(unit=county.bureau, roles=["leader"], username="bureau_leader")
    return county


def assigned_petition(people, *, id_number=None):
    """Registered at the county bureau and assigned (交办) to township A: a report is owed to the bureau."""
    received_at = timezone.now() - timedelta(days=7)  # before make_case's acceptance, five days ago
    petition = make_petition(actor=people.bureau_clerk, locality=people.township_a, id_number=id_number, received_at=received_at)
    return petition_services.petition_route(actor=people.bureau_clerk, petition=petition, unit=people.township_a, mode="assign")


def report_clock(case) -> Deadline | None:
    return Deadline.objects.filter(case=case, kind=DeadlineKind.COMPLETION_REPORT).first()


@pinned
def test_accepting_an_assigned_petition_opens_the_report_clock(people):
    _petition, case = services.petition_accept(actor=people.handler_a, petition=assigned_petition(people))

    clock = report_clock(case)
    assert (clock.start_on, clock.status) == (TODAY, DeadlineStatus.OPEN)
    # 60 calendar days (the policy row, Art. 22): 2026-08-14, a Friday.
    assert clock.due_on == date(2026, 8, 14)


@pinned
def test_a_transferred_petition_owes_no_report(people):
    case = make_case(people, state="accepted")

    assert report_clock(case) is None
    assert not ACTIONS["completion_report"].offered(case)


@pinned
def test_an_assigned_repeat_joining_an_open_case_opens_the_clock_once(people):
    id_number = make_id_number()
    case = make_case(people, state="in_progress", id_number=id_number)
    assert report_clock(case) is None

    _repeat, joined = services.petition_accept(actor=people.handler_a, petition=assigned_petition(people, id_number=id_number))
    assert joined.pk == case.pk
    first = report_clock(case)
    assert first.status == DeadlineStatus.OPEN

    with time_machine.travel("2026-06-18T10:00+08:00"):
        services.petition_accept(actor=people.handler_a, petition=assigned_petition(people, id_number=id_number))
    assert Deadline.objects.filter(case=case, kind=DeadlineKind.COMPLETION_REPORT).count() == 1
    assert report_clock(case).due_on == first.due_on, "a report still owed keeps its due date"


def _replied_assigned_case(people, **kwargs) -> Case:
    petition = assigned_petition(people)
    return make_case(people, state="replied", petition=petition, **kwargs)


@pinned
def test_the_report_goes_to_the_assigning_unit_meets_the_clock_and_tells_its_people(people):
    case = _replied_assigned_case(people)
    assert ACTIONS["completion_report"].offered(case)

    [report] = services.completion_report_submit(actor=people.handler_a, case=case, content="已办结，处理意见已送达信访人")

    assert (report.to_unit, report.submitted_by, report.petition) == (people.bureau, people.handler_a, case.first_petition)
    clock = report_clock(case)
    assert (clock.status, clock.met_on) == (DeadlineStatus.MET, TODAY)
    event = case.events.latest("id")
    assert event.action == CaseAction.COMPLETION_REPORT and people.bureau.name in event.note
    notes = Notification.objects.filter(kind=NotificationKind.COMPLETION_REPORT)
    assert sorted(notes.values_list("recipient__username", flat=True)) == ["bureau_clerk", "bureau_leader"]
    # The bureau is not on the case's team: its people are sent to the petition they routed, which they see.
    assert set(notes.values_list("link", flat=True)) == {reverse("petition-detail", args=[case.first_petition_id])}
    assert all(case.number in note.message and "已办结" in note.message for note in notes)
    assert not ACTIONS["completion_report"].offered(Case.objects.get(pk=case.pk))


@pinned
def test_an_assigning_unit_that_can_open_the_case_is_sent_to_it(people):
    petition = make_petition(actor=people.clerk_a, locality=people.township_a, received_at=timezone.now() - timedelta(days=7))
    petition = petition_services.petition_route(actor=people.clerk_a, petition=petition, unit=people.township_a, mode="assign")
    case = make_case(people, state="replied", petition=petition)

    services.completion_report_submit(actor=people.handler_a, case=case, content="已办结")

    links = dict(Notification.objects.filter(kind=NotificationKind.COMPLETION_REPORT).values_list("recipient__username", "link"))
    assert links == {"clerk_a": reverse("case-detail", args=[case.pk]), "leader_a": reverse("case-detail", args=[case.pk])}


@pinned
def test_nothing_owed_is_a_conflict_and_changes_nothing(people):
    plain = make_case(people, state="replied")
    before = case_state(plain.pk)
    with pytest.raises(TransitionNotAllowed):
        services.completion_report_submit(actor=people.handler_a, case=plain, content="已办结")
    assert case_state(plain.pk) == before

    reported = _replied_assigned_case(people)
    services.completion_report_submit(actor=people.handler_a, case=reported, content="已办结")
    before = case_state(reported.pk)
    with pytest.raises(TransitionNotAllowed):
        services.completion_report_submit(actor=people.handler_a, case=Case.objects.get(pk=reported.pk), content="再次报告")
    assert case_state(reported.pk) == before
    assert CompletionReport.objects.count() == 1


@pinned
def test_refusals_change_nothing(people):
    case = _replied_assigned_case(people)
    before = case_state(case.pk)
    for actor in (people.leader_a, people.clerk_a, people.bureau_clerk, people.supervisor):
        with pytest.raises(PermissionDenied):
            services.completion_report_submit(actor=actor, case=case, content="已办结")
    with pytest.raises(ValidationError) as error:
        services.completion_report_submit(actor=people.handler_a, case=case, content="  ")
    assert "content" in error.value.message_dict
    in_handling = make_case(people, state="in_progress", petition=assigned_petition(people))
    with pytest.raises(TransitionNotAllowed):
        services.completion_report_submit(actor=people.handler_a, case=in_handling, content="已办结")
    assert case_state(case.pk) == before
    assert not CompletionReport.objects.exists()
    assert not Notification.objects.filter(kind=NotificationKind.COMPLETION_REPORT).exists()


# Reminders and recount (the scan and deadlines_recount treat this clock like the others).


def recipients(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


@pinned
def test_the_report_is_reminded_to_the_team_naming_the_unit_and_overdue_also_to_the_supervisors(people):
    case = _replied_assigned_case(people)
    due = report_clock(case).due_on

    for day in (-3, 0, 1):
        deadline_services.deadlines_scan(as_of=due + timedelta(days=day))

    assert recipients(NotificationKind.DUE_SOON) == recipients(NotificationKind.DUE_TODAY) == ["handler_a", "leader_a"]
    assert recipients(NotificationKind.OVERDUE) == ["handler_a", "leader_a", "supervisor"]
    for kind in (NotificationKind.DUE_SOON, NotificationKind.DUE_TODAY, NotificationKind.OVERDUE):
        message = Notification.objects.filter(kind=kind).first().message
        assert people.bureau.name in message and due.isoformat() in message, message


@pinned
def test_a_report_sent_is_no_longer_reminded(people):
    case = _replied_assigned_case(people)
    due = report_clock(case).due_on
    services.completion_report_submit(actor=people.handler_a, case=case, content="已办结")

    assert deadline_services.deadlines_scan(as_of=due + timedelta(days=1)).reminders == 0


@pinned
def test_a_policy_change_recounts_the_open_report_clock_and_says_so_on_the_case(people):
    case = _replied_assigned_case(people)
    old_due = report_clock(case).due_on
    policy = DeadlinePolicy.objects.get(kind=DeadlineKind.COMPLETION_REPORT)
    policy.days = 30

    moved = deadline_services.deadline_policy_save(actor=people.admin, policy=policy)

    new_due = report_clock(case).due_on
    assert moved.of(Case) == 1 and new_due < old_due
    event = case.events.latest("id")
    assert event.action == CaseAction.DEADLINE_RECOMPUTED and new_due.isoformat() in event.note


@pinned
def test_an_approved_extension_moves_the_report_with_the_handling(people):
    """The report is owed once the handling is done: the head of the lead unit's extension moves both."""
    case = make_case(people, state="in_progress", petition=assigned_petition(people))
    # Accepted 2026-06-10: 60 days end on Sunday 9 August, so Monday the 10th.
    assert report_clock(case).due_on == date(2026, 8, 10)
    services.extension_request(actor=people.handler_a, case=case, days=20, reason="需要补充调查")
    services.extension_approve(actor=people.leader_a, case=Case.objects.get(pk=case.pk))

    # 80 days end on Saturday 29 August, so Monday the 31st: the handling's own new due date.
    assert report_clock(case).due_on == date(2026, 8, 31) == Case.objects.get(pk=case.pk).handling_due
