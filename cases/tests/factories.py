"""Test data builders for cases."""

from datetime import timedelta

from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from petitions import services as petition_services
from petitions.models import Petition
from petitions.tests.factories import make_petition

# What make_case's reply rests on (Art. 32 wants it stated).
LEGAL_BASIS = "《中华人民共和国劳动合同法》第三十条"

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

# The bodies that decide above township A (Arts. 35–36), in whose names make_case's opinions are issued.
REVIEW_BODY = "县人民政府"
REEXAMINATION_BODY = "市人民政府"


def make_case(county, *, state: str = "accepted", accepted_on=None, petition: Petition | None = None, id_number: str | None = None):
    """A case in `state`, accepted by township A on `accepted_on` (default five days ago).

    The team: leader_a leads, township A is the lead unit, the department supports, handler_a is a
    member. Every later date is today, which lies inside every window.
    """
    today = timezone.localdate()
    accepted_on = accepted_on or today - timedelta(days=5)
    if petition is None:
        petition = make_petition(
            actor=county.clerk_a,
            locality=county.township_a,
            received_at=timezone.now() - timedelta(days=(today - accepted_on).days + 2),
            id_number=id_number,
        )
        petition = petition_services.petition_route(actor=county.clerk_a, petition=petition, unit=county.township_a, mode="transfer")
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
        "reply_drafted": lambda case: case_services.reply_draft(
            actor=county.handler_a, case=case, outcome="support", content="支持诉求", legal_basis=LEGAL_BASIS
        ),
        "reply_approved": lambda case: case_services.reply_approve(actor=county.leader_a, case=case),
        "replied": lambda case: case_services.reply_serve(actor=county.handler_a, case=case, served_on=today),
        "evaluated": lambda case: case_services.evaluation_record(actor=county.handler_a, case=case, rating="satisfied"),
        "closed": lambda case: case_services.case_close(actor=county.leader_a, case=case),
        "review_requested": lambda case: case_services.review_request(actor=county.handler_a, case=case, requested_on=today, reason="不服"),
        "review_decided": lambda case: case_services.review_decide(
            actor=county.supervisor,
            case=case,
            outcome="explain",
            content="维持",
            legal_basis="《信访工作条例》第三十五条",
            served_on=today,
            body=REVIEW_BODY,
        ),
        "reexamination_requested": lambda case: case_services.reexamination_request(
            actor=county.handler_a, case=case, requested_on=today, reason="仍不服"
        ),
        "concluded": lambda case: case_services.reexamination_decide(
            actor=county.supervisor,
            case=case,
            outcome="explain",
            content="维持，终结",
            legal_basis="《信访工作条例》第三十六条",
            served_on=today,
            body=REEXAMINATION_BODY,
        ),
    }
    for step in CASE_PATHS[state][1:]:
        steps[step](Case.objects.get(pk=case.pk))
    return Case.objects.get(pk=case.pk)
