"""Routing rules (Arts. 5, 22: 属地管理、分级负责，谁主管、谁负责): the suggested unit and why, the reason
required to choose another, through the service, the API and the page."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import make_unit
from petitions import selectors, services
from petitions.models import Category, Petition, RouteMode, RoutingRule, Status
from petitions.tests.factories import category, make_petition
from petitions.tests.test_views import login


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def wages(county):
    """A sub-category of 08 and a petition about it in township A."""
    sub = Category.objects.create(code="0801", name="拖欠工资", parent=category("08"))
    return make_petition(actor=county.clerk_a, locality=county.township_a, category_code=sub.code)


def rule(unit, note, *, category=None, locality=None) -> RoutingRule:
    return RoutingRule.objects.create(category=category, locality=locality, unit=unit, note=note)


def test_without_a_rule_the_township_by_locality(county, wages):
    suggestion = selectors.routing_suggestion(wages)
    assert suggestion.unit == county.township_a
    assert suggestion.why == "Where it happened (属地管理): 城关镇"


def test_the_most_specific_rule_wins(county, wages):
    other = make_unit(kind="department", name="县住建局")
    rule(county.bureau, "乡镇事项", locality=county.township_a)
    assert selectors.routing_suggestion(wages).unit == county.bureau
    rule(other, "劳动保障", category=category("08"))  # the first-level category covers its sub-categories
    assert selectors.routing_suggestion(wages).why == "劳动保障"
    rule(county.department, "拖欠工资由人社局主管", category=wages.category)  # its own sub-category before its parent
    assert selectors.routing_suggestion(wages).unit == county.department
    rule(county.township_a, "城关镇自办", category=category("08"), locality=county.township_a)  # category and locality first
    assert selectors.routing_suggestion(wages).unit == county.township_a
    rule(county.bureau, "别的乡镇", category=wages.category, locality=county.township_b)  # another township: no match
    assert selectors.routing_suggestion(wages).why == "城关镇自办"


def test_another_unit_needs_a_reason_kept_on_the_timeline(county, wages, db_state):
    rule(county.department, "拖欠工资由人社局主管", category=wages.category)
    before = db_state()
    with pytest.raises(ValidationError) as error:
        services.petition_route(actor=county.clerk_a, petition=wages, unit=county.township_b, mode=RouteMode.TRANSFER)
    assert "县人社局" in error.value.message_dict["reason"][0]
    assert db_state() == before
    routed = services.petition_route(
        actor=county.clerk_a, petition=wages, unit=county.township_b, mode=RouteMode.TRANSFER, reason="用工单位在河口乡"
    )
    assert routed.status == Status.ROUTED
    note = routed.events.last().note
    assert "县人社局" in note and "用工单位在河口乡" in note


def test_the_suggested_unit_needs_no_reason(county, wages):
    rule(county.department, "拖欠工资由人社局主管", category=wages.category)
    routed = services.petition_route(actor=county.clerk_a, petition=wages, unit=county.department, mode=RouteMode.ASSIGN)
    assert routed.events.last().note == str(RouteMode.ASSIGN.label)


def test_api_detail_carries_the_suggestion_while_it_can_be_routed(county, wages):
    api = APIClient()
    api.force_authenticate(county.clerk_a)
    data = api.get(f"/api/v1/petitions/{wages.pk}/").json()
    assert data["routing_suggestion"] == {
        "unit": {"id": county.township_a.pk, "name": "城关镇"},
        "why": "Where it happened (属地管理): 城关镇",
    }
    refused = api.post(f"/api/v1/petitions/{wages.pk}/route/", {"unit": county.department.pk, "mode": "transfer"}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    Petition.objects.filter(pk=wages.pk).update(status=Status.FILED)
    assert api.get(f"/api/v1/petitions/{wages.pk}/").json()["routing_suggestion"] is None


def test_page_preselects_the_suggestion_and_says_why(client, county, wages):
    rule(county.department, "拖欠工资由人社局主管", category=wages.category)
    page = login(client, county.clerk_a).get(reverse("petition-detail", args=[wages.pk]))
    assert page.context["route_form"].initial["unit"] == county.department.pk
    html = page.content.decode()
    assert 'id="routing-suggestion"' in html and "拖欠工资由人社局主管" in html
    refused = client.post(reverse("petition-route", args=[wages.pk]), {"unit": county.township_b.pk, "mode": "transfer", "reason": ""})
    assert refused.status_code == 400
    assert refused.context["route_form"].errors["reason"]
