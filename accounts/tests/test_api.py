"""API: token sign-in with lockout, and the reference data (me, units, users)."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def api():
    return APIClient()


def sign_in(api, username, password):
    return api.post(TOKEN_URL, {"username": username, "password": password}, format="json")


# Token


def test_token_for_the_right_password_authenticates_later_requests(api, county):
    response = sign_in(api, "clerk_a", PASSWORD)

    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=county.clerk_a).key == token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "clerk_a"


def test_token_is_the_same_on_a_second_sign_in(api, county):
    first = sign_in(api, "clerk_a", PASSWORD).json()["token"]
    assert sign_in(api, "clerk_a", PASSWORD).json()["token"] == first


def test_wrong_password_is_a_400_with_detail_and_no_token(api, county):
    response = sign_in(api, "clerk_a", "wrong-password")

    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert not Token.objects.exists()


def test_unknown_user_is_a_400(api, county):
    assert sign_in(api, "nobody", PASSWORD).status_code == 400


def test_missing_password_is_a_field_error(api, county):
    response = api.post(TOKEN_URL, {"username": "clerk_a"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()


def test_inactive_user_gets_no_token(api, county):
    county.clerk_a.is_active = False
    county.clerk_a.save()

    assert sign_in(api, "clerk_a", PASSWORD).status_code == 400
    assert not Token.objects.exists()


def test_repeated_failures_lock_the_user_out_even_with_the_right_password(api, county):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [sign_in(api, "clerk_a", f"wrong-{attempt}").status_code for attempt in range(limit)]

    # The failure that reaches the limit is already answered as a lockout.
    assert statuses == [400] * (limit - 1) + [429]
    assert AccessAttempt.objects.filter(username="clerk_a").exists()

    locked = sign_in(api, "clerk_a", PASSWORD)
    assert locked.status_code == 429
    assert set(locked.json()) == {"detail"}
    assert int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert not Token.objects.exists()


def test_a_failed_password_is_not_kept_in_the_failure_record(api, county):
    api.post(TOKEN_URL, {"username": "clerk_a", "password": "secret-typo-123"})

    attempt = AccessAttempt.objects.get(username="clerk_a")
    assert "password=" in attempt.post_data  # the form was recorded, with the value masked
    assert "secret-typo-123" not in attempt.post_data + attempt.get_data


def test_lockout_is_per_username(api, county):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(api, "clerk_a", f"wrong-{attempt}")

    assert sign_in(api, "clerk_b", PASSWORD).status_code == 200


def test_a_successful_sign_in_resets_the_failure_count(api, county):
    below_limit = settings.AXES_FAILURE_LIMIT - 1
    for attempt in range(below_limit):
        assert sign_in(api, "clerk_a", f"wrong-{attempt}").status_code == 400
    assert sign_in(api, "clerk_a", PASSWORD).status_code == 200
    for attempt in range(below_limit):
        assert sign_in(api, "clerk_a", f"again-{attempt}").status_code == 400

    assert sign_in(api, "clerk_a", PASSWORD).status_code == 200


def test_the_token_endpoint_needs_no_csrf_token(county):
    client = APIClient(enforce_csrf_checks=True)
    assert sign_in(client, "clerk_a", PASSWORD).status_code == 200


# Reference data


@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/v1/units/", "/api/v1/users/", "/api/v1/users/?role=leader"])
def test_reference_data_needs_authentication(api, county, url):
    response = api.get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_a_401(api, county):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get("/api/v1/me/").status_code == 401


def test_me(api, county):
    api.force_authenticate(county.clerk_a)

    assert api.get("/api/v1/me/").json() == {
        "id": county.clerk_a.pk,
        "username": "clerk_a",
        "full_name": "clerk_a",
        "unit": {"id": county.township_a.pk, "code": county.township_a.code, "name": "城关镇"},
        "roles": ["clerk"],
        "email_notifications": True,
    }


def test_me_without_a_unit(api, county):
    county.clerk_a.unit = None
    county.clerk_a.save()
    api.force_authenticate(county.clerk_a)

    assert api.get("/api/v1/me/").json()["unit"] is None


def test_units_are_a_paginated_list(api, county):
    api.force_authenticate(county.clerk_a)

    body = api.get("/api/v1/units/").json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 5
    township = next(unit for unit in body["results"] if unit["id"] == county.township_a.pk)
    assert township == {
        "id": county.township_a.pk,
        "code": county.township_a.code,
        "name": "城关镇",
        "kind": "township",
        "parent": None,
        "higher_body": "",
    }


def test_units_page_size_is_capped(api, county):
    api.force_authenticate(county.clerk_a)

    body = api.get("/api/v1/units/?page_size=2").json()

    assert len(body["results"]) == 2
    assert body["next"] is not None


def test_users_filtered_by_role_and_unit(api, county):
    api.force_authenticate(county.supervisor)

    leaders = api.get("/api/v1/users/?role=leader").json()["results"]
    assert [user["username"] for user in leaders] == ["leader_a"]
    assert leaders[0] == {
        "id": county.leader_a.pk,
        "username": "leader_a",
        "full_name": "leader_a",
        "unit": county.township_a.pk,
        "roles": ["leader"],
    }

    in_b = api.get(f"/api/v1/users/?unit={county.township_b.pk}").json()["results"]
    assert {user["username"] for user in in_b} == {"clerk_b", "handler_b"}

    handlers_in_a = api.get(f"/api/v1/users/?role=handler&unit={county.township_a.pk}").json()["results"]
    assert [user["username"] for user in handlers_in_a] == ["handler_a"]


def test_users_leave_out_inactive_ones(api, county):
    county.leader_a.is_active = False
    county.leader_a.save()
    api.force_authenticate(county.supervisor)

    assert api.get("/api/v1/users/?role=leader").json()["count"] == 0


@pytest.mark.parametrize(("query", "field"), [("role=emperor", "role"), ("unit=999999", "unit"), ("unit=abc", "unit")])
def test_users_with_a_bad_filter_is_a_field_error(api, county, query, field):
    api.force_authenticate(county.clerk_a)

    response = api.get(f"/api/v1/users/?{query}")

    assert response.status_code == 400
    assert field in response.json()
