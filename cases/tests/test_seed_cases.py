"""seed_demo's cases (bench/demo_cases.py) are ones the case services could have written.

Seeded at the demo's own size: every stage must show up there, not only at a million petitions.
"""

from collections import Counter, defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from accounts.models import Role, User
from cases import selectors, services
from cases.models import (
    FINISHED_STATUSES,
    TRANSITIONS,
    Appeal,
    AppealLevel,
    Case,
    CaseAction,
    CaseEvent,
    CasePetition,
    CaseStatus,
    Extension,
    ExtensionStatus,
    Plan,
    PlanStatus,
    Reply,
    ReplyStatus,
    SupervisionOrder,
    SupervisionStatus,
)
from deadlines.calendar import due_date
from deadlines.models import PETITIONER_WINDOWS, Deadline, DeadlineKind, DeadlineStatus
from petitions.models import Petition, PetitionEvent, Status

pytestmark = pytest.mark.django_db

DEMO_PETITIONS = 3000
S = CaseStatus
AFTER_ASSIGNMENT = set(S.values) - {S.ACCEPTED}
AFTER_PLAN_APPROVAL = AFTER_ASSIGNMENT - {S.ASSIGNED, S.PLAN_SUBMITTED}
AFTER_REPLY = {S.REPLIED, S.EVALUATED, S.CLOSED, S.REVIEW_REQUESTED, S.REVIEW_DECIDED, S.REEXAMINATION_REQUESTED, S.CONCLUDED}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", petitions=DEMO_PETITIONS, stdout=out)
    return out.getvalue()


def case_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Case, CasePetition, CaseEvent, Deadline, Plan, Extension, Reply, Appeal, Petition, PetitionEvent)
    }


def test_seeded_cases_show_every_stage_and_follow_the_workflow():
    seed()
    now = timezone.now()
    today = timezone.localdate()
    cases = {case.pk: case for case in Case.objects.prefetch_related("supporting_units", "members")}

    # Every stage, and a case in progress with an extension asked and one with it granted.
    assert {case.status for case in cases.values()} == set(S.values)
    in_progress = Extension.objects.filter(case__status=S.IN_PROGRESS)
    assert in_progress.filter(status=ExtensionStatus.REQUESTED).exists()
    assert in_progress.filter(status=ExtensionStatus.APPROVED).exists()
    statuses = set(Petition.objects.values_list("status", flat=True))
    assert {Status.ACCEPTED, Status.ATTACHED, Status.NOT_ACCEPTED_AGAIN} <= statuses
    # Most of the history is finished; what is open is recent (handling takes 60 days, 90 extended).
    finished = (S.CLOSED, S.EVALUATED, S.CONCLUDED, S.REVIEW_DECIDED)
    old = [case for case in cases.values() if case.accepted_at < now - timedelta(days=120)]
    assert old and sum(case.status in finished for case in old) > len(old) * 0.8
    assert sum(case.status in finished for case in cases.values()) > len(cases) * 0.4

    # Timelines: each event starts where the last one ended, by a move the workflow allows; the
    # last one ends at the case's status; nothing before acceptance or after now.
    events = defaultdict(list)
    for event in CaseEvent.objects.order_by("at", "id"):
        events[event.case_id].append(event)
    assert set(events) == set(cases)
    for case_id, timeline in events.items():
        case = cases[case_id]
        first = timeline[0]
        assert (first.action, first.from_status, first.to_status, first.at) == (CaseAction.ACCEPT, S.ACCEPTED, S.ACCEPTED, case.accepted_at)
        for previous, event in zip(timeline, timeline[1:], strict=False):
            assert event.from_status == previous.to_status, (case_id, event.action)
            if event.action == CaseAction.ATTACH_PETITION:
                assert event.from_status == event.to_status and event.from_status not in FINISHED_STATUSES
                continue
            allowed_from, result = TRANSITIONS[event.action]
            assert event.from_status in allowed_from, (case_id, event.action, event.from_status)
            assert event.to_status == (result or event.from_status), (case_id, event.action)
        assert timeline[-1].to_status == case.status
        assert case.accepted_at <= timeline[-1].at <= now
        assert case.accepted_on == timezone.localdate(case.accepted_at)

    # Deadlines: the engine's due dates; met or overdue by the date the step was done; one open
    # deadline for every case not concluded (its handling, or the window that followed the reply).
    # A supervision order's deadline is the supervisor's date, not counted (checked below).
    deadlines = list(Deadline.objects.filter(case__isnull=False).exclude(kind=DeadlineKind.SUPERVISION))
    for deadline in deadlines:
        expected = due_date(
            kind=deadline.kind, start=deadline.start_on, pauses=deadline.paused_days, extension_days=deadline.extension_days
        )
        assert deadline.due_on == expected.due_on, (deadline.subject_id, deadline.kind)
        if deadline.status == DeadlineStatus.OPEN:
            assert deadline.met_on is None
        else:
            assert deadline.met_on <= today
            assert (deadline.met_on <= deadline.due_on) == (deadline.status == DeadlineStatus.MET)
    open_per_case = Counter(deadline.subject_id for deadline in deadlines if deadline.status == DeadlineStatus.OPEN)
    for case in cases.values():
        assert open_per_case.get(case.pk, 0) == (0 if case.status == S.CONCLUDED else 1), case.pk
    handling = {deadline.subject_id: deadline for deadline in deadlines if deadline.kind == DeadlineKind.HANDLING}
    replies = {reply.case_id: reply for reply in Reply.objects.all()}
    for case in cases.values():
        assert case.handling_due == handling[case.pk].due_on
        assert handling[case.pk].start_on == case.accepted_on
        reply = replies.get(case.pk)
        assert case.handling_met_on == (reply.served_on if reply else None)
        if case.status in AFTER_REPLY:
            assert reply.status == ReplyStatus.SERVED and handling[case.pk].met_on == reply.served_on
        elif case.status == S.REPLY_APPROVED:
            assert reply.status == ReplyStatus.APPROVED
        elif case.status == S.REPLY_DRAFTED:
            assert reply.status == ReplyStatus.DRAFT
        else:
            assert reply is None
    assert any(case.is_overdue(today) for case in cases.values())  # some are late, as in life
    # What the units owe today (not the petitioner's windows) is spread around today: some overdue,
    # some due in the next two weeks (at this size the reminder window's few days can fall on a
    # holiday's gap in acceptances), most later.
    owed = list(
        Deadline.objects.filter(case__isnull=False, status=DeadlineStatus.OPEN).exclude(kind__in=PETITIONER_WINDOWS)
    )  # supervision too
    assert any(deadline.due_on < today for deadline in owed)
    assert any(today <= deadline.due_on <= today + timedelta(days=14) for deadline in owed)
    assert sum(deadline.due_on > today + timedelta(days=settings.REMINDER_DUE_SOON_DAYS) for deadline in owed) > len(owed) / 2

    # Supervision orders: as supervision_issue and supervision_respond leave them. An order of the
    # case's team, its own deadline from the day issued to the supervisor's date, met or late on the
    # day the unit answered; one issue event for each, and one answer event for each answered.
    orders = list(SupervisionOrder.objects.select_related("deadline", "case", "unit"))
    assert orders and any(order.status == SupervisionStatus.OPEN for order in orders)
    assert any(order.status == SupervisionStatus.ANSWERED for order in orders)
    supervisors = set(User.objects.filter(roles__contains=[Role.SUPERVISOR]).values_list("pk", flat=True))
    issued = Counter(CaseEvent.objects.filter(action=CaseAction.SUPERVISION_ISSUE).values_list("case_id", flat=True))
    answered = Counter(CaseEvent.objects.filter(action=CaseAction.SUPERVISION_RESPOND).values_list("case_id", flat=True))
    assert issued == Counter(order.case_id for order in orders)
    assert answered == Counter(order.case_id for order in orders if order.status == SupervisionStatus.ANSWERED)
    assert Deadline.objects.filter(kind=DeadlineKind.SUPERVISION).count() == len(orders)
    for order in orders:
        deadline = order.deadline
        assert (deadline.subject_id, deadline.kind, deadline.due_on) == (order.case_id, DeadlineKind.SUPERVISION, order.due_on)
        assert deadline.start_on == timezone.localdate(order.issued_at) <= order.due_on
        assert order.case.accepted_at <= order.issued_at <= now and order.issued_by_id in supervisors
        assert order.unit_id in order.case.team_unit_ids
        assert order.instruction
        if order.status == SupervisionStatus.OPEN:
            assert deadline.status == DeadlineStatus.OPEN and deadline.met_on is None and not order.response
        else:
            answered_on = timezone.localdate(order.responded_at)
            assert order.issued_at <= order.responded_at <= now and order.response
            assert order.responded_by.unit_id == order.unit_id
            assert deadline.met_on == answered_on
            assert deadline.status == (DeadlineStatus.MET if answered_on <= order.due_on else DeadlineStatus.OVERDUE)

    # The team: one leader of the accepting unit leads; members belong to team units.
    leaders = {user.pk: user for user in User.objects.filter(roles__contains=[Role.LEADER])}
    for case in cases.values():
        if case.status == S.ACCEPTED:
            assert case.lead_official_id is None and not case.members.all()
            continue
        assert leaders[case.lead_official_id].unit_id == case.accepting_unit_id
        assert case.lead_unit_id == case.accepting_unit_id
        team_units = {case.lead_unit_id, case.stability_unit_id, *(unit.pk for unit in case.supporting_units.all())}
        assert case.members.all() and all(member.unit_id in team_units for member in case.members.all())
    approved_plans = set(Plan.objects.filter(status=PlanStatus.APPROVED).values_list("case_id", flat=True))
    assert approved_plans == {case.pk for case in cases.values() if case.status in AFTER_PLAN_APPROVAL}
    submitted = set(Plan.objects.filter(status=PlanStatus.SUBMITTED).values_list("case_id", flat=True))
    assert submitted == {case.pk for case in cases.values() if case.status == S.PLAN_SUBMITTED}
    reviews = set(Appeal.objects.filter(level=AppealLevel.REVIEW).values_list("case_id", flat=True))
    assert reviews == {
        case.pk for case in cases.values() if case.status in (S.REVIEW_REQUESTED, S.REVIEW_DECIDED, S.REEXAMINATION_REQUESTED, S.CONCLUDED)
    }

    # Petitions: a case gathers accepted petitions (the first) and attached repeats on its matter.
    links = CasePetition.objects.select_related("petition", "case")
    assert {link.petition.status for link in links} == {Status.ACCEPTED, Status.ATTACHED}
    assert all((link.petition.status == Status.ACCEPTED) == link.is_first for link in links)
    assert set(links.filter(is_first=True).values("case").annotate(n=Count("id")).values_list("n", flat=True)) == {1}
    for link in links:
        assert (link.petition.category_id, link.petition.locality_id) == (link.case.category_id, link.case.locality_id)
        assert link.petition.received_at <= link.linked_at
    decided = PetitionEvent.objects.filter(action__in=["accept", "attach", "not_accept_again"])
    assert decided.count() == Petition.objects.filter(status__in=[Status.ACCEPTED, Status.ATTACHED, Status.NOT_ACCEPTED_AGAIN]).count()
    assert not decided.exclude(from_status=Status.ROUTED).exists()
    # Not accepted again: a case on the same matter (a petitioner in common) had concluded by then.
    for petition in Petition.objects.filter(status=Status.NOT_ACCEPTED_AGAIN):
        concluded = selectors.matter_cases(petition).filter(status=S.CONCLUDED)
        conclusion = CaseEvent.objects.filter(case__in=concluded, to_status=S.CONCLUDED, at__lte=petition.decided_at)
        assert conclusion.exists(), petition.reg_no


def test_seeded_cases_go_on_through_the_services_and_a_second_run_adds_none():
    seed()
    before = case_counts()
    assert before["Case"] > 100
    assert "nothing to add" in seed()
    assert case_counts() == before

    today = timezone.localdate()
    supervisor = User.objects.get(username="supervisor")

    case = Case.objects.filter(status=S.PLAN_SUBMITTED).first()
    plan = services.plan_approve(actor=case.lead_official, case=case)
    assert plan.status == PlanStatus.APPROVED and Case.objects.get(pk=case.pk).status == S.IN_PROGRESS

    case = Case.objects.filter(status=S.IN_PROGRESS, extension__status=ExtensionStatus.REQUESTED).first()
    extension = services.extension_approve(actor=case.lead_official, case=case)
    case.refresh_from_db()
    assert case.handling_due == due_date(kind=DeadlineKind.HANDLING, start=case.accepted_on, extension_days=extension.days).due_on

    case = Case.objects.filter(status=S.REPLY_APPROVED).first()
    services.reply_serve(actor=case.members.first(), case=case, served_on=today)
    assert Deadline.objects.get(case=case, kind=DeadlineKind.REVIEW_REQUEST).status == DeadlineStatus.OPEN

    case = Case.objects.filter(status=S.REVIEW_REQUESTED).first()
    services.review_decide(actor=supervisor, case=case, outcome="explain", content="维持原处理意见", served_on=today)
    assert Case.objects.get(pk=case.pk).status == S.REVIEW_DECIDED

    case = Case.objects.filter(status__in=[S.REPLIED, S.EVALUATED]).first()
    services.case_close(actor=case.lead_official, case=case)
    assert Case.objects.get(pk=case.pk).status == S.CLOSED
