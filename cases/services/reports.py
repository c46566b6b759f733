"""The completion report an assigned (交办) petition owes the unit that assigned it (Art. 22:
在指定办理期限内反馈结果，提交办结报告), and its clock."""

from datetime import date
from typing import cast

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, Role, Unit, User
from accounts.selectors import unit_users
from accounts.services import notification_draft, notifications_send, site_language
from cases import permissions, selectors
from cases.models import Case, CaseAction, CompletionReport
from cases.services.transitions import event_write, required_text, transition_claim
from deadlines.models import DeadlineKind, DeadlineStatus
from deadlines.selectors import deadlines_of
from deadlines.services import deadline_meet, deadline_open
from petitions.models import Petition, RouteMode, TransitionNotAllowed
from petitions.selectors import petitions_visible_to


def completion_clock_open(*, case: Case, petition: Petition, start: date) -> None:
    """An assigned petition just accepted into `case` (new or joined): the report is due by the
    policy's term from acceptance. One clock per case: a report still owed keeps its due date."""
    if petition.route_mode != RouteMode.ASSIGN or petition.routed_by_unit_id is None:
        return
    if not deadlines_of(case).filter(kind=DeadlineKind.COMPLETION_REPORT, status=DeadlineStatus.OPEN).exists():
        deadline_open(subject=case, kind=DeadlineKind.COMPLETION_REPORT, start=start)


def completion_report_submit(*, actor: User, case: Case, content: str) -> list[CompletionReport]:
    """The team reports the result to each unit that assigned one of the case's petitions and has no
    report yet; the clock is met today. Nothing owed is a conflict (409), as a decision on nothing is."""
    permissions.require(permissions.can_work_on(actor, case))
    content = required_text(content, "content", _("Write the report: how the matter was handled and its result."))
    with transaction.atomic():
        locked, _result = transition_claim(case, CaseAction.COMPLETION_REPORT)
        # (petition, the unit that assigned it): the selector keeps only petitions that have one.
        owed = [
            (petition, cast(Unit, petition.routed_by_unit))
            for petition in selectors.assignments_unreported([locked.pk]).select_related("routed_by_unit")
        ]
        if not owed:
            raise TransitionNotAllowed(_("No assigned petition of this case is waiting for its completion report."))
        reports = CompletionReport.objects.bulk_create(
            CompletionReport(case=locked, petition=petition, to_unit=unit, content=content, submitted_by=actor) for petition, unit in owed
        )
        deadline_meet(subject=locked, kind=DeadlineKind.COMPLETION_REPORT, on=timezone.localdate())
        units = list(dict.fromkeys(unit.name for _petition, unit in owed))
        event_write(
            locked,
            actor,
            CaseAction.COMPLETION_REPORT,
            note=_("To %(units)s: %(content)s") % {"units": _(", ").join(units), "content": content},
        )
        _assigning_units_notify(locked, owed, content)
    return reports


def _assigning_units_notify(case: Case, owed: list[tuple[Petition, Unit]], content: str) -> None:
    """The assigning unit's clerks and leaders. Its people may not see the case (not on its team):
    they are sent to it if they can open it, else to the petition, which they routed."""
    drafts = []
    for petition, unit in owed:
        with site_language():
            message = _("Completion report on case %(case)s (petition %(reg_no)s, assigned by %(unit)s): %(content)s") % {
                "case": case.number,
                "reg_no": petition.reg_no,
                "unit": unit.name,
                "content": Truncator(content).chars(120),
            }
        for user in unit_users(unit.pk, Role.CLERK, Role.LEADER):
            if selectors.cases_visible_to(user).filter(pk=case.pk).exists():
                link = reverse("case-detail", args=[case.pk])
            elif petitions_visible_to(user).filter(pk=petition.pk).exists():
                link = reverse("petition-detail", args=[petition.pk])
            else:
                link = ""
            drafts.append(
                notification_draft(recipient=user, kind=NotificationKind.COMPLETION_REPORT, message=message, link=link, subject=case)
            )
    notifications_send(drafts)
