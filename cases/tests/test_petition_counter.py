"""The counter's view of earlier petitions (registration's repeat prompt and the petitioner lookup,
served by cases.views with each petition's case): a concluded matter reads as concluded (三级终结)
with its case, an open one as being handled with its case, never as merely "accepted"."""

import pytest
from django.urls import reverse

from cases.tests.factories import make_case
from petitions.tests.factories import make_id_number
from petitions.tests.test_views import assert_login_redirect, login, registration_data


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def lookup(client, id_number):
    prefix = "petitioners-0"
    return client.post(reverse("petitioner-lookup"), {"prefix": prefix, f"{prefix}-id_number": id_number}, HTTP_HX_REQUEST="true")


@pytest.mark.parametrize(("state", "words"), [("concluded", "Concluded (三级终结)"), ("in_progress", "Being handled")])
def test_lookup_says_where_the_earlier_matter_stands_with_its_case(client, county, state, words):
    id_number = make_id_number()
    case = make_case(county, state=state, id_number=id_number)
    html = lookup(login(client, county.clerk_a), id_number).content.decode()
    assert words in html
    assert f"case {case.number}" in html
    assert "Accepted" not in html


def test_repeat_prompt_shows_a_concluded_matter_as_concluded(client, county):
    id_number = make_id_number()
    case = make_case(county, state="concluded", id_number=id_number)
    asked = login(client, county.clerk_a).post(
        reverse("petition-register"), registration_data(county, people=[{"id_number": id_number, "name": "张三"}])
    )
    assert asked.context["asking_repeat"] is True
    html = asked.content.decode()
    assert "Concluded (三级终结)" in html and f"case {case.number}" in html


def test_lookup_and_registration_keep_their_access_rules(client, county):
    assert login(client, county.leader_a).get(reverse("petition-register")).status_code == 403
    assert lookup(client, make_id_number()).status_code == 403
    client.logout()
    assert_login_redirect(client.get(reverse("petition-register")))
    assert_login_redirect(lookup(client, make_id_number()))
