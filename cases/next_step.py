"""What must happen next on a case or a petition, who owns it and by when (DESIGN §5, §9).

A new user could not tell from a case's page that it waited for its lead official, or for whom; the
page, the API and the petition's page now say it, all from here. Pure functions over what the case
page and the API load already (cases.selectors.case_get): no query of their own, so the page's query
pin holds. Who may act is cases.permissions' to enforce; this only says it in words.
"""

from dataclasses import dataclass, replace
from datetime import date

from django.utils.translation import gettext as _

from accounts.models import Role, Unit, User
from cases.models import AppealLevel, Case, CaseStatus, Extension, ExtensionStatus, PlanStatus, Reply, ReplyStatus, SupervisionStatus
from deadlines.models import DeadlineKind
from petitions.models import Petition
from petitions.models import Status as PetitionStatus

S = CaseStatus


@dataclass(frozen=True)
class NextStep:
    """One step: what must happen, who owns it (a role, with the names and units known; empty when
    nothing is owed), the day it is due and the days left to it (negative when overdue)."""

    step: str
    owner: str = ""
    due_on: date | None = None
    days_left: int | None = None
    # Further lines shown with the step: a waiting petitioner's window, open supervision orders.
    also: tuple["NextStep", ...] = ()


def _step(today: date, step: str, owner: str = "", due_on: date | None = None, also: tuple[NextStep, ...] = ()) -> NextStep:
    return NextStep(step=step, owner=owner, due_on=due_on, days_left=None if due_on is None else (due_on - today).days, also=also)


def _named(role: str, names: list[str]) -> str:
    return _("%(role)s: %(names)s") % {"role": role, "names": _(", ").join(names)} if names else role


def _unique_units(*units: Unit | None) -> list[Unit]:
    seen: dict[int, Unit] = {}
    for unit in units:
        if unit is not None:
            seen.setdefault(unit.pk, unit)
    return list(seen.values())


def _team(case: Case) -> str:
    """The lead unit's and the team units' handlers, and the members by name."""
    units = _unique_units(case.lead_unit, *case.supporting_units.all(), case.stability_unit) or [case.accepting_unit]
    role = _("The team's handlers (%(units)s)") % {"units": _(", ").join(unit.name for unit in units)}
    return _named(role, [str(member) for member in case.members.all()])


def _lead_official(case: Case) -> str:
    return _named(_("The lead official"), [str(case.lead_official)] if case.lead_official else [])


def _lead_unit_leaders(case: Case) -> str:
    """Art. 34: the head of the lead unit approves an extension, whoever leads the case. Only the unit's
    leaders already on the page are named: the lead official and the members who are its leaders."""
    unit = case.lead_unit or case.accepting_unit
    people: list[User] = [case.lead_official] if case.lead_official else []
    people += list(case.members.all())
    names = dict.fromkeys(str(user) for user in people if user.unit_id == unit.pk and user.has_role(Role.LEADER))
    role = _("A leader of %(unit)s, the lead unit (its head approves, Art. 34)") % {"unit": unit.name}
    return _named(role, list(names))


def _county_office(body: str) -> str:
    return _("The county office (a supervisor), recording the opinion of %(body)s") % {"body": body}


def _handling_body(case: Case) -> str:
    """The next-higher body of the unit that handled the case (Art. 35), by name when the unit has one."""
    unit = case.lead_unit or case.accepting_unit
    return unit.higher_body or _("the next-higher body of %(unit)s") % {"unit": unit.name}


def _reviewing_body(case: Case) -> str:
    """The body above the one that reviewed (Art. 36)."""
    review = next((appeal for appeal in case.appeals.all() if appeal.level == AppealLevel.REVIEW), None)
    body = review.body if review is not None and review.body else _handling_body(case)
    return _("the body above %(body)s") % {"body": body}


def _due(case: Case, kind: str) -> date | None:
    return next((deadline.due_on for deadline in case.deadlines.all() if deadline.kind == kind), None)


def _petitioner_window(today: date, step: str, due_on: date | None) -> tuple[NextStep, ...]:
    """The petitioner's window to ask, while it is open (one that passed unused owes no one anything)."""
    if due_on is None or due_on < today:
        return ()
    return (_step(today, step, _("The petitioner"), due_on),)


def _supervision(case: Case, today: date) -> tuple[NextStep, ...]:
    return tuple(
        _step(today, _("Answer the supervision order"), _("%(unit)s (its leaders and handlers)") % {"unit": order.unit.name}, order.due_on)
        for order in case.supervision_orders.all()
        if order.status == SupervisionStatus.OPEN
    )


def case_next_step(case: Case, today: date) -> NextStep:
    """The case's next step for its status, with the open supervision orders as further lines."""
    primary = _case_step(case, today)
    return replace(primary, also=primary.also + _supervision(case, today))


def _case_step(case: Case, today: date) -> NextStep:
    status, handling_due = case.status, case.handling_due
    if status == S.ACCEPTED:
        owner = _("A leader of %(unit)s, or the county office (a supervisor)") % {"unit": case.accepting_unit.name}
        return _step(today, _("Name the lead official and the team"), owner, handling_due)
    if status == S.ASSIGNED:
        sent_back = any(plan.status == PlanStatus.REJECTED for plan in case.plans.all())
        step = _("Revise the plan that was sent back and submit it again") if sent_back else _("Submit the handling plan")
        return _step(today, step, _team(case), handling_due)
    if status == S.PLAN_SUBMITTED:
        return _step(today, _("Approve the plan or send it back"), _lead_official(case), handling_due)
    if status == S.IN_PROGRESS:
        reply: Reply | None = case.related_or_none("reply")
        sent_back = reply is not None and reply.status == ReplyStatus.RETURNED
        drafting_step = _("Revise the reply that was sent back") if sent_back else _("Draft the reply")
        drafting = _step(today, drafting_step, _team(case), handling_due)
        extension: Extension | None = case.related_or_none("extension")
        if extension is None or extension.status != ExtensionStatus.REQUESTED:
            return drafting
        step = _("Decide the extension request (%(days)d days)") % {"days": extension.days}
        return _step(today, step, _lead_unit_leaders(case), handling_due, also=(drafting,))
    if status == S.REPLY_DRAFTED:
        return _step(today, _("Approve the reply or send it back"), _lead_official(case), handling_due)
    if status == S.REPLY_APPROVED:
        return _step(today, _("Serve the reply on the petitioner and record the date"), _team(case), handling_due)
    review_window = _petitioner_window(today, _("The petitioner may ask for a review (Art. 35)"), _due(case, DeadlineKind.REVIEW_REQUEST))
    if status == S.REPLIED:
        return _step(today, _("Record the petitioner's evaluation"), _team(case), also=review_window)
    if status == S.EVALUATED:
        return _step(today, _("Close the case"), _lead_official(case), also=review_window)
    if status == S.CLOSED:
        if review_window:
            step = _("Nothing more is owed; the petitioner may still ask for a review (Art. 35)")
            return replace(review_window[0], step=step)
        return _step(today, _("Nothing more is owed: the case is closed and the review window has passed"))
    if status == S.REVIEW_REQUESTED:
        step = _("Record the review opinion of the next-higher body (Art. 35)")
        return _step(today, step, _county_office(_handling_body(case)), _due(case, DeadlineKind.REVIEW_DECISION))
    if status == S.REVIEW_DECIDED:
        window = _petitioner_window(
            today, _("The petitioner may ask for re-examination (Art. 36)"), _due(case, DeadlineKind.REEXAMINATION_REQUEST)
        )
        if window:
            return window[0]
        return _step(today, _("Nothing more is owed: the re-examination window has passed"))
    if status == S.REEXAMINATION_REQUESTED:
        step = _("Record the re-examination opinion (Art. 36); hearing days are not counted")
        return _step(today, step, _county_office(_reviewing_body(case)), _due(case, DeadlineKind.REEXAMINATION_DECISION))
    # Concluded (三级终结): nothing is owed on the matter, but the work with the petitioner goes on.
    step = _("The matter is concluded; the team may record work after it: guidance, resolving the dispute, help and relief (Art. 37 ¶3)")
    return _step(today, step, _team(case))


def petition_next_step(petition: Petition, today: date) -> NextStep:
    """The petition's next step at intake; once accepted or attached, its case says the rest. Reads the
    units petitions.selectors.petition_get joins (and, once routed, the unit that routed it)."""
    unit = petition.unit or petition.intake_unit  # the unit that must act now (Petition.responsible_unit_id)
    if petition.status == PetitionStatus.REGISTERED:
        step = _("Route it to the competent unit, or decide at intake (not accepted, diverted or filed)")
        return _step(today, step, _("The clerks of %(unit)s") % {"unit": unit.name}, petition.decision_due)
    if petition.status == PetitionStatus.ROUTED:
        owner = _("%(unit)s (its clerks and handlers)") % {"unit": unit.name}
        routed_by = petition.routed_by_unit or petition.intake_unit
        objection = _("If it is not competent, it may object and hand it back to %(unit)s (Art. 23 ¶3)") % {"unit": routed_by.name}
        also = (_step(today, objection, owner),)
        step = _("Decide whether to accept it and notify the petitioner (Art. 23)")
        return _step(today, step, owner, petition.decision_due, also)
    if petition.status in (PetitionStatus.ACCEPTED, PetitionStatus.ATTACHED):
        return _step(today, _("Handled in its case: the case's page says what comes next"))
    if petition.status == PetitionStatus.FILED:
        return _step(today, _("Nothing more is owed: the petition is filed"))
    if petition.status == PetitionStatus.NOT_ACCEPTED_AGAIN:
        return _step(today, _("Nothing more is owed: the notice cites the concluded case"))
    return _step(today, _("Nothing more is owed: the notice tells the petitioner why, and where to turn"))
