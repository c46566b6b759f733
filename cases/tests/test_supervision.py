"""Supervision orders (督办): the services, the case page's section and forms, and the API.

The workflow registries (test_services.ACTIONS, test_views.ACTION_TESTS) run both actions through
the transition matrix and the page quartet; this file covers what is particular to orders: their
deadline, who is notified, the bad input the issue lists, answering twice and late, and the reminders.
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from accounts.models import Notification, NotificationKind
from accounts.tests.factories import make_user
from cases import selectors, services
from cases.models import Case, CaseAction, CaseEvent, SupervisionOrder, SupervisionStatus
from cases.tests.factories import make_case
from cases.tests.test_services import case_state
from deadlines import services as deadline_services
from deadlines.models import Deadline, DeadlineKind, DeadlineStatus
from petitions.models import TransitionNotAllowed

pytestmark = pytest.mark.deadlines

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def english(settings):
    """Messages and notifications in their English source strings."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def people(county):
    """The county, plus a leader and a clerk of the department (a supporting unit of make_case's team)
    and a leader of township B (outside the team)."""
    county.department_leader = make_user(unit=county.department, roles=["leader"], username="department_leader")
    county.department_clerk = make_user(unit=county.department, roles=["clerk"], username="department_clerk")
    county.leader_b = make_user(unit=county.township_b, roles=["leader"], username="leader_b")
    return county


@pytest.fixture
def case(people) -> Case:
    """In progress: township A accepts and leads it, the department supports."""
    return make_case(people, state="in_progress")


def in_days(days: int):
    return TODAY() + timedelta(days=days)


def issue(people, case, *, unit=None, due_on=None, instruction="三日内约谈用工单位并报告") -> SupervisionOrder:
    return services.supervision_issue(
        actor=people.supervisor,
        case=Case.objects.get(pk=case.pk),
        unit=unit or people.department,
        due_on=due_on or in_days(7),
        instruction=instruction,
    )


def written() -> dict:
    """Counts of every row issuing or answering an order writes, for "nothing saved" checks."""
    return {
        "orders": SupervisionOrder.objects.count(),
        "answered": SupervisionOrder.objects.filter(status=SupervisionStatus.ANSWERED).count(),
        "deadlines": Deadline.objects.count(),
        "met": Deadline.objects.exclude(status=DeadlineStatus.OPEN).count(),
        "events": CaseEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


def notified(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def make_late(order: SupervisionOrder, days: int = 2) -> None:
    """The respond-by date `days` ago, as if the order had been issued earlier."""
    due_on = in_days(-days)
    SupervisionOrder.objects.filter(pk=order.pk).update(due_on=due_on)
    Deadline.objects.filter(pk=order.deadline_id).update(start_on=due_on - timedelta(days=7), due_on=due_on)


# --- services: issuing ---------------------------------------------------------------------------


def test_issue_creates_the_order_its_deadline_an_event_and_notifies_the_units_leaders_and_handlers(people, case):
    order = issue(people, case, due_on=in_days(5))

    order.refresh_from_db()
    assert (order.case_id, order.unit, order.status, order.issued_by) == (case.pk, people.department, "open", people.supervisor)
    assert order.instruction == "三日内约谈用工单位并报告" and order.due_on == in_days(5)
    deadline = order.deadline
    assert (deadline.subject_id, deadline.kind, deadline.start_on, deadline.due_on, deadline.status) == (
        case.pk,
        DeadlineKind.SUPERVISION,
        TODAY(),
        in_days(5),
        DeadlineStatus.OPEN,
    )
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        CaseAction.SUPERVISION_ISSUE,
        people.supervisor,
        "in_progress",
        "in_progress",
    )
    assert "三日内约谈用工单位并报告" in event.note and people.department.name in event.note
    # The department's leaders and handlers; not its clerk, not township A, not the supervisor.
    assert notified(NotificationKind.SUPERVISION) == ["department_handler", "department_leader"]
    notification = Notification.objects.filter(kind=NotificationKind.SUPERVISION).first()
    assert notification.link == reverse("case-detail", args=[case.pk])
    assert notification.subject == case
    assert in_days(5).isoformat() in notification.message and f"case {case.number}" in notification.message
    assert Case.objects.get(pk=case.pk).status == "in_progress"


def test_a_second_order_on_the_same_case_gets_its_own_deadline(people, case):
    first = issue(people, case, unit=people.department)
    second = issue(people, case, unit=people.township_a, due_on=in_days(3))

    assert Deadline.objects.filter(case=case, kind=DeadlineKind.SUPERVISION).count() == 2
    assert first.deadline_id != second.deadline_id
    assert notified(NotificationKind.SUPERVISION) == ["department_handler", "department_leader", "handler_a", "leader_a"]


def test_an_order_due_today_is_accepted(people, case):
    assert issue(people, case, due_on=TODAY()).deadline.due_on == TODAY()


def test_issue_writes_everything_in_one_transaction(people, case):
    """If the notification cannot be written, neither are the order, its deadline nor the event."""
    before = written()
    with (
        mock.patch("cases.services.supervision.notify", side_effect=RuntimeError("notification table unavailable")),
        pytest.raises(RuntimeError),
    ):
        issue(people, case)
    assert written() == before


@pytest.mark.parametrize(
    ("name", "arguments", "field", "message"),
    [
        ("due date in the past", lambda p: {"due_on": in_days(-1)}, "due_on", "cannot be in the past"),
        ("unit not on the team", lambda p: {"unit": p.township_b}, "unit", "is not on this case's team"),
        ("empty instruction", lambda p: {"instruction": "   "}, "instruction", "Write what the unit must do."),
    ],
)
def test_bad_input_is_a_clear_error_and_saves_nothing(people, case, name, arguments, field, message):
    before, state = written(), case_state(case.pk)
    values = {"unit": people.department, "due_on": in_days(7), "instruction": "限期化解", **arguments(people)}

    with pytest.raises(ValidationError) as error:
        services.supervision_issue(actor=people.supervisor, case=Case.objects.get(pk=case.pk), **values)

    assert message in " ".join(error.value.message_dict[field])
    assert written() == before
    assert case_state(case.pk) == state


def test_all_bad_fields_are_reported_at_once(people, case):
    with pytest.raises(ValidationError) as error:
        services.supervision_issue(
            actor=people.supervisor, case=Case.objects.get(pk=case.pk), unit=people.township_b, due_on=in_days(-3), instruction=""
        )
    assert set(error.value.message_dict) == {"unit", "due_on", "instruction"}


def test_a_case_outside_the_supervisors_scope_is_not_found(people, case):
    """The scope is decided before the service, by the selector every page and endpoint fetches through:
    a supervisor's is the county, so for them only a case that does not exist is outside it; for
    anyone else a case of another unit is (the page and API tests below check the 404 and nothing saved)."""
    assert selectors.case_visible(user=people.supervisor, pk=case.pk) == case
    before = written()
    with pytest.raises(Http404):
        selectors.case_visible(user=people.supervisor, pk=case.pk + 1000)
    with pytest.raises(Http404):
        selectors.case_visible(user=people.handler_b, pk=case.pk)
    assert written() == before


@pytest.mark.parametrize("username", ["handler_a", "leader_a", "clerk_a", "department_leader", "admin"])
def test_only_a_supervisor_issues(people, case, username):
    before, state = written(), case_state(case.pk)
    with pytest.raises(PermissionDenied):
        services.supervision_issue(
            actor=getattr(people, username), case=Case.objects.get(pk=case.pk), unit=people.department, due_on=in_days(7), instruction="x"
        )
    assert written() == before
    assert case_state(case.pk) == state


# --- services: answering -------------------------------------------------------------------------


def test_an_answer_in_time_meets_the_deadline_and_notifies_the_issuer(people, case):
    order = issue(people, case)

    answered = services.supervision_respond(actor=people.department_handler, order=order, response="已约谈，工资本周发放")

    answered.refresh_from_db()
    assert (answered.status, answered.response, answered.responded_by) == ("answered", "已约谈，工资本周发放", people.department_handler)
    assert answered.responded_at is not None
    deadline = Deadline.objects.get(pk=order.deadline_id)
    assert (deadline.status, deadline.met_on) == (DeadlineStatus.MET, TODAY())
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.action, event.actor, event.note) == (CaseAction.SUPERVISION_RESPOND, people.department_handler, "已约谈，工资本周发放")
    assert notified(NotificationKind.SUPERVISION_RESPONSE) == ["supervisor"]
    message = Notification.objects.get(kind=NotificationKind.SUPERVISION_RESPONSE).message
    assert people.department.name in message and "已约谈" in message


def test_an_answer_after_the_due_date_is_recorded_late(people, case):
    order = issue(people, case)
    make_late(order, days=2)

    services.supervision_respond(actor=people.department_leader, order=SupervisionOrder.objects.get(pk=order.pk), response="已处理")

    deadline = Deadline.objects.get(pk=order.deadline_id)
    assert (deadline.status, deadline.met_on) == (DeadlineStatus.OVERDUE, TODAY())
    assert deadline.current_status(TODAY() + timedelta(days=30)) == DeadlineStatus.OVERDUE
    assert SupervisionOrder.objects.get(pk=order.pk).status == SupervisionStatus.ANSWERED


def test_answering_twice_is_a_conflict_and_keeps_the_first_answer(people, case):
    order = issue(people, case)
    services.supervision_respond(actor=people.department_handler, order=order, response="第一次答复")
    before, state = written(), case_state(case.pk)

    with pytest.raises(TransitionNotAllowed, match="already been answered"):
        services.supervision_respond(actor=people.department_leader, order=SupervisionOrder.objects.get(pk=order.pk), response="第二次")

    assert written() == before
    assert case_state(case.pk) == state
    assert SupervisionOrder.objects.get(pk=order.pk).response == "第一次答复"


def test_an_answer_on_a_case_that_moved_meanwhile_is_a_conflict(people, case):
    """The unit read the case in progress; the team drafted the reply before the answer went in."""
    order = SupervisionOrder.objects.select_related("case").get(pk=issue(people, case).pk)
    services.reply_draft(
        actor=people.handler_a,
        case=Case.objects.get(pk=case.pk),
        outcome="support",
        content="支持",
        legal_basis="《中华人民共和国劳动合同法》第三十条",
    )
    before = written()

    with pytest.raises(TransitionNotAllowed, match="no longer possible"):
        services.supervision_respond(actor=people.department_handler, order=order, response="已处理")

    assert written() == before


@pytest.mark.parametrize(
    "username",
    [
        "handler_b",  # another township
        "leader_b",
        "handler_a",  # on the team, but the order is the department's
        "leader_a",
        "department_clerk",  # the department, but no clerk answers for it
        "supervisor",
    ],
)
def test_only_the_ordered_units_leaders_and_handlers_answer(people, case, username):
    order = issue(people, case)
    before, state = written(), case_state(case.pk)

    with pytest.raises(PermissionDenied):
        services.supervision_respond(actor=getattr(people, username), order=order, response="已处理")

    assert written() == before
    assert case_state(case.pk) == state


def test_an_empty_answer_is_refused(people, case):
    order = issue(people, case)
    before = written()
    with pytest.raises(ValidationError) as error:
        services.supervision_respond(actor=people.department_handler, order=order, response=" ")
    assert "response" in error.value.message_dict
    assert written() == before


# --- the reminder scan ---------------------------------------------------------------------------


def test_the_scan_reminds_the_ordered_unit_before_the_date_and_the_supervisors_too_once_overdue(people, case):
    order = issue(people, case, due_on=in_days(10))
    due = order.due_on

    deadline_services.deadlines_scan(as_of=due - timedelta(days=2))
    assert notified(NotificationKind.DUE_SOON) == ["department_handler", "department_leader"]
    message = Notification.objects.filter(kind=NotificationKind.DUE_SOON).first().message
    assert "Supervision order" in message and due.isoformat() in message

    deadline_services.deadlines_scan(as_of=due + timedelta(days=1))
    assert notified(NotificationKind.OVERDUE) == ["department_handler", "department_leader", "supervisor"]
    # Once each: a second scan on the same day sends nothing more.
    assert deadline_services.deadlines_scan(as_of=due + timedelta(days=1)).reminders == 0


def test_an_answered_order_is_not_reminded(people, case):
    order = issue(people, case, due_on=in_days(2))
    services.supervision_respond(actor=people.department_handler, order=order, response="已处理")

    deadline_services.deadlines_scan(as_of=in_days(1))
    deadline_services.deadlines_scan(as_of=in_days(5))

    assert not Notification.objects.filter(kind__in=[NotificationKind.DUE_SOON, NotificationKind.OVERDUE]).exists()


# --- the case page -------------------------------------------------------------------------------


def login(client, user):
    client.force_login(user)
    return client


def page(client, user, case):
    return login(client, user).get(reverse("case-detail", args=[case.pk]))


def respond_url(case, order) -> str:
    return reverse("case-supervision-respond", args=[case.pk, order.pk])


def issue_url(case) -> str:
    return reverse("case-supervision-issue", args=[case.pk])


def test_the_page_lists_each_order_with_its_date_issuer_status_and_answer(client, people, case):
    waiting = issue(people, case, due_on=in_days(4), instruction="督促发放工资")
    answered = issue(people, case, unit=people.township_a, instruction="核实欠薪金额")
    services.supervision_respond(actor=people.leader_a, order=answered, response="已核实，共计三万元")

    response = page(client, people.handler_a, case)

    assert response.status_code == 200
    rows = response.context["supervision_orders"]
    assert [row.order.pk for row in rows] == [waiting.pk, answered.pk]
    assert (rows[0].status, rows[0].days_left) == ("open", 4)
    assert (rows[1].status, rows[1].days_left) == ("met", None)
    html = response.content.decode()
    section = html[html.index('id="case-supervision"') :]
    assert "Supervision orders" in html
    for text in ("督促发放工资", "县人社局", in_days(4).isoformat(), "4 days left", "Waiting for the unit&#x27;s response"):
        assert text in section, text
    for text in ("核实欠薪金额", "已核实，共计三万元", "Answered", "answered by", "leader_a"):
        assert text in section, text
    assert "issued by" in section and "supervisor" in section


def test_an_overdue_order_reads_overdue(client, people, case):
    order = issue(people, case)
    make_late(order, days=3)

    response = page(client, people.handler_a, case)

    [row] = response.context["supervision_orders"]
    assert (row.status, row.days_left) == (DeadlineStatus.OVERDUE, -3)
    assert "3 days overdue" in response.content.decode()


def test_the_deadlines_list_shows_the_supervision_deadline_and_why(client, people, case):
    issue(people, case, due_on=in_days(6))

    response = page(client, people.handler_a, case)

    kinds = [row.kind for row in response.context["deadlines"]]
    assert kinds == ["Handling", "Supervision order"]
    supervision = response.context["deadlines"][1]
    assert supervision.explanation == ("Set by the supervision order.",)
    assert (supervision.due_on, supervision.days_left) == (in_days(6), 6)
    assert "Set by the supervision order." in response.content.decode()


def test_the_issue_form_is_offered_to_supervisors_with_the_teams_units_only(client, people, case):
    response = page(client, people.supervisor, case)
    [form] = [item["form"] for item in response.context["actions"] if item["action"].name == "supervision_issue"]
    assert [label for value, label in form.fields["unit"].choices if value] == ["城关镇", "县人社局"]
    assert issue_url(case) in response.content.decode()

    for username in ("handler_a", "leader_a", "department_leader"):
        response = page(client, getattr(people, username), case)
        assert "supervision_issue" not in {item["action"].name for item in response.context["actions"]}
        assert issue_url(case) not in response.content.decode()


def test_the_answer_form_is_offered_on_open_orders_to_the_ordered_unit_only(client, people, case):
    open_order = issue(people, case)
    answered = issue(people, case)
    services.supervision_respond(actor=people.department_handler, order=answered, response="已处理")

    for username in ("department_handler", "department_leader"):
        rows = page(client, getattr(people, username), case).context["supervision_orders"]
        offered = {row.order.pk: [item["url"] for item in row.actions] for row in rows}
        assert offered == {open_order.pk: [respond_url(case, open_order)], answered.pk: []}
    for username in ("handler_a", "leader_a", "supervisor"):
        response = page(client, getattr(people, username), case)
        assert all(row.actions == [] for row in response.context["supervision_orders"])
        assert respond_url(case, open_order) not in response.content.decode()


def test_an_order_is_issued_and_answered_from_the_page(client, people, case):
    response = login(client, people.supervisor).post(
        issue_url(case), {"unit": people.department.pk, "due_on": in_days(5).isoformat(), "instruction": "限期答复"}
    )
    assert response.status_code == 302
    order = SupervisionOrder.objects.get(case=case)
    assert (order.unit, order.due_on, order.instruction) == (people.department, in_days(5), "限期答复")
    assert notified(NotificationKind.SUPERVISION) == ["department_handler", "department_leader"]

    response = login(client, people.department_leader).post(respond_url(case, order), {"response": "已落实"})
    assert response.status_code == 302 and response["Location"] == reverse("case-detail", args=[case.pk])
    order.refresh_from_db()
    assert (order.status, order.responded_by) == ("answered", people.department_leader)
    assert "The answer is recorded" in client.get(response["Location"]).content.decode()


def _issue_form(response):
    return next(item["form"] for item in response.context["actions"] if item["action"].name == "supervision_issue")


@pytest.mark.parametrize(
    ("name", "data", "field", "message"),
    [
        ("due date in the past", lambda p: {"due_on": in_days(-1).isoformat()}, "due_on", "cannot be in the past"),
        ("no due date", lambda p: {"due_on": ""}, "due_on", "This field is required."),
        ("unit not on the team", lambda p: {"unit": p.township_b.pk}, "unit", "Select a valid choice."),
        ("empty instruction", lambda p: {"instruction": " "}, "instruction", "This field is required."),
    ],
)
def test_bad_input_on_the_issue_form_comes_back_with_its_error_and_saves_nothing(client, people, case, name, data, field, message):
    before, state = written(), case_state(case.pk)
    values = {"unit": people.department.pk, "due_on": in_days(7).isoformat(), "instruction": "限期化解", **data(people)}

    response = login(client, people.supervisor).post(issue_url(case), values)

    assert response.status_code == 400
    assert message in " ".join(_issue_form(response).errors[field])
    assert escape(message) in response.content.decode()
    assert written() == before
    assert case_state(case.pk) == state


def test_an_empty_answer_comes_back_on_that_orders_form(client, people, case):
    first, second = issue(people, case), issue(people, case)
    before = written()

    response = login(client, people.department_handler).post(respond_url(case, second), {"response": ""})

    assert response.status_code == 400
    forms = {row.order.pk: row.actions[0]["form"] for row in response.context["supervision_orders"]}
    assert forms[second.pk].errors["response"] and not forms[first.pk].is_bound
    assert f'id="action-supervision_respond-{second.pk}"' in response.content.decode()
    assert written() == before


def test_answering_twice_from_the_page_is_409(client, people, case):
    order = issue(people, case)
    services.supervision_respond(actor=people.department_handler, order=order, response="第一次答复")
    before = written()

    response = login(client, people.department_leader).post(respond_url(case, order), {"response": "第二次"})

    assert response.status_code == 409
    assert "already been answered" in response.content.decode()
    assert written() == before


def test_an_order_of_another_case_is_404_through_this_one(client, people, case):
    other = make_case(people, state="in_progress")
    order = issue(people, other)
    before = written()

    response = login(client, people.department_handler).post(respond_url(case, order), {"response": "已处理"})

    assert response.status_code == 404
    assert written() == before


def test_the_answer_page_quartet(client, people, case):
    """Allowed is in the registry (test_views.ACTION_TESTS); here the refusals, each changing nothing."""
    order = issue(people, case)
    before = written()

    assert login(client, people.handler_a).post(respond_url(case, order), {"response": "x"}).status_code == 403
    assert login(client, people.handler_b).post(respond_url(case, order), {"response": "x"}).status_code == 404
    client.logout()
    response = client.post(respond_url(case, order), {"response": "x"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert written() == before


# --- the API -------------------------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


def api_issue(api, case, body):
    return api.post(f"/api/v1/cases/{case.pk}/supervision/", body, format="json")


def api_respond(api, case, order, body):
    return api.post(f"/api/v1/cases/{case.pk}/supervision/{order.pk}/respond/", body, format="json")


ORDER_FIELDS = {
    "id",
    "unit",
    "instruction",
    "due_on",
    "status",
    "issued_by",
    "issued_at",
    "response",
    "responded_by",
    "responded_at",
    "overdue",
}


def good_body(people) -> dict:
    return {"unit": people.department.pk, "due_on": in_days(7).isoformat(), "instruction": "限期化解"}


def test_api_a_supervisor_issues_an_order(api, people, case):
    response = api_issue(as_user(api, people.supervisor), case, good_body(people))

    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == ORDER_FIELDS
    order = SupervisionOrder.objects.get(case=case)
    assert data["id"] == order.pk
    assert (data["unit"], data["due_on"], data["instruction"], data["status"]) == (
        people.department.pk,
        in_days(7).isoformat(),
        "限期化解",
        "open",
    )
    assert (data["issued_by"], data["response"], data["responded_by"], data["responded_at"], data["overdue"]) == (
        people.supervisor.pk,
        "",
        None,
        None,
        False,
    )
    assert notified(NotificationKind.SUPERVISION) == ["department_handler", "department_leader"]


@pytest.mark.parametrize("username", ["leader_a", "handler_a", "department_handler"])
def test_api_issue_refused_to_others_who_see_the_case(api, people, case, username):
    before, state = written(), case_state(case.pk)

    response = api_issue(as_user(api, getattr(people, username)), case, good_body(people))

    assert response.status_code == 403, response.content
    assert written() == before and case_state(case.pk) == state


def test_api_issue_outside_the_scope_and_anonymous(api, people, case):
    before = written()
    assert api_issue(as_user(api, people.handler_b), case, good_body(people)).status_code == 404
    api.force_authenticate(None)
    assert api_issue(api, case, good_body(people)).status_code == 401
    assert written() == before


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("due date in the past", lambda p: {"due_on": in_days(-1).isoformat()}, "due_on"),
        ("not a date", lambda p: {"due_on": "next week"}, "due_on"),
        ("unit not on the team", lambda p: {"unit": p.township_b.pk}, "unit"),
        ("unknown unit", lambda p: {"unit": 999999}, "unit"),
        ("empty instruction", lambda p: {"instruction": ""}, "instruction"),
        ("no instruction", lambda p: {"instruction": None}, "instruction"),
    ],
)
def test_api_issue_bad_input_is_a_400_with_field_errors_and_saves_nothing(api, people, case, name, body, field):
    before, state = written(), case_state(case.pk)
    payload = {key: value for key, value in {**good_body(people), **body(people)}.items() if value is not None}

    response = api_issue(as_user(api, people.supervisor), case, payload)

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert written() == before and case_state(case.pk) == state


def test_api_issue_on_a_case_outside_the_scope_is_404(api, people, case):
    """For a supervisor the county is the scope: only a case that does not exist is outside it."""
    before = written()
    missing = Case(pk=case.pk + 1000)
    assert api_issue(as_user(api, people.supervisor), missing, good_body(people)).status_code == 404
    assert written() == before


def test_api_issue_on_a_concluded_case_is_409(api, people):
    concluded = make_case(people, state="concluded")
    before = written()

    response = api_issue(as_user(api, people.supervisor), concluded, {**good_body(people), "unit": people.township_a.pk})

    assert response.status_code == 409
    assert set(response.json()) == {"detail"}
    assert written() == before


def test_api_the_unit_answers(api, people, case):
    order = issue(people, case)

    response = api_respond(as_user(api, people.department_handler), case, order, {"response": "已约谈"})

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["id"], data["status"], data["response"], data["responded_by"], data["overdue"]) == (
        order.pk,
        "answered",
        "已约谈",
        people.department_handler.pk,
        False,
    )
    assert data["responded_at"]
    assert Deadline.objects.get(pk=order.deadline_id).status == DeadlineStatus.MET
    assert notified(NotificationKind.SUPERVISION_RESPONSE) == ["supervisor"]


def test_api_a_late_answer_reads_overdue(api, people, case):
    order = issue(people, case)
    make_late(order)

    data = api_respond(as_user(api, people.department_leader), case, order, {"response": "已处理"}).json()

    assert (data["status"], data["overdue"]) == ("answered", True)


def test_api_answer_quartet_and_twice(api, people, case):
    order = issue(people, case)
    before = written()

    assert api_respond(as_user(api, people.handler_a), case, order, {"response": "x"}).status_code == 403
    assert api_respond(as_user(api, people.supervisor), case, order, {"response": "x"}).status_code == 403
    assert api_respond(as_user(api, people.handler_b), case, order, {"response": "x"}).status_code == 404
    api.force_authenticate(None)
    assert api_respond(api, case, order, {"response": "x"}).status_code == 401
    assert written() == before

    assert api_respond(as_user(api, people.department_handler), case, order, {"response": "第一次"}).status_code == 200
    answered = written()
    response = api_respond(as_user(api, people.department_leader), case, order, {"response": "第二次"})
    assert response.status_code == 409
    assert "already been answered" in response.json()["detail"]
    assert written() == answered
    assert SupervisionOrder.objects.get(pk=order.pk).response == "第一次"


def test_api_answer_bad_input_and_an_order_of_another_case(api, people, case):
    order = issue(people, case)
    other = issue(people, make_case(people, state="in_progress"))
    before = written()
    as_user(api, people.department_handler)

    response = api_respond(api, case, order, {"response": "  "})
    assert response.status_code == 400 and "response" in response.json()
    assert api_respond(api, case, order, {}).status_code == 400
    assert api_respond(api, case, other, {"response": "已处理"}).status_code == 404
    assert written() == before


def test_api_case_detail_lists_the_orders_and_the_supervision_deadline(api, people, case):
    waiting = issue(people, case, due_on=in_days(3))
    late = issue(people, case, unit=people.township_a)
    make_late(late)

    data = as_user(api, people.handler_a).get(f"/api/v1/cases/{case.pk}/").json()

    orders = data["supervision_orders"]
    assert [order["id"] for order in orders] == [waiting.pk, late.pk]
    assert all(set(order) == ORDER_FIELDS for order in orders)
    assert [(order["due_on"], order["overdue"]) for order in orders] == [(in_days(3).isoformat(), False), (in_days(-2).isoformat(), True)]
    supervision = [deadline for deadline in data["deadlines"] if deadline["kind"] == "supervision"]
    assert [(deadline["due_on"], deadline["status"]) for deadline in supervision] == [
        (in_days(-2).isoformat(), "overdue"),
        (in_days(3).isoformat(), "open"),
    ]
    assert all(deadline["explanation"] == ["Set by the supervision order."] for deadline in supervision)
    handling = next(deadline for deadline in data["deadlines"] if deadline["kind"] == "handling")
    assert handling["explanation"] and "Set by the supervision order." not in handling["explanation"]


def test_api_case_detail_query_count_does_not_grow_with_orders(api, people, case, django_assert_num_queries):
    as_user(api, people.supervisor)
    issue(people, case)
    with django_assert_num_queries(15):
        assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    for index in range(4):
        order = issue(people, case, unit=people.township_a, due_on=in_days(index))
        if index % 2:
            services.supervision_respond(actor=people.handler_a, order=order, response="已处理")
    with django_assert_num_queries(15):
        assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 200
