"""Pages: the notification list, opening and marking read, the e-mail preference, the navbar bell."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Notification, NotificationKind

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, user):
    client.force_login(user)
    return client


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def send(user, message="案件即将到期", *, kind=NotificationKind.DUE_SOON, link="/cases/1/", read=False, age=timedelta(0)) -> Notification:
    (notification,) = services.notify(recipients=[user], kind=kind, message=message, link=link)
    changes = {"created_at": timezone.now() - age}
    if read:
        changes["read_at"] = timezone.now()
    Notification.objects.filter(pk=notification.pk).update(**changes)
    notification.refresh_from_db()
    return notification


def read_states() -> list[tuple[int, bool]]:
    return list(Notification.objects.order_by("pk").values_list("pk", "read_at"))


# --- anonymous ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "name", "with_pk"),
    [
        ("get", "notification-list", False),
        ("get", "notification-open", True),
        ("post", "notification-read", True),
        ("post", "notification-read-all", False),
        ("post", "notification-email", False),
        ("get", "notification-bell", False),
    ],
)
def test_anonymous_is_sent_to_login_and_nothing_changes(client, county, method, name, with_pk):
    notification = send(county.handler_a)
    before = read_states()
    url = reverse(name, args=[notification.pk] if with_pk else [])

    assert_login_redirect(getattr(client, method)(url, {"email_notifications": ""} if method == "post" else {}))

    assert read_states() == before
    county.handler_a.refresh_from_db()
    assert county.handler_a.email_notifications is True


def test_the_bell_tells_htmx_to_stop_polling_once_signed_out(client, county):
    response = client.get(reverse("notification-bell"), **HTMX)
    assert response.status_code == 286  # htmx stops polling and swaps the bell away
    assert response.content == b""


# --- the list ----------------------------------------------------------------------------------


def test_list_shows_only_my_notifications_newest_first(client, county):
    older = send(county.handler_a, "较早的通知", age=timedelta(hours=2))
    newer = send(county.handler_a, "最新的通知", kind=NotificationKind.OVERDUE)
    send(county.handler_b, "别人的通知")

    response = login(client, county.handler_a).get(reverse("notification-list"))

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [newer, older]
    html = response.content.decode()
    assert "别人的通知" not in html
    assert html.index("最新的通知") < html.index("较早的通知")
    assert str(NotificationKind.OVERDUE.label) in html
    assert reverse("notification-open", args=[newer.pk]) in html


def test_list_highlights_the_unread_ones(client, county):
    unread = send(county.handler_a, "未读")
    read = send(county.handler_a, "已读", read=True)

    html = login(client, county.handler_a).get(reverse("notification-list")).content.decode()

    assert f'<tr id="notification-{unread.pk}" class="notification-unread">' in html
    assert f'<tr id="notification-{read.pk}" class="">' in html
    # Only the unread one offers "mark as read".
    assert reverse("notification-read", args=[unread.pk]) in html
    assert reverse("notification-read", args=[read.pk]) not in html


def test_list_filters_unread(client, county):
    unread = send(county.handler_a, "未读")
    read = send(county.handler_a, "已读", read=True)
    login(client, county.handler_a)

    assert list(client.get(reverse("notification-list"), {"show": "unread"}).context["page"].object_list) == [unread]
    assert set(client.get(reverse("notification-list"), {"show": "all"}).context["page"].object_list) == {unread, read}
    # A value the form does not know shows everything rather than an error.
    assert set(client.get(reverse("notification-list"), {"show": "nonsense"}).context["page"].object_list) == {unread, read}


def test_list_empty_states(client, county):
    login(client, county.handler_a)
    assert "暂无通知。" in client.get(reverse("notification-list")).content.decode()
    send(county.handler_a, read=True)
    assert "没有未读通知。" in client.get(reverse("notification-list"), {"show": "unread"}).content.decode()


def test_list_is_paginated(client, county):
    notifications = [send(county.handler_a, f"通知{index}", age=timedelta(minutes=index)) for index in range(55)]
    login(client, county.handler_a)

    first = client.get(reverse("notification-list"))
    second = client.get(reverse("notification-list"), {"page": 2})

    assert list(first.context["page"].object_list) == notifications[:50]
    assert list(second.context["page"].object_list) == notifications[50:]
    assert "page=2" in first.content.decode()


@pytest.mark.parametrize("rows", [1, 60])
def test_list_query_count_does_not_grow_with_the_rows(client, county, django_assert_max_num_queries, rows):
    for index in range(rows):
        send(county.handler_a, f"通知{index}", kind=NotificationKind.values[index % len(NotificationKind.values)], read=index % 2 == 0)
    login(client, county.handler_a)
    # Session, user, the navbar's unit, the unread count (bell and tab, once), the page's count and its rows.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("notification-list"))
    assert response.status_code == 200
    assert response.context["page"].object_list


# --- opening one -------------------------------------------------------------------------------


def test_opening_marks_read_and_goes_to_its_page(client, county):
    notification = send(county.handler_a, link="/cases/42/")

    response = login(client, county.handler_a).get(reverse("notification-open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/cases/42/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_again_keeps_the_first_read_time(client, county):
    notification = send(county.handler_a, read=True)
    first_read = notification.read_at
    login(client, county.handler_a).get(reverse("notification-open", args=[notification.pk]))
    notification.refresh_from_db()
    assert notification.read_at == first_read


@pytest.mark.parametrize(
    "link", ["", "https://evil.example/", "//evil.example/cases/1/", "/\\evil.example/", "javascript:alert(1)", "cases/1/"]
)
def test_a_link_off_the_site_is_never_followed(client, county, link):
    notification = send(county.handler_a, link=link)

    response = login(client, county.handler_a).get(reverse("notification-open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("notification-list")
    # Nor is it offered as a link on the list.
    assert reverse("notification-open", args=[notification.pk]) not in client.get(reverse("notification-list")).content.decode()


def test_opening_another_users_notification_is_a_404_and_changes_nothing(client, county):
    notification = send(county.handler_b)

    response = login(client, county.handler_a).get(reverse("notification-open", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_opening_is_a_get(client, county):
    notification = send(county.handler_a)
    assert login(client, county.handler_a).post(reverse("notification-open", args=[notification.pk])).status_code == 405


# --- marking read ------------------------------------------------------------------------------


def test_mark_read_with_htmx_swaps_the_row_and_tells_the_bell(client, county):
    notification = send(county.handler_a, "请处理")
    other = send(county.handler_a, "另一条")

    response = login(client, county.handler_a).post(reverse("notification-read", args=[notification.pk]), **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<tr id="notification-{notification.pk}" class="">')
    assert "请处理" in html and "<html" not in html
    assert reverse("notification-read", args=[notification.pk]) not in html
    assert response["HX-Trigger"] == '{"notifications-changed": {}}'
    notification.refresh_from_db()
    other.refresh_from_db()
    assert notification.read_at is not None
    assert other.read_at is None


def test_mark_read_without_htmx_goes_back_to_the_list(client, county):
    notification = send(county.handler_a)
    response = login(client, county.handler_a).post(reverse("notification-read", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("notification-list")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_another_users_notification_is_a_404_and_changes_nothing(client, county):
    notification = send(county.handler_b)
    before = read_states()

    response = login(client, county.handler_a).post(reverse("notification-read", args=[notification.pk]), **HTMX)

    assert response.status_code == 404
    assert read_states() == before


def test_mark_read_is_a_post(client, county):
    notification = send(county.handler_a)
    assert login(client, county.handler_a).get(reverse("notification-read", args=[notification.pk])).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_marks_only_mine(client, county):
    mine = [send(county.handler_a, f"通知{index}") for index in range(3)]
    already = send(county.handler_a, read=True)
    theirs = send(county.handler_b)

    response = login(client, county.handler_a).post(reverse("notification-read-all"), follow=True)

    assert response.redirect_chain == [(reverse("notification-list"), 302)]
    assert "已将 3 条通知标为已读。" in response.content.decode()
    assert not Notification.objects.filter(pk__in=[item.pk for item in mine], read_at__isnull=True).exists()
    assert Notification.objects.get(pk=already.pk).read_at == already.read_at
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_all_read_is_offered_only_with_something_unread(client, county):
    login(client, county.handler_a)
    send(county.handler_a, read=True)
    assert reverse("notification-read-all") not in client.get(reverse("notification-list")).content.decode()
    send(county.handler_a)
    assert reverse("notification-read-all") in client.get(reverse("notification-list")).content.decode()


# --- the e-mail preference ---------------------------------------------------------------------


def test_email_preference_off_and_on(client, county):
    user = county.handler_a
    login(client, user)

    page = client.get(reverse("notification-list"))
    assert page.context["preference_form"]["email_notifications"].value() is True
    assert 'name="email_notifications" class="form-check-input" id="id_email_notifications" checked' in page.content.decode()

    # Unticked, the box sends nothing.
    response = client.post(reverse("notification-email"), {}, follow=True)
    assert "将不再通过电子邮件发送" in response.content.decode()
    user.refresh_from_db()
    assert user.email_notifications is False
    assert client.get(reverse("notification-list")).context["preference_form"]["email_notifications"].value() is False

    response = client.post(reverse("notification-email"), {"email_notifications": "on"}, follow=True)
    assert "将同时通过电子邮件发送" in response.content.decode()
    user.refresh_from_db()
    assert user.email_notifications is True


def test_email_preference_changes_only_my_own(client, county):
    login(client, county.handler_a).post(reverse("notification-email"), {})
    county.handler_b.refresh_from_db()
    assert county.handler_b.email_notifications is True


def test_email_preference_says_when_there_is_no_address(client, county):
    html = login(client, county.handler_a).get(reverse("notification-list")).content.decode()
    assert "没有电子邮箱" in html
    county.handler_a.email = "handler@example.org"
    county.handler_a.save()
    assert "handler@example.org" in client.get(reverse("notification-list")).content.decode()


# --- the bell ----------------------------------------------------------------------------------


def test_every_page_has_the_bell_with_my_unread_count(client, county):
    send(county.handler_a)
    send(county.handler_a)
    send(county.handler_a, read=True)
    send(county.handler_b)

    html = login(client, county.handler_a).get(reverse("home")).content.decode()

    assert 'id="nav-bell"' in html
    assert f'href="{reverse("notification-list")}"' in html
    assert f'hx-get="{reverse("notification-bell")}"' in html
    assert 'hx-trigger="every 30s, notifications-changed from:body"' in html
    assert 'data-testid="unread-count">2</span>' in html


def test_the_bell_has_no_badge_when_all_is_read(client, county):
    send(county.handler_a, read=True)
    html = login(client, county.handler_a).get(reverse("home")).content.decode()
    assert 'id="nav-bell"' in html
    assert 'data-testid="unread-count"' not in html


def test_the_bell_partial_is_the_bell_alone_and_follows_the_count(client, county):
    first = send(county.handler_a)
    send(county.handler_a)
    login(client, county.handler_a)

    response = client.get(reverse("notification-bell"), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<a href="/notifications/" id="nav-bell"')
    assert "<html" not in html and "navbar" not in html
    assert 'data-testid="unread-count">2</span>' in html
    assert "no-cache" in response["Cache-Control"]

    client.post(reverse("notification-read", args=[first.pk]), **HTMX)
    assert 'data-testid="unread-count">1</span>' in client.get(reverse("notification-bell"), **HTMX).content.decode()


def test_the_bell_caps_its_badge(client, county):
    Notification.objects.bulk_create(
        Notification(recipient=county.handler_a, kind=NotificationKind.DUE_SOON, message=f"通知{index}") for index in range(120)
    )
    assert 'data-testid="unread-count">99+</span>' in login(client, county.handler_a).get(reverse("notification-bell")).content.decode()


def test_the_bell_costs_one_count(client, county, django_assert_num_queries):
    send(county.handler_a)
    login(client, county.handler_a)
    with django_assert_num_queries(3):  # session, user, the count
        client.get(reverse("notification-bell"), **HTMX)
