"""The Celery app. Without REDIS_URL, tasks run inline (see settings.CELERY_TASK_ALWAYS_EAGER)."""

import logging
import os

from celery import Celery
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("xinfang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args) -> None:
    """Queue `task` once the current transaction commits, and never fail the caller over it.

    What the task acts on is already in the database (an outbox row, an open deadline), and a beat
    job picks up whatever is still pending: a broker outage delays the work, it does not lose it
    nor turn a saved petition into an error page.
    """

    def send() -> None:
        try:
            task.delay(*args)
        except Exception as error:  # noqa: BLE001 - any broker failure; the periodic job catches up
            logger.warning("Could not queue %s (%s); the periodic job will pick the work up.", task.name, type(error).__name__)

    transaction.on_commit(send)
