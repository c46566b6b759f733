"""The case's clocks as their owner sees them (deadlines.owners): who is reminded of each, and what
a due date moved by a calendar or policy change changes on the case."""

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Notification, Role, User
from accounts.selectors import Directory
from accounts.services import notification_draft, site_language
from cases.models import Case, CaseAction, CaseEvent, SupervisionOrder
from cases.selectors import assignments_unreported
from deadlines.models import Deadline, DeadlineKind, ReminderLevel
from deadlines.owners import MovedDeadline
from deadlines.services import REMINDER_KINDS, reminder_level

_APPEAL_DECISIONS = frozenset({DeadlineKind.REVIEW_DECISION, DeadlineKind.REEXAMINATION_DECISION})


def case_deadlines_moved(moved: list[MovedDeadline], actor: User) -> None:
    """An event on each case for each moved deadline; Case.handling_due follows the handling one."""
    cases = Case.objects.only("pk", "status", "handling_due").in_bulk([item.deadline.subject_id for item in moved])
    events, handling_moved = [], []
    for item in moved:
        case = cases[item.deadline.subject_id]
        events.append(
            CaseEvent(
                case=case,
                actor=actor,
                action=CaseAction.DEADLINE_RECOMPUTED,
                from_status=case.status,
                to_status=case.status,
                note=item.note,
            )
        )
        if item.deadline.kind == DeadlineKind.HANDLING:
            case.handling_due = item.deadline.due_on
            handling_moved.append(case)
    Case.objects.bulk_update(handling_moved, ["handling_due"])
    CaseEvent.objects.bulk_create(events)


def case_reminder_drafts(deadlines: list[Deadline], as_of: date, directory: Directory) -> list[Notification]:
    """The notifications for the reminders just claimed on case clocks (three queries for the batch)."""
    case_ids = {deadline.subject_id for deadline in deadlines}
    cases = Case.objects.select_related("category", "first_petition").in_bulk(case_ids)
    ordered_units = dict(
        SupervisionOrder.objects.filter(deadline__in=[d.pk for d in deadlines if d.kind == DeadlineKind.SUPERVISION]).values_list(
            "deadline_id", "unit_id"
        )
    )
    report_to = _report_recipients(deadlines)
    members: dict[int, list[User]] = {}
    for case_id, user_id in Case.members.through.objects.filter(case_id__in=case_ids).values_list("case_id", "user_id"):
        if user_id in directory.users:
            members.setdefault(case_id, []).append(directory.users[user_id])
    drafts = []
    with site_language():
        for deadline in deadlines:
            case = cases[deadline.subject_id]
            level = reminder_level(deadline.due_on, as_of)
            if deadline.kind == DeadlineKind.COMPLETION_REPORT:
                message = _report_reminder_message(case, deadline, level, as_of, report_to.get(case.pk, []))
            else:
                message = _reminder_message(case, deadline, level, as_of)
            link = reverse("case-detail", args=[case.pk])
            if deadline.kind == DeadlineKind.SUPERVISION:
                recipients = directory.in_unit(ordered_units[deadline.pk], Role.LEADER, Role.HANDLER)
            else:
                recipients = _team_recipients(case, deadline, members.get(case.pk, []), directory)
            if level == ReminderLevel.OVERDUE:
                recipients += directory.with_role(Role.SUPERVISOR)
            drafts += [
                notification_draft(recipient=user, kind=REMINDER_KINDS[level], message=message, link=link, subject=case)
                for user in recipients
            ]
    return drafts


def _report_recipients(deadlines: list[Deadline]) -> dict[int, list[str]]:
    """The units each case still owes a completion report, by case (one query, only when such a clock is due)."""
    case_ids = {deadline.subject_id for deadline in deadlines if deadline.kind == DeadlineKind.COMPLETION_REPORT}
    if not case_ids:
        return {}
    owed: dict[int, list[str]] = {}
    for case_id, unit_name in assignments_unreported(case_ids).values_list("case_link__case_id", "routed_by_unit__name"):
        if unit_name not in owed.setdefault(case_id, []):
            owed[case_id].append(unit_name)
    return owed


def _team_recipients(case: Case, deadline: Deadline, members: list[User], directory: Directory) -> list[User]:
    """Who answers for a step: the lead official and the team members (the lead unit's handlers when
    no member is named, the accepting unit's leaders while nobody is assigned); for a review or
    re-examination opinion also the county office that records it. A completion report is the
    team's as well. (A supervision order's clock is the ordered unit's leaders' and handlers'; overdue
    also reaches the supervisors.)"""
    lead = directory.users.get(case.lead_official_id) if case.lead_official_id is not None else None
    recipients = [lead] if lead else directory.in_unit(case.accepting_unit_id, Role.LEADER)
    recipients += members or directory.in_unit(case.lead_unit_id or case.accepting_unit_id, Role.HANDLER)
    if deadline.kind in _APPEAL_DECISIONS:
        recipients += directory.with_role(Role.SUPERVISOR)
    return recipients


def _reminder_message(case: Case, deadline: Deadline, level: str, as_of: date) -> str:
    values = {
        "case": case.number,
        "category": case.category.name,
        "step": deadline.get_kind_display(),
        "due": deadline.due_on.isoformat(),
        "days": abs((deadline.due_on - as_of).days),
    }
    if level == ReminderLevel.OVERDUE:
        return _("Case %(case)s (%(category)s): the %(step)s deadline passed on %(due)s, %(days)d days ago.") % values
    if level == ReminderLevel.DUE_TODAY:
        return _("Case %(case)s (%(category)s): the %(step)s deadline is today, %(due)s.") % values
    return _("Case %(case)s (%(category)s): the %(step)s deadline is %(due)s, in %(days)d days.") % values


def _report_reminder_message(case: Case, deadline: Deadline, level: str, as_of: date, units: list[str]) -> str:
    """A completion report's reminder names the unit that waits for it."""
    values = {
        "case": case.number,
        "category": case.category.name,
        "units": _(", ").join(units) or "—",
        "due": deadline.due_on.isoformat(),
        "days": abs((deadline.due_on - as_of).days),
    }
    if level == ReminderLevel.OVERDUE:
        return _("Case %(case)s (%(category)s): the completion report to %(units)s was due on %(due)s, %(days)d days ago.") % values
    if level == ReminderLevel.DUE_TODAY:
        return _("Case %(case)s (%(category)s): the completion report to %(units)s is due today, %(due)s.") % values
    return _("Case %(case)s (%(category)s): the completion report to %(units)s is due on %(due)s, in %(days)d days.") % values
