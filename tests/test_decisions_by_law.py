"""Who may take each decision, as the 2022 《信访工作条例》 assigns it (docs/decisions.md): one table,
by role and unit, through the API.

Each row brings a petition or a case to where the decision is due, then asks as every user. The
users: township A's clerk, handler and leader (A is the accepting and the lead unit), the
department's handler (a supporting unit), leader B, who leads the case although township B is not
its lead unit (so the lead official and the lead unit's head are different people), township B's
clerk and handler (another unit), a county supervisor, an administrator, and nobody (anonymous).
Allowed users change what the row says; every refusal answers 401, 403 or 404 and changes nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import make_user
from cases import services as case_services
from cases.models import Case
from cases.tests.factories import make_case
from petitions import services as petition_services
from petitions.models import Petition
from petitions.tests.factories import make_id_number, make_petition

USERS = ["clerk_a", "handler_a", "leader_a", "department_handler", "leader_b", "clerk_b", "handler_b", "supervisor", "admin", None]

# Everything a decision writes; compared before and after a refused request.
WRITTEN = [
    ("petitions", "Petition"),
    ("petitions", "PetitionEvent"),
    ("cases", "Case"),
    ("cases", "CaseEvent"),
    ("cases", "Plan"),
    ("cases", "Extension"),
    ("cases", "Reply"),
    ("cases", "Appeal"),
    ("cases", "CompletionReport"),
    ("cases", "Aftercare"),
    ("cases", "ConcludedMatterDecision"),
    ("deadlines", "Deadline"),
    ("accounts", "Notification"),
]


def written() -> dict:
    return {name: list(apps.get_model(app, name).objects.order_by("pk").values()) for app, name in WRITTEN}


@pytest.fixture
def people(county):
    county.leader_b = make_user(unit=county.township_b, roles=["leader"], username="leader_b")
    return county


def today():
    return timezone.localdate()


# The objects a decision acts on, each built through the services.


def routed_to_department(p) -> Petition:
    """Registered by township A's clerk, who routed it to the department."""
    petition = make_petition(actor=p.clerk_a, locality=p.township_a)
    return petition_services.petition_route(actor=p.clerk_a, petition=petition, unit=p.department, mode="transfer", reason="劳动保障事项")


def registered(p) -> Petition:
    return make_petition(actor=p.clerk_a, locality=p.township_a)


def routed_to_township_a(p) -> Petition:
    petition = make_petition(actor=p.clerk_a, locality=p.township_a)
    return petition_services.petition_route(actor=p.clerk_a, petition=petition, unit=p.township_a, mode="transfer")


def after_concluded_matter(p) -> Petition:
    """The same petitioner again on a matter concluded after re-examination."""
    id_number = make_id_number()
    make_case(p, state="concluded", id_number=id_number)
    petition = make_petition(actor=p.clerk_a, locality=p.township_a, id_number=id_number)
    return petition_services.petition_route(actor=p.clerk_a, petition=petition, unit=p.township_a, mode="transfer")


def led_from_elsewhere(state: str, *then: Callable) -> Callable:
    """A case of township A in `state`, whose lead official is leader B (of township B)."""

    def build(p) -> Case:
        case = make_case(p, state=state)
        case_services.case_lead_change(actor=p.leader_a, case=case, lead_official=p.leader_b, reason="县领导包案")
        for step in then:
            step(p, Case.objects.get(pk=case.pk))
        return Case.objects.get(pk=case.pk)

    return build


def extension_requested(p, case):
    case_services.extension_request(actor=p.handler_a, case=case, days=20, reason="需要补充调查")


def case_in(state: str) -> Callable:
    return lambda p: make_case(p, state=state)


def assigned_case(p) -> Case:
    """A case accepted from a petition the county bureau's clerk assigned (交办) to township A."""
    petition = make_petition(actor=p.bureau_clerk, locality=p.township_a, received_at=timezone.now() - timedelta(days=7))
    petition = petition_services.petition_route(actor=p.bureau_clerk, petition=petition, unit=p.township_a, mode="assign")
    return make_case(p, state="replied", petition=petition)


OPINION = {"outcome": "explain", "content": "经复查，维持原处理意见。", "legal_basis": "《信访工作条例》第三十五条", "body": "县人民政府"}


@dataclass(frozen=True)
class Decision:
    build: Callable
    path: str  # after /api/v1/, with {id}
    body: Callable  # (people, object) -> request body
    allowed: frozenset
    refused: frozenset  # 403: may see the object, may not decide
    method: str = "post"
    ok: int = 200


def decision(build, path, body, allowed, refused, **kwargs) -> Decision:
    return Decision(build, path, body, frozenset(allowed), frozenset(refused), **kwargs)


# Anyone neither allowed nor refused may not see the object: 404 (anonymous: 401).
DECISIONS = {
    "route": decision(
        registered,
        "petitions/{id}/route/",
        lambda p, o: {"unit": p.township_a.pk, "mode": "transfer"},
        {"clerk_a", "supervisor"},
        {"handler_a", "leader_a", "admin"},
    ),
    "object (Art. 23 ¶3)": decision(
        routed_to_department,
        "petitions/{id}/object/",
        lambda p, o: {"reason": "属乡镇职责"},
        {"department_handler"},
        {"clerk_a", "handler_a", "leader_a", "supervisor", "admin"},
    ),
    "accept": decision(
        routed_to_township_a,
        "petitions/{id}/decide/",
        lambda p, o: {"decision": "accept", "reason": ""},
        {"clerk_a", "handler_a"},
        {"leader_a", "supervisor", "admin"},
    ),
    "not accept again (Art. 36 ¶3)": decision(
        after_concluded_matter,
        "petitions/{id}/decide/",
        lambda p, o: {
            "decision": "not_accept_again",
            "concluded_case": Case.objects.filter(status="concluded").get().pk,
            "reason": "同一事实和理由，已三级终结",
        },
        {"clerk_a", "handler_a"},
        {"leader_a", "supervisor", "admin"},
    ),
    "assign the lead official and team": decision(
        case_in("accepted"),
        "cases/{id}/assign/",
        lambda p, o: {"lead_official": p.leader_a.pk, "lead_unit": p.township_a.pk, "members": [p.handler_a.pk]},
        {"leader_a", "supervisor"},
        {"clerk_a", "handler_a", "admin"},
    ),
    "approve the plan": decision(
        led_from_elsewhere("plan_submitted"),
        "cases/{id}/plan/approve/",
        lambda p, o: {},
        {"leader_b"},
        {"clerk_a", "handler_a", "leader_a", "department_handler", "supervisor", "admin"},
    ),
    "send the plan back": decision(
        led_from_elsewhere("plan_submitted"),
        "cases/{id}/plan/reject/",
        lambda p, o: {"reason": "措施不具体"},
        {"leader_b"},
        {"clerk_a", "handler_a", "leader_a", "department_handler", "supervisor", "admin"},
    ),
    "approve the extension (Art. 34)": decision(
        led_from_elsewhere("in_progress", extension_requested),
        "cases/{id}/extension/approve/",
        lambda p, o: {},
        {"leader_a"},
        {"clerk_a", "handler_a", "department_handler", "leader_b", "supervisor", "admin"},
    ),
    "refuse the extension (Art. 34)": decision(
        led_from_elsewhere("in_progress", extension_requested),
        "cases/{id}/extension/reject/",
        lambda p, o: {"reason": "无延期必要"},
        {"leader_a"},
        {"clerk_a", "handler_a", "department_handler", "leader_b", "supervisor", "admin"},
    ),
    "approve the reply": decision(
        led_from_elsewhere("reply_drafted"),
        "cases/{id}/reply/approve/",
        lambda p, o: {},
        {"leader_b"},
        {"clerk_a", "handler_a", "leader_a", "department_handler", "supervisor", "admin"},
    ),
    "send the reply back": decision(
        led_from_elsewhere("reply_drafted"),
        "cases/{id}/reply/reject/",
        lambda p, o: {"reason": "法律依据不准确"},
        {"leader_b"},
        {"clerk_a", "handler_a", "leader_a", "department_handler", "supervisor", "admin"},
    ),
    "read the draft reply": decision(
        led_from_elsewhere("reply_drafted"),
        "cases/{id}/documents/reply.pdf",
        lambda p, o: None,
        {"leader_b", "handler_a", "department_handler"},
        set(),
        method="get",
    ),
    "record the review opinion (Art. 35)": decision(
        case_in("review_requested"),
        "cases/{id}/review/decide/",
        lambda p, o: {**OPINION, "served_on": today().isoformat()},
        {"supervisor"},
        {"clerk_a", "handler_a", "leader_a", "department_handler", "admin"},
    ),
    "record the re-examination opinion (Art. 36)": decision(
        case_in("reexamination_requested"),
        "cases/{id}/reexamination/decide/",
        lambda p, o: {**OPINION, "body": "市人民政府", "served_on": today().isoformat()},
        {"supervisor"},
        {"clerk_a", "handler_a", "leader_a", "department_handler", "admin"},
    ),
    "send the completion report (Art. 22)": decision(
        assigned_case,
        "cases/{id}/completion-report/",
        lambda p, o: {"content": "已办结，处理意见书已送达。"},
        {"handler_a", "department_handler"},
        {"clerk_a", "leader_a", "supervisor", "admin"},
    ),
    "record work after conclusion (Art. 37 ¶3)": decision(
        case_in("concluded"),
        "cases/{id}/aftercare/",
        lambda p, o: {"kind": "assistance", "done_on": today().isoformat(), "note": "协助申请临时救助"},
        {"handler_a", "department_handler"},
        {"clerk_a", "leader_a", "supervisor", "admin"},
    ),
}


def expected(row: Decision, user: str | None) -> int:
    if user is None:
        return 401
    if user in row.allowed:
        return row.ok
    return 403 if user in row.refused else 404


@pytest.mark.parametrize("user", USERS, ids=lambda user: user or "anonymous")
@pytest.mark.parametrize("name", list(DECISIONS))
def test_who_may_decide(people, name, user):
    row = DECISIONS[name]
    subject = row.build(people)
    client = APIClient()
    if user is not None:
        client.force_authenticate(getattr(people, user))
    before = written()
    url = "/api/v1/" + row.path.format(id=subject.pk)
    body = row.body(people, subject)
    response = client.get(url) if row.method == "get" else client.post(url, body, format="json")
    assert response.status_code == expected(row, user), getattr(response, "data", response)
    if response.status_code != row.ok:
        assert written() == before
    elif row.method == "post":
        assert written() != before
