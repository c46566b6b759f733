"""Admin: notifications and outgoing e-mails are there to look at, not to edit."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Notification, NotificationKind, OutboxEmail, OutboxStatus
from accounts.tests.factories import make_user


@pytest.fixture
def superuser(county):
    user = make_user(unit=county.bureau, roles=["admin"], username="root")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def sent(county):
    county.handler_a.email = "handler.a@example.org"
    county.handler_a.save()
    services.notify(recipients=[county.handler_a], kind=NotificationKind.OVERDUE, message="案件已超期")
    services.notify(recipients=[county.handler_b], kind=NotificationKind.DUE_SOON, message="案件即将到期")
    Notification.objects.filter(recipient=county.handler_b).update(read_at="2026-01-01T00:00:00Z")
    OutboxEmail.objects.update(status=OutboxStatus.FAILED, attempts=8, last_error="SMTPRecipientsRefused")


def test_notifications_are_listed_and_filtered_by_kind_and_read(client, superuser, sent):
    client.force_login(superuser)
    url = reverse("admin:accounts_notification_changelist")

    assert {"案件已超期", "案件即将到期"} <= set(_shown(client.get(url)))
    assert _shown(client.get(url, {"kind__exact": "overdue"})) == ["案件已超期"]
    assert _shown(client.get(url, {"read": "no"})) == ["案件已超期"]
    assert _shown(client.get(url, {"read": "yes"})) == ["案件即将到期"]


def test_outgoing_emails_show_status_attempts_and_error(client, superuser, sent):
    client.force_login(superuser)
    response = client.get(reverse("admin:accounts_outboxemail_changelist"), {"status__exact": "failed"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "SMTPRecipientsRefused" in html and "handler_a" in html
    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize("model", ["notification", "outboxemail"])
def test_nothing_can_be_added_changed_or_deleted(client, superuser, sent, model):
    client.force_login(superuser)
    pk = (Notification if model == "notification" else OutboxEmail).objects.first().pk

    assert client.get(reverse(f"admin:accounts_{model}_add")).status_code == 403
    assert client.get(reverse(f"admin:accounts_{model}_delete", args=[pk])).status_code == 403
    detail = client.get(reverse(f"admin:accounts_{model}_change", args=[pk]))
    assert detail.status_code == 200  # to look at
    assert 'name="_save"' not in detail.content.decode()


def _shown(response) -> list[str]:
    assert response.status_code == 200
    return sorted(notification.message for notification in response.context["cl"].result_list)
