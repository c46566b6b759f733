"""Who owns a clock: the app that starts deadlines on its objects says who is told about them and
what else a moved due date changes. Apps register in their AppConfig.ready(); the engine looks the
owner up by the deadline's subject type, so it never imports an app above it."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils.translation import gettext as _

from accounts.models import Notification, User
from accounts.selectors import Directory
from deadlines.models import Deadline


@dataclass(frozen=True)
class MovedDeadline:
    """A deadline a calendar or policy change moved (already saved with its new due date)."""

    deadline: Deadline
    old_due_on: date
    by_policy: bool

    @property
    def note(self) -> str:
        """The sentence for the subject's timeline, in the active language."""
        if self.by_policy:
            message = _("%(deadline)s deadline moved from %(old)s to %(new)s by a change to the deadline policy.")
        else:
            message = _("%(deadline)s deadline moved from %(old)s to %(new)s by a change to the holiday calendar.")
        return message % {
            "deadline": self.deadline.get_kind_display(),
            "old": self.old_due_on.isoformat(),
            "new": self.deadline.due_on.isoformat(),
        }


@dataclass(frozen=True)
class ClockOwner:
    """reminder_drafts(deadlines, as_of, directory): the notifications for the reminders just claimed
    on the owner's objects (unsaved; the scan sends them in its transaction).
    deadlines_moved(moved, actor): write the owner's timeline events and keep its own copies of the
    due dates, in the transaction of the change, with the subjects already locked."""

    reminder_drafts: Callable[[list[Deadline], date, Directory], list[Notification]]
    deadlines_moved: Callable[[list[MovedDeadline], User], None]


_owners: dict[str, ClockOwner] = {}


def register(model: type[Model], owner: ClockOwner) -> None:
    _owners[model._meta.label_lower] = owner


def subject_model(subject_type_id: int) -> type[Model]:
    """The model of a clock's subject (a content type whose model is gone has no owner either)."""
    model = ContentType.objects.get_for_id(subject_type_id).model_class()
    if model is None:
        raise LookupError(f"No app owns the clocks of content type {subject_type_id}.")
    return model


def owner_of(subject_type_id: int) -> ClockOwner:
    model = subject_model(subject_type_id)
    if model._meta.label_lower not in _owners:
        raise LookupError(f"No app owns the clocks of content type {subject_type_id}.")
    return _owners[model._meta.label_lower]
