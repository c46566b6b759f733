"""API: the user's notifications (list, read, read all) and the e-mail preference on /me/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Notification, NotificationKind

LIST_URL = "/api/v1/notifications/"
READ_ALL_URL = "/api/v1/notifications/read_all/"


def read_url(pk: int) -> str:
    return f"/api/v1/notifications/{pk}/read/"


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


def send(user, message="案件即将到期", *, kind=NotificationKind.DUE_SOON, subject=None, read=False, age=timedelta(0)) -> Notification:
    (notification,) = services.notify(recipients=[user], kind=kind, message=message, link="/cases/1/", subject=subject)
    changes = {"created_at": timezone.now() - age}
    if read:
        changes["read_at"] = timezone.now()
    Notification.objects.filter(pk=notification.pk).update(**changes)
    notification.refresh_from_db()
    return notification


def read_states() -> list[tuple[int, bool]]:
    return list(Notification.objects.order_by("pk").values_list("pk", "read_at"))


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- anonymous ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", LIST_URL), ("post", "READ"), ("post", READ_ALL_URL), ("get", "/api/v1/me/"), ("patch", "/api/v1/me/")],
)
def test_anonymous_gets_401_and_nothing_changes(api, county, method, url):
    notification = send(county.handler_a)
    before = read_states()

    response = getattr(api, method)(read_url(notification.pk) if url == "READ" else url, {"email_notifications": False}, format="json")

    assert response.status_code == 401
    assert read_states() == before
    county.handler_a.refresh_from_db()
    assert county.handler_a.email_notifications is True


# --- the list ----------------------------------------------------------------------------------


def test_list_gives_my_notifications_newest_first_in_the_api_shape(api, county):
    older = send(county.handler_a, "较早", age=timedelta(hours=1))
    newer = send(county.handler_a, "最新", kind=NotificationKind.OVERDUE, read=True)
    send(county.handler_b, "别人的")

    body = as_user(api, county.handler_a).get(LIST_URL).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [newer.pk, older.pk]
    assert body["results"][1] == {
        "id": older.pk,
        "kind": "due_soon",
        "case": None,
        "petition": None,
        "message": "较早",
        "link": "/cases/1/",
        "created_at": older.created_at.astimezone(timezone.get_current_timezone()).isoformat(),
        "read": False,
    }
    assert body["results"][0]["read"] is True


@pytest.mark.parametrize(("value", "expected"), [("true", {"unread"}), ("1", {"unread"}), ("false", {"read"}), (None, {"unread", "read"})])
def test_list_filters_by_unread(api, county, value, expected):
    made = {"unread": send(county.handler_a, "未读").pk, "read": send(county.handler_a, "已读", read=True).pk}
    send(county.handler_b, "别人的未读")

    response = as_user(api, county.handler_a).get(LIST_URL, {} if value is None else {"unread": value})

    assert response.status_code == 200
    assert set(ids(response)) == {made[name] for name in expected}


def test_a_bad_unread_value_is_a_field_error(api, county):
    response = as_user(api, county.handler_a).get(LIST_URL, {"unread": "maybe"})
    assert response.status_code == 400
    assert set(response.json()) == {"unread"}


def test_list_is_paginated(api, county):
    Notification.objects.bulk_create(
        Notification(recipient=county.handler_a, kind=NotificationKind.DUE_SOON, message=f"通知{index}") for index in range(55)
    )
    body = as_user(api, county.handler_a).get(LIST_URL, {"page_size": 20, "page": 3}).json()
    assert body["count"] == 55
    assert len(body["results"]) == 15
    assert body["next"] is None


# --- marking read ------------------------------------------------------------------------------


def test_read_marks_mine_and_answers_it(api, county):
    notification = send(county.handler_a)
    other = send(county.handler_a)

    response = as_user(api, county.handler_a).post(read_url(notification.pk))

    assert response.status_code == 200
    assert response.json()["id"] == notification.pk
    assert response.json()["read"] is True
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_reading_twice_keeps_the_first_time(api, county):
    notification = send(county.handler_a, read=True)
    response = as_user(api, county.handler_a).post(read_url(notification.pk))
    assert response.status_code == 200
    assert Notification.objects.get(pk=notification.pk).read_at == notification.read_at


def test_reading_another_users_notification_is_a_404_and_changes_nothing(api, county):
    notification = send(county.handler_b)
    before = read_states()

    response = as_user(api, county.handler_a).post(read_url(notification.pk))

    assert response.status_code == 404
    assert read_states() == before


def test_reading_a_notification_that_does_not_exist_is_a_404(api, county):
    assert as_user(api, county.handler_a).post(read_url(999_999)).status_code == 404


def test_read_all_marks_only_mine_and_says_how_many(api, county):
    for index in range(3):
        send(county.handler_a, f"通知{index}")
    already = send(county.handler_a, read=True)
    theirs = send(county.handler_b)
    as_user(api, county.handler_a)

    assert api.post(READ_ALL_URL).json() == {"marked": 3}
    assert api.post(READ_ALL_URL).json() == {"marked": 0}
    assert not Notification.objects.filter(recipient=county.handler_a, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=already.pk).read_at == already.read_at
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_reading_is_a_post(api, county):
    notification = send(county.handler_a)
    as_user(api, county.handler_a)
    assert api.get(read_url(notification.pk)).status_code == 405
    assert api.get(READ_ALL_URL).status_code == 405
    assert Notification.objects.get(pk=notification.pk).read_at is None


# --- the e-mail preference on /me/ -------------------------------------------------------------


def test_me_shows_the_email_preference(api, county):
    assert as_user(api, county.handler_a).get("/api/v1/me/").json()["email_notifications"] is True


def test_me_patch_turns_the_email_preference_off_and_on(api, county):
    as_user(api, county.handler_a)

    off = api.patch("/api/v1/me/", {"email_notifications": False}, format="json")
    assert off.status_code == 200
    assert off.json()["email_notifications"] is False
    assert off.json()["username"] == "handler_a"
    county.handler_a.refresh_from_db()
    assert county.handler_a.email_notifications is False

    assert api.patch("/api/v1/me/", {"email_notifications": True}, format="json").json()["email_notifications"] is True
    county.handler_a.refresh_from_db()
    assert county.handler_a.email_notifications is True
    county.handler_b.refresh_from_db()
    assert county.handler_b.email_notifications is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email_notifications": "maybe"}, "email_notifications"),
        ({}, "email_notifications"),
        ({"email_notifications": False, "roles": ["admin"]}, "roles"),
        ({"email_notifications": False, "username": "boss"}, "username"),
    ],
)
def test_me_patch_changes_nothing_else_and_refuses_bad_input(api, county, body, field):
    response = as_user(api, county.handler_a).patch("/api/v1/me/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    county.handler_a.refresh_from_db()
    assert (county.handler_a.username, county.handler_a.roles, county.handler_a.email_notifications) == ("handler_a", ["handler"], True)


def test_me_cannot_be_replaced_with_put(api, county):
    assert as_user(api, county.handler_a).put("/api/v1/me/", {"email_notifications": False}, format="json").status_code == 405


# --- schema ------------------------------------------------------------------------------------


def test_the_notification_endpoints_are_in_the_schema(api, county):
    schema = as_user(api, county.handler_a).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    assert {"/api/v1/notifications/", "/api/v1/notifications/{id}/read/", "/api/v1/notifications/read_all/"} <= set(schema["paths"])
    assert "patch" in schema["paths"]["/api/v1/me/"]
    parameters = {parameter["name"] for parameter in schema["paths"]["/api/v1/notifications/"]["get"]["parameters"]}
    assert {"unread", "page", "page_size"} <= parameters
    fields = schema["components"]["schemas"]["Notification"]["properties"]
    assert set(fields) == {"id", "kind", "case", "petition", "message", "link", "created_at", "read"}
    assert fields["case"]["nullable"] is True
