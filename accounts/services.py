"""Writes on users' notifications: sending (in the caller's transaction), reading, the e-mail outbox."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Notification, NotificationKind, OutboxEmail, OutboxStatus, User


def site_language():
    """Notifications are stored as text, written in the county's language whoever triggered them."""
    return translation.override(settings.LANGUAGE_CODE)


def notification_draft(*, recipient: User, kind: str, message: str, link: str = "", subject: models.Model | None = None) -> Notification:
    """An unsaved notification for notifications_send (which saves many in one insert)."""
    return Notification(
        recipient=recipient,
        kind=kind,
        message=message,
        link=link,
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=subject.pk if subject is not None else None,
    )


def notifications_send(drafts: Iterable[Notification]) -> list[Notification]:
    """Save the notifications and, for recipients who want it, their e-mail in the outbox, in the
    caller's transaction; the outbox is flushed once it commits. One recipient gets one of each
    message even if it reached them by two roles."""
    unique: dict[tuple, Notification] = {}
    for draft in drafts:
        if draft.recipient.is_active:
            unique.setdefault((draft.recipient_id, draft.kind, draft.subject_type_id, draft.subject_id, draft.message), draft)
    if not unique:
        return []
    with transaction.atomic():
        saved = Notification.objects.bulk_create(unique.values())
        emails = [OutboxEmail(notification=item) for item in saved if item.recipient.email and item.recipient.email_notifications]
        if emails:
            OutboxEmail.objects.bulk_create(emails)
            from accounts import tasks  # tasks imports this module
            from config.celery import enqueue_on_commit

            enqueue_on_commit(tasks.outbox_send)
    return saved


def notify(
    *, recipients: Iterable[User], kind: str, message: str, link: str = "", subject: models.Model | None = None
) -> list[Notification]:
    """Send one message to several users."""
    return notifications_send(
        notification_draft(recipient=user, kind=kind, message=message, link=link, subject=subject) for user in recipients
    )


def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    """Mark one of the user's own notifications read (the caller fetched it through the user's scope)."""
    if notification.recipient_id != user.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def email_preference_set(*, user: User, enabled: bool) -> User:
    user.email_notifications = enabled
    user.save(update_fields=["email_notifications"])
    return user


def _retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most six hours."""
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


def _email_for(item: OutboxEmail) -> EmailMessage:
    notification = item.notification
    with site_language():
        subject = _("[Petitions] %(kind)s") % {"kind": NotificationKind(notification.kind).label}
        body = notification.message
        if notification.link:
            body += "\n\n" + settings.SITE_URL + notification.link
    return EmailMessage(subject=subject, body=body, to=[notification.recipient.email])


def outbox_send(*, batch_size: int = 100) -> int:
    """Send the pending e-mails that are due, a batch at a time; returns how many went out.

    Each batch is claimed with SKIP LOCKED, so two senders never send the same e-mail; a failure
    waits longer each time and is given up after EMAIL_MAX_ATTEMPTS. A worker that dies between
    sending and committing sends that batch again: at least once, never silently lost.
    """
    sent = 0
    while True:
        with transaction.atomic():
            now = timezone.now()
            batch = list(
                OutboxEmail.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
                .select_related("notification__recipient")
                .order_by("next_attempt_at", "id")[:batch_size]
            )
            if not batch:
                return sent
            connection = get_connection()
            try:
                connection.open()
            except Exception as error:  # noqa: BLE001 - the mail server is down: the whole batch waits
                for item in batch:
                    _attempt_failed(item, error, now)
            else:
                try:
                    for item in batch:
                        sent += _attempt(connection, item, now)
                finally:
                    connection.close()
            OutboxEmail.objects.bulk_update(batch, ["status", "attempts", "next_attempt_at", "sent_at", "last_error"])


def _attempt(connection, item: OutboxEmail, now) -> int:
    recipient = item.notification.recipient
    if not (recipient.email and recipient.email_notifications and recipient.is_active):
        item.status = OutboxStatus.SKIPPED
        return 0
    try:
        connection.send_messages([_email_for(item)])
    except Exception as error:  # noqa: BLE001 - any delivery failure is retried
        _attempt_failed(item, error, now)
        return 0
    item.attempts += 1
    item.status, item.sent_at, item.last_error = OutboxStatus.SENT, now, ""
    return 1


def _attempt_failed(item: OutboxEmail, error: Exception, now) -> None:
    item.attempts += 1
    # The class name only: an SMTP error can quote the address.
    item.last_error = type(error).__name__
    if item.attempts >= settings.EMAIL_MAX_ATTEMPTS:
        item.status = OutboxStatus.FAILED
    else:
        item.next_attempt_at = now + _retry_delay(item.attempts)
