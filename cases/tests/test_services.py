import threading
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from accounts.models import Notification, NotificationKind
from accounts.tests.factories import make_unit, make_user
from cases import permissions, selectors, services
from cases.actions import ACTIONS
from cases.models import (
    TRANSITIONS,
    Aftercare,
    Appeal,
    Case,
    CaseAction,
    CaseEvent,
    CasePetition,
    CaseStatus,
    CompletionReport,
    Evaluation,
    Extension,
    Hearing,
    LeaderMeeting,
    Plan,
    ProgressNote,
    Reply,
    ReplyStatus,
    SupervisionOrder,
)
from cases.tests.factories import CASE_PATHS, make_case
from deadlines.models import Deadline, DeadlineKind, DeadlineStatus
from deadlines.selectors import deadline_explanations
from petitions import services as petition_services
from petitions.models import TRANSITIONS as PETITION_TRANSITIONS
from petitions.models import Action, Petition, PetitionEvent, Status, TransitionNotAllowed
from petitions.tests.factories import make_id_number, make_petition

REFUSALS = (PermissionDenied, TransitionNotAllowed, ValidationError)


@pytest.fixture
def people(county):
    """The roles a case meets, each in one variable: `leader_a` leads the cases make_case builds."""
    county.leader_b = make_user(unit=county.township_b, roles=["leader"], username="leader_b")
    return county


def case_state(case_pk: int) -> dict:
    """A fingerprint of everything the case services write."""
    case = Case.objects.get(pk=case_pk)
    return {
        "case": Case.objects.filter(pk=case_pk).values().get(),
        "supporting": sorted(case.supporting_units.values_list("pk", flat=True)),
        "members": sorted(case.members.values_list("pk", flat=True)),
        "events": CaseEvent.objects.filter(case=case).count(),
        "plans": list(Plan.objects.filter(case=case).order_by("version").values_list("version", "status", "reason")),
        "extension": list(Extension.objects.filter(case=case).values_list("days", "status")),
        "reply": list(Reply.objects.filter(case=case).values_list("status", "outcome", "legal_basis", "returned_reason", "served_on")),
        "evaluation": Evaluation.objects.filter(case=case).count(),
        "appeals": list(Appeal.objects.filter(case=case).order_by("level").values_list("level", "outcome", "served_on")),
        "deadlines": list(Deadline.objects.filter(case=case).order_by("kind").values_list("kind", "due_on", "status", "paused_days")),
        "notes": ProgressNote.objects.filter(case=case).count(),
        "hearings": Hearing.objects.filter(case=case).count(),
        "meetings": LeaderMeeting.objects.filter(case=case).count(),
        "petitions": list(CasePetition.objects.filter(case=case).values_list("petition_id", "petition__status")),
        "supervision": list(SupervisionOrder.objects.filter(case=case).order_by("pk").values_list("pk", "status", "response")),
        "completion_reports": list(CompletionReport.objects.filter(case=case).order_by("pk").values_list("petition_id", "to_unit_id")),
        "aftercare": list(Aftercare.objects.filter(case=case).order_by("pk").values_list("kind", "done_on", "note")),
    }


TODAY = timezone.localdate


def _request_extension(people, case):
    services.extension_request(actor=people.handler_a, case=case, days=20, reason="需要补充调查")


def _order_issued(people, case):
    """An open supervision order to township A. A concluded case takes no new one, but one issued
    before the matter concluded is still answered: that one is written as the service would have."""
    due_on = TODAY() + timedelta(days=7)
    if case.can(CaseAction.SUPERVISION_ISSUE):
        services.supervision_issue(actor=people.supervisor, case=case, unit=people.township_a, due_on=due_on, instruction="限期答复")
        return
    deadline = Deadline.objects.create(subject=case, kind=DeadlineKind.SUPERVISION, start_on=TODAY(), due_on=due_on)
    SupervisionOrder.objects.create(
        case=case, unit=people.township_a, instruction="限期答复", due_on=due_on, deadline=deadline, issued_by=people.supervisor
    )


def assigned_by_bureau(people, case):
    """The case's petitions as if the county bureau had assigned (交办) them: a completion report is owed."""
    Petition.objects.filter(case_link__case=case).update(route_mode="assign", routed_by_unit=people.bureau)


def _open_order(case):
    order = SupervisionOrder.objects.get(case=case, status="open")
    order.case = case
    return order


# Every action of the registry (cases.actions): good input for its service, who may take it (written
# here, not read from its guard: the matrix checks the guard and the service against it), any set-up it
# needs in a state it may run from, and the object it acts on when that is not the case.
ACTION_SPECS = {
    "assign": {
        "input": lambda p: {"lead_official": p.leader_a, "lead_unit": p.township_a, "members": [p.handler_a]},
        "roles": {"leader_a", "supervisor"},
    },
    "lead_change": {"input": lambda p: {"lead_official": p.leader_b, "reason": "工作调整"}, "roles": {"leader_a", "supervisor"}},
    "plan_submit": {"input": lambda p: {"content": "新方案"}, "roles": {"handler_a", "department_handler"}},
    "plan_approve": {"input": lambda p: {}, "roles": {"leader_a"}},
    "plan_reject": {"input": lambda p: {"reason": "不够具体"}, "roles": {"leader_a"}},
    "progress_add": {"input": lambda p: {"note": "已走访"}, "roles": {"handler_a", "department_handler"}},
    "hearing_add": {
        "input": lambda p: {"held_on": TODAY(), "end_on": TODAY(), "venue": "镇政府"},
        "roles": {"handler_a", "department_handler"},
    },
    "leader_meeting_add": {
        "input": lambda p: {"kind": "talk", "held_on": TODAY(), "leader": p.leader_a},
        "roles": {"handler_a", "department_handler"},
    },
    "extension_request": {"input": lambda p: {"days": 30, "reason": "情况复杂"}, "roles": {"handler_a", "department_handler"}},
    # leader_a is a leader of the lead unit, township A (its head, Art. 34), as well as the lead official:
    # test_an_extension_is_decided_by_the_head_of_the_lead_unit separates the two.
    "extension_approve": {"input": lambda p: {}, "roles": {"leader_a"}, "prepare": _request_extension},
    "extension_reject": {"input": lambda p: {"reason": "无必要"}, "roles": {"leader_a"}, "prepare": _request_extension},
    "reply_draft": {
        "input": lambda p: {"outcome": "explain", "content": "解释说明", "legal_basis": "《中华人民共和国劳动合同法》第三十条"},
        "roles": {"handler_a", "department_handler"},
    },
    "reply_approve": {"input": lambda p: {}, "roles": {"leader_a"}},
    "reply_reject": {"input": lambda p: {"reason": "法律依据引用不准确"}, "roles": {"leader_a"}},
    "reply_serve": {"input": lambda p: {"served_on": TODAY()}, "roles": {"handler_a", "department_handler"}},
    "evaluation_record": {"input": lambda p: {"rating": "basically_satisfied"}, "roles": {"handler_a", "department_handler"}},
    "case_close": {"input": lambda p: {}, "roles": {"leader_a"}},
    "review_request": {"input": lambda p: {"requested_on": TODAY(), "reason": "不服"}, "roles": {"handler_a", "department_handler"}},
    "review_decide": {
        "input": lambda p: {
            "outcome": "support",
            "content": "支持",
            "legal_basis": "《信访工作条例》第三十五条",
            "served_on": TODAY(),
            "body": "县人民政府",
        },
        "roles": {"supervisor"},
    },
    "reexamination_request": {
        "input": lambda p: {"requested_on": TODAY(), "reason": "仍不服"},
        "roles": {"handler_a", "department_handler"},
    },
    "reexamination_decide": {
        "input": lambda p: {
            "outcome": "not_support",
            "content": "不支持",
            "legal_basis": "《信访工作条例》第三十六条",
            "served_on": TODAY(),
            "body": "市人民政府",
        },
        "roles": {"supervisor"},
    },
    "completion_report": {
        "input": lambda p: {"content": "已办结，处理意见已送达"},
        "roles": {"handler_a", "department_handler"},
        "prepare": assigned_by_bureau,
    },
    "aftercare": {
        "input": lambda p: {"kind": "guidance", "done_on": TODAY(), "note": "上门回访，宣讲政策"},
        "roles": {"handler_a", "department_handler"},
    },
    "supervision_issue": {
        "input": lambda p: {"unit": p.township_a, "due_on": TODAY() + timedelta(days=7), "instruction": "督促限期化解"},
        "roles": {"supervisor"},
    },
    "supervision_respond": {
        "input": lambda p: {"response": "已约谈用工单位"},
        # The ordered unit's leaders and handlers, at any stage: township A is the accepting unit.
        "roles": {"handler_a", "leader_a"},
        "prepare": _order_issued,
        "subject": _open_order,
    },
}
ROLES = ["clerk_a", "handler_a", "leader_a", "leader_b", "handler_b", "department_handler", "supervisor", "admin"]


def test_every_case_action_is_in_the_registry_once_with_a_transition():
    assert set(ACTION_SPECS) == set(ACTIONS)
    transitions = [action.transition for action in ACTIONS.values()]
    assert sorted(transitions) == sorted(TRANSITIONS)


def _perform(people, name: str, role: str, case_pk: int):
    """The registry's call of the action's service, as pages and API make it."""
    spec, action = ACTION_SPECS[name], ACTIONS[name]
    case = Case.objects.get(pk=case_pk)
    subject = spec["subject"](case) if "subject" in spec else case
    return action.perform(getattr(people, role), subject, spec["input"](people))


@pytest.mark.parametrize("state", list(CASE_PATHS))
@pytest.mark.parametrize("name", list(ACTIONS))
def test_transition_matrix(people, state, name):
    """Each action from each state by each role: the allowed one moves the case and writes one event;
    every other role, or any role in a wrong state, is refused (by the action's guard as by its
    service) and nothing changes."""
    spec, action = ACTION_SPECS[name], ACTIONS[name]
    _allowed_from, result = TRANSITIONS[action.transition]
    case = make_case(people, state=state)
    in_state = state in action.allowed_from
    if in_state and "prepare" in spec:
        spec["prepare"](people, case)
    roles = set(spec["roles"])
    if case.lead_official_id is None:
        # Before assignment there is no lead official, no lead unit and no team beyond the accepting unit.
        roles -= {"leader_a"} if action.guard in (permissions.can_approve, permissions.can_decide_extension) else set()
        roles.discard("department_handler")
    before = case_state(case.pk)
    guarded = Case.objects.get(pk=case.pk)
    if "subject" in spec:  # the guard of an action on an object of the case is asked about the object
        guarded = spec["subject"](guarded) if in_state else None
    for role in ROLES:
        if guarded is not None:
            assert action.guard(getattr(people, role), guarded) == (role in roles), role
        if in_state and role in roles:
            continue
        with pytest.raises(REFUSALS) as refused:
            _perform(people, name, role, case.pk)
        if role in roles:
            assert refused.type is TransitionNotAllowed
        assert case_state(case.pk) == before, role
    if in_state and roles:
        events = CaseEvent.objects.filter(case=case).count()
        _perform(people, name, sorted(roles)[0], case.pk)
        case.refresh_from_db()
        assert case.status == (result or state)
        latest = CaseEvent.objects.filter(case=case).latest("id")
        assert CaseEvent.objects.filter(case=case).count() == events + 1
        assert (latest.action, latest.from_status, latest.to_status) == (action.transition, state, case.status)


# Accepting a petition.


def _routed(people, **fields):
    petition = make_petition(actor=people.clerk_a, locality=people.township_a, **fields)
    return petition_services.petition_route(actor=people.clerk_a, petition=petition, unit=people.township_a, mode="transfer")


def test_accept_opens_a_case_with_its_handling_clock(people):
    petition = _routed(people)
    petition, case = services.petition_accept(actor=people.handler_a, petition=petition)
    assert petition.status == Status.ACCEPTED
    assert case.status == CaseStatus.ACCEPTED
    assert case.accepting_unit == people.township_a
    deadline = case.deadlines.get()
    assert (deadline.kind, deadline.start_on, deadline.due_on) == (DeadlineKind.HANDLING, TODAY(), case.handling_due)
    assert deadline.due_on >= TODAY() + timedelta(days=60)
    assert deadline_explanations([deadline])[deadline.pk]
    assert list(case.events.values_list("action", flat=True)) == [CaseAction.ACCEPT]
    assert petition.events.latest("id").action == "accept"


def test_a_repeat_joins_the_open_case_without_a_new_clock(people):
    id_number = make_id_number()
    case = make_case(people, state="in_progress", id_number=id_number)
    repeat = _routed(people, id_number=id_number)
    repeat, joined = services.petition_accept(actor=people.handler_a, petition=repeat)
    assert repeat.status == Status.ATTACHED
    assert joined.pk == case.pk
    assert case.deadlines.count() == 1
    assert Case.objects.count() == 1
    assert case.events.latest("id").action == CaseAction.ATTACH_PETITION
    assert set(CasePetition.objects.filter(case=case).values_list("petition__status", flat=True)) == {Status.ACCEPTED, Status.ATTACHED}


def test_the_same_matter_after_conclusion_is_not_refused_silently(people, db_state):
    """Whether the facts and reasons are the same is a person's judgement (Art. 36 ¶3): accepting
    names the concluded case and changes nothing (cases/tests/test_concluded_matter.py has the rest)."""
    id_number = make_id_number()
    concluded = make_case(people, state="concluded", id_number=id_number)
    again = _routed(people, id_number=id_number)
    before = db_state()
    with pytest.raises(services.ConcludedMatter) as refused:
        services.petition_accept(actor=people.handler_a, petition=again)
    assert refused.value.case == concluded
    assert db_state() == before
    assert Case.objects.count() == 1


def test_a_different_matter_of_the_same_person_opens_its_own_case(people):
    id_number = make_id_number()
    make_case(people, state="in_progress", id_number=id_number)
    other = _routed(people, id_number=id_number, category_code="09")
    _petition, case = services.petition_accept(actor=people.handler_a, petition=other)
    assert Case.objects.count() == 2
    assert case.status == CaseStatus.ACCEPTED


def test_accept_is_refused_to_another_unit_and_from_the_wrong_state(people, db_state):
    petition = _routed(people)
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.petition_accept(actor=people.handler_b, petition=petition)
    with pytest.raises(PermissionDenied):
        services.petition_accept(actor=people.leader_a, petition=petition)
    registered = make_petition(actor=people.clerk_a, locality=people.township_a)
    before = db_state()
    with pytest.raises(TransitionNotAllowed):
        services.petition_accept(actor=people.clerk_a, petition=registered)
    assert db_state() == before
    assert not Case.objects.exists()


def test_accept_dates_are_checked(people):
    petition = _routed(people)
    with pytest.raises(ValidationError) as error:
        services.petition_accept(actor=people.handler_a, petition=petition, accepted_on=TODAY() - timedelta(days=3))
    assert "accepted_on" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.petition_accept(actor=people.handler_a, petition=petition, accepted_on=TODAY() + timedelta(days=1))
    assert not Case.objects.exists()


# The issue's "Bad input": each gets a clear message and changes nothing.


def test_approval_by_someone_not_the_lead_official(people):
    case = make_case(people, state="plan_submitted")
    other_leader = make_user(unit=people.township_a, roles=["leader"])
    before = case_state(case.pk)
    for actor in (other_leader, people.supervisor, people.handler_a):
        with pytest.raises(PermissionDenied):
            services.plan_approve(actor=actor, case=case)
    assert case_state(case.pk) == before


def test_a_second_extension_is_refused(people):
    case = make_case(people, state="in_progress")
    services.extension_request(actor=people.handler_a, case=case, days=10, reason="调查")
    services.extension_reject(actor=people.leader_a, case=case, reason="期限足够")
    before = case_state(case.pk)
    with pytest.raises(ValidationError) as error:
        services.extension_request(actor=people.handler_a, case=case, days=10, reason="再次")
    assert "days" in error.value.message_dict
    assert case_state(case.pk) == before


def test_an_extension_over_30_days_is_refused(people):
    case = make_case(people, state="in_progress")
    before = case_state(case.pk)
    with pytest.raises(ValidationError) as error:
        services.extension_request(actor=people.handler_a, case=case, days=31, reason="调查")
    assert "30" in error.value.message_dict["days"][0]
    assert case_state(case.pk) == before


def test_a_review_requested_after_its_window(people):
    today = TODAY()
    case = make_case(people, state="reply_approved", accepted_on=today - timedelta(days=90))
    services.reply_serve(actor=people.handler_a, case=case, served_on=today - timedelta(days=60))
    case.refresh_from_db()
    window = case.deadlines.get(kind=DeadlineKind.REVIEW_REQUEST)
    assert window.due_on < today
    before = case_state(case.pk)
    with pytest.raises(ValidationError) as error:
        services.review_request(actor=people.handler_a, case=case, requested_on=today, reason="不服")
    assert window.due_on.isoformat() in error.value.message_dict["requested_on"][0]
    assert case_state(case.pk) == before
    # On the window's last day it is still open.
    services.review_request(actor=people.handler_a, case=case, requested_on=window.due_on, reason="不服")


def test_a_reply_served_before_approval(people):
    case = make_case(people, state="reply_drafted")
    before = case_state(case.pk)
    with pytest.raises(TransitionNotAllowed):
        services.reply_serve(actor=people.handler_a, case=case, served_on=TODAY())
    assert case_state(case.pk) == before


def test_a_plan_approved_twice(people):
    case = make_case(people, state="plan_submitted")
    services.plan_approve(actor=people.leader_a, case=case)
    before = case_state(case.pk)
    with pytest.raises(TransitionNotAllowed):
        services.plan_approve(actor=people.leader_a, case=case)
    with pytest.raises(TransitionNotAllowed):
        services.plan_approve(actor=people.leader_a, case=Case.objects.get(pk=case.pk))
    assert case_state(case.pk) == before
    assert Plan.objects.filter(case=case, status="approved").count() == 1


def test_a_transition_from_the_wrong_state(people):
    case = make_case(people, state="assigned")
    before = case_state(case.pk)
    with pytest.raises(TransitionNotAllowed) as error:
        services.reply_draft(actor=people.handler_a, case=case, outcome="support", content="x", legal_basis="《信访工作条例》第三十二条")
    assert "已交办" in str(error.value) or "Assigned" in str(error.value)
    assert case_state(case.pk) == before


def test_an_assignment_to_a_user_of_a_unit_outside_the_team(people):
    case = make_case(people, state="accepted")
    before = case_state(case.pk)
    with pytest.raises(ValidationError) as error:
        services.case_assign(
            actor=people.leader_a, case=case, lead_official=people.leader_a, lead_unit=people.township_a, members=[people.handler_b]
        )
    assert "members" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.case_assign(actor=people.leader_a, case=case, lead_official=people.handler_a, lead_unit=people.township_a)
    assert "lead_official" in error.value.message_dict
    assert case_state(case.pk) == before


def test_a_date_before_the_case_was_accepted(people):
    accepted_on = TODAY() - timedelta(days=10)
    case = make_case(people, state="reply_approved", accepted_on=accepted_on)
    before = case_state(case.pk)
    earlier = accepted_on - timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.reply_serve(actor=people.handler_a, case=case, served_on=earlier)
    assert "served_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.hearing_add(actor=people.handler_a, case=case, held_on=earlier, end_on=TODAY())
    assert "held_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.reply_serve(actor=people.handler_a, case=case, served_on=TODAY() + timedelta(days=1))
    assert "served_on" in error.value.message_dict
    assert case_state(case.pk) == before


def test_changing_the_lead_official_is_an_event_with_a_reason(people):
    case = make_case(people, state="in_progress")
    with pytest.raises(ValidationError):
        services.case_lead_change(actor=people.leader_a, case=case, lead_official=people.leader_b, reason=" ")
    services.case_lead_change(actor=people.supervisor, case=case, lead_official=people.leader_b, reason="工作调整")
    case.refresh_from_db()
    assert case.lead_official == people.leader_b
    event = case.events.latest("id")
    assert event.action == CaseAction.LEAD_CHANGE and "工作调整" in event.note
    # The new lead official, of another unit, approves plans and replies but not the extension: that is
    # for the head of the lead unit (Art. 34).
    services.extension_request(actor=people.handler_a, case=case, days=5, reason="调查")
    with pytest.raises(PermissionDenied):
        services.extension_approve(actor=people.leader_b, case=case)
    services.extension_approve(actor=people.leader_a, case=case)


def test_a_rejected_plan_is_resubmitted_as_a_new_version(people):
    case = make_case(people, state="plan_submitted")
    services.plan_reject(actor=people.leader_a, case=case, reason="不够具体")
    plan = services.plan_submit(actor=people.handler_a, case=Case.objects.get(pk=case.pk), content="第二版")
    assert plan.version == 2
    services.plan_approve(actor=people.leader_a, case=Case.objects.get(pk=case.pk))
    assert list(case.plans.values_list("version", "status")) == [(1, "rejected"), (2, "approved")]


# Who decides an extension (Art. 34 "经本机关、单位负责人批准"): a leader of the case's lead unit itself.
# The case is led by leader_b of the other township; its lead unit is township A; a unit below
# township A has a leader of its own.
EXTENSION_DECIDERS = [
    ("leader_a", True),  # a leader of the lead unit, no longer the lead official
    ("second_leader_a", True),  # another leader of the lead unit
    ("leader_b", False),  # the lead official, of another unit
    ("office_leader", False),  # a leader of a unit below the lead unit
    ("handler_a", False),
    ("supervisor", False),
    ("admin", False),
]


@pytest.fixture
def led_from_another_unit(people):
    people.second_leader_a = make_user(unit=people.township_a, roles=["leader"], username="second_leader_a")
    office = make_unit(name="城关镇综治中心", parent=people.township_a)
    people.office_leader = make_user(unit=office, roles=["leader"], username="office_leader")
    case = make_case(people, state="in_progress")
    services.case_lead_change(actor=people.supervisor, case=case, lead_official=people.leader_b, reason="县领导包案")
    Notification.objects.all().delete()
    _request_extension(people, Case.objects.get(pk=case.pk))
    return Case.objects.get(pk=case.pk)


@pytest.mark.parametrize(("role", "allowed"), EXTENSION_DECIDERS)
@pytest.mark.parametrize("name", ["extension_approve", "extension_reject"])
def test_an_extension_is_decided_by_the_head_of_the_lead_unit(people, led_from_another_unit, name, role, allowed):
    case = led_from_another_unit
    user = getattr(people, role)
    before = case_state(case.pk)

    assert permissions.can_decide_extension(user, case) is allowed
    if not allowed:
        with pytest.raises(PermissionDenied):
            _perform(people, name, role, case.pk)
        assert case_state(case.pk) == before
        return
    _perform(people, name, role, case.pk)
    extension = Extension.objects.get(case=case)
    assert (extension.status, extension.decided_by) == ("approved" if name == "extension_approve" else "rejected", user)


def test_an_extension_request_asks_the_leaders_of_the_lead_unit(people, led_from_another_unit):
    asked = Notification.objects.filter(kind=NotificationKind.APPROVAL).values_list("recipient__username", flat=True)
    assert sorted(asked) == ["leader_a", "second_leader_a"]  # not leader_b, the lead official from another unit
    assert set(selectors.approval_inbox(user=people.leader_a)) == {led_from_another_unit}
    assert not selectors.approval_inbox(user=people.leader_b).exists()
    assert not selectors.approval_inbox(user=people.office_leader).exists()


def test_an_extension_is_not_requested_of_a_lead_unit_without_a_head(people):
    """Only its head may decide (Art. 34): with no leader in the lead unit the request would reach no
    one while the clock runs out, so it is refused with what to do, and nothing changes."""
    case = make_case(people, state="in_progress")
    Case.objects.filter(pk=case.pk).update(lead_unit=people.department)  # the department has handlers only
    case = Case.objects.get(pk=case.pk)
    before = case_state(case.pk)

    with pytest.raises(ValidationError) as error:
        services.extension_request(actor=people.handler_a, case=case, days=10, reason="需补充材料")

    assert "县人社局" in " ".join(error.value.messages)
    assert case_state(case.pk) == before


def test_an_extension_is_refused_with_a_reason_told_to_the_requester(people):
    case = make_case(people, state="in_progress")
    _request_extension(people, case)
    before = case_state(case.pk)
    with pytest.raises(ValidationError) as error:
        services.extension_reject(actor=people.leader_a, case=case, reason="  ")
    assert "reason" in error.value.message_dict
    assert case_state(case.pk) == before

    services.extension_reject(actor=people.leader_a, case=case, reason="现有期限足以办结")

    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.action, event.note) == (CaseAction.EXTENSION_REJECT, "现有期限足以办结")
    told = Notification.objects.get(kind=NotificationKind.DECIDED, recipient=people.handler_a, message__contains="现有期限足以办结")
    assert case.handling_due.isoformat() in told.message


# The reply: its legal basis, and sending it back.


def test_a_reply_without_its_legal_basis_is_refused(people):
    case = make_case(people, state="in_progress")
    before = case_state(case.pk)
    with pytest.raises(ValidationError) as error:
        services.reply_draft(actor=people.handler_a, case=case, outcome="support", content="支持诉求", legal_basis=" ")
    assert list(error.value.message_dict) == ["legal_basis"]
    assert case_state(case.pk) == before


def test_a_reply_sent_back_is_drafted_again(people):
    case = make_case(people, state="reply_drafted")
    before = case_state(case.pk)
    with pytest.raises(ValidationError) as error:
        services.reply_reject(actor=people.leader_a, case=case, reason="")
    assert "reason" in error.value.message_dict
    assert case_state(case.pk) == before

    reply = services.reply_reject(actor=people.leader_a, case=case, reason="法律依据引用不准确")

    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert (reply.status, reply.returned_reason, reply.content) == (ReplyStatus.RETURNED, "法律依据引用不准确", "支持诉求")
    event = case.events.latest("id")
    assert (event.action, event.from_status, event.to_status, event.note) == (
        CaseAction.REPLY_REJECT,
        CaseStatus.REPLY_DRAFTED,
        CaseStatus.IN_PROGRESS,
        "法律依据引用不准确",
    )
    told = Notification.objects.filter(kind=NotificationKind.DECIDED, recipient=people.handler_a).latest("id")
    assert "法律依据引用不准确" in told.message and told.link == f"/cases/{case.pk}/"
    with pytest.raises(TransitionNotAllowed):
        services.reply_approve(actor=people.leader_a, case=case)

    again = services.reply_draft(
        actor=people.handler_a, case=case, outcome="support", content="支持诉求", legal_basis="《保障农民工工资支付条例》第三十条"
    )

    assert (again.pk, again.status, again.returned_reason) == (reply.pk, ReplyStatus.DRAFT, "")
    services.reply_approve(actor=people.leader_a, case=Case.objects.get(pk=case.pk))
    assert Reply.objects.get(case=case).status == ReplyStatus.APPROVED


# Deadlines.


@pytest.mark.time_machine("2026-03-16T10:00+08:00")  # two weeks into the case: received 1 March cannot be in the future
def test_an_approved_extension_moves_the_handling_deadline(people):
    accepted_on = date(2026, 3, 2)
    petition = make_petition(
        actor=people.clerk_a, locality=people.township_a, received_at=timezone.make_aware(timezone.datetime(2026, 3, 1, 9))
    )
    petition = petition_services.petition_route(actor=people.clerk_a, petition=petition, unit=people.township_a, mode="transfer")
    case = make_case(people, state="in_progress", petition=petition, accepted_on=accepted_on)
    handling = case.deadlines.get(kind=DeadlineKind.HANDLING)
    # 2026-03-02 + 60 days = 2026-05-01, Labour Day holiday: moved to the next working day.
    assert handling.due_on > date(2026, 5, 1)
    services.extension_request(actor=people.handler_a, case=case, days=30, reason="需要鉴定")
    services.extension_approve(actor=people.leader_a, case=case)
    handling.refresh_from_db()
    case.refresh_from_db()
    # 2026-03-02 + 90 days = 2026-05-31, a Sunday: moved to Monday 2026-06-01.
    assert (handling.extension_days, handling.due_on, case.handling_due) == (30, date(2026, 6, 1), date(2026, 6, 1))
    assert any("30" in sentence for sentence in deadline_explanations([handling])[handling.pk])
    assert "2026-06-01" in case.events.latest("id").note


def test_served_on_time_meets_the_handling_deadline_and_opens_the_review_window(people):
    case = make_case(people, state="replied")
    deadlines = {deadline.kind: deadline for deadline in case.deadlines.all()}
    assert (deadlines[DeadlineKind.HANDLING].status, deadlines[DeadlineKind.HANDLING].met_on) == (DeadlineStatus.MET, TODAY())
    assert deadlines[DeadlineKind.REVIEW_REQUEST].start_on == TODAY()
    assert deadlines[DeadlineKind.REVIEW_REQUEST].status == DeadlineStatus.OPEN


def test_a_reply_served_late_marks_handling_overdue(people):
    today = TODAY()
    case = make_case(people, state="reply_approved", accepted_on=today - timedelta(days=100))
    services.reply_serve(actor=people.handler_a, case=case, served_on=today)
    assert case.deadlines.get(kind=DeadlineKind.HANDLING).status == DeadlineStatus.OVERDUE


# On a day whose 30th day after is a rest day before a working one (2026-12-04: Sunday 3 January), the
# paused day is the one the end moves to anyway, and the due date stays; here it ends on a Wednesday.
@pytest.mark.time_machine("2026-09-14T10:00+08:00")
def test_hearing_days_pause_the_reexamination_opinion_deadline(people):
    case = make_case(people, state="reexamination_requested", accepted_on=TODAY() - timedelta(days=10))
    deadline = case.deadlines.get(kind=DeadlineKind.REEXAMINATION_DECISION)
    assert deadline.paused_days == 0
    plain_due = deadline.due_on
    services.hearing_add(actor=people.handler_a, case=case, held_on=TODAY(), end_on=TODAY())
    deadline.refresh_from_db()
    assert deadline.paused_days == 0, "the request day is not counted, so a hearing on it pauses nothing"
    tomorrow = timezone.now() + timedelta(days=1)
    with mock.patch("django.utils.timezone.now", return_value=tomorrow):
        services.hearing_add(actor=people.handler_a, case=case, held_on=TODAY(), end_on=TODAY())
    deadline.refresh_from_db()
    assert deadline.paused_days == 1
    assert deadline.due_on > plain_due
    assert any(
        "1" in sentence and ("hearing" in sentence or "听证" in sentence) for sentence in deadline_explanations([deadline])[deadline.pk]
    )


def test_hearings_outside_reexamination_pause_nothing(people):
    case = make_case(people, state="in_progress")
    due = case.handling_due
    services.hearing_add(actor=people.handler_a, case=case, held_on=TODAY(), end_on=TODAY())
    assert Deadline.objects.get(case=case, kind=DeadlineKind.HANDLING).due_on == due


def test_the_whole_path_to_conclusion_writes_one_event_per_step(people):
    case = make_case(people, state="concluded")
    actions = list(case.events.values_list("action", flat=True))
    assert actions[0] == CaseAction.ACCEPT and actions[-1] == CaseAction.REEXAMINATION_DECIDE
    assert len(actions) == len(CASE_PATHS["concluded"])
    kinds = dict(case.deadlines.values_list("kind", "status"))
    assert kinds[DeadlineKind.REEXAMINATION_DECISION] == DeadlineStatus.MET
    assert set(kinds) == {
        DeadlineKind.HANDLING,
        DeadlineKind.REVIEW_REQUEST,
        DeadlineKind.REVIEW_DECISION,
        DeadlineKind.REEXAMINATION_REQUEST,
        DeadlineKind.REEXAMINATION_DECISION,
    }


# Two people acting on one case at once.


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_approvals_one_wins_the_other_gets_a_conflict(county):
    county.leader_b = make_user(unit=county.township_b, roles=["leader"])
    case = make_case(county, state="plan_submitted")
    stale = Case.objects.get(pk=case.pk)
    barrier = threading.Barrier(2)
    outcomes: list = []

    def approve():
        try:
            barrier.wait()
            services.plan_approve(actor=county.leader_a, case=stale)
            outcomes.append("approved")
        except TransitionNotAllowed:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved", "conflict"]
    assert CaseEvent.objects.filter(case=case, action=CaseAction.PLAN_APPROVE).count() == 1
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_PROGRESS


def test_petition_events_are_written_for_every_acceptance_outcome(people):
    id_number = make_id_number()
    make_case(people, state="accepted", id_number=id_number)
    repeat = _routed(people, id_number=id_number)
    services.petition_accept(actor=people.handler_a, petition=repeat)
    assert PetitionEvent.objects.filter(action="attach").count() == 1


@pytest.mark.parametrize("status", Status.values)
def test_accept_follows_the_petition_transition_table(people, db_state, status):
    """Acceptance is open only to a routed petition; from any other status it is a conflict and changes nothing."""
    petition = _routed(people)
    Petition.objects.filter(pk=petition.pk).update(status=status)
    petition.refresh_from_db()
    if status in PETITION_TRANSITIONS[Action.ACCEPT][0]:
        assert services.petition_accept(actor=people.handler_a, petition=petition)[0].status == Status.ACCEPTED
        return
    before = db_state()
    with pytest.raises(TransitionNotAllowed):
        services.petition_accept(actor=people.handler_a, petition=petition)
    assert db_state() == before
    assert not Case.objects.exists()
