"""A petition on a matter concluded after re-examination (三级终结) is a person's judgement (Art. 36 ¶3):
accepting names the concluded case (409) and changes nothing; the handler then refuses it as not
accepted again citing that case, or accepts it as a new matter saying what is new. Through the
service, the API and the page; the notice cites the case the handler chose."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader
from rest_framework.test import APIClient

from accounts.models import Notification, NotificationKind
from cases import documents, services
from cases.models import Case, CaseAction, ConcludedMatterDecision, MatterDecision
from cases.tests.factories import make_case
from petitions import services as petition_services
from petitions.models import Action, Petition, Status
from petitions.tests.factories import make_id_number, make_petition
from petitions.tests.test_views import assert_login_redirect, login


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def matter(county):
    """A concluded case of 张三's, and his new petition on the same matter, routed to township A."""
    id_number = make_id_number()
    concluded = make_case(county, state="concluded", id_number=id_number)
    petition = make_petition(actor=county.clerk_a, locality=county.township_a, id_number=id_number)
    again = petition_services.petition_route(actor=county.clerk_a, petition=petition, unit=county.township_a, mode="transfer")
    return concluded, again


def fingerprint():
    return {
        "petitions": list(Petition.objects.order_by("pk").values_list("pk", "status", "decision_reason")),
        "cases": Case.objects.count(),
        "decisions": ConcludedMatterDecision.objects.count(),
        "notifications": Notification.objects.filter(kind=NotificationKind.ACCEPTED).count(),
    }


# The services


def test_accept_names_the_concluded_case_and_changes_nothing(county, matter):
    concluded, again = matter
    before = fingerprint()
    with pytest.raises(services.ConcludedMatter) as conflict:
        services.petition_accept(actor=county.handler_a, petition=again)
    assert conflict.value.case == concluded
    assert concluded.number in str(conflict.value)
    assert fingerprint() == before


def test_not_accepted_again_records_the_judgement_and_the_notice_cites_that_case(county, matter):
    concluded, again = matter
    refused = services.petition_not_accept_again(actor=county.handler_a, petition=again, concluded_case=concluded, reason="同一事实和理由")
    assert (refused.status, refused.decision_reason) == (Status.NOT_ACCEPTED_AGAIN, "同一事实和理由")
    decision = ConcludedMatterDecision.objects.get(petition=again)
    assert (decision.concluded_case, decision.decision, decision.decided_by) == (
        concluded,
        MatterDecision.NOT_ACCEPTED_AGAIN,
        county.handler_a,
    )
    assert refused.events.last().action == Action.NOT_ACCEPT_AGAIN
    assert documents.petition_documents(refused) == ["not_accepted_again"]
    _name, pdf = documents.petition_document_pdf(petition=refused, kind="not_accepted_again")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    served_on = concluded.appeals.get(level="reexamination").served_on
    assert f"{served_on.year}年{served_on.month}月{served_on.day}日作出复核意见" in text


def test_the_notice_of_a_refusal_from_before_the_judgement_finds_the_matter_itself(county, matter):
    """Refused automatically before a person decided (no ConcludedMatterDecision): the matter lookup."""
    _concluded, again = matter
    with transaction.atomic():
        locked, _result = petition_services.petition_claim(again, Action.NOT_ACCEPT_AGAIN)
        petition_services.petition_decision_record(
            actor=county.handler_a, petition=locked, action=Action.NOT_ACCEPT_AGAIN, reason="三级终结"
        )
    assert documents.petition_documents(locked) == ["not_accepted_again"]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"reason": " "}, "reason"), ({"concluded_case": None}, "concluded_case"), ({"concluded_case": "open"}, "concluded_case")],
)
def test_not_accepted_again_needs_a_reason_and_a_concluded_case_of_the_matter(county, matter, arguments, field):
    concluded, again = matter
    if arguments.get("concluded_case") == "open":
        arguments = {"concluded_case": make_case(county, state="in_progress")}
    before = fingerprint()
    with pytest.raises(ValidationError) as error:
        services.petition_not_accept_again(
            actor=county.handler_a, petition=again, **{"concluded_case": concluded, "reason": "同一事实和理由", **arguments}
        )
    assert field in error.value.message_dict
    assert fingerprint()["petitions"] == before["petitions"]


@pytest.mark.parametrize("actor", ["leader_a", "handler_b", "supervisor"])
def test_not_accepted_again_is_the_competent_units_decision(county, matter, actor):
    concluded, again = matter
    before = fingerprint()
    with pytest.raises(PermissionDenied):
        services.petition_not_accept_again(actor=getattr(county, actor), petition=again, concluded_case=concluded, reason="同一事实和理由")
    assert fingerprint() == before


def test_accepted_as_new_opens_a_case_with_what_is_new_on_both_timelines(county, matter):
    concluded, again = matter
    accepted, case = services.petition_accept(actor=county.handler_a, petition=again, new_facts="  新的补偿协议  ")
    assert accepted.status == Status.ACCEPTED and case != concluded
    decision = ConcludedMatterDecision.objects.get(petition=again)
    assert (decision.decision, decision.new_facts, decision.concluded_case) == (MatterDecision.ACCEPTED_AS_NEW, "新的补偿协议", concluded)
    assert "新的补偿协议" in accepted.events.last().note and concluded.number in accepted.events.last().note
    assert "新的补偿协议" in case.events.get(action=CaseAction.ACCEPT).note


def test_accepted_as_new_needs_what_is_new(county, matter):
    _concluded, again = matter
    before = fingerprint()
    with pytest.raises(ValidationError) as error:
        services.petition_accept(actor=county.handler_a, petition=again, new_facts="  ")
    assert "new_facts" in error.value.message_dict
    assert fingerprint() == before


def test_a_new_case_tells_the_accepting_units_leaders_to_name_the_team(county):
    petition = make_petition(actor=county.clerk_a, locality=county.township_a)
    petition = petition_services.petition_route(actor=county.clerk_a, petition=petition, unit=county.township_a, mode="transfer")
    _petition, case = services.petition_accept(actor=county.handler_a, petition=petition)
    told = Notification.objects.get(kind=NotificationKind.ACCEPTED)
    assert told.recipient == county.leader_a
    assert told.link == reverse("case-detail", args=[case.pk])
    assert case.number in told.message and "lead official" in told.message


# The API: POST /petitions/{id}/decide/


def decide_api(user, petition, body):
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api.post(f"/api/v1/petitions/{petition.pk}/decide/", body, format="json")


def test_api_accept_answers_409_with_the_concluded_case(county, matter):
    concluded, again = matter
    before = fingerprint()
    response = decide_api(county.handler_a, again, {"decision": "accept"})
    assert response.status_code == 409
    assert response.json()["concluded_case"] == concluded.pk and response.json()["detail"]
    assert fingerprint() == before


def test_api_not_accept_again_citing_the_case(county, matter):
    concluded, again = matter
    body = {"decision": "not_accept_again", "concluded_case": concluded.pk, "reason": "同一事实和理由"}
    response = decide_api(county.handler_a, again, body)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "not_accepted_again"


def test_api_accept_as_new(county, matter):
    _concluded, again = matter
    response = decide_api(county.handler_a, again, {"decision": "accept", "new_facts": "新的鉴定结论"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert response.json()["case"] == Case.objects.latest("pk").pk


def test_api_refusals_change_nothing(county, matter):
    concluded, again = matter
    body = {"decision": "not_accept_again", "concluded_case": concluded.pk, "reason": "同一事实和理由"}
    before = fingerprint()
    assert decide_api(county.leader_a, again, body).status_code == 403
    assert decide_api(county.handler_b, again, body).status_code == 404
    assert decide_api(None, again, body).status_code == 401
    assert decide_api(county.handler_a, again, {**body, "concluded_case": concluded.pk + 999}).json().keys() == {"concluded_case"}
    assert decide_api(county.handler_a, again, {**body, "reason": ""}).status_code == 400
    assert decide_api(county.handler_a, again, {"decision": "accept", "new_facts": " "}).status_code == 400
    assert fingerprint() == before


# The page


def test_page_accept_shows_the_concluded_case_and_the_two_choices(client, county, matter):
    concluded, again = matter
    before = fingerprint()
    response = login(client, county.handler_a).post(reverse("petition-decide", args=[again.pk]), {"decision": "accept", "reason": ""})
    assert response.status_code == 409
    assert response.context["concluded_case"] == concluded
    html = response.content.decode()
    assert 'id="concluded-form"' in html and concluded.number in html
    assert f'href="{reverse("case-detail", args=[concluded.pk])}"' in html
    assert fingerprint() == before


def test_page_refuses_citing_the_case_and_says_so(client, county, matter):
    concluded, again = matter
    body = {"concluded_case": concluded.pk, "decision": "not_accept_again", "reason": "同一事实和理由", "new_facts": ""}
    response = login(client, county.handler_a).post(reverse("petition-decide", args=[again.pk]), body, follow=True)
    assert Petition.objects.get(pk=again.pk).status == Status.NOT_ACCEPTED_AGAIN
    assert f"Not accepted again, citing case {concluded.number}" in response.content.decode()


def test_page_accept_as_new_needs_what_is_new(client, county, matter):
    concluded, again = matter
    before = fingerprint()
    body = {"concluded_case": concluded.pk, "decision": "accept", "reason": "", "new_facts": " "}
    response = login(client, county.handler_a).post(reverse("petition-decide", args=[again.pk]), body)
    assert response.status_code == 400
    assert response.context["concluded_form"].errors["new_facts"]
    assert fingerprint() == before
    body["new_facts"] = "新的补偿协议"
    response = client.post(reverse("petition-decide", args=[again.pk]), body, follow=True)
    assert "Accepted as a new matter" in response.content.decode()


def test_page_refusals_change_nothing(client, county, matter):
    concluded, again = matter
    url = reverse("petition-decide", args=[again.pk])
    body = {"concluded_case": concluded.pk, "decision": "not_accept_again", "reason": "同一事实和理由"}
    before = fingerprint()
    assert login(client, county.leader_a).post(url, body).status_code == 403
    assert login(client, county.handler_b).post(url, body).status_code == 404
    client.logout()
    assert_login_redirect(client.post(url, body))
    assert fingerprint() == before
