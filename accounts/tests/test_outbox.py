"""The notification e-mail outbox: what notifications_send writes, and outbox_send's delivery, retries
and claims. outbox_send is called directly: tasks are not eager when REDIS_URL is set (as in CI)."""

import smtplib
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.utils import timezone

import config.celery
from accounts import services, tasks
from accounts.models import Notification, NotificationKind, OutboxEmail, OutboxStatus
from accounts.tests.factories import make_user

ADDRESS = "handler.a@example.org"


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://xinfang.example.gov"


@pytest.fixture
def handler(county):
    county.handler_a.email = ADDRESS
    county.handler_a.save()
    return county.handler_a


def send(*recipients, message="案件即将到期", link="/cases/7/") -> list[Notification]:
    return services.notify(recipients=recipients, kind=NotificationKind.DUE_SOON, message=message, link=link)


class Clock:
    """timezone.now() as the test sets it, for the outbox's retry times."""

    def __init__(self):
        self.now = timezone.now()

    def advance_to(self, moment):
        self.now = moment

    def __enter__(self):
        self._patch = mock.patch("django.utils.timezone.now", side_effect=lambda: self.now)
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()


class RefusingBackend(BaseEmailBackend):
    """The mail server refuses the recipient, quoting the address as real servers do."""

    def send_messages(self, messages):
        address = messages[0].to[0]
        raise smtplib.SMTPRecipientsRefused({address: (550, f"5.1.1 <{address}>: user unknown".encode())})


class UnreachableBackend(BaseEmailBackend):
    def open(self):
        raise ConnectionRefusedError("mail.example.org:25 refused")

    def send_messages(self, messages):  # pragma: no cover - never reached
        raise AssertionError("sent without a connection")


# --- what notifications_send writes ------------------------------------------------------------


def test_an_email_is_written_only_for_users_with_an_address_who_want_it(county, handler):
    no_address = county.handler_b
    turned_off = make_user(unit=county.township_a, roles=["handler"])
    turned_off.email, turned_off.email_notifications = "off@example.org", False
    turned_off.save()

    sent = send(handler, no_address, turned_off)

    assert len(sent) == 3
    assert list(OutboxEmail.objects.values_list("notification__recipient", "status", "attempts")) == [(handler.pk, "pending", 0)]


def test_the_sender_is_queued_on_commit_only_when_there_is_mail(county, handler, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:  # not run: with REDIS_URL they would reach the broker
        send(county.handler_b)
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        send(handler)
    assert len(callbacks) == 1


def test_a_recipient_reached_twice_gets_one_notification_and_one_email(county, handler):
    sent = services.notifications_send(
        [
            services.notification_draft(recipient=handler, kind=NotificationKind.OVERDUE, message="已超期"),
            services.notification_draft(recipient=handler, kind=NotificationKind.OVERDUE, message="已超期"),
            services.notification_draft(recipient=county.handler_b, kind=NotificationKind.OVERDUE, message="已超期"),
        ]
    )

    assert len(sent) == 2
    assert Notification.objects.filter(recipient=handler).count() == 1
    assert OutboxEmail.objects.count() == 1
    # A different message to the same person is not a duplicate.
    send(handler, message="另一件事")
    assert Notification.objects.filter(recipient=handler).count() == 2


def test_an_inactive_user_gets_nothing(county, handler):
    handler.is_active = False
    handler.save()
    assert send(handler) == []
    assert not Notification.objects.exists() and not OutboxEmail.objects.exists()


# --- delivery ----------------------------------------------------------------------------------


def test_outbox_send_sends_each_email_once(county, handler):
    (notification,) = send(handler, message="案件XF-2026-000001即将到期")

    assert services.outbox_send() == 1
    assert services.outbox_send() == 0

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [ADDRESS]
    assert "案件XF-2026-000001即将到期" in message.body
    assert "https://xinfang.example.gov/cases/7/" in message.body
    email = OutboxEmail.objects.get(notification=notification)
    assert (email.status, email.attempts, email.last_error) == (OutboxStatus.SENT, 1, "")
    assert email.sent_at is not None


def test_the_task_sends_the_outbox(county, handler):
    send(handler)
    assert tasks.outbox_send() == 1  # called in-process, not queued
    assert len(mail.outbox) == 1


def test_outbox_send_works_through_batches(county, handler):
    others = [make_user(unit=county.township_a, roles=["handler"]) for _ in range(4)]
    for index, user in enumerate(others):
        user.email = f"user{index}@example.org"
        user.save()
    send(handler, *others)

    assert services.outbox_send(batch_size=2) == 5
    assert sorted(address for message in mail.outbox for address in message.to) == sorted([ADDRESS, *(user.email for user in others)])


def test_an_email_not_yet_due_waits(county, handler):
    send(handler)
    OutboxEmail.objects.update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert services.outbox_send() == 0
    assert mail.outbox == []


def test_a_failure_is_retried_later_each_time_then_given_up(county, handler, settings):
    settings.EMAIL_BACKEND = "accounts.tests.test_outbox.RefusingBackend"
    settings.EMAIL_MAX_ATTEMPTS = 4
    (notification,) = send(handler)

    with Clock() as clock:
        delays = []
        for attempt in range(1, 4):
            started = clock.now
            assert services.outbox_send() == 0
            email = OutboxEmail.objects.get(notification=notification)
            assert (email.status, email.attempts) == (OutboxStatus.PENDING, attempt)
            delays.append(email.next_attempt_at - started)
            # Not retried before it is due.
            clock.advance_to(email.next_attempt_at - timedelta(seconds=1))
            assert services.outbox_send() == 0
            assert OutboxEmail.objects.get(pk=email.pk).attempts == attempt
            clock.advance_to(email.next_attempt_at)
        assert delays == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]

        assert services.outbox_send() == 0
        email = OutboxEmail.objects.get(notification=notification)
        assert (email.status, email.attempts) == (OutboxStatus.FAILED, 4)

        clock.advance_to(clock.now + timedelta(days=1))
        services.outbox_send()
    assert OutboxEmail.objects.get(pk=email.pk).attempts == 4
    assert email.last_error == "SMTPRecipientsRefused"
    assert ADDRESS not in email.last_error and "example.org" not in email.last_error
    assert mail.outbox == []
    # The notification itself is still there to read.
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_a_failure_then_success_sends_once(county, handler, settings):
    settings.EMAIL_BACKEND = "accounts.tests.test_outbox.RefusingBackend"
    send(handler)
    services.outbox_send()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboxEmail.objects.update(next_attempt_at=timezone.now())

    assert services.outbox_send() == 1
    email = OutboxEmail.objects.get()
    assert (email.status, email.attempts, email.last_error) == (OutboxStatus.SENT, 2, "")
    assert len(mail.outbox) == 1


def test_an_unreachable_mail_server_holds_the_whole_batch(county, handler, settings):
    settings.EMAIL_BACKEND = "accounts.tests.test_outbox.UnreachableBackend"
    other = make_user(unit=county.township_a, roles=["leader"])
    other.email = "leader@example.org"
    other.save()
    send(handler, other)

    assert services.outbox_send() == 0

    assert list(OutboxEmail.objects.values_list("status", "attempts", "last_error")) == [("pending", 1, "ConnectionRefusedError")] * 2
    assert not OutboxEmail.objects.filter(next_attempt_at__lte=timezone.now()).exists()


@pytest.mark.parametrize("change", ["preference_off", "address_removed", "deactivated"])
def test_a_user_who_no_longer_wants_mail_is_skipped(county, handler, change):
    send(handler)
    if change == "preference_off":
        services.email_preference_set(user=handler, enabled=False)
    elif change == "address_removed":
        handler.email = ""
        handler.save()
    else:
        handler.is_active = False
        handler.save()

    assert services.outbox_send() == 0

    assert mail.outbox == []
    assert OutboxEmail.objects.get().status == OutboxStatus.SKIPPED
    assert services.outbox_send() == 0


# --- two senders at once -----------------------------------------------------------------------


class _Rendezvous:
    """Shared by the backends below and the test that sets them (one test at a time uses them)."""

    barrier: threading.Barrier
    first_send_started: threading.Event
    other_sender_done: threading.Event
    passed: set


class BarrierBackend(LocmemBackend):
    """Each thread's first e-mail waits until the other thread is sending one too: both hold a claim at once."""

    def send_messages(self, messages):
        me = threading.get_ident()
        if me not in _Rendezvous.passed:
            _Rendezvous.passed.add(me)
            _Rendezvous.barrier.wait(timeout=10)
        return super().send_messages(messages)


class HoldingBackend(LocmemBackend):
    """The first sender holds its claimed batch until the other sender has finished."""

    def send_messages(self, messages):
        if not _Rendezvous.first_send_started.is_set():
            _Rendezvous.first_send_started.set()
            assert _Rendezvous.other_sender_done.wait(timeout=10), "the other sender waited for the lock instead of skipping"
        return super().send_messages(messages)


def _recipients(county, count: int) -> list:
    users = []
    for index in range(count):
        user = make_user(unit=county.township_a, roles=["handler"])
        user.email = f"concurrent{index}@example.org"
        user.save()
        users.append(user)
    return users


def _in_thread(target, results: list):
    def run():
        try:
            results.append(target())
        except BaseException as error:  # noqa: BLE001 - reported by the test
            results.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture
def no_queueing(monkeypatch):
    """Committed for real here: the on-commit task would be sent to Redis (or, eager, send the mail) first."""
    monkeypatch.setattr(config.celery, "enqueue_on_commit", lambda task, *args: None)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_senders_at_once_send_each_email_once(county, settings, no_queueing):
    settings.EMAIL_BACKEND = "accounts.tests.test_outbox.BarrierBackend"
    _Rendezvous.barrier, _Rendezvous.passed = threading.Barrier(2), set()
    users = _recipients(county, 6)
    send(*users)

    results: list = []
    threads = [_in_thread(lambda: services.outbox_send(batch_size=1), results) for _ in range(2)]
    for thread in threads:
        thread.join(timeout=30)

    assert all(isinstance(result, int) for result in results), results
    assert sorted(results) != [0, 6], "both senders should have sent"
    assert sum(results) == 6
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(user.email for user in users)
    assert set(OutboxEmail.objects.values_list("status", "attempts")) == {(OutboxStatus.SENT, 1)}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_sender_skips_a_claimed_batch_instead_of_waiting(county, settings, no_queueing):
    settings.EMAIL_BACKEND = "accounts.tests.test_outbox.HoldingBackend"
    _Rendezvous.first_send_started, _Rendezvous.other_sender_done = threading.Event(), threading.Event()
    users = _recipients(county, 3)
    send(*users)

    first: list = []
    thread = _in_thread(services.outbox_send, first)
    assert _Rendezvous.first_send_started.wait(timeout=10)
    try:
        second = services.outbox_send()  # the whole batch is claimed: nothing to do, and no wait
    finally:
        _Rendezvous.other_sender_done.set()
        thread.join(timeout=30)

    assert second == 0
    assert first == [3]
    assert len(mail.outbox) == 3
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
