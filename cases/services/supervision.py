"""Supervision orders (督办, DESIGN §7): the county office orders a unit of a case's team to act by a date."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, Role, Unit, User
from accounts.selectors import unit_users
from accounts.services import notify, site_language
from cases import permissions
from cases.models import Case, CaseAction, SupervisionOrder, SupervisionStatus
from cases.services.transitions import required_text, transition_apply
from deadlines.models import Deadline, DeadlineKind
from deadlines.services import deadline_done, deadline_set
from petitions.models import TransitionNotAllowed


def supervision_issue(*, actor: User, case: Case, unit: Unit, due_on: date, instruction: str) -> SupervisionOrder:
    """The county office orders a unit of the case's team to act by `due_on`; the order gets its own
    deadline, which the scan reminds like the statutory ones, and the unit is notified now."""
    permissions.require(permissions.can_supervise(actor))
    errors: dict[str, list] = {}
    instruction = (instruction or "").strip()
    if not instruction:
        errors["instruction"] = [_("Write what the unit must do.")]
    today = timezone.localdate()
    if due_on < today:
        errors["due_on"] = [_("The response date cannot be in the past.")]
    team = case.team_unit_ids
    if unit.pk not in team:
        errors["unit"] = [_("%(unit)s is not on this case's team (accepting, lead, supporting or stability unit).") % {"unit": unit}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = transition_apply(
            case,
            actor,
            CaseAction.SUPERVISION_ISSUE,
            note=_("%(unit)s, respond by %(due)s: %(instruction)s") % {"unit": unit, "due": due_on, "instruction": instruction},
        )
        deadline = deadline_set(subject=locked, kind=DeadlineKind.SUPERVISION, start=today, due_on=due_on)
        order = SupervisionOrder.objects.create(
            case=locked, unit=unit, instruction=instruction, due_on=due_on, deadline=deadline, issued_by=actor
        )
        with site_language():
            message = _("Supervision order on case %(case)s for %(unit)s, respond by %(due)s: %(instruction)s") % {
                "case": locked.number,
                "unit": unit,
                "due": due_on.isoformat(),
                "instruction": Truncator(instruction).chars(120),
            }
        notify(
            recipients=unit_users(unit.pk, Role.LEADER, Role.HANDLER),
            kind=NotificationKind.SUPERVISION,
            message=message,
            link=reverse("case-detail", args=[locked.pk]),
            subject=locked,
        )
    return order


def supervision_respond(*, actor: User, order: SupervisionOrder, response: str) -> SupervisionOrder:
    """The ordered unit reports what it did; the order's deadline is met (or late) today, and the
    supervisor who issued it is told."""
    permissions.require(permissions.can_respond_supervision(actor, order))
    response = required_text(response, "response", _("Write what the unit did."))
    with transaction.atomic():
        locked_order = SupervisionOrder.objects.select_for_update().get(pk=order.pk)
        if locked_order.status != SupervisionStatus.OPEN:
            raise TransitionNotAllowed(_("This supervision order has already been answered."))
        case = transition_apply(order.case, actor, CaseAction.SUPERVISION_RESPOND, note=response)
        today = timezone.localdate()
        locked_order.status, locked_order.response = SupervisionStatus.ANSWERED, response
        locked_order.responded_by, locked_order.responded_at = actor, timezone.now()
        locked_order.save(update_fields=["status", "response", "responded_by", "responded_at"])
        deadline_done(deadline=Deadline.objects.select_for_update().get(pk=locked_order.deadline_id), on=today)
        with site_language():
            message = _("%(unit)s answered the supervision order on case %(case)s: %(response)s") % {
                "unit": locked_order.unit,
                "case": case.number,
                "response": Truncator(response).chars(120),
            }
        notify(
            recipients=[locked_order.issued_by],
            kind=NotificationKind.SUPERVISION_RESPONSE,
            message=message,
            link=reverse("case-detail", args=[case.pk]),
            subject=case,
        )
    return locked_order
