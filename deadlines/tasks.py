from celery import shared_task

from deadlines import services


@shared_task
def scan_deadlines() -> dict:
    """The reminder scan, run by beat every REMINDER_SCAN_MINUTES. It takes no arguments and reads
    the database, so a run that comes late, twice or after an outage sends each reminder once."""
    result = services.deadlines_scan()
    return {"reminders": result.reminders, "notifications": result.notifications}
