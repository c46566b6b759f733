"""Case pages: every page and action as the allowed role, a refused role, another unit and anonymous.

Refused requests must change nothing, so each of them compares case_state() before and after.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.tests.factories import make_user
from cases import services
from cases.actions import ACTIONS
from cases.models import TRANSITIONS, Case, CaseAction, CaseEvent, CaseStatus, ProgressNote, SupervisionOrder
from cases.selectors import cases_visible_to
from cases.tests.factories import CASE_PATHS, make_case
from cases.tests.test_services import ROLES, assigned_by_bureau, case_state
from deadlines.selectors import deadline_explanations


@pytest.fixture(autouse=True)
def english(settings):
    """English UI so assertions can read messages."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def people(county):
    """`leader_a` leads the cases make_case builds; `leader_b` is another leader to hand a case to."""
    county.leader_b = make_user(unit=county.township_b, roles=["leader"], username="leader_b")
    return county


def login(client, user):
    client.force_login(user)
    return client


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def today() -> str:
    return timezone.localdate().isoformat()


def _extension_requested(people, case):
    services.extension_request(actor=people.handler_a, case=case, days=20, reason="需要补充调查")


def _in_a_week() -> str:
    return (timezone.localdate() + timedelta(days=7)).isoformat()


def _order_issued(people, case):
    services.supervision_issue(
        actor=people.supervisor, case=case, unit=people.township_a, due_on=timezone.localdate() + timedelta(days=7), instruction="限期化解"
    )


def _order_answered(people) -> Case:
    """A case whose one supervision order someone of the unit has answered already."""
    case = make_case(people, state="in_progress")
    _order_issued(people, case)
    services.supervision_respond(actor=people.leader_a, order=SupervisionOrder.objects.get(case=case), response="已处理")
    return Case.objects.get(pk=case.pk)


def _reported(people) -> Case:
    """A case whose one assigned petition has had its completion report."""
    case = make_case(people, state="replied")
    assigned_by_bureau(people, case)
    services.completion_report_submit(actor=people.handler_a, case=Case.objects.get(pk=case.pk), content="已办结")
    return Case.objects.get(pk=case.pk)


# Every action view: the state it runs from (and any set-up), who may and who may not (both can see
# the case), good input, and what must be true afterwards.
ACTION_TESTS = {
    "assign": {
        "state": "accepted",
        "allowed": "leader_a",
        "refused": "handler_a",
        "data": lambda p: {
            "lead_official": p.leader_a.pk,
            "lead_unit": p.township_a.pk,
            "supporting_units": [p.department.pk],
            "members": [p.handler_a.pk, p.department_handler.pk],
        },
        "check": lambda p, case: (
            case.status == CaseStatus.ASSIGNED
            and case.lead_official == p.leader_a
            and set(case.members.all()) == {p.handler_a, p.department_handler}
        ),
    },
    "lead_change": {
        "state": "assigned",
        "allowed": "leader_a",
        "refused": "handler_a",
        "data": lambda p: {"lead_official": p.leader_b.pk, "reason": "工作调整"},
        "check": lambda p, case: case.lead_official == p.leader_b and case.events.filter(action=CaseAction.LEAD_CHANGE).exists(),
    },
    "plan_submit": {
        "state": "assigned",
        "allowed": "handler_a",
        "refused": "leader_a",
        "data": lambda p: {"content": "走访核实，协调发放"},
        "check": lambda p, case: case.status == CaseStatus.PLAN_SUBMITTED and case.plans.get().content == "走访核实，协调发放",
    },
    "plan_approve": {
        "state": "plan_submitted",
        "allowed": "leader_a",
        "refused": "handler_a",
        "data": lambda p: {},
        "check": lambda p, case: case.status == CaseStatus.IN_PROGRESS and case.plans.get().status == "approved",
    },
    "plan_reject": {
        "state": "plan_submitted",
        "allowed": "leader_a",
        "refused": "supervisor",
        "data": lambda p: {"reason": "措施不具体"},
        "check": lambda p, case: case.status == CaseStatus.ASSIGNED and case.plans.get().reason == "措施不具体",
    },
    "progress_add": {
        "state": "in_progress",
        "allowed": "handler_a",
        "refused": "leader_a",
        "data": lambda p: {"note": "走访了用人单位"},
        "check": lambda p, case: case.progress_notes.get().note == "走访了用人单位",
    },
    "hearing_add": {
        "state": "in_progress",
        "allowed": "department_handler",
        "refused": "clerk_a",
        "data": lambda p: {"held_on": today(), "end_on": today(), "venue": "县信访局会议室", "participants": "", "outcome": ""},
        "check": lambda p, case: case.hearings.get().venue == "县信访局会议室",
    },
    "leader_meeting_add": {
        "state": "in_progress",
        "allowed": "handler_a",
        "refused": "leader_a",
        "data": lambda p: {"kind": "talk", "held_on": today(), "leader": p.leader_a.pk, "note": "当面沟通"},
        "check": lambda p, case: case.leader_meetings.get().leader == p.leader_a,
    },
    "extension_request": {
        "state": "in_progress",
        "allowed": "handler_a",
        "refused": "leader_a",
        "data": lambda p: {"days": "20", "reason": "需要补充调查"},
        "check": lambda p, case: (case.extension.days, case.extension.status) == (20, "requested"),
    },
    "extension_approve": {
        "state": "in_progress",
        "setup": _extension_requested,
        "allowed": "leader_a",
        "refused": "handler_a",
        "data": lambda p: {},
        "check": lambda p, case: case.extension.status == "approved" and case.deadlines.get(kind="handling").extension_days == 20,
    },
    "extension_reject": {
        "state": "in_progress",
        "setup": _extension_requested,
        "allowed": "leader_a",
        "refused": "handler_a",
        "data": lambda p: {"reason": "理由不充分"},
        "check": lambda p, case: case.extension.status == "rejected",
    },
    "reply_draft": {
        "state": "in_progress",
        "allowed": "handler_a",
        "refused": "leader_a",
        "data": lambda p: {"outcome": "support", "content": "支持诉求", "legal_basis": "《保障农民工工资支付条例》第十五条"},
        "check": lambda p, case: case.status == CaseStatus.REPLY_DRAFTED and case.reply.legal_basis == "《保障农民工工资支付条例》第十五条",
    },
    "reply_approve": {
        "state": "reply_drafted",
        "allowed": "leader_a",
        "refused": "handler_a",
        "data": lambda p: {},
        "check": lambda p, case: case.status == CaseStatus.REPLY_APPROVED and case.reply.approved_by == p.leader_a,
    },
    "reply_reject": {
        "state": "reply_drafted",
        "allowed": "leader_a",
        "refused": "handler_a",
        "data": lambda p: {"reason": "法律依据引用不准确"},
        "check": lambda p, case: (
            case.status == CaseStatus.IN_PROGRESS and (case.reply.status, case.reply.returned_reason) == ("returned", "法律依据引用不准确")
        ),
    },
    "reply_serve": {
        "state": "reply_approved",
        "allowed": "handler_a",
        "refused": "leader_a",
        "data": lambda p: {"served_on": today()},
        "check": lambda p, case: case.status == CaseStatus.REPLIED and case.handling_met_on == timezone.localdate(),
    },
    "evaluation_record": {
        "state": "replied",
        "allowed": "handler_a",
        "refused": "leader_a",
        "data": lambda p: {"rating": "basically_satisfied", "comment": ""},
        "check": lambda p, case: case.status == CaseStatus.EVALUATED and case.evaluation.rating == "basically_satisfied",
    },
    "case_close": {
        "state": "evaluated",
        "allowed": "leader_a",
        "refused": "handler_a",
        "data": lambda p: {},
        "check": lambda p, case: case.status == CaseStatus.CLOSED,
    },
    "review_request": {
        "state": "evaluated",
        "allowed": "handler_a",
        "refused": "leader_a",
        "data": lambda p: {"requested_on": today(), "reason": "不服"},
        "check": lambda p, case: case.status == CaseStatus.REVIEW_REQUESTED and case.appeals.get().reason == "不服",
    },
    "review_decide": {
        "state": "review_requested",
        "allowed": "supervisor",
        "refused": "leader_a",
        "data": lambda p: {
            "body": "县人民政府",
            "outcome": "explain",
            "content": "维持原处理意见",
            "legal_basis": "《信访工作条例》第三十五条",
            "served_on": today(),
        },
        "check": lambda p, case: case.status == CaseStatus.REVIEW_DECIDED and case.appeals.get().body == "县人民政府",
    },
    "reexamination_request": {
        "state": "review_decided",
        "allowed": "handler_a",
        "refused": "leader_a",
        "data": lambda p: {"requested_on": today(), "reason": "仍不服"},
        "check": lambda p, case: case.status == CaseStatus.REEXAMINATION_REQUESTED,
    },
    "reexamination_decide": {
        "state": "reexamination_requested",
        "allowed": "supervisor",
        "refused": "handler_a",
        "data": lambda p: {
            "body": "市人民政府",
            "outcome": "explain",
            "content": "维持，终结",
            "legal_basis": "《信访工作条例》第三十六条",
            "served_on": today(),
        },
        "check": lambda p, case: case.status == CaseStatus.CONCLUDED and case.appeals.get(level="reexamination").body == "市人民政府",
    },
    "completion_report": {
        "state": "replied",
        "setup": assigned_by_bureau,
        "allowed": "handler_a",
        "refused": "leader_a",
        "data": lambda p: {"content": "已办结，处理意见已送达信访人"},
        "check": lambda p, case: case.completion_reports.get().to_unit == p.bureau,
        # Sent already: nothing is owed any more.
        "moved_on": lambda p: (_reported(p), "waiting for its completion report"),
    },
    "aftercare": {
        "state": "concluded",
        "allowed": "department_handler",
        "refused": "leader_a",
        "data": lambda p: {"kind": "assistance", "done_on": today(), "note": "协助申请临时救助"},
        "check": lambda p, case: case.aftercare.get().kind == "assistance",
        # Only a concluded case: one closed without review is not.
        "moved_on": lambda p: (make_case(p, state="closed"), "no longer possible"),
    },
    "supervision_issue": {
        "state": "in_progress",
        "allowed": "supervisor",
        "refused": "leader_a",
        "data": lambda p: {"unit": p.department.pk, "due_on": _in_a_week(), "instruction": "督促限期化解"},
        "check": lambda p, case: (
            case.supervision_orders.get().unit == p.department and case.deadlines.get(kind="supervision").due_on.isoformat() == _in_a_week()
        ),
    },
    "supervision_respond": {
        "state": "in_progress",
        "setup": _order_issued,
        # The action's object: the URL names it after the case.
        "item": lambda case: case.supervision_orders.get(),
        "allowed": "handler_a",
        "refused": "department_handler",  # on the team, but the order is township A's
        "data": lambda p: {"response": "已约谈用工单位"},
        "check": lambda p, case: (
            case.supervision_orders.get().response == "已约谈用工单位" and case.deadlines.get(kind="supervision").status == "met"
        ),
        # Answerable at any stage: what it cannot be is answered twice.
        "moved_on": lambda p: (_order_answered(p), "already been answered"),
    },
}


def test_every_action_view_is_tested_and_calls_a_workflow_step():
    assert set(ACTION_TESTS) == set(ACTIONS)
    assert {action.transition for action in ACTIONS.values()} == set(TRANSITIONS)


def _buttons(response) -> list[dict]:
    """Every action form the case page shows: the case's own, and those beside each supervision order."""
    return [*response.context["actions"], *(item for row in response.context["supervision_orders"] for item in row.actions)]


def _good_in_any_state(people, name: str) -> dict:
    """ACTION_TESTS' input, but a supervision order to the accepting unit: the only one on the team before assignment."""
    data = ACTION_TESTS[name]["data"](people)
    return {**data, "unit": people.township_a.pk} if name == "supervision_issue" else data


@pytest.mark.parametrize("state", [*CASE_PATHS, "in_progress+extension", "replied+assigned"])
def test_every_button_on_the_case_page_is_allowed_when_pressed(client, people, state):
    """No button that answers 403 (or 409): whatever the page offers a user, in any state, is taken when
    they press it with good input. Each press is rolled back, so every button meets the same case."""
    case = make_case(people, state=state.split("+")[0])
    if state.endswith("+extension"):
        _extension_requested(people, case)
    if state.endswith("+assigned"):
        assigned_by_bureau(people, case)
    if case.can(CaseAction.SUPERVISION_ISSUE):
        _order_issued(people, Case.objects.get(pk=case.pk))  # and so an order to answer
    pressed = set()
    for role in ROLES:
        user = getattr(people, role)
        page = login(client, user).get(reverse("case-detail", args=[case.pk]))
        if not cases_visible_to(user).filter(pk=case.pk).exists():  # the other township, or not yet on the team
            assert page.status_code == 404, role
            continue
        assert page.status_code == 200, role
        for button in _buttons(page):
            action = button["action"]
            assert case.can(action.transition), (role, action.name)
            with transaction.atomic():
                response = client.post(button["url"], _good_in_any_state(people, action.name))
                transaction.set_rollback(True)
            assert response.status_code == 302, (role, action.name, response.status_code)
            pressed.add(action.name)
    # And every action the state allows is offered to someone (an extension is decided once requested,
    # and requested once).
    possible = {name for name, action in ACTIONS.items() if case.can(action.transition)}
    possible -= {"extension_request"} if state.endswith("+extension") else {"extension_approve", "extension_reject"}
    if not case.supervision_orders.exists():
        possible.discard("supervision_respond")
    if not state.endswith("+assigned"):  # a completion report is owed only for an assigned petition
        possible.discard("completion_report")
    assert pressed == possible


def _case_for(people, name: str) -> Case:
    spec = ACTION_TESTS[name]
    case = make_case(people, state=spec["state"])
    if "setup" in spec:
        spec["setup"](people, case)
    return Case.objects.get(pk=case.pk)


def _post(client, name: str, case: Case, data: dict):
    item = ACTION_TESTS[name].get("item")
    args = [case.pk] if item is None else [case.pk, item(case).pk]
    return client.post(reverse(ACTIONS[name].url_name, args=args), data)


@pytest.mark.parametrize("name", list(ACTION_TESTS))
def test_action_by_the_allowed_role_is_made(client, people, name):
    spec = ACTION_TESTS[name]
    case = _case_for(people, name)
    events = case.events.count()

    response = _post(login(client, getattr(people, spec["allowed"])), name, case, spec["data"](people))

    assert response.status_code == 302
    assert response["Location"] == reverse("case-detail", args=[case.pk])
    case.refresh_from_db()
    assert spec["check"](people, case)
    assert case.events.count() == events + 1
    page = client.get(response["Location"])
    assert escape(str(ACTIONS[name].done)) in page.content.decode()


@pytest.mark.parametrize("name", list(ACTION_TESTS))
def test_action_by_a_refused_role_is_403_and_changes_nothing(client, people, name):
    spec = ACTION_TESTS[name]
    case = _case_for(people, name)
    before = case_state(case.pk)

    response = _post(login(client, getattr(people, spec["refused"])), name, case, spec["data"](people))

    assert response.status_code == 403
    assert case_state(case.pk) == before


@pytest.mark.parametrize("name", list(ACTION_TESTS))
def test_action_by_another_unit_is_404_and_changes_nothing(client, people, name):
    spec = ACTION_TESTS[name]
    case = _case_for(people, name)
    before = case_state(case.pk)

    response = _post(login(client, people.handler_b), name, case, spec["data"](people))

    assert response.status_code == 404
    assert case_state(case.pk) == before


@pytest.mark.parametrize("name", list(ACTION_TESTS))
def test_action_by_anonymous_redirects_to_login_and_changes_nothing(client, people, name):
    spec = ACTION_TESTS[name]
    case = _case_for(people, name)
    before = case_state(case.pk)

    assert_login_redirect(_post(client, name, case, spec["data"](people)))
    assert case_state(case.pk) == before


@pytest.mark.parametrize("name", list(ACTION_TESTS))
def test_action_on_a_case_that_moved_on_is_409_and_changes_nothing(client, people, name):
    """The second of two people acting on one case: the case is concluded by now, nothing may start from
    there (or, for an action allowed at any stage, someone else has already taken it)."""
    spec = ACTION_TESTS[name]
    case, message = spec["moved_on"](people) if "moved_on" in spec else (make_case(people, state="concluded"), "no longer possible")
    before = case_state(case.pk)

    response = _post(login(client, getattr(people, spec["allowed"])), name, case, spec["data"](people))

    assert response.status_code == 409
    assert message in response.content.decode()
    assert case_state(case.pk) == before


def test_action_urls_are_post_only(client, people):
    case = make_case(people, state="plan_submitted")
    before = case_state(case.pk)
    assert login(client, people.leader_a).get(reverse("case-plan-approve", args=[case.pk])).status_code == 405
    assert case_state(case.pk) == before


def _form_error(response, name, field):
    form = next(item["form"] for item in response.context["actions"] if item["action"].name == name)
    return " ".join(form.errors.get(field, []))


# --- bad input: the form error on the case page, status 400, nothing saved ----------------------


@pytest.mark.parametrize(
    ("name", "data", "field", "message"),
    [
        ("plan_submit", {"content": ""}, "content", "This field is required."),
        ("plan_reject", {"reason": "  "}, "reason", "This field is required."),
        ("extension_request", {"days": "0", "reason": "x"}, "days", "greater than or equal to 1"),
        ("reply_draft", {"outcome": "maybe", "content": "x"}, "outcome", "Select a valid choice."),
        ("reply_draft", {"outcome": "support", "content": "支持", "legal_basis": " "}, "legal_basis", "This field is required."),
        ("reply_reject", {"reason": ""}, "reason", "This field is required."),
        ("extension_reject", {"reason": " "}, "reason", "This field is required."),
        ("reply_serve", {"served_on": "2026-02-30"}, "served_on", "Enter a valid date."),
        ("leader_meeting_add", {"kind": "talk", "held_on": "", "leader": ""}, "held_on", "This field is required."),
    ],
)
def test_form_errors_are_shown_on_the_case_page(client, people, name, data, field, message):
    case = _case_for(people, name)
    before = case_state(case.pk)

    response = _post(login(client, getattr(people, ACTION_TESTS[name]["allowed"])), name, case, data)

    assert response.status_code == 400
    assert message in _form_error(response, name, field)
    assert message in response.content.decode()
    assert case_state(case.pk) == before


def test_assigning_a_member_outside_the_team_shows_the_services_message(client, people):
    case = make_case(people, state="accepted")
    before = case_state(case.pk)

    response = _post(
        login(client, people.leader_a),
        "assign",
        case,
        {"lead_official": people.leader_a.pk, "lead_unit": people.township_a.pk, "members": [people.handler_b.pk]},
    )

    assert response.status_code == 400
    assert "do not belong to a unit of the team" in _form_error(response, "assign", "members")
    assert "handler_b" in response.content.decode()
    assert case_state(case.pk) == before


def test_a_hearing_ending_before_it_starts_shows_the_services_message(client, people):
    case = make_case(people, state="in_progress")
    before = case_state(case.pk)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()

    response = _post(login(client, people.handler_a), "hearing_add", case, {"held_on": today(), "end_on": yesterday})

    assert response.status_code == 400
    assert "cannot end before it starts" in _form_error(response, "hearing_add", "end_on")
    assert case_state(case.pk) == before


def test_an_extension_over_the_policy_cap_shows_the_services_message(client, people):
    case = make_case(people, state="in_progress")
    before = case_state(case.pk)

    response = _post(login(client, people.handler_a), "extension_request", case, {"days": "45", "reason": "需要补充调查"})

    assert response.status_code == 400
    assert "between 1 and 30 days" in _form_error(response, "extension_request", "days")
    assert case_state(case.pk) == before


def test_a_date_in_the_future_shows_the_services_message(client, people):
    case = make_case(people, state="reply_approved")
    before = case_state(case.pk)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    response = _post(login(client, people.handler_a), "reply_serve", case, {"served_on": tomorrow})

    assert response.status_code == 400
    assert "cannot be in the future" in _form_error(response, "reply_serve", "served_on")
    assert case_state(case.pk) == before


def test_the_lead_official_changed_by_a_non_leader_shows_the_services_message(client, people):
    case = make_case(people, state="assigned")
    before = case_state(case.pk)

    response = _post(login(client, people.leader_a), "lead_change", case, {"lead_official": people.handler_a.pk, "reason": "调整"})

    assert response.status_code == 400  # not among the choices: only leaders are offered
    assert "Select a valid choice" in _form_error(response, "lead_change", "lead_official")
    assert case_state(case.pk) == before


# --- the list -------------------------------------------------------------------------------


def test_list_anonymous_redirects(client):
    assert_login_redirect(client.get(reverse("case-list")))


def test_list_shows_the_cases_in_scope_only(client, people):
    case = make_case(people, state="assigned")
    mine = login(client, people.handler_a).get(reverse("case-list"))
    html = mine.content.decode()
    assert list(mine.context["page"].object_list) == [case]
    assert case.petition_links.get().petition.reg_no in html
    assert reverse("case-detail", args=[case.pk]) in html
    assert "leader_a" in html and "城关镇" in html

    other = login(client, people.handler_b).get(reverse("case-list"))
    assert other.status_code == 200
    assert list(other.context["page"].object_list) == []


def test_list_shows_days_left_and_overdue_in_red(client, people):
    late = make_case(people, state="in_progress", accepted_on=timezone.localdate() - timedelta(days=90))
    fresh = make_case(people, state="in_progress", accepted_on=timezone.localdate() - timedelta(days=1))
    html = login(client, people.handler_a).get(reverse("case-list")).content.decode()
    late_days = (timezone.localdate() - late.handling_due).days
    fresh_days = (fresh.handling_due - timezone.localdate()).days
    assert f'<span class="text-danger fw-semibold days-left overdue">{late_days} days overdue</span>' in html
    assert f"{fresh_days} days left" in html


def _rows(client, **params):
    return list(client.get(reverse("case-list"), params).context["page"].object_list)


# Accepted two and three days ago, two cases can share a due date (from 2026-12-04 both roll from a
# weekend to Monday 1 February), and then the list orders them by id, not as asserted below.
@pytest.mark.time_machine("2026-09-14T10:00+08:00")
def test_list_filters(client, people):
    local_today = timezone.localdate()
    accepted = make_case(people, state="accepted", accepted_on=local_today - timedelta(days=2))
    late = make_case(people, state="in_progress", accepted_on=local_today - timedelta(days=80))
    led_by_b = make_case(people, state="assigned", accepted_on=local_today - timedelta(days=3))
    services.case_lead_change(actor=people.supervisor, case=led_by_b, lead_official=people.leader_b, reason="调整")
    login(client, people.supervisor)

    assert _rows(client, status="accepted") == [accepted]
    assert _rows(client, overdue="true") == [late]
    assert set(_rows(client, overdue="false")) == {accepted, led_by_b}
    assert _rows(client, lead_official=people.leader_b.pk) == [led_by_b]
    assert set(_rows(client, unit=people.department.pk)) == {late, led_by_b}
    assert set(_rows(client, category=accepted.category_id)) == {accepted, late, led_by_b}
    due_in = (late.handling_due - local_today).days  # negative: overdue counts as due within any N
    assert _rows(client, due_within="0") == [late]
    assert due_in < 0
    assert set(_rows(client, due_within=str((accepted.handling_due - local_today).days))) == {accepted, late, led_by_b}
    login(client, people.leader_a)
    assert set(_rows(client, mine="true")) == {late}
    assert _rows(client, ordering="handling_due") == [late, led_by_b, accepted]
    assert _rows(client, ordering="accepted_at") == [accepted, late, led_by_b]


def test_list_says_when_a_filter_value_is_not_valid(client, people):
    make_case(people)
    response = login(client, people.handler_a).get(reverse("case-list"), {"status": "nonsense"})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    assert "not valid" in response.content.decode()


def test_list_filter_form_keeps_the_chosen_values(client, people):
    make_case(people)
    html = login(client, people.handler_a).get(reverse("case-list"), {"unit": people.department.pk, "due_within": "7"}).content.decode()
    assert f'<option value="{people.department.pk}" selected>' in html
    assert 'name="due_within" value="7"' in html


@pytest.fixture
def many_cases(people):
    """55 cases accepted by township A, cheaply: copies of one real case (with its first petition link)."""
    from cases.models import CasePetition
    from petitions.tests.factories import make_petition

    model = make_case(people, state="assigned")

    def copy(index):
        petition = make_petition(actor=people.clerk_a, locality=people.township_a, name=f"人{index}")
        clone = Case.objects.get(pk=model.pk)
        clone.pk, clone.first_petition = None, petition
        clone.save()
        CasePetition.objects.create(case=clone, petition=petition, is_first=True)
        return clone

    return [model, *(copy(index) for index in range(54))]


def test_list_paginates_fifty_per_page(client, people, many_cases):
    login(client, people.handler_a)
    first = client.get(reverse("case-list"))
    second = client.get(reverse("case-list"), {"page": 2})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 5
    assert "page=2" in first.content.decode()


@pytest.mark.parametrize("rows", [1, 10, 55])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"page": "2"},
        {"status": "assigned", "unit": "TOWNSHIP", "category": "CATEGORY", "lead_official": "LEADER", "ordering": "handling_due"},
        {"overdue": "false", "due_within": "90", "mine": "true", "ordering": "-accepted_at", "page": "2"},
    ],
)
def test_list_query_count_is_bounded(client, people, many_cases, django_assert_max_num_queries, rows, params):
    Case.objects.exclude(pk__in=[case.pk for case in many_cases[:rows]]).delete()
    values = {"TOWNSHIP": people.township_a.pk, "CATEGORY": many_cases[0].category_id, "LEADER": people.leader_a.pk}
    params = {key: values.get(value, value) for key, value in params.items()}
    login(client, people.leader_a)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("case-list"), params)
    assert response.status_code == 200
    assert response.context["page"].object_list, "the page must show rows for the count to mean something"


# --- the approval inbox ----------------------------------------------------------------------


def test_inbox_lists_what_awaits_the_lead_official(client, people):
    plan = make_case(people, state="plan_submitted")
    reply = make_case(people, state="reply_drafted")
    extension = make_case(people, state="in_progress")
    _extension_requested(people, extension)
    make_case(people, state="in_progress")

    response = login(client, people.leader_a).get(reverse("case-approvals"))

    assert response.status_code == 200
    assert set(response.context["page"].object_list) == {plan, reply, extension}
    html = response.content.decode()
    assert "Plan to approve" in html and "Reply to approve" in html and "Extension of 20 days to decide" in html
    for case in (plan, reply, extension):
        assert reverse("case-detail", args=[case.pk]) in html
    assert '<span class="badge text-bg-warning">3</span>' in html  # the count in the navbar


def test_inbox_of_another_leader_is_empty(client, people):
    make_case(people, state="plan_submitted")
    response = login(client, people.leader_b).get(reverse("case-approvals"))
    assert list(response.context["page"].object_list) == []
    assert "Nothing awaits your approval." in response.content.decode()


def test_inbox_refused_to_a_handler_and_anonymous(client, people):
    assert_login_redirect(client.get(reverse("case-approvals")))
    assert login(client, people.handler_a).get(reverse("case-approvals")).status_code == 403


def test_inbox_query_count_does_not_grow(client, people, django_assert_max_num_queries):
    for _ in range(3):
        make_case(people, state="plan_submitted")
    login(client, people.leader_a)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("case-approvals"))
    assert len(response.context["page"].object_list) == 3


def _led_from_another_unit(people) -> Case:
    """An extension requested on a case that leader_b (of the other township) leads; the lead unit is township A."""
    case = make_case(people, state="in_progress")
    services.case_lead_change(actor=people.supervisor, case=case, lead_official=people.leader_b, reason="县领导包案")
    _extension_requested(people, Case.objects.get(pk=case.pk))
    return Case.objects.get(pk=case.pk)


def test_inbox_shows_an_extension_to_the_head_of_the_lead_unit_not_to_a_lead_official_of_another(client, people):
    case = _led_from_another_unit(people)

    head = login(client, people.leader_a).get(reverse("case-approvals"))
    assert list(head.context["page"].object_list) == [case]
    assert "Extension of 20 days to decide" in head.content.decode()
    assert {"extension_approve", "extension_reject"} <= _offered(client, people.leader_a, case)

    lead = login(client, people.leader_b).get(reverse("case-approvals"))
    assert list(lead.context["page"].object_list) == []
    assert not {"extension_approve", "extension_reject"} & _offered(client, people.leader_b, case)
    before = case_state(case.pk)
    assert _post(client, "extension_approve", case, {}).status_code == 403
    assert case_state(case.pk) == before


def test_inbox_query_count_with_extensions_does_not_grow(client, people, django_assert_max_num_queries):
    for _ in range(3):
        make_case(people, state="plan_submitted")
        _led_from_another_unit(people)
    login(client, people.leader_a)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("case-approvals"))
    assert len(response.context["page"].object_list) == 6


# --- the start page ----------------------------------------------------------------------------


def test_home_shows_a_leader_their_inbox(client, people):
    plan = make_case(people, state="plan_submitted")
    response = login(client, people.leader_a).get(reverse("home"))
    assert list(response.context["approvals"]) == [plan]
    assert response.context["approvals_count"] == 1
    assert "Plan to approve" in response.content.decode()
    assert "team_cases" not in response.context


def test_home_shows_a_handler_their_teams_open_cases_by_nearest_deadline(client, people):
    later = make_case(people, state="in_progress", accepted_on=timezone.localdate() - timedelta(days=1))
    sooner = make_case(people, state="in_progress", accepted_on=timezone.localdate() - timedelta(days=20))
    make_case(people, state="closed")
    response = login(client, people.department_handler).get(reverse("home"))
    assert list(response.context["team_cases"]) == [sooner, later]
    assert "approvals" not in response.context
    assert login(client, people.handler_b).get(reverse("home")).context["team_cases"].count() == 0


def test_navbar_links_cases_for_everyone_and_approvals_for_leaders(client, people):
    clerk_html = login(client, people.clerk_a).get(reverse("home")).content.decode()
    assert reverse("case-list") in clerk_html and reverse("case-approvals") not in clerk_html
    leader_html = login(client, people.leader_a).get(reverse("home")).content.decode()
    assert reverse("case-approvals") in leader_html


# --- the case page ----------------------------------------------------------------------------


def test_case_page_shows_the_case(client, people):
    case = make_case(people, state="in_progress")
    services.progress_add(actor=people.handler_a, case=case, note="走访了用人单位")
    petition = case.petition_links.get().petition

    response = login(client, people.handler_a).get(reverse("case-detail", args=[case.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert petition.reg_no in html and reverse("petition-detail", args=[petition.pk]) in html
    assert "In progress" in html
    assert "县人社局" in html  # supporting unit
    assert "走访协调" not in html and "走访核实，协调发放" in html  # the plan
    assert "走访了用人单位" in html
    assert "Handling" in html and case.handling_due.isoformat() in html
    deadline = case.deadlines.get()
    for sentence in deadline_explanations([deadline])[deadline.pk]:
        assert escape(sentence) in html
    assert [event.action for event in response.context["timeline"]] == [
        "accept",
        "assign",
        "plan_submit",
        "plan_approve",
        "progress",
    ]
    assert "Plan approved" in html and "Plan submitted → In progress" in html  # the timeline's labels


def test_case_page_of_an_overdue_case_says_so(client, people):
    case = make_case(people, state="in_progress", accepted_on=timezone.localdate() - timedelta(days=90))
    html = login(client, people.handler_a).get(reverse("case-detail", args=[case.pk])).content.decode()
    assert 'id="case-overdue"' in html
    assert "days overdue" in html


def test_case_page_shows_a_sent_back_plan_with_its_reason(client, people):
    case = make_case(people, state="plan_submitted")
    services.plan_reject(actor=people.leader_a, case=case, reason="措施不具体")
    html = login(client, people.leader_a).get(reverse("case-detail", args=[case.pk])).content.decode()
    assert "Sent back" in html and "措施不具体" in html


def test_case_page_other_unit_gets_404_and_anonymous_redirects(client, people):
    case = make_case(people)
    assert login(client, people.handler_b).get(reverse("case-detail", args=[case.pk])).status_code == 404
    client.logout()
    assert_login_redirect(client.get(reverse("case-detail", args=[case.pk])))


def _offered(client, user, case) -> set[str]:
    response = login(client, user).get(reverse("case-detail", args=[case.pk]))
    return {item["action"].name for item in response.context["actions"]}


def test_case_page_offers_only_the_actions_the_user_may_take(client, people):
    case = make_case(people, state="plan_submitted")
    assert _offered(client, people.leader_a, case) == {"plan_approve", "plan_reject", "lead_change"}
    assert _offered(client, people.handler_a, case) == {"progress_add", "hearing_add", "leader_meeting_add"}
    assert _offered(client, people.clerk_a, case) == set()
    assert _offered(client, people.supervisor, case) == {"lead_change", "supervision_issue"}

    html = login(client, people.leader_a).get(reverse("case-detail", args=[case.pk])).content.decode()
    assert reverse("case-plan-approve", args=[case.pk]) in html
    assert reverse("case-reply-approve", args=[case.pk]) not in html


def test_case_page_offers_the_extension_once(client, people):
    case = make_case(people, state="in_progress")
    assert "extension_request" in _offered(client, people.handler_a, case)
    assert not {"extension_approve", "extension_reject"} & _offered(client, people.leader_a, case)

    _extension_requested(people, case)
    assert "extension_request" not in _offered(client, people.handler_a, case)
    assert {"extension_approve", "extension_reject"} <= _offered(client, people.leader_a, case)

    services.extension_approve(actor=people.leader_a, case=Case.objects.get(pk=case.pk))
    assert "extension_request" not in _offered(client, people.handler_a, case)
    assert not {"extension_approve", "extension_reject"} & _offered(client, people.leader_a, case)
    html = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert "需要补充调查" in html and "Approved" in html


def test_case_page_offers_the_review_request_while_its_window_is_open(client, people):
    case = make_case(people, state="closed")
    assert _offered(client, people.handler_a, case) == {"review_request"}
    assert _offered(client, people.supervisor, case) == {"supervision_issue"}
    reviewed = make_case(people, state="review_requested")
    assert _offered(client, people.supervisor, reviewed) == {"review_decide", "supervision_issue"}


def test_case_page_after_conclusion_offers_only_the_work_after_it(client, people):
    case = make_case(people, state="concluded")
    assert _offered(client, people.handler_a, case) == {"aftercare"}
    for user in (people.leader_a, people.supervisor):
        assert _offered(client, user, case) == set()
    html = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert "Re-examination" in html and "维持，终结" in html


def test_case_page_query_count_does_not_grow_with_events_or_notes(client, people, django_assert_num_queries):
    case = make_case(people, state="in_progress")
    login(client, people.handler_a)

    for index in range(2):
        services.progress_add(actor=people.handler_a, case=Case.objects.get(pk=case.pk), note=f"记录{index}")
    few_events = CaseEvent.objects.filter(case=case).count()
    with django_assert_num_queries(20):
        assert client.get(reverse("case-detail", args=[case.pk])).status_code == 200
    for index in range(18):
        services.progress_add(actor=people.handler_a, case=Case.objects.get(pk=case.pk), note=f"记录{index}")
        if index % 6 == 0:
            services.hearing_add(
                actor=people.handler_a, case=Case.objects.get(pk=case.pk), held_on=timezone.localdate(), end_on=timezone.localdate()
            )
            services.leader_meeting_add(
                actor=people.handler_a, case=Case.objects.get(pk=case.pk), kind="talk", held_on=timezone.localdate(), leader=people.leader_a
            )
            # Supervision orders, open (each with its answer form for handler_a) and answered.
            order = services.supervision_issue(
                actor=people.supervisor,
                case=Case.objects.get(pk=case.pk),
                unit=people.township_a,
                due_on=timezone.localdate() + timedelta(days=index),
                instruction=f"督办{index}",
            )
            if index % 12 == 0:
                services.supervision_respond(actor=people.leader_a, order=order, response=f"答复{index}")
    assert CaseEvent.objects.filter(case=case).count() >= few_events + 18
    assert ProgressNote.objects.filter(case=case).count() == 20
    assert SupervisionOrder.objects.filter(case=case, status="open").count() == 1
    assert SupervisionOrder.objects.filter(case=case).count() == 3
    html = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert html.count('class="list-group-item supervision-order"') == 3 and html.count("supervision_respond-") >= 1
    with django_assert_num_queries(20):
        assert client.get(reverse("case-detail", args=[case.pk])).status_code == 200


# --- the reply: its draft, sent back and drafted again -----------------------------------------


def test_the_lead_official_previews_the_draft_beside_the_approve_button(client, people):
    case = make_case(people, state="reply_drafted")
    url = reverse("case-document", args=[case.pk, "reply"])

    response = login(client, people.leader_a).get(reverse("case-detail", args=[case.pk]))

    html = response.content.decode()
    assert f'<a href="{url}" class="btn btn-outline-secondary" id="reply_approve-document">Preview the draft (PDF)</a>' in html
    assert "Draft reply, awaiting approval" in html  # and among the documents
    assert "reply_reject" in {item["action"].name for item in response.context["actions"]}
    draft = client.get(url)
    assert draft.status_code == 200 and draft["Content-Disposition"].endswith('-reply-draft.pdf"')
    # Those who see the case but neither approve nor write the reply get no draft.
    for user in (people.clerk_a, people.supervisor):
        login(client, user)
        assert url not in client.get(reverse("case-detail", args=[case.pk])).content.decode()
        assert client.get(url).status_code == 404


def test_a_reply_sent_back_shows_why_and_the_form_starts_from_the_draft(client, people):
    case = make_case(people, state="reply_drafted")
    services.reply_reject(actor=people.leader_a, case=case, reason="法律依据引用不准确")

    response = login(client, people.handler_a).get(reverse("case-detail", args=[case.pk]))

    html = response.content.decode()
    assert "Sent back" in html and 'id="reply-returned-reason">法律依据引用不准确' in html
    form = next(item["form"] for item in response.context["actions"] if item["action"].name == "reply_draft")
    assert form.initial == {"outcome": "support", "content": "支持诉求", "legal_basis": case.reply.legal_basis}
    assert "Sent back by the lead official: 法律依据引用不准确" in html
    assert "支持诉求</textarea>" in html
    assert "Submit to the lead official for approval" in html
    assert reverse("case-document", args=[case.pk, "reply"]) not in html  # a returned draft is not previewed


# --- documents --------------------------------------------------------------------------------


def _pdf_download_ok(response, filename):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF-")


def test_case_page_links_the_documents_the_case_has_reached(client, people):
    case = make_case(people, state="review_decided")
    html = login(client, people.handler_a).get(reverse("case-detail", args=[case.pk])).content.decode()
    for kind in ("acceptance", "reply", "review"):
        assert reverse("case-document", args=[case.pk, kind]) in html
    assert reverse("case-document", args=[case.pk, "reexamination"]) not in html
    assert "Review opinion" in html


def test_case_document_downloads_as_a_private_pdf(client, people):
    case = make_case(people, state="reply_approved")
    reg_no = case.petition_links.get().petition.reg_no
    response = login(client, people.handler_a).get(reverse("case-document", args=[case.pk, "reply"]))
    _pdf_download_ok(response, f"{reg_no}-reply.pdf")


def test_case_document_not_reached_other_unit_and_anonymous(client, people):
    case = make_case(people, state="in_progress")
    url = reverse("case-document", args=[case.pk, "acceptance"])
    assert login(client, people.handler_a).get(reverse("case-document", args=[case.pk, "reply"])).status_code == 404
    assert login(client, people.handler_b).get(url).status_code == 404
    client.logout()
    assert_login_redirect(client.get(url))


def _not_accepted_petition(people):
    from petitions import services as petition_services
    from petitions.tests.factories import make_petition

    petition = make_petition(actor=people.clerk_a, locality=people.township_a, name="李四")
    petition = petition_services.petition_route(actor=people.clerk_a, petition=petition, unit=people.township_a, mode="transfer")
    return petition_services.petition_not_accept(actor=people.handler_a, petition=petition, reason="该事项属于劳动争议。")


def test_a_not_accepted_petitions_page_links_its_notice(client, people):
    petition = _not_accepted_petition(people)
    url = reverse("petition-document", args=[petition.pk, "not_accepted"])
    html = login(client, people.clerk_a).get(reverse("petition-detail", args=[petition.pk])).content.decode()
    assert url in html and "Non-acceptance notice" in html
    _pdf_download_ok(client.get(url), f"{petition.reg_no}-not_accepted.pdf")


def test_petition_notice_not_reached_other_unit_and_anonymous(client, people):
    refused = _not_accepted_petition(people)
    case = make_case(people)
    accepted = case.petition_links.get().petition
    assert login(client, people.clerk_a).get(reverse("petition-document", args=[accepted.pk, "not_accepted"])).status_code == 404
    assert login(client, people.clerk_b).get(reverse("petition-document", args=[refused.pk, "not_accepted"])).status_code == 404
    client.logout()
    assert_login_redirect(client.get(reverse("petition-document", args=[refused.pk, "not_accepted"])))


def test_an_accepted_petitions_page_links_its_case_for_those_who_may_see_it(client, people):
    case = make_case(people, state="assigned")
    petition = case.petition_links.get().petition
    html = login(client, people.clerk_a).get(reverse("petition-detail", args=[petition.pk])).content.decode()
    assert reverse("case-detail", args=[case.pk]) in html
    assert "petition-documents" not in html


# The opinions of the next-higher body, completion reports and work after conclusion on the page.


def _action_form(response, name):
    return next(item["form"] for item in response.context["actions"] if item["action"].name == name)


def test_the_review_form_offers_the_handling_units_next_higher_body(client, people):
    people.township_a.higher_body = "城关县人民政府"
    people.township_a.save()
    case = make_case(people, state="review_requested")

    response = login(client, people.supervisor).get(reverse("case-detail", args=[case.pk]))

    form = _action_form(response, "review_decide")
    assert form["body"].value() == "城关县人民政府"
    assert 'value="城关县人民政府"' in response.content.decode()


def test_the_reexamination_form_leaves_the_body_to_the_recorder_with_a_hint(client, people):
    people.township_a.higher_body = "城关县人民政府"
    people.township_a.save()
    case = make_case(people, state="reexamination_requested")

    response = login(client, people.supervisor).get(reverse("case-detail", args=[case.pk]))

    form = _action_form(response, "reexamination_decide")
    assert not form["body"].value()
    assert "The body above the one that reviewed" in form.fields["body"].help_text


@pytest.mark.parametrize(("field", "blank"), [("body", " "), ("legal_basis", "")])
def test_an_opinion_without_its_body_or_legal_basis_is_a_form_error(client, people, field, blank):
    case = _case_for(people, "review_decide")
    before = case_state(case.pk)

    response = _post(
        login(client, people.supervisor), "review_decide", case, {**ACTION_TESTS["review_decide"]["data"](people), field: blank}
    )

    assert response.status_code == 400
    assert _form_error(response, "review_decide", field)
    assert case_state(case.pk) == before


def test_the_case_page_shows_the_deciding_bodies_the_reports_sent_and_the_work_after_conclusion(client, people):
    case = make_case(people, state="concluded")
    assigned_by_bureau(people, case)
    services.completion_report_submit(actor=people.handler_a, case=Case.objects.get(pk=case.pk), content="已按交办要求办结")
    services.aftercare_record(
        actor=people.handler_a, case=Case.objects.get(pk=case.pk), kind="guidance", done_on=timezone.localdate(), note="上门回访，情绪平稳"
    )

    html = login(client, people.handler_a).get(reverse("case-detail", args=[case.pk])).content.decode()

    assert "县人民政府" in html and "市人民政府" in html
    assert 'id="case-completion-reports"' in html and "已按交办要求办结" in html and people.bureau.name in html
    assert 'id="case-aftercare"' in html and "上门回访，情绪平稳" in html and "Guidance and education" in html
