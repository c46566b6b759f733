"""API: a petition with its case — the `case` of each petition in the list (petitions.api reads it
through cases' link to the petition)."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases import services
from petitions import services as petition_services
from petitions.tests.factories import make_petition


@pytest.fixture
def api():
    return APIClient()


def test_list_shows_each_petitions_case_in_one_query_for_the_page(api, county, django_assert_max_num_queries):
    cases = []
    for index in range(12):
        petition = make_petition(actor=county.clerk_a, locality=county.township_a, name=f"信访人{index}")
        petition = petition_services.petition_route(actor=county.clerk_a, petition=petition, unit=county.township_a, mode="transfer")
        if index % 3:
            petition, case = services.petition_accept(actor=county.handler_a, petition=petition)
            cases.append((petition.pk, case.pk))
    undecided = make_petition(actor=county.clerk_a, locality=county.township_a, name="未决")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=county.clerk_a).key}")

    with django_assert_max_num_queries(10):
        response = client.get("/api/v1/petitions/?page_size=50")

    shown = {row["id"]: row["case"] for row in response.json()["results"]}
    assert {petition: shown[petition] for petition, _case in cases} == dict(cases)
    assert shown[undecided.pk] is None
    assert sum(case is None for case in shown.values()) == 13 - len(cases)
