"""The machinery every case service shares: lock the case and check the move from its current state
(TransitionNotAllowed, answered 409: the loser of a race gets it and nothing is overwritten), apply
it and write its CaseEvent, and the input checks the services have in common."""

from collections.abc import Iterable, Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notify
from cases.models import TRANSITIONS, Case, CaseEvent
from petitions.models import TransitionNotAllowed


def event_write(case: Case, actor: User, action: str, *, from_status: str = "", note: str = "") -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, actor=actor, action=action, from_status=from_status or case.status, to_status=case.status, note=note
    )


def transition_claim(case: Case, action: str) -> tuple[Case, str]:
    """Lock the row and check the move from its current state; returns the locked case and its new status.

    The caller decided on `case` as it read it: if another user has moved it since, the action is
    refused rather than applied to a case the caller has not seen.
    """
    locked = Case.objects.select_for_update().get(pk=case.pk)
    allowed_from, result = TRANSITIONS[action]
    if locked.status not in allowed_from or locked.status != case.status:
        raise TransitionNotAllowed(
            _("This case is now “%(status)s”; that action is no longer possible.") % {"status": locked.get_status_display()}
        )
    return locked, result or locked.status


def transition_apply(case: Case, actor: User, action: str, *, note: str = "", fields: Sequence[str] = ()) -> Case:
    """Apply a checked transition to the locked case, save it and write the event."""
    locked, result = transition_claim(case, action)
    from_status = locked.status
    locked.status = result
    locked.save(update_fields=["status", *fields])
    event_write(locked, actor, action, from_status=from_status, note=note)
    return locked


def required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [message]})
    return value


def date_check(case: Case, value: date, field: str) -> None:
    """A date on a case lies between its acceptance and today."""
    if value < case.accepted_on:
        raise ValidationError(
            {field: [_("The case was accepted on %(date)s; a date before that is not possible.") % {"date": case.accepted_on}]}
        )
    if value > timezone.localdate():
        raise ValidationError({field: [_("The date cannot be in the future.")]})


def case_notify(case: Case, recipients: Iterable[User], kind: str, message: str) -> None:
    notify(recipients=recipients, kind=kind, message=message, link=reverse("case-detail", args=[case.pk]), subject=case)
