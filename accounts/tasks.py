from celery import shared_task

from accounts import services


@shared_task
def outbox_send() -> int:
    """Deliver pending notification e-mails; queued after each commit that writes some, and every
    minute by beat so that mail held up by an outage goes out. Safe to run twice at once."""
    return services.outbox_send()
