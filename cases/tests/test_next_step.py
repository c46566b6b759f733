"""The next step of a case (for every status) and of a petition: what, who owns it, by when; on the
case page, the petition page and the API's case detail."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.tests.factories import make_user
from cases import services
from cases.models import Case, CaseStatus, Reply, ReplyStatus, SupervisionOrder
from cases.next_step import case_next_step, petition_next_step
from cases.selectors import case_get
from cases.tests.factories import CASE_PATHS, make_case
from deadlines.models import DeadlineKind
from petitions import services as petition_services
from petitions.models import Petition
from petitions.tests.factories import make_petition


@pytest.fixture(autouse=True)
def english(settings):
    """English UI so assertions can read the steps."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def people(county):
    county.leader_b = make_user(unit=county.township_b, roles=["leader"], username="leader_b")
    return county


def loaded(people, case: Case) -> Case:
    """The case as its page and the API load it."""
    return case_get(user=people.supervisor, pk=case.pk)


def due(case: Case, kind: str):
    return case.deadlines.get(kind=kind).due_on


TEAM = "The team's handlers (城关镇, 县人社局): handler_a"
LEAD = "The lead official: leader_a"
COUNTY_OFFICE = "The county office (a supervisor), recording the opinion of "

# status -> (the step begins with, the owner, the deadline kind it is due by: "handling", a clock's kind, or None)
EXPECTED = {
    "accepted": ("Name the lead official and the team", "A leader of 城关镇, or the county office (a supervisor)", "handling"),
    "assigned": ("Submit the handling plan", TEAM, "handling"),
    "plan_submitted": ("Approve the plan or send it back", LEAD, "handling"),
    "in_progress": ("Draft the reply", TEAM, "handling"),
    "reply_drafted": ("Approve the reply or send it back", LEAD, "handling"),
    "reply_approved": ("Serve the reply on the petitioner and record the date", TEAM, "handling"),
    "replied": ("Record the petitioner's evaluation", TEAM, None),
    "evaluated": ("Close the case", LEAD, None),
    "closed": ("Nothing more is owed; the petitioner may still ask for a review", "The petitioner", DeadlineKind.REVIEW_REQUEST),
    "review_requested": (
        "Record the review opinion of the next-higher body",
        COUNTY_OFFICE + "the next-higher body of 城关镇",
        DeadlineKind.REVIEW_DECISION,
    ),
    "review_decided": ("The petitioner may ask for re-examination", "The petitioner", DeadlineKind.REEXAMINATION_REQUEST),
    "reexamination_requested": (
        "Record the re-examination opinion (Art. 36); hearing days are not counted",
        COUNTY_OFFICE + "the body above ",
        DeadlineKind.REEXAMINATION_DECISION,
    ),
    "concluded": ("The matter is concluded", TEAM, None),
}


def test_every_case_status_has_an_expected_step():
    assert set(EXPECTED) == set(CaseStatus.values) == set(CASE_PATHS)


@pytest.mark.parametrize("state", list(EXPECTED))
def test_each_status_says_what_comes_next_who_owns_it_and_by_when(people, state):
    case = loaded(people, make_case(people, state=state))
    step, owner, due_by = EXPECTED[state]
    today = timezone.localdate()

    next_step = case_next_step(case, today)

    assert next_step.step.startswith(step)
    assert next_step.owner.startswith(owner)
    expected_due = case.handling_due if due_by == "handling" else due(case, due_by) if due_by else None
    assert next_step.due_on == expected_due
    assert next_step.days_left == (None if expected_due is None else (expected_due - today).days)


@pytest.mark.parametrize("state", ["replied", "evaluated"])
def test_while_the_review_window_runs_the_petitioners_right_is_a_further_line(people, state):
    case = loaded(people, make_case(people, state=state))
    window_ends = due(case, DeadlineKind.REVIEW_REQUEST)

    [window] = case_next_step(case, timezone.localdate()).also

    assert window.step == "The petitioner may ask for a review (Art. 35)"
    assert (window.owner, window.due_on) == ("The petitioner", window_ends)
    assert case_next_step(case, window_ends + timedelta(days=1)).also == ()


def test_once_the_windows_have_passed_nothing_is_owed(people):
    closed = loaded(people, make_case(people, state="closed"))
    decided = loaded(people, make_case(people, state="review_decided"))

    after_review = case_next_step(closed, due(closed, DeadlineKind.REVIEW_REQUEST) + timedelta(days=1))
    after_reexamination = case_next_step(decided, due(decided, DeadlineKind.REEXAMINATION_REQUEST) + timedelta(days=1))

    assert after_review.step == "Nothing more is owed: the case is closed and the review window has passed"
    assert after_reexamination.step == "Nothing more is owed: the re-examination window has passed"
    assert (after_review.owner, after_review.due_on, after_reexamination.owner, after_reexamination.due_on) == ("", None, "", None)


def test_a_handling_step_past_its_due_date_counts_the_days_overdue(people):
    case = loaded(people, make_case(people, state="in_progress"))

    assert case_next_step(case, case.handling_due + timedelta(days=3)).days_left == -3


def test_a_waiting_extension_is_for_the_lead_units_leaders_and_the_team_drafts_meanwhile(people):
    case = make_case(people, state="in_progress")
    services.extension_request(actor=people.handler_a, case=case, days=20, reason="需要补充调查")

    next_step = case_next_step(loaded(people, case), timezone.localdate())

    assert next_step.step == "Decide the extension request (20 days)"
    assert next_step.owner == "A leader of 城关镇, the lead unit (its head approves, Art. 34): leader_a"
    assert next_step.due_on == case.handling_due
    assert [(line.step, line.owner) for line in next_step.also] == [("Draft the reply", TEAM)]


def test_a_lead_official_of_another_unit_is_not_named_for_the_extension(people):
    """Art. 34: the lead unit's head decides, not the lead official as such."""
    case = make_case(people, state="in_progress")
    case = services.case_lead_change(actor=people.supervisor, case=case, lead_official=people.leader_b, reason="调整包案")
    services.extension_request(actor=people.handler_a, case=case, days=20, reason="需要补充调查")

    owner = case_next_step(loaded(people, case), timezone.localdate()).owner

    assert owner == "A leader of 城关镇, the lead unit (its head approves, Art. 34)"


def test_a_plan_sent_back_is_revised(people):
    case = make_case(people, state="plan_submitted")
    services.plan_reject(actor=people.leader_a, case=case, reason="措施不具体")

    next_step = case_next_step(loaded(people, case), timezone.localdate())

    assert (next_step.step, next_step.owner) == ("Revise the plan that was sent back and submit it again", TEAM)


def test_a_reply_sent_back_is_revised(people):
    case = make_case(people, state="reply_drafted")
    # Sending a reply back (reply_drafted -> in_progress, the reply returned) as its service leaves it.
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.IN_PROGRESS)
    Reply.objects.filter(case=case).update(status=ReplyStatus.RETURNED, returned_reason="事实不清")

    assert case_next_step(loaded(people, case), timezone.localdate()).step == "Revise the reply that was sent back"


def test_the_review_names_the_handling_units_next_higher_body(people):
    people.township_a.higher_body = "县人民政府"
    people.township_a.save()
    case = loaded(people, make_case(people, state="review_requested"))

    assert case_next_step(case, timezone.localdate()).owner == COUNTY_OFFICE + "县人民政府"


def test_open_supervision_orders_are_further_lines_for_the_ordered_unit(people):
    case = make_case(people, state="in_progress")
    respond_by = timezone.localdate() + timedelta(days=7)
    for unit in (people.township_a, people.department):
        services.supervision_issue(actor=people.supervisor, case=case, unit=unit, due_on=respond_by, instruction="限期化解")
    services.supervision_respond(
        actor=people.department_handler, order=SupervisionOrder.objects.get(case=case, unit=people.department), response="已处理"
    )

    next_step = case_next_step(loaded(people, case), timezone.localdate())

    assert next_step.step == "Draft the reply"
    assert [(line.step, line.owner, line.due_on) for line in next_step.also] == [
        ("Answer the supervision order", "城关镇 (its leaders and handlers)", respond_by)
    ]


def test_the_next_step_reads_only_what_the_case_page_loaded(people, django_assert_num_queries):
    case = make_case(people, state="in_progress")
    services.extension_request(actor=people.handler_a, case=case, days=20, reason="需要补充调查")
    services.supervision_issue(
        actor=people.supervisor, case=case, unit=people.township_a, due_on=timezone.localdate() + timedelta(days=7), instruction="限期化解"
    )
    case = loaded(people, case)

    with django_assert_num_queries(0):
        case_next_step(case, timezone.localdate())


# --- the petition --------------------------------------------------------------------------------


def test_a_registered_petition_is_routed_or_decided_by_its_registering_unit(people):
    petition = make_petition(actor=people.clerk_a, locality=people.township_a)

    next_step = petition_next_step(petition, timezone.localdate())

    assert next_step.step.startswith("Route it to the competent unit, or decide at intake")
    assert (next_step.owner, next_step.due_on) == ("The clerks of 城关镇", petition.decision_due)


def test_a_routed_petition_is_decided_by_the_unit_it_was_routed_to_which_may_hand_it_back(people):
    petition = make_petition(actor=people.bureau_clerk, locality=people.township_a)
    petition = petition_services.petition_route(actor=people.bureau_clerk, petition=petition, unit=people.township_a, mode="transfer")

    next_step = petition_next_step(Petition.objects.get(pk=petition.pk), timezone.localdate())

    assert next_step.step == "Decide whether to accept it and notify the petitioner (Art. 23)"
    assert (next_step.owner, next_step.due_on) == ("城关镇 (its clerks and handlers)", petition.decision_due)
    assert [line.step for line in next_step.also] == ["If it is not competent, it may object and hand it back to 县信访局 (Art. 23 ¶3)"]


def test_a_decided_petition_points_to_its_case_or_its_notice(people):
    accepted = make_case(people).first_petition
    refused = make_petition(actor=people.clerk_a, locality=people.township_a)
    refused = petition_services.petition_not_accept(actor=people.clerk_a, petition=refused, reason="属于诉讼范围")
    filed = make_petition(actor=people.clerk_a, locality=people.township_a, purpose="suggestion")
    filed = petition_services.petition_file(actor=people.clerk_a, petition=filed, reason="建议类")
    today = timezone.localdate()

    assert petition_next_step(accepted, today).step == "Handled in its case: the case's page says what comes next"
    assert petition_next_step(refused, today).step == "Nothing more is owed: the notice tells the petitioner why, and where to turn"
    assert petition_next_step(filed, today).step == "Nothing more is owed: the petition is filed"
    assert {petition_next_step(p, today).owner for p in (accepted, refused, filed)} == {""}


# --- the pages and the API -----------------------------------------------------------------------


def test_the_case_page_shows_the_next_step_at_the_top(client, people):
    case = make_case(people, state="plan_submitted")
    client.force_login(people.handler_a)

    html = client.get(reverse("case-detail", args=[case.pk])).content.decode()

    alert = html[html.index('id="next-step"') : html.index('<div class="row g-3">')]
    assert "Next step:" in alert and "Approve the plan or send it back" in alert
    assert "The lead official: leader_a" in alert and case.handling_due.isoformat() in alert
    assert html.index('id="next-step"') < html.index('id="case-team"')


def test_the_petition_page_shows_its_next_step(client, people):
    petition = make_petition(actor=people.clerk_a, locality=people.township_a)
    client.force_login(people.clerk_a)

    html = client.get(reverse("petition-detail", args=[petition.pk])).content.decode()

    alert = html[html.index('id="next-step"') :]
    assert "Route it to the competent unit" in alert and "The clerks of 城关镇" in alert
    assert html.index('id="next-step"') < html.index('id="petitioners"')


def test_the_api_case_detail_carries_the_next_step(people):
    case = make_case(people, state="accepted")
    api = APIClient()
    api.force_authenticate(people.handler_a)

    body = api.get(f"/api/v1/cases/{case.pk}/").json()

    assert body["next_step"] == {
        "step": "Name the lead official and the team",
        "owner": "A leader of 城关镇, or the county office (a supervisor)",
        "due_on": case.handling_due.isoformat(),
    }


def test_the_api_next_step_without_a_deadline_has_a_null_date(people):
    case = make_case(people, state="concluded")
    api = APIClient()
    api.force_authenticate(people.supervisor)

    next_step = api.get(f"/api/v1/cases/{case.pk}/").json()["next_step"]

    assert next_step["due_on"] is None and next_step["step"].startswith("The matter is concluded")
