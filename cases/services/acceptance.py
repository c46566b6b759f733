"""Accepting a petition (the competent unit's decision), which opens or joins a case."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import selectors
from cases.models import FINISHED_STATUSES, Case, CaseAction, CasePetition, CaseStatus
from cases.services.reports import completion_clock_open
from cases.services.transitions import event_write
from deadlines.calendar import due_date
from deadlines.models import DeadlineKind
from deadlines.services import deadline_set
from petitions import permissions as petition_permissions
from petitions.models import Action, Petition
from petitions.services import petition_claim, petition_decision_record


def case_open_or_join(*, actor: User, petition: Petition, accepted_on: date) -> tuple[Case | None, str]:
    """The case this accepted petition belongs to, and the petition action it takes.

    An open case on the same matter gets the petition attached (no new clock); a concluded one
    means the matter is final (三级终结), so no case; otherwise a new case with its handling clock.
    Runs inside petition_accept's transaction, with the petition locked.
    """
    matter = list(selectors.matter_cases(petition).only("pk", "status"))
    open_case = next((case for case in matter if case.status not in FINISHED_STATUSES), None)
    if open_case is not None:
        case = Case.objects.select_for_update().get(pk=open_case.pk)
        CasePetition.objects.create(case=case, petition=petition)
        event_write(case, actor, CaseAction.ATTACH_PETITION, from_status=case.status, note=petition.reg_no)
        return case, Action.ATTACH
    if any(case.status == CaseStatus.CONCLUDED for case in matter):
        return None, Action.NOT_ACCEPT_AGAIN
    handling = due_date(kind=DeadlineKind.HANDLING, start=accepted_on)
    case = Case.objects.create(
        category_id=petition.category_id,
        locality_id=petition.locality_id,
        accepting_unit_id=petition.responsible_unit_id,
        first_petition=petition,
        accepted_at=timezone.now(),
        accepted_on=accepted_on,
        accepted_by=actor,
        handling_due=handling.due_on,
    )
    CasePetition.objects.create(case=case, petition=petition, is_first=True)
    deadline_set(subject=case, kind=DeadlineKind.HANDLING, start=accepted_on, due_on=handling.due_on)
    event_write(case, actor, CaseAction.ACCEPT, note=petition.reg_no)
    return case, Action.ACCEPT


def petition_accept(*, actor: User, petition: Petition, reason: str = "", accepted_on: date | None = None) -> tuple[Petition, Case | None]:
    """The competent unit accepts a routed petition: it opens a case, joins the open one, or is refused
    as "not accepted again" when the matter's re-examination has concluded.

    Lives in cases, which opens or joins the case; petitions records its own decision.
    `accepted_on` (default today) lets a decision taken on paper be entered later; the handling
    period counts from it. Returns the petition as saved and its case (None if not accepted again).
    """
    petition_permissions.require(petition_permissions.can_decide(actor, petition))
    today = timezone.localdate()
    accepted_on = accepted_on or today
    received_on = timezone.localdate(petition.received_at)
    if accepted_on > today:
        raise ValidationError({"accepted_on": [_("The acceptance date cannot be in the future.")]})
    if accepted_on < received_on:
        raise ValidationError(
            {"accepted_on": [_("The petition was received on %(date)s; it cannot be accepted before.") % {"date": received_on}]}
        )
    with transaction.atomic():
        locked, _result = petition_claim(petition, Action.ACCEPT)
        case, action = case_open_or_join(actor=actor, petition=locked, accepted_on=accepted_on)
        completion_clock_open(case=case, petition=locked, start=accepted_on)
        note = (reason or "").strip()
        if action == Action.NOT_ACCEPT_AGAIN:
            note = _("The same matter was concluded after re-examination (三级终结); it is not accepted again.")
        petition_decision_record(actor=actor, petition=locked, action=action, reason=note, decided_on=accepted_on)
    return locked, case
