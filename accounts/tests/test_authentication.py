"""The user of a request is read with their unit in one query, by session and by token alike."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.authentication import TokenAuthentication, UserWithUnitBackend
from accounts.models import User


def test_the_session_backend_reads_the_user_with_their_unit(county, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = UserWithUnitBackend().get_user(county.handler_a.pk)
        unit_name = user.unit.name
    assert unit_name == county.township_a.name


def test_the_session_backend_refuses_an_inactive_or_unknown_user(county):
    User.objects.filter(pk=county.handler_a.pk).update(is_active=False)
    assert UserWithUnitBackend().get_user(county.handler_a.pk) is None
    assert UserWithUnitBackend().get_user(999999) is None


def test_a_token_reads_its_user_with_their_unit(county, django_assert_num_queries):
    key = Token.objects.create(user=county.handler_a).key
    with django_assert_num_queries(1):
        user, _token = TokenAuthentication().authenticate_credentials(key)
        unit_name = user.unit.name
    assert unit_name == county.township_a.name


@pytest.mark.parametrize("active", [True, False])
def test_a_wrong_or_inactive_token_is_401(county, active):
    token = Token.objects.create(user=county.handler_a)
    User.objects.filter(pk=county.handler_a.pk).update(is_active=active)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key if not active else 'not-a-key'}")
    assert client.get("/api/v1/me/").status_code == 401


def test_a_page_reads_the_user_and_their_unit_once(client, county):
    client.force_login(county.handler_a)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.wsgi_request.user.unit.name == county.township_a.name
    assert User.unit.is_cached(response.wsgi_request.user)
