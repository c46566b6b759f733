"""Accepting a petition (the competent unit's decision), which opens or joins a case, and the
judgement on a petition about a concluded matter (Art. 36 ¶3), which a person makes."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, Role, User
from accounts.selectors import unit_users
from accounts.services import site_language
from cases import selectors
from cases.models import (
    FINISHED_STATUSES,
    Case,
    CaseAction,
    CasePetition,
    CaseStatus,
    ConcludedMatterDecision,
    MatterDecision,
)
from cases.services.reports import completion_clock_open
from cases.services.transitions import case_notify, event_write, required_text
from deadlines.calendar import due_date
from deadlines.models import DeadlineKind
from deadlines.services import deadline_set
from petitions import permissions as petition_permissions
from petitions.models import Action, Petition, TransitionNotAllowed
from petitions.services import petition_claim, petition_decision_record


class ConcludedMatter(TransitionNotAllowed):
    """Accepting a petition whose matter was concluded (三级终结) needs a person's judgement: refuse
    it as not accepted again, citing `case`, or accept it as a new matter, saying what is new."""

    def __init__(self, case: Case):
        self.case = case
        super().__init__(
            _(
                "The same matter was concluded in case %(number)s. If the facts and reasons are the same, refuse it "
                "as not accepted again citing that case; if they are new, accept it saying what is new."
            )
            % {"number": case.number}
        )


def _leaders_told(case: Case, message: str) -> None:
    """The leaders of the accepting unit, who name the lead official and the team (cases.permissions.can_assign)."""
    case_notify(case, unit_users(case.accepting_unit_id, Role.LEADER), NotificationKind.ACCEPTED, message)


def case_open_or_join(*, actor: User, petition: Petition, accepted_on: date, new_facts: str | None = None) -> tuple[Case, str, Case | None]:
    """The case this accepted petition belongs to, the petition action it takes, and the concluded
    case it was judged new against (if any).

    An open case on the same matter gets the petition attached (no new clock). A concluded one
    (三级终结) is refused with ConcludedMatter unless the handler says what is new (`new_facts`):
    then a new case, and the judgement is recorded. Otherwise a new case with its handling clock.
    Runs inside petition_accept's transaction, with the petition locked.
    """
    matter = list(selectors.matter_cases(petition).select_related("first_petition").only("pk", "status", "first_petition__reg_no"))
    open_case = next((case for case in matter if case.status not in FINISHED_STATUSES), None)
    if open_case is not None:
        case = Case.objects.select_for_update().get(pk=open_case.pk)
        CasePetition.objects.create(case=case, petition=petition)
        event_write(case, actor, CaseAction.ATTACH_PETITION, from_status=case.status, note=petition.reg_no)
        with site_language():
            message = _("Petition %(reg_no)s was attached to case %(number)s, which your unit handles.") % {
                "reg_no": petition.reg_no,
                "number": case.number,
            }
        _leaders_told(case, message)
        return case, Action.ATTACH, None
    concluded = next((case for case in matter if case.status == CaseStatus.CONCLUDED), None)
    if concluded is not None and new_facts is None:
        raise ConcludedMatter(concluded)
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
    note = petition.reg_no
    if concluded is not None and new_facts is not None:
        ConcludedMatterDecision.objects.create(
            petition=petition, concluded_case=concluded, decision=MatterDecision.ACCEPTED_AS_NEW, new_facts=new_facts, decided_by=actor
        )
        note = f"{petition.reg_no}\n{_new_matter_note(concluded, new_facts)}"
    event_write(case, actor, CaseAction.ACCEPT, note=note)
    with site_language():
        message = _("Case %(number)s was accepted into your unit: name the lead official and the team.") % {"number": case.number}
    _leaders_told(case, message)
    return case, Action.ACCEPT, concluded


def _new_matter_note(concluded: Case, new_facts: str) -> str:
    return _("Accepted as a new matter (case %(number)s concluded the earlier one). What is new: %(new_facts)s") % {
        "number": concluded.number,
        "new_facts": new_facts,
    }


def petition_accept(
    *, actor: User, petition: Petition, reason: str = "", accepted_on: date | None = None, new_facts: str | None = None
) -> tuple[Petition, Case]:
    """The competent unit accepts a routed petition: it opens a case or joins the open one. On a
    concluded matter it answers ConcludedMatter (409) unless `new_facts` says what is new.

    Lives in cases, which opens or joins the case; petitions records its own decision.
    `accepted_on` (default today) lets a decision taken on paper be entered later; the handling
    period counts from it. Returns the petition as saved and its case.
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
    if new_facts is not None:
        new_facts = required_text(new_facts, "new_facts", _("Say what is new in the facts or reasons."))
    with transaction.atomic():
        locked, _result = petition_claim(petition, Action.ACCEPT)
        case, action, concluded = case_open_or_join(actor=actor, petition=locked, accepted_on=accepted_on, new_facts=new_facts)
        completion_clock_open(case=case, petition=locked, start=accepted_on)
        note = (reason or "").strip()
        if concluded is not None and new_facts is not None:
            note = "\n".join(filter(None, [note, _new_matter_note(concluded, new_facts)]))
        petition_decision_record(actor=actor, petition=locked, action=action, reason=note, decided_on=accepted_on)
    return locked, case


def petition_not_accept_again(*, actor: User, petition: Petition, concluded_case: Case | None, reason: str) -> Petition:
    """The handler judges that the petition brings the same facts and reasons as a matter concluded
    after re-examination (Art. 36 ¶3): not accepted again, and the notice cites `concluded_case`."""
    petition_permissions.require(petition_permissions.can_decide(actor, petition))
    reason = required_text(reason, "reason", _("Give the reason; it goes into the notice to the petitioner."))
    on_matter = selectors.matter_cases(petition).filter(status=CaseStatus.CONCLUDED)
    if concluded_case is None or not on_matter.filter(pk=concluded_case.pk).exists():
        raise ValidationError({"concluded_case": [_("Choose a concluded case on the same matter (petitioner, category and locality).")]})
    with transaction.atomic():
        locked, _result = petition_claim(petition, Action.NOT_ACCEPT_AGAIN)
        petition_decision_record(actor=actor, petition=locked, action=Action.NOT_ACCEPT_AGAIN, reason=reason)
        ConcludedMatterDecision.objects.create(
            petition=locked, concluded_case=concluded_case, decision=MatterDecision.NOT_ACCEPTED_AGAIN, decided_by=actor
        )
    return locked
