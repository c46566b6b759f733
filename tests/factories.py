"""Test data builders shared by every app's tests."""

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import Unit, UnitKind, User
from petitions import services
from petitions.identity import ID_CHECK_CHARACTERS, ID_WEIGHTS
from petitions.models import Category, Petition

_sequence = itertools.count(1)
PASSWORD = "pass-for-tests-123"


def make_id_number(serial: int | None = None, *, region: str = "110105", birth: str = "19800101") -> str:
    """A valid resident ID number; a different `serial` gives a different person."""
    serial = next(_sequence) if serial is None else serial
    first_17 = f"{region}{birth}{serial % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(first_17, ID_WEIGHTS, strict=True))
    return first_17 + ID_CHECK_CHARACTERS[total % 11]


def make_unit(*, kind: str = UnitKind.TOWNSHIP, name: str | None = None, parent: Unit | None = None) -> Unit:
    number = next(_sequence)
    return Unit.objects.create(kind=kind, name=name or f"单位{number}", code=f"U{number:05d}", parent=parent)


def make_user(*, unit: Unit | None, roles: list[str], username: str | None = None) -> User:
    username = username or f"user{next(_sequence)}"
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=username, unit=unit, roles=roles)
    return user


def category(code: str = "08") -> Category:
    return Category.objects.get(code=code)


def make_petition(
    *,
    actor: User,
    locality: Unit,
    received_at: datetime | None = None,
    id_number: str | None = None,
    name: str = "张三",
    category_code: str = "08",
    headcount: int | None = None,
    **fields,
) -> Petition:
    """Register a petition through the real service, with ordinary defaults."""
    person = services.petitioner_input_clean(name=name, id_number=id_number or make_id_number(), phone="13800138000")
    return services.petition_register(
        actor=actor,
        channel=fields.pop("channel", "visit"),
        received_at=received_at or timezone.now() - timedelta(hours=1),
        petitioners=fields.pop("petitioners", [person]),
        headcount=headcount,
        category=category(category_code),
        purpose=fields.pop("purpose", "complaint"),
        locality=locality,
        summary=fields.pop("summary", "拖欠工资问题"),
        **fields,
    )


# Cases: built by driving the real services along the workflow, so a case in any state is one the
# application itself could have produced.

# The path to each state: the states passed through on the way, in order.
CASE_PATH = [
    "accepted",
    "assigned",
    "plan_submitted",
    "in_progress",
    "reply_drafted",
    "reply_approved",
    "replied",
    "evaluated",
]
CASE_PATHS = {
    **{state: CASE_PATH[: index + 1] for index, state in enumerate(CASE_PATH)},
    "closed": [*CASE_PATH, "closed"],
    "review_requested": [*CASE_PATH, "review_requested"],
    "review_decided": [*CASE_PATH, "review_requested", "review_decided"],
    "reexamination_requested": [*CASE_PATH, "review_requested", "review_decided", "reexamination_requested"],
    "concluded": [*CASE_PATH, "review_requested", "review_decided", "reexamination_requested", "concluded"],
}


def make_case(county, *, state: str = "accepted", accepted_on=None, petition: Petition | None = None, id_number: str | None = None):
    """A case in `state`, accepted by township A on `accepted_on` (default five days ago).

    The team: leader_a leads, township A is the lead unit, the department supports, handler_a is a
    member. Every later date is today, which lies inside every window.
    """
    from cases import services as case_services
    from cases.models import Case

    today = timezone.localdate()
    accepted_on = accepted_on or today - timedelta(days=5)
    if petition is None:
        petition = make_petition(
            actor=county.clerk_a,
            locality=county.township_a,
            received_at=timezone.now() - timedelta(days=(today - accepted_on).days + 2),
            id_number=id_number,
        )
        petition = services.petition_route(actor=county.clerk_a, petition=petition, unit=county.township_a, mode="transfer")
    _petition, case = case_services.petition_accept(actor=county.handler_a, petition=petition, accepted_on=accepted_on)
    steps = {
        "assigned": lambda case: case_services.case_assign(
            actor=county.leader_a,
            case=case,
            lead_official=county.leader_a,
            lead_unit=county.township_a,
            supporting_units=[county.department],
            members=[county.handler_a],
        ),
        "plan_submitted": lambda case: case_services.plan_submit(actor=county.handler_a, case=case, content="走访核实，协调发放"),
        "in_progress": lambda case: case_services.plan_approve(actor=county.leader_a, case=case),
        "reply_drafted": lambda case: case_services.reply_draft(actor=county.handler_a, case=case, outcome="support", content="支持诉求"),
        "reply_approved": lambda case: case_services.reply_approve(actor=county.leader_a, case=case),
        "replied": lambda case: case_services.reply_serve(actor=county.handler_a, case=case, served_on=today),
        "evaluated": lambda case: case_services.evaluation_record(actor=county.handler_a, case=case, rating="satisfied"),
        "closed": lambda case: case_services.case_close(actor=county.leader_a, case=case),
        "review_requested": lambda case: case_services.review_request(actor=county.handler_a, case=case, requested_on=today, reason="不服"),
        "review_decided": lambda case: case_services.review_decide(
            actor=county.supervisor, case=case, outcome="explain", content="维持", served_on=today
        ),
        "reexamination_requested": lambda case: case_services.reexamination_request(
            actor=county.handler_a, case=case, requested_on=today, reason="仍不服"
        ),
        "concluded": lambda case: case_services.reexamination_decide(
            actor=county.supervisor, case=case, outcome="explain", content="维持，终结", served_on=today
        ),
    }
    for step in CASE_PATHS[state][1:]:
        steps[step](Case.objects.get(pk=case.pk))
    return Case.objects.get(pk=case.pk)
