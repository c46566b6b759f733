"""API: the case list and detail, every action on a case, and the document downloads.

Every endpoint gets the permission quartet (allowed role, refused role 403, a user of the other
township 404, anonymous 401); refused requests are checked to change nothing with case_state().
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.tests.factories import make_user
from cases import services
from cases.actions import ACTIONS
from cases.models import Case, CaseStatus
from cases.tests.factories import make_case
from cases.tests.test_services import assigned_by_bureau, case_state
from petitions import services as petition_services
from petitions.tests.factories import category, make_petition

TODAY = timezone.localdate


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def people(county):
    """`leader_a` leads the cases make_case builds; `leader_b` is a leader of the other township."""
    county.leader_b = make_user(unit=county.township_b, roles=["leader"], username="leader_b")
    return county


def as_user(api: APIClient, user) -> APIClient:
    api.force_authenticate(user)
    return api


def _request_extension(people, case):
    services.extension_request(actor=people.handler_a, case=case, days=15, reason="需补充调查")


@dataclass
class Endpoint:
    """One POST action: the state its case starts in, who may (and who may not) call it, a good body,
    and the status the case has afterwards."""

    action: str
    state: str
    allowed: str
    refused: str
    result: str
    body: Callable[[Any], dict] = lambda people: {}
    prepare: Callable[[Any, Case], None] | None = None
    changed: Callable[[dict], Any] = field(default=lambda data: data["status"])


ENDPOINTS = [
    Endpoint(
        "assign",
        "accepted",
        "leader_a",
        "handler_a",
        CaseStatus.ASSIGNED,
        lambda p: {
            "lead_official": p.leader_a.pk,
            "lead_unit": p.township_a.pk,
            "supporting_units": [p.department.pk],
            "members": [p.handler_a.pk, p.department_handler.pk],
        },
    ),
    Endpoint(
        "lead_official",
        "assigned",
        "leader_a",
        "handler_a",
        CaseStatus.ASSIGNED,
        lambda p: {"lead_official": p.leader_b.pk, "reason": "工作调整"},
        changed=lambda data: data["lead_official"],
    ),
    Endpoint("plan", "assigned", "handler_a", "leader_a", CaseStatus.PLAN_SUBMITTED, lambda p: {"content": "走访核实"}),
    Endpoint("plan/approve", "plan_submitted", "leader_a", "handler_a", CaseStatus.IN_PROGRESS),
    Endpoint("plan/reject", "plan_submitted", "leader_a", "handler_a", CaseStatus.ASSIGNED, lambda p: {"reason": "方案不具体"}),
    Endpoint(
        "progress",
        "in_progress",
        "handler_a",
        "clerk_a",
        CaseStatus.IN_PROGRESS,
        lambda p: {"note": "约谈用工单位"},
        changed=lambda data: data["events"][-1]["note"],
    ),
    Endpoint(
        "hearings",
        "in_progress",
        "handler_a",
        "leader_a",
        CaseStatus.IN_PROGRESS,
        lambda p: {"held_on": str(TODAY()), "end_on": str(TODAY()), "venue": "镇政府会议室", "outcome": "各方陈述"},
        changed=lambda data: data["hearings"],
    ),
    Endpoint(
        "extension",
        "in_progress",
        "handler_a",
        "leader_a",
        CaseStatus.IN_PROGRESS,
        lambda p: {"days": 15, "reason": "需补充调查"},
        changed=lambda data: data["extension"],
    ),
    Endpoint(
        "extension/approve",
        "in_progress",
        "leader_a",
        "handler_a",
        CaseStatus.IN_PROGRESS,
        prepare=_request_extension,
        changed=lambda data: data["extension"]["status"],
    ),
    Endpoint(
        "extension/reject",
        "in_progress",
        "leader_a",
        "handler_a",
        CaseStatus.IN_PROGRESS,
        lambda p: {"reason": "期限足够"},
        prepare=_request_extension,
        changed=lambda data: data["extension"]["status"],
    ),
    Endpoint(
        "reply",
        "in_progress",
        "handler_a",
        "leader_a",
        CaseStatus.REPLY_DRAFTED,
        lambda p: {"outcome": "support", "content": "支持", "legal_basis": "《保障农民工工资支付条例》第十五条"},
        changed=lambda data: data["reply"]["legal_basis"] == "《保障农民工工资支付条例》第十五条",
    ),
    Endpoint("reply/approve", "reply_drafted", "leader_a", "handler_a", CaseStatus.REPLY_APPROVED),
    Endpoint(
        "reply/reject",
        "reply_drafted",
        "leader_a",
        "handler_a",
        CaseStatus.IN_PROGRESS,
        lambda p: {"reason": "法律依据引用不准确"},
        changed=lambda data: (data["reply"]["status"], data["reply"]["returned_reason"]) == ("returned", "法律依据引用不准确"),
    ),
    Endpoint("reply/serve", "reply_approved", "handler_a", "leader_a", CaseStatus.REPLIED, lambda p: {"served_on": str(TODAY())}),
    Endpoint("evaluation", "replied", "handler_a", "leader_a", CaseStatus.EVALUATED, lambda p: {"rating": "satisfied", "comment": "满意"}),
    Endpoint(
        "review",
        "replied",
        "handler_a",
        "leader_a",
        CaseStatus.REVIEW_REQUESTED,
        lambda p: {"requested_on": str(TODAY()), "reason": "不服"},
    ),
    Endpoint(
        "review/decide",
        "review_requested",
        "supervisor",
        "leader_a",
        CaseStatus.REVIEW_DECIDED,
        lambda p: {
            "outcome": "explain",
            "content": "维持原处理意见",
            "legal_basis": "《信访工作条例》第三十五条",
            "served_on": str(TODAY()),
            "body": "县人民政府",
        },
        changed=lambda data: data["appeals"][0]["body"] == "县人民政府",
    ),
    Endpoint(
        "reexamination",
        "review_decided",
        "handler_a",
        "leader_a",
        CaseStatus.REEXAMINATION_REQUESTED,
        lambda p: {"requested_on": str(TODAY()), "reason": "仍不服"},
    ),
    Endpoint(
        "reexamination/decide",
        "reexamination_requested",
        "supervisor",
        "handler_a",
        CaseStatus.CONCLUDED,
        lambda p: {
            "outcome": "explain",
            "content": "维持，终结",
            "legal_basis": "《信访工作条例》第三十六条",
            "served_on": str(TODAY()),
            "body": "市人民政府",
        },
        changed=lambda data: data["appeals"][1]["body"] == "市人民政府",
    ),
    Endpoint(
        "completion-report",
        "replied",
        "handler_a",
        "leader_a",
        CaseStatus.REPLIED,
        lambda p: {"content": "已办结，处理意见已送达信访人"},
        prepare=assigned_by_bureau,
        changed=lambda data: [report["to_unit"] for report in data["completion_reports"]],
    ),
    Endpoint(
        "aftercare",
        "concluded",
        "handler_a",
        "leader_a",
        CaseStatus.CONCLUDED,
        lambda p: {"kind": "assistance", "done_on": str(TODAY()), "note": "协助申请临时救助"},
        changed=lambda data: data["aftercare"][0]["kind"] == "assistance",
    ),
    Endpoint("close", "evaluated", "leader_a", "handler_a", CaseStatus.CLOSED),
]
BY_ACTION = {endpoint.action: endpoint for endpoint in ENDPOINTS}
# Supervision orders answer with the order, not the case: their endpoints are tested in test_supervision.
SUPERVISION_PATHS = {"supervision", "supervision/<int:order_id>/respond"}


def test_every_endpoint_of_the_registry_is_tested_here_or_in_test_supervision():
    assert {action.api.path for action in ACTIONS.values() if action.api} == set(BY_ACTION) | SUPERVISION_PATHS


def prepared_case(people, endpoint: Endpoint) -> Case:
    case = make_case(people, state=endpoint.state)
    if endpoint.prepare:
        endpoint.prepare(people, case)
    return Case.objects.get(pk=case.pk)


def post(api, people, endpoint: Endpoint, case: Case, username: str | None, body: dict | None = None):
    if username:
        as_user(api, getattr(people, username))
    payload = endpoint.body(people) if body is None else body
    return api.post(f"/api/v1/cases/{case.pk}/{endpoint.action}/", payload, format="json")


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.action)
def test_allowed_role_makes_the_change(api, people, endpoint):
    case = prepared_case(people, endpoint)
    before = case_state(case.pk)

    response = post(api, people, endpoint, case, endpoint.allowed)

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["id"] == case.pk
    assert data["status"] == endpoint.result
    assert endpoint.changed(data)
    assert case_state(case.pk) != before
    assert Case.objects.get(pk=case.pk).status == endpoint.result


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.action)
def test_refused_role_gets_403_and_changes_nothing(api, people, endpoint):
    case = prepared_case(people, endpoint)
    before = case_state(case.pk)

    response = post(api, people, endpoint, case, endpoint.refused)

    assert response.status_code == 403, response.content
    assert "detail" in response.json()
    assert case_state(case.pk) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.action)
def test_other_unit_gets_404_and_changes_nothing(api, people, endpoint):
    case = prepared_case(people, endpoint)
    before = case_state(case.pk)

    response = post(api, people, endpoint, case, "handler_b")

    assert response.status_code == 404, response.content
    assert case_state(case.pk) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.action)
def test_anonymous_gets_401_and_changes_nothing(api, people, endpoint):
    case = prepared_case(people, endpoint)
    before = case_state(case.pk)

    response = post(api, people, endpoint, case, None)

    assert response.status_code == 401, response.content
    assert case_state(case.pk) == before


def test_a_refused_user_gets_403_whatever_the_body(api, people):
    case = make_case(people, state="plan_submitted")
    before = case_state(case.pk)

    response = post(api, people, BY_ACTION["plan/reject"], case, "handler_a", body={"reason": ["not", "a", "string"]})

    assert response.status_code == 403
    assert case_state(case.pk) == before


@pytest.mark.parametrize("action", ["extension/approve", "extension/reject"])
def test_an_extension_is_not_decided_by_a_lead_official_from_another_unit(api, people, action):
    """Art. 34: the head of the lead unit approves. leader_b leads the case but is of the other township."""
    endpoint = BY_ACTION[action]
    case = make_case(people, state="in_progress")
    services.case_lead_change(actor=people.supervisor, case=case, lead_official=people.leader_b, reason="县领导包案")
    _request_extension(people, Case.objects.get(pk=case.pk))
    before = case_state(case.pk)

    response = post(api, people, endpoint, case, "leader_b", body={"reason": "期限足够"})

    assert response.status_code == 403, response.content
    assert case_state(case.pk) == before
    response = post(api, people, endpoint, case, "leader_a", body={"reason": "期限足够"})
    assert response.status_code == 200, response.content


def test_a_handler_of_a_supporting_unit_works_on_the_case(api, people):
    case = make_case(people, state="in_progress")

    response = post(api, people, BY_ACTION["progress"], case, "department_handler", body={"note": "人社局核查工资发放"})

    assert response.status_code == 200, response.content
    assert response.json()["events"][-1]["note"] == "人社局核查工资发放"


# Bad input: 400 with field errors, nothing saved.

BAD_INPUT = {
    "assign: not a leader": ("assign", lambda p: {"lead_official": p.handler_a.pk, "lead_unit": p.township_a.pk}, "lead_official"),
    "assign: no lead unit": ("assign", lambda p: {"lead_official": p.leader_a.pk}, "lead_unit"),
    "assign: unknown unit": ("assign", lambda p: {"lead_official": p.leader_a.pk, "lead_unit": 999999}, "lead_unit"),
    "assign: member outside the team": (
        "assign",
        lambda p: {"lead_official": p.leader_a.pk, "lead_unit": p.township_a.pk, "members": [p.handler_b.pk]},
        "members",
    ),
    "lead change: no reason": ("lead_official", lambda p: {"lead_official": p.leader_b.pk, "reason": " "}, "reason"),
    "plan: empty": ("plan", lambda p: {"content": ""}, "content"),
    "plan reject: no reason": ("plan/reject", lambda p: {}, "reason"),
    "progress: no note": ("progress", lambda p: {}, "note"),
    "hearing: ends before it starts": (
        "hearings",
        lambda p: {"held_on": str(TODAY()), "end_on": str(TODAY() - timedelta(days=1))},
        "end_on",
    ),
    "hearing: not a date": ("hearings", lambda p: {"held_on": "yesterday", "end_on": str(TODAY())}, "held_on"),
    "extension: too long": ("extension", lambda p: {"days": 31, "reason": "复杂"}, "days"),
    "extension: no reason": ("extension", lambda p: {"days": 10, "reason": ""}, "reason"),
    "reply: unknown outcome": ("reply", lambda p: {"outcome": "maybe", "content": "内容"}, "outcome"),
    "reply: empty": ("reply", lambda p: {"outcome": "support", "content": "", "legal_basis": "《信访工作条例》第三十二条"}, "content"),
    "reply: no legal basis": ("reply", lambda p: {"outcome": "support", "content": "支持", "legal_basis": " "}, "legal_basis"),
    "reply: legal basis left out": ("reply", lambda p: {"outcome": "support", "content": "支持"}, "legal_basis"),
    "reply reject: no reason": ("reply/reject", lambda p: {"reason": ""}, "reason"),
    "extension reject: no reason": ("extension/reject", lambda p: {"reason": "  "}, "reason"),
    "extension reject: reason left out": ("extension/reject", lambda p: {}, "reason"),
    "serve: in the future": ("reply/serve", lambda p: {"served_on": str(TODAY() + timedelta(days=1))}, "served_on"),
    "evaluation: unknown rating": ("evaluation", lambda p: {"rating": "delighted"}, "rating"),
    "review: before acceptance": (
        "review",
        lambda p: {"requested_on": str(TODAY() - timedelta(days=60)), "reason": "不服"},
        "requested_on",
    ),
    "review decide: no date": (
        "review/decide",
        lambda p: {"outcome": "explain", "content": "维持", "legal_basis": "第三十五条", "body": "县人民政府"},
        "served_on",
    ),
    "review decide: no deciding body": (
        "review/decide",
        lambda p: {"outcome": "explain", "content": "维持", "legal_basis": "第三十五条", "served_on": str(TODAY()), "body": " "},
        "body",
    ),
    "review decide: body missing": (
        "review/decide",
        lambda p: {"outcome": "explain", "content": "维持", "legal_basis": "第三十五条", "served_on": str(TODAY())},
        "body",
    ),
    "review decide: no legal basis": (
        "review/decide",
        lambda p: {"outcome": "explain", "content": "维持", "legal_basis": "", "served_on": str(TODAY()), "body": "县人民政府"},
        "legal_basis",
    ),
    "reexamination decide: no opinion": (
        "reexamination/decide",
        lambda p: {"outcome": "explain", "content": " ", "legal_basis": "第三十六条", "served_on": str(TODAY()), "body": "市人民政府"},
        "content",
    ),
    "reexamination decide: no deciding body": (
        "reexamination/decide",
        lambda p: {"outcome": "explain", "content": "维持", "legal_basis": "第三十六条", "served_on": str(TODAY()), "body": ""},
        "body",
    ),
    "reexamination decide: no legal basis": (
        "reexamination/decide",
        lambda p: {"outcome": "explain", "content": "维持", "legal_basis": "  ", "served_on": str(TODAY()), "body": "市人民政府"},
        "legal_basis",
    ),
    "completion report: empty": ("completion-report", lambda p: {"content": " "}, "content"),
    "aftercare: unknown kind": ("aftercare", lambda p: {"kind": "party", "done_on": str(TODAY()), "note": "回访"}, "kind"),
    "aftercare: in the future": (
        "aftercare",
        lambda p: {"kind": "guidance", "done_on": str(TODAY() + timedelta(days=1)), "note": "回访"},
        "done_on",
    ),
    "aftercare: no note": ("aftercare", lambda p: {"kind": "guidance", "done_on": str(TODAY()), "note": ""}, "note"),
}


@pytest.mark.parametrize("name", BAD_INPUT)
def test_bad_input_is_a_400_with_field_errors_and_saves_nothing(api, people, name):
    action, body, field_name = BAD_INPUT[name]
    endpoint = BY_ACTION[action]
    case = prepared_case(people, endpoint)
    before = case_state(case.pk)

    response = post(api, people, endpoint, case, endpoint.allowed, body=body(people))

    assert response.status_code == 400, response.content
    assert field_name in response.json(), response.json()
    assert case_state(case.pk) == before


# A wrong state: 409 {"detail"}, nothing changed.

WRONG_STATE = [
    ("assign", "assigned"),
    ("plan", "in_progress"),
    ("plan/approve", "in_progress"),
    ("extension/approve", "in_progress"),
    ("reply/approve", "in_progress"),
    ("reply/reject", "reply_approved"),
    ("reply/serve", "reply_drafted"),
    ("evaluation", "evaluated"),
    ("close", "in_progress"),
    ("review", "in_progress"),
    ("review/decide", "replied"),
    ("reexamination", "review_requested"),
    ("completion-report", "in_progress"),
    ("completion-report", "replied"),  # nothing assigned: no report owed
    ("aftercare", "closed"),
]


@pytest.mark.parametrize(("action", "state"), WRONG_STATE, ids=[f"{action} in {state}" for action, state in WRONG_STATE])
def test_an_action_the_state_does_not_allow_is_a_409_and_changes_nothing(api, people, action, state):
    endpoint = BY_ACTION[action]
    case = make_case(people, state=state)
    before = case_state(case.pk)

    response = post(api, people, endpoint, case, endpoint.allowed)

    assert response.status_code == 409, response.content
    assert set(response.json()) == {"detail"}
    assert case_state(case.pk) == before


def test_token_authentication_works_on_writes(people):
    case = make_case(people, state="assigned")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=people.handler_a).key}")

    response = client.post(f"/api/v1/cases/{case.pk}/plan/", {"content": "走访核实"}, format="json")

    assert response.status_code == 200, response.content


# Detail


CONTRACT_FIELDS = {
    "id",
    "status",
    "petitions",
    "category",
    "lead_official",
    "lead_unit",
    "supporting_units",
    "stability_unit",
    "members",
    "plan",
    "accepted_at",
    "handling_due",
    "extension",
    "reply",
    "evaluation",
    "deadlines",
    "overdue",
    "events",
}


def get_case(api, user, case):
    return as_user(api, user).get(f"/api/v1/cases/{case.pk}/")


def test_detail_of_a_new_case_has_the_contract_fields_and_nulls(api, people):
    case = make_case(people)

    response = get_case(api, people.clerk_a, case)

    assert response.status_code == 200
    data = response.json()
    assert set(data) >= CONTRACT_FIELDS
    first = case.petition_links.get().petition
    assert data["reg_no"] == first.reg_no
    assert data["petitions"] == [first.pk]
    assert data["status"] == "accepted"
    assert data["lead_official"] is None
    assert data["plan"] is data["extension"] is data["reply"] is data["evaluation"] is None
    assert data["overdue"] is False
    assert data["documents"] == ["acceptance"]
    assert [(event["action"], event["to_status"]) for event in data["events"]] == [("accept", "accepted")]
    [deadline] = data["deadlines"]
    assert deadline["kind"] == "handling"
    assert deadline["due_on"] == str(case.handling_due)
    assert deadline["status"] == "open"
    assert deadline["explanation"] and all(isinstance(sentence, str) for sentence in deadline["explanation"])


def test_detail_shows_the_team_latest_plan_extension_and_reply(api, people):
    case = make_case(people, state="assigned")
    services.plan_submit(actor=people.handler_a, case=case, content="第一版")
    services.plan_reject(actor=people.leader_a, case=Case.objects.get(pk=case.pk), reason="不具体")
    services.plan_submit(actor=people.handler_a, case=Case.objects.get(pk=case.pk), content="第二版")
    services.plan_approve(actor=people.leader_a, case=Case.objects.get(pk=case.pk))
    _request_extension(people, Case.objects.get(pk=case.pk))
    services.extension_approve(actor=people.leader_a, case=Case.objects.get(pk=case.pk))
    services.reply_draft(
        actor=people.handler_a,
        case=Case.objects.get(pk=case.pk),
        outcome="explain",
        content="解释说明",
        legal_basis="《信访工作条例》第三十二条",
    )

    data = get_case(api, people.handler_a, case).json()

    assert data["lead_official"] == people.leader_a.pk
    assert data["lead_unit"] == people.township_a.pk
    assert data["supporting_units"] == [people.department.pk]
    assert data["members"] == [people.handler_a.pk]
    assert data["plan"]["version"] == 2
    assert data["plan"]["status"] == "approved"
    assert data["plan"]["content"] == "第二版"
    assert data["extension"]["days"] == 15
    assert data["extension"]["status"] == "approved"
    assert data["reply"] == {**data["reply"], "status": "draft", "outcome": "explain", "served_on": None, "returned_reason": ""}
    handling = next(deadline for deadline in data["deadlines"] if deadline["kind"] == "handling")
    assert handling["extension_days"] == 15
    assert handling["due_on"] == data["handling_due"]
    assert any("15" in sentence for sentence in handling["explanation"])
    # The draft reply is the team's to read (and the lead official's), not yet a document for others.
    assert data["documents"] == ["acceptance", "extension", "reply"]
    assert get_case(api, people.clerk_a, case).json()["documents"] == ["acceptance", "extension"]
    assert [event["action"] for event in data["events"]][-3:] == ["extension_request", "extension_approve", "reply_draft"]


def test_detail_of_a_concluded_case_lists_its_appeals_and_documents(api, people):
    case = make_case(people, state="concluded")

    data = get_case(api, people.supervisor, case).json()

    assert data["status"] == "concluded"
    assert [appeal["level"] for appeal in data["appeals"]] == ["review", "reexamination"]
    assert data["evaluation"]["rating"] == "satisfied"
    assert data["reply"]["served_on"] == str(TODAY())
    assert data["documents"] == ["acceptance", "reply", "review", "reexamination"]
    statuses = {deadline["kind"]: deadline["status"] for deadline in data["deadlines"]}
    assert statuses["handling"] == statuses["reexamination_decision"] == "met"


def test_an_overdue_case_says_so_and_its_deadline_reads_overdue(api, people):
    case = make_case(people, accepted_on=TODAY() - timedelta(days=80))

    data = get_case(api, people.handler_a, case).json()

    assert data["overdue"] is True
    assert data["deadlines"][0]["status"] == "overdue"


VISIBILITY = [("handler_a", 200), ("department_handler", 200), ("handler_b", 404), ("clerk_b", 404)]


@pytest.mark.parametrize(("username", "status_code"), VISIBILITY)
def test_detail_is_visible_to_the_team_and_404_outside(api, people, username, status_code):
    case = make_case(people, state="assigned")

    assert get_case(api, getattr(people, username), case).status_code == status_code


def test_detail_anonymous_is_401(api, people):
    assert api.get(f"/api/v1/cases/{make_case(people).pk}/").status_code == 401


def test_detail_of_a_missing_case_is_404(api, people):
    assert as_user(api, people.supervisor).get("/api/v1/cases/999999/").status_code == 404


def test_detail_query_count_does_not_grow_with_the_timeline(api, people, django_assert_max_num_queries):
    short = make_case(people, state="in_progress")
    long = make_case(people, state="concluded")
    for note in range(10):
        services.progress_add(actor=people.handler_a, case=Case.objects.get(pk=short.pk), note=f"进展{note}")
    as_user(api, people.supervisor)

    for case in (short, long):
        with django_assert_max_num_queries(17):
            assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 200


# List


def list_cases(api, user, query: str = ""):
    response = as_user(api, user).get(f"/api/v1/cases/?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def ids(body) -> list[int]:
    return [row["id"] for row in body["results"]]


def test_list_is_paginated_newest_first_without_events(api, people):
    older = make_case(people, accepted_on=TODAY() - timedelta(days=9))
    newer = make_case(people, accepted_on=TODAY() - timedelta(days=3))

    body = list_cases(api, people.clerk_a)

    assert set(body) == {"count", "next", "previous", "results"}
    assert ids(body) == [newer.pk, older.pk]
    row = body["results"][0]
    assert CONTRACT_FIELDS - {"events"} <= set(row)
    assert "events" not in row
    assert row["deadlines"] and all("explanation" not in deadline for deadline in row["deadlines"])


def test_a_list_row_is_the_detail_without_events_appeals_and_explanations(api, people):
    """The list's serializer reads prefetched rows; it must say what the detail says about them."""
    case = make_case(people, state="in_progress")
    _request_extension(people, case)
    for state in ("accepted", "evaluated"):
        make_case(people, state=state)
    as_user(api, people.supervisor)

    rows = {row["id"]: row for row in api.get("/api/v1/cases/").json()["results"]}
    for pk, row in rows.items():
        detail = api.get(f"/api/v1/cases/{pk}/").json()
        for deadline in detail["deadlines"]:
            del deadline["explanation"]
        assert row == {field: detail[field] for field in row}
    assert any(row["plan"] and row["extension"] for row in rows.values())
    assert any(row["reply"] and row["evaluation"] for row in rows.values())
    assert any(row["plan"] is None and row["reply"] is None for row in rows.values())


def test_list_is_scoped_to_the_user(api, people):
    case = make_case(people)

    assert ids(list_cases(api, people.clerk_a)) == [case.pk]
    assert ids(list_cases(api, people.handler_b)) == []
    assert ids(list_cases(api, people.supervisor)) == [case.pk]


def test_list_anonymous_is_401(api, people):
    assert api.get("/api/v1/cases/").status_code == 401


def test_list_filters(api, people):
    accepted = make_case(people, accepted_on=TODAY() - timedelta(days=2))
    assigned = make_case(people, state="assigned", accepted_on=TODAY() - timedelta(days=10))
    overdue = make_case(people, accepted_on=TODAY() - timedelta(days=80))
    other_category = make_petition(actor=people.clerk_a, locality=people.township_a, category_code="05", name="王五")
    other_category = petition_services.petition_route(
        actor=people.clerk_a, petition=other_category, unit=people.township_a, mode="transfer"
    )
    _petition, other = services.petition_accept(actor=people.handler_a, petition=other_category)
    user = people.supervisor

    assert ids(list_cases(api, user, "status=assigned")) == [assigned.pk]
    assert ids(list_cases(api, user, f"lead_official={people.leader_a.pk}")) == [assigned.pk]
    assert ids(list_cases(api, user, f"unit={people.department.pk}")) == [assigned.pk]
    assert ids(list_cases(api, user, "overdue=true")) == [overdue.pk]
    assert set(ids(list_cases(api, user, "overdue=false"))) == {accepted.pk, assigned.pk, other.pk}
    assert ids(list_cases(api, user, f"due_before={overdue.handling_due}")) == [overdue.pk]
    assert set(ids(list_cases(api, user, f"category={category('08').pk}"))) == {accepted.pk, assigned.pk, overdue.pk}
    assert ids(list_cases(api, user, f"category={category('05').pk}")) == [other.pk]
    assert ids(list_cases(api, people.leader_a, "mine=true")) == [assigned.pk]
    assert ids(list_cases(api, user, "due_within=0")) == [overdue.pk]


def test_list_orders_by_handling_due_and_accepted_at(api, people):
    first = make_case(people, accepted_on=TODAY() - timedelta(days=20))
    second = make_case(people, accepted_on=TODAY() - timedelta(days=10))

    assert ids(list_cases(api, people.clerk_a, "ordering=handling_due")) == [first.pk, second.pk]
    assert ids(list_cases(api, people.clerk_a, "ordering=-handling_due")) == [second.pk, first.pk]
    assert ids(list_cases(api, people.clerk_a, "ordering=accepted_at")) == [first.pk, second.pk]


@pytest.mark.parametrize(
    ("query", "field_name"), [("status=lost", "status"), ("lead_official=abc", "lead_official"), ("due_before=soon", "due_before")]
)
def test_list_with_a_bad_filter_is_a_field_error(api, people, query, field_name):
    response = as_user(api, people.clerk_a).get(f"/api/v1/cases/?{query}")

    assert response.status_code == 400
    assert field_name in response.json()


def _many_cases(people, count: int) -> None:
    states = ["accepted", "assigned", "in_progress", "reply_drafted", "replied"]
    for index in range(count):
        case = make_case(people, state=states[index % len(states)])
        if case.status == CaseStatus.IN_PROGRESS:
            _request_extension(people, case)


@pytest.mark.parametrize("count", [5, 30])
def test_list_query_count_does_not_grow_with_the_rows(people, count, django_assert_max_num_queries):
    _many_cases(people, count)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=people.handler_a).key}")

    # The token with its user, the scope's units, the count, the rows, five prefetches (no deadline explanations).
    with django_assert_max_num_queries(9):
        response = client.get("/api/v1/cases/?page_size=50")

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == count
    assert all(row["deadlines"] and row["petitions"] and row["reg_no"] for row in results)
    assert any(row["extension"] for row in results) and any(row["reply"] for row in results) and any(row["plan"] for row in results)


# Schema


def test_every_case_endpoint_is_in_the_schema(api, people):
    schema = as_user(api, people.clerk_a).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    expected = {
        "/api/v1/cases/",
        "/api/v1/cases/{id}/",
        "/api/v1/cases/{id}/documents/{kind}.pdf",
        "/api/v1/petitions/{id}/documents/{kind}.pdf",
    }
    expected |= {f"/api/v1/cases/{{id}}/{endpoint.action}/" for endpoint in ENDPOINTS}
    expected |= {"/api/v1/cases/{id}/supervision/", "/api/v1/cases/{id}/supervision/{order_id}/respond/"}
    assert expected <= set(schema["paths"])


def _component(reference: dict) -> str:
    return reference["$ref"].rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def schema() -> dict:
    """What /api/schema/ serves (test_every_case_endpoint_is_in_the_schema fetches it), built once."""
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize("name", [name for name, action in ACTIONS.items() if action.api], ids=str)
def test_the_schema_documents_each_action_with_its_own_body_and_answer(schema, name):
    endpoint = ACTIONS[name].api
    path = "/api/v1/cases/{id}/" + endpoint.path.replace("<int:order_id>", "{order_id}") + "/"

    operation = schema["paths"][path]["post"]

    assert operation["description"] == endpoint.description
    if endpoint.input is None:
        assert "requestBody" not in operation
    else:
        assert _component(operation["requestBody"]["content"]["application/json"]["schema"]) == endpoint.input.__name__.removesuffix(
            "Serializer"
        )
    answer = operation["responses"][str(endpoint.status)]["content"]["application/json"]["schema"]
    assert _component(answer) == endpoint.output.__name__.removesuffix("Serializer")
    assert {"400", "403", "404", "409"} <= set(operation["responses"])


def test_an_extension_asked_of_a_lead_unit_without_a_head_is_a_400_that_says_why(api, people):
    case = make_case(people, state="in_progress")
    Case.objects.filter(pk=case.pk).update(lead_unit=people.department)
    before = case_state(case.pk)

    response = post(api, people, BY_ACTION["extension"], case, "handler_a", body={"days": 10, "reason": "需补充材料"})

    assert response.status_code == 400, response.content
    assert "县人社局" in response.json()["detail"]
    assert case_state(case.pk) == before
