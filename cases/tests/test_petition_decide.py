"""Accepting through the petitions API and page, which hand over to cases.services.petition_accept."""

import pytest
from rest_framework.test import APIClient

from cases.models import Case
from petitions import services as petition_services
from petitions.models import Status
from petitions.tests.factories import make_petition


@pytest.fixture
def routed(county):
    petition = make_petition(actor=county.clerk_a, locality=county.township_a)
    return petition_services.petition_route(actor=county.clerk_a, petition=petition, unit=county.township_a, mode="transfer")


def test_api_accept_opens_a_case_and_returns_it(county, routed):
    api = APIClient()
    api.force_authenticate(county.handler_a)
    response = api.post(f"/api/v1/petitions/{routed.pk}/decide/", {"decision": "accept", "reason": "属于本单位职责"}, format="json")
    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert (response.json()["status"], response.json()["case"]) == (Status.ACCEPTED, case.pk)
    assert api.get(f"/api/v1/petitions/{routed.pk}/").json()["case"] == case.pk
    again = api.post(f"/api/v1/petitions/{routed.pk}/decide/", {"decision": "accept", "reason": ""}, format="json")
    assert again.status_code == 409
    assert Case.objects.count() == 1


def test_api_accept_by_another_unit_is_a_404(county, routed):
    api = APIClient()
    api.force_authenticate(county.handler_b)
    response = api.post(f"/api/v1/petitions/{routed.pk}/decide/", {"decision": "accept", "reason": ""}, format="json")
    assert response.status_code == 404
    assert not Case.objects.exists()


def test_page_accept_opens_a_case(client, county, routed):
    client.force_login(county.handler_a)
    response = client.post(f"/petitions/{routed.pk}/decide/", {"decision": "accept", "reason": ""})
    assert response.status_code == 302
    routed.refresh_from_db()
    assert routed.status == Status.ACCEPTED
    assert Case.objects.count() == 1
