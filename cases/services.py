"""Every write on a case, one function per action of the case workflow (DESIGN §5, API.md Cases).

Each function checks the acting user's permission (PermissionDenied), validates its input
(ValidationError keyed by field), then in one transaction locks the case row, checks the move from
its current state (TransitionNotAllowed, answered 409: the loser of a race gets it and nothing is
overwritten), writes the change and its CaseEvent. The caller fetched the case through
cases.selectors (outsiders got 404 before any of this).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case as DbCase
from django.db.models import Exists, OuterRef, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.models import Notification, NotificationKind, Role, Unit, User
from accounts.selectors import Directory, unit_users
from accounts.services import notification_draft, notifications_send, notify, site_language
from cases import permissions, selectors
from cases.models import (
    FINISHED_STATUSES,
    PETITIONER_WINDOWS,
    TRANSITIONS,
    Appeal,
    AppealLevel,
    Case,
    CaseAction,
    CaseEvent,
    CasePetition,
    CaseStatus,
    Deadline,
    DeadlineStatus,
    Evaluation,
    Extension,
    ExtensionStatus,
    Hearing,
    LeaderMeeting,
    MeetingKind,
    Outcome,
    Plan,
    PlanStatus,
    ProgressNote,
    Rating,
    ReminderSent,
    Reply,
    ReplyStatus,
    SupervisionOrder,
    SupervisionStatus,
)
from petitions import permissions as petition_permissions
from petitions import services as petition_services
from petitions.calendar import LoadResult, count_due, due_date, holidays_load, horizon, work_calendar
from petitions.models import TRANSITIONS as PETITION_TRANSITIONS
from petitions.models import (
    Action,
    CalendarDay,
    DeadlineKind,
    DeadlinePolicy,
    Petition,
    PetitionEvent,
    PetitionReminder,
    ReminderLevel,
    TransitionNotAllowed,
)
from petitions.selectors import OPEN_STATUSES
from petitions.services import petition_claim

# Accepting a petition (the competent unit's decision), which opens or joins a case.


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
        _event(case, actor, CaseAction.ATTACH_PETITION, from_status=case.status, note=petition.reg_no)
        return case, Action.ATTACH
    if any(case.status == CaseStatus.CONCLUDED for case in matter):
        return None, Action.NOT_ACCEPT_AGAIN
    handling = due_date(kind=DeadlineKind.HANDLING, start=accepted_on)
    case = Case.objects.create(
        category_id=petition.category_id,
        locality_id=petition.locality_id,
        accepting_unit_id=petition.responsible_unit_id,
        accepted_at=timezone.now(),
        accepted_on=accepted_on,
        accepted_by=actor,
        handling_due=handling.due_on,
    )
    CasePetition.objects.create(case=case, petition=petition, is_first=True)
    Deadline.objects.create(case=case, kind=DeadlineKind.HANDLING, start_on=accepted_on, due_on=handling.due_on)
    _event(case, actor, CaseAction.ACCEPT, note=petition.reg_no)
    return case, Action.ACCEPT


def petition_accept(*, actor: User, petition: Petition, reason: str = "", accepted_on: date | None = None) -> tuple[Petition, Case | None]:
    """The competent unit accepts a routed petition: it opens a case, joins the open one, or is refused
    as "not accepted again" when the matter's re-examination has concluded.

    Lives in cases so that petitions never imports cases; the petition's own transition is petitions'.
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
        _allowed, result = PETITION_TRANSITIONS[action]
        from_status = locked.status
        note = (reason or "").strip()
        if action == Action.NOT_ACCEPT_AGAIN:
            note = _("The same matter was concluded after re-examination (三级终结); it is not accepted again.")
        locked.status, locked.decided_at, locked.decision_reason = result, timezone.now(), note
        locked.save(update_fields=["status", "decided_at", "decision_reason"])
        PetitionEvent.objects.create(
            petition=locked, actor=actor, action=action, from_status=from_status, to_status=locked.status, unit=locked.unit, note=note
        )
    return locked, case


# The case workflow.


def _event(case: Case, actor: User, action: str, *, from_status: str = "", note: str = "") -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, actor=actor, action=action, from_status=from_status or case.status, to_status=case.status, note=note
    )


def _transition(case: Case, action: str) -> tuple[Case, str]:
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


def _move(case: Case, actor: User, action: str, *, note: str = "", fields: Sequence[str] = ()) -> Case:
    """Apply a checked transition to the locked case, save it and write the event."""
    locked, result = _transition(case, action)
    from_status = locked.status
    locked.status = result
    locked.save(update_fields=["status", *fields])
    _event(locked, actor, action, from_status=from_status, note=note)
    return locked


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [message]})
    return value


def _check_date(case: Case, value: date, field: str) -> None:
    """A date on a case lies between its acceptance and today."""
    if value < case.accepted_on:
        raise ValidationError(
            {field: [_("The case was accepted on %(date)s; a date before that is not possible.") % {"date": case.accepted_on}]}
        )
    if value > timezone.localdate():
        raise ValidationError({field: [_("The date cannot be in the future.")]})


def _deadline_open(case: Case, kind: str, start: date) -> Deadline:
    due = due_date(kind=kind, start=start)
    deadline, created = Deadline.objects.update_or_create(
        case=case,
        kind=kind,
        defaults={
            "start_on": start,
            "due_on": due.due_on,
            "paused_days": 0,
            "extension_days": 0,
            "status": DeadlineStatus.OPEN,
            "met_on": None,
        },
    )
    if not created:
        _reminders_rearm([deadline])
    return deadline


def _deadline_meet(case: Case, kind: str, on: date) -> Deadline | None:
    """Mark a step done on `on`: met if within the due date, else overdue (late is still recorded)."""
    deadline = Deadline.objects.filter(case=case, kind=kind).first()
    if deadline is None:
        return None
    deadline.met_on = on
    deadline.status = DeadlineStatus.MET if on <= deadline.due_on else DeadlineStatus.OVERDUE
    deadline.save(update_fields=["met_on", "status"])
    return deadline


def _deadline_recount(deadline: Deadline) -> Deadline:
    deadline.due_on = due_date(
        kind=deadline.kind, start=deadline.start_on, pauses=deadline.paused_days, extension_days=deadline.extension_days
    ).due_on
    deadline.save(update_fields=["due_on", "paused_days", "extension_days"])
    _reminders_rearm([deadline])
    return deadline


def case_assign(
    *,
    actor: User,
    case: Case,
    lead_official: User,
    lead_unit: Unit,
    supporting_units: Sequence[Unit] = (),
    stability_unit: Unit | None = None,
    members: Sequence[User] = (),
) -> Case:
    """Name the one lead official and the team (一名领导、一套班子); the case is then assigned."""
    permissions.require(permissions.can_assign(actor, case))
    _team_check(
        lead_official=lead_official, lead_unit=lead_unit, supporting_units=supporting_units, stability_unit=stability_unit, members=members
    )
    with transaction.atomic():
        locked = _move(case, actor, CaseAction.ASSIGN, note=str(lead_official))
        locked.lead_official, locked.lead_unit, locked.stability_unit = lead_official, lead_unit, stability_unit
        locked.save(update_fields=["lead_official", "lead_unit", "stability_unit"])
        locked.supporting_units.set(supporting_units)
        locked.members.set(members)
        with site_language():
            message = _("Case %(case)d (%(category)s) is assigned: %(lead)s leads it, %(unit)s is the lead unit.") % {
                "case": locked.pk,
                "category": locked.category.name,
                "lead": lead_official,
                "unit": lead_unit,
            }
        _case_notify(locked, [lead_official, *members], NotificationKind.ASSIGNED, message)
    return locked


def _case_notify(case: Case, recipients: Iterable[User], kind: str, message: str) -> None:
    notify(recipients=recipients, kind=kind, message=message, link=reverse("case-detail", args=[case.pk]), subject=case)


def _approval_notify(case: Case, what: str) -> None:
    """Tell the lead official that something waits for their approval (their inbox shows it too)."""
    if case.lead_official is None:
        return
    with site_language():
        message = _("Case %(case)d (%(category)s): %(what)s waits for your approval.") % {
            "case": case.pk,
            "category": case.category.name,
            "what": what,
        }
    _case_notify(case, [case.lead_official], NotificationKind.APPROVAL, message)


def _team_check(*, lead_official: User, lead_unit: Unit, supporting_units, stability_unit, members) -> None:
    errors: dict[str, list] = {}
    if not lead_official.is_active or not lead_official.has_role(Role.LEADER):
        errors["lead_official"] = [_("The lead official must be a leader.")]
    team_units = {lead_unit.pk, *(unit.pk for unit in supporting_units)} | ({stability_unit.pk} if stability_unit else set())
    outsiders = [str(member) for member in members if member.unit_id not in team_units]
    if outsiders:
        errors["members"] = [
            _("%(names)s do not belong to a unit of the team (lead, supporting or stability unit).") % {"names": _(", ").join(outsiders)}
        ]
    if errors:
        raise ValidationError(errors)


def case_lead_change(*, actor: User, case: Case, lead_official: User, reason: str) -> Case:
    """A case has exactly one lead official; replacing them is recorded with the reason."""
    permissions.require(permissions.can_assign(actor, case))
    reason = _required(reason, "reason", _("Give the reason for changing the lead official."))
    if not lead_official.is_active or not lead_official.has_role(Role.LEADER):
        raise ValidationError({"lead_official": [_("The lead official must be a leader.")]})
    with transaction.atomic():
        previous = case.lead_official
        note = _("%(previous)s → %(new)s: %(reason)s") % {"previous": previous, "new": lead_official, "reason": reason}
        locked = _move(case, actor, CaseAction.LEAD_CHANGE, note=note)
        locked.lead_official = lead_official
        locked.save(update_fields=["lead_official"])
        with site_language():
            message = _("You now lead case %(case)d (%(category)s), in place of %(previous)s.") % {
                "case": locked.pk,
                "category": locked.category.name,
                "previous": previous,
            }
        _case_notify(locked, [lead_official], NotificationKind.ASSIGNED, message)
    return locked


def plan_submit(*, actor: User, case: Case, content: str) -> Plan:
    """The team submits a plan (a new version after one was sent back)."""
    permissions.require(permissions.can_work_on(actor, case))
    content = _required(content, "content", _("Write the plan."))
    with transaction.atomic():
        locked = _move(case, actor, CaseAction.PLAN_SUBMIT)
        version = (locked.plans.order_by("-version").values_list("version", flat=True).first() or 0) + 1
        plan = Plan.objects.create(case=locked, version=version, content=content, submitted_by=actor)
        with site_language():
            _approval_notify(locked, _("plan version %(version)d") % {"version": version})
    return plan


def _plan_decide(*, actor: User, case: Case, action: str, status: str, reason: str = "") -> Plan:
    permissions.require(permissions.can_approve(actor, case))
    with transaction.atomic():
        locked = _move(case, actor, action, note=reason)
        plan = locked.plans.select_for_update().filter(status=PlanStatus.SUBMITTED).order_by("-version").first()
        if plan is None:
            raise TransitionNotAllowed(_("There is no submitted plan to decide on."))
        plan.status, plan.reason, plan.decided_by, plan.decided_at = status, reason, actor, timezone.now()
        plan.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        with site_language():
            if status == PlanStatus.APPROVED:
                message = _("Case %(case)d: %(leader)s approved plan version %(version)d.")
            else:
                message = _("Case %(case)d: %(leader)s sent plan version %(version)d back: %(reason)s")
            message %= {"case": locked.pk, "leader": actor, "version": plan.version, "reason": reason}
        _case_notify(locked, [plan.submitted_by], NotificationKind.DECIDED, message)
    return plan


def plan_approve(*, actor: User, case: Case) -> Plan:
    """The lead official approves the submitted plan; handling proceeds on it."""
    return _plan_decide(actor=actor, case=case, action=CaseAction.PLAN_APPROVE, status=PlanStatus.APPROVED)


def plan_reject(*, actor: User, case: Case, reason: str) -> Plan:
    """The lead official sends the plan back with a reason; the team submits a new version."""
    reason = _required(reason, "reason", _("Say why the plan is sent back."))
    return _plan_decide(actor=actor, case=case, action=CaseAction.PLAN_REJECT, status=PlanStatus.REJECTED, reason=reason)


def progress_add(*, actor: User, case: Case, note: str) -> ProgressNote:
    """A handler records what was done; the note is also on the timeline."""
    permissions.require(permissions.can_work_on(actor, case))
    note = _required(note, "note", _("Write what was done."))
    with transaction.atomic():
        locked = _move(case, actor, CaseAction.PROGRESS, note=note)
        return ProgressNote.objects.create(case=locked, note=note, author=actor)


def hearing_add(
    *, actor: User, case: Case, held_on: date, end_on: date, venue: str = "", participants: str = "", outcome: str = ""
) -> Hearing:
    """Record a hearing. During a re-examination its days are not counted (Art. 36): the opinion's
    deadline moves by that many days."""
    permissions.require(permissions.can_work_on(actor, case))
    _check_date(case, held_on, "held_on")
    _check_date(case, end_on, "end_on")
    if end_on < held_on:
        raise ValidationError({"end_on": [_("The hearing cannot end before it starts.")]})
    with transaction.atomic():
        note = _("%(start)s to %(end)s") % {"start": held_on, "end": end_on}
        if venue:
            note = _("%(start)s to %(end)s, %(venue)s") % {"start": held_on, "end": end_on, "venue": venue}
        locked = _move(case, actor, CaseAction.HEARING, note=note)
        hearing = Hearing.objects.create(
            case=locked, held_on=held_on, end_on=end_on, venue=venue, participants=participants, outcome=outcome, recorded_by=actor
        )
        if locked.status == CaseStatus.REEXAMINATION_REQUESTED:
            deadline = Deadline.objects.select_for_update().get(case=locked, kind=DeadlineKind.REEXAMINATION_DECISION)
            # Only days inside the period pause it: the request day itself is not counted anyway.
            first_paused = max(held_on, deadline.start_on + timedelta(days=1))
            paused = (end_on - first_paused).days + 1
            if paused > 0:
                deadline.paused_days += paused
                _deadline_recount(deadline)
    return hearing


def leader_meeting_add(*, actor: User, case: Case, kind: str, held_on: date, leader: User, note: str = "") -> LeaderMeeting:
    """Record a leader talk or reception with the petitioner."""
    permissions.require(permissions.can_work_on(actor, case))
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": [_("Choose a talk or a reception.")]})
    if not leader.has_role(Role.LEADER):
        raise ValidationError({"leader": [_("Choose a leader.")]})
    _check_date(case, held_on, "held_on")
    with transaction.atomic():
        locked = _move(case, actor, CaseAction.LEADER_MEETING, note=f"{MeetingKind(kind).label} {held_on} {leader}")
        return LeaderMeeting.objects.create(case=locked, kind=kind, held_on=held_on, leader=leader, note=note, recorded_by=actor)


def extension_request(*, actor: User, case: Case, days: int, reason: str) -> Extension:
    """Ask once for more time (Art. 34), at most the policy's cap (30 days by default)."""
    permissions.require(permissions.can_work_on(actor, case))
    reason = _required(reason, "reason", _("Give the reason; it goes into the extension notice."))
    cap = DeadlinePolicy.objects.get(kind=DeadlineKind.EXTENSION).days
    if not 1 <= days <= cap:
        raise ValidationError({"days": [_("An extension is between 1 and %(max)d days.") % {"max": cap}]})
    with transaction.atomic():
        locked = _move(case, actor, CaseAction.EXTENSION_REQUEST, note=_("%(days)d days: %(reason)s") % {"days": days, "reason": reason})
        if Extension.objects.filter(case=locked).exists():
            raise ValidationError({"days": [_("This case has already had its one extension request.")]})
        extension = Extension.objects.create(case=locked, days=days, reason=reason, requested_by=actor)
        with site_language():
            _approval_notify(locked, _("an extension of %(days)d days") % {"days": days})
        return extension


def _extension_decide(*, actor: User, case: Case, action: str, status: str, note: str = "") -> Extension:
    permissions.require(permissions.can_approve(actor, case))
    with transaction.atomic():
        locked, _result = _transition(case, action)
        extension = Extension.objects.select_for_update().filter(case=locked, status=ExtensionStatus.REQUESTED).first()
        if extension is None:
            raise TransitionNotAllowed(_("There is no extension request waiting for a decision."))
        extension.status, extension.decided_by, extension.decided_at = status, actor, timezone.now()
        extension.save(update_fields=["status", "decided_by", "decided_at"])
        if status == ExtensionStatus.APPROVED:
            deadline = Deadline.objects.select_for_update().get(case=locked, kind=DeadlineKind.HANDLING)
            deadline.extension_days = extension.days
            _deadline_recount(deadline)
            locked.handling_due = deadline.due_on
            locked.save(update_fields=["handling_due"])
            note = _("%(days)d days; handling now due %(due)s.") % {"days": extension.days, "due": deadline.due_on}
        _event(locked, actor, action, note=note)
        with site_language():
            if status == ExtensionStatus.APPROVED:
                message = _("Case %(case)d: %(leader)s approved the extension; handling is now due %(due)s.")
            else:
                message = _("Case %(case)d: %(leader)s refused the extension; handling stays due %(due)s.")
            message %= {"case": locked.pk, "leader": actor, "due": locked.handling_due.isoformat()}
        _case_notify(locked, [extension.requested_by], NotificationKind.DECIDED, message)
    return extension


def extension_approve(*, actor: User, case: Case) -> Extension:
    """The lead official approves the extension; the handling deadline moves by its days."""
    return _extension_decide(actor=actor, case=case, action=CaseAction.EXTENSION_APPROVE, status=ExtensionStatus.APPROVED)


def extension_reject(*, actor: User, case: Case, reason: str = "") -> Extension:
    """The lead official refuses the extension; the deadline stays, and no second request is possible."""
    return _extension_decide(actor=actor, case=case, action=CaseAction.EXTENSION_REJECT, status=ExtensionStatus.REJECTED, note=reason)


def reply_draft(*, actor: User, case: Case, outcome: str, content: str, legal_basis: str = "") -> Reply:
    """The team drafts the written reply (a new draft replaces one not yet approved)."""
    permissions.require(permissions.can_work_on(actor, case))
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": [_("Choose support, explain or not support.")]})
    content = _required(content, "content", _("Write the reply."))
    with transaction.atomic():
        locked = _move(case, actor, CaseAction.REPLY_DRAFT, note=Outcome(outcome).label)
        reply, _created = Reply.objects.update_or_create(
            case=locked,
            defaults={
                "outcome": outcome,
                "content": content,
                "legal_basis": legal_basis.strip(),
                "status": ReplyStatus.DRAFT,
                "drafted_by": actor,
            },
        )
        with site_language():
            _approval_notify(locked, _("the drafted reply"))
    return reply


def reply_approve(*, actor: User, case: Case) -> Reply:
    """The lead official approves the drafted reply, which may then be served."""
    permissions.require(permissions.can_approve(actor, case))
    with transaction.atomic():
        locked = _move(case, actor, CaseAction.REPLY_APPROVE)
        reply = Reply.objects.select_for_update().get(case=locked)
        reply.status, reply.approved_by, reply.approved_at = ReplyStatus.APPROVED, actor, timezone.now()
        reply.save(update_fields=["status", "approved_by", "approved_at"])
        with site_language():
            message = _("Case %(case)d: %(leader)s approved the reply; it can be served on the petitioner.") % {
                "case": locked.pk,
                "leader": actor,
            }
        _case_notify(locked, [reply.drafted_by], NotificationKind.DECIDED, message)
    return reply


def reply_serve(*, actor: User, case: Case, served_on: date) -> Reply:
    """The approved reply reached the petitioner on `served_on`: handling is met (or late), and the
    30-day window for asking a review opens."""
    permissions.require(permissions.can_work_on(actor, case))
    _check_date(case, served_on, "served_on")
    with transaction.atomic():
        locked = _move(case, actor, CaseAction.REPLY_SERVE, note=str(served_on))
        reply = Reply.objects.select_for_update().get(case=locked)
        reply.status, reply.served_on = ReplyStatus.SERVED, served_on
        reply.save(update_fields=["status", "served_on"])
        locked.handling_met_on = served_on
        locked.save(update_fields=["handling_met_on"])
        _deadline_meet(locked, DeadlineKind.HANDLING, served_on)
        _deadline_open(locked, DeadlineKind.REVIEW_REQUEST, served_on)
    return reply


def evaluation_record(*, actor: User, case: Case, rating: str, comment: str = "") -> Evaluation:
    """The petitioner's rating of the reply (满意度评价)."""
    permissions.require(permissions.can_work_on(actor, case))
    if rating not in Rating.values:
        raise ValidationError({"rating": [_("Choose satisfied, basically satisfied or dissatisfied.")]})
    with transaction.atomic():
        locked = _move(case, actor, CaseAction.EVALUATION, note=Rating(rating).label)
        return Evaluation.objects.create(case=locked, rating=rating, comment=comment, recorded_by=actor)


def case_close(*, actor: User, case: Case) -> Case:
    """The lead official closes handling; only possible once the reply is served."""
    permissions.require(permissions.can_approve(actor, case))
    with transaction.atomic():
        return _move(case, actor, CaseAction.CLOSE)


def _appeal_request(
    *, actor: User, case: Case, level: str, action: str, window: str, decision: str, requested_on: date, reason: str
) -> Appeal:
    permissions.require(permissions.can_work_on(actor, case))
    reason = _required(reason, "reason", _("Give the petitioner's reason."))
    _check_date(case, requested_on, "requested_on")
    with transaction.atomic():
        locked = _move(case, actor, action, note=reason)
        deadline = Deadline.objects.select_for_update().filter(case=locked, kind=window).first()
        if deadline is None or requested_on > deadline.due_on or requested_on < deadline.start_on:
            due = deadline.due_on if deadline else "—"
            raise ValidationError({"requested_on": [_("The window for this request closed on %(date)s.") % {"date": due}]})
        _deadline_meet(locked, window, requested_on)
        _deadline_open(locked, decision, requested_on)
        return Appeal.objects.create(case=locked, level=level, requested_on=requested_on, reason=reason, recorded_by=actor)


def _appeal_decide(
    *,
    actor: User,
    case: Case,
    level: str,
    action: str,
    decision: str,
    next_window: str | None,
    outcome: str,
    content: str,
    served_on: date,
    legal_basis: str = "",
) -> Appeal:
    permissions.require(permissions.can_decide_appeal(actor, case))
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": [_("Choose support, explain or not support.")]})
    content = _required(content, "content", _("Write the opinion."))
    _check_date(case, served_on, "served_on")
    with transaction.atomic():
        locked = _move(case, actor, action, note=Outcome(outcome).label)
        appeal = Appeal.objects.select_for_update().get(case=locked, level=level)
        if served_on < appeal.requested_on:
            raise ValidationError(
                {"served_on": [_("The opinion cannot be served before it was requested (%(date)s).") % {"date": appeal.requested_on}]}
            )
        appeal.outcome, appeal.content, appeal.served_on, appeal.decided_by = outcome, content, served_on, actor
        appeal.legal_basis = legal_basis.strip()
        appeal.save(update_fields=["outcome", "content", "legal_basis", "served_on", "decided_by"])
        _deadline_meet(locked, decision, served_on)
        if next_window:
            _deadline_open(locked, next_window, served_on)
    return appeal


def review_request(*, actor: User, case: Case, requested_on: date, reason: str) -> Appeal:
    """The petitioner asks for review (复查), within 30 days of the reply being served; the review
    opinion is then due in 30 days."""
    return _appeal_request(
        actor=actor,
        case=case,
        level=AppealLevel.REVIEW,
        action=CaseAction.REVIEW_REQUEST,
        window=DeadlineKind.REVIEW_REQUEST,
        decision=DeadlineKind.REVIEW_DECISION,
        requested_on=requested_on,
        reason=reason,
    )


def review_decide(*, actor: User, case: Case, outcome: str, content: str, served_on: date, legal_basis: str = "") -> Appeal:
    """The county's review opinion; serving it opens the 30-day window for re-examination."""
    return _appeal_decide(
        actor=actor,
        case=case,
        level=AppealLevel.REVIEW,
        action=CaseAction.REVIEW_DECIDE,
        decision=DeadlineKind.REVIEW_DECISION,
        next_window=DeadlineKind.REEXAMINATION_REQUEST,
        outcome=outcome,
        content=content,
        served_on=served_on,
        legal_basis=legal_basis,
    )


def reexamination_request(*, actor: User, case: Case, requested_on: date, reason: str) -> Appeal:
    """The petitioner asks for re-examination (复核) within 30 days of the review opinion."""
    return _appeal_request(
        actor=actor,
        case=case,
        level=AppealLevel.REEXAMINATION,
        action=CaseAction.REEXAMINATION_REQUEST,
        window=DeadlineKind.REEXAMINATION_REQUEST,
        decision=DeadlineKind.REEXAMINATION_DECISION,
        requested_on=requested_on,
        reason=reason,
    )


def reexamination_decide(*, actor: User, case: Case, outcome: str, content: str, served_on: date, legal_basis: str = "") -> Appeal:
    """The re-examination opinion concludes the matter (三级终结): the same matter is not accepted again."""
    return _appeal_decide(
        actor=actor,
        case=case,
        level=AppealLevel.REEXAMINATION,
        action=CaseAction.REEXAMINATION_DECIDE,
        decision=DeadlineKind.REEXAMINATION_DECISION,
        next_window=None,
        outcome=outcome,
        content=content,
        served_on=served_on,
        legal_basis=legal_basis,
    )


# The holiday calendar and the deadline policies. Changing either can move open deadlines on
# petitions and on cases; petitions never imports cases, so the orchestration of both lives here.


@dataclass(frozen=True)
class DeadlinesMoved:
    """How many open petitions and cases got a new due date from one change."""

    petitions: int = 0
    cases: int = 0


class ActorRequired(Exception):
    """A change that moves deadlines was made without naming who is accountable for it."""


def calendar_day_save(*, actor: User, day: CalendarDay) -> DeadlinesMoved:
    """Save a holiday or make-up working day; open petition and case deadlines it changes move with it."""
    with transaction.atomic():
        previous_date = CalendarDay.objects.filter(pk=day.pk).values_list("date", flat=True).first() if day.pk else None
        petitions_moved = petition_services.calendar_day_save(actor=actor, day=day)
        changed_from = min(filter(None, [day.date, previous_date]))
        cases_moved = case_deadlines_recompute(actor=actor, changed_from=changed_from)
    return DeadlinesMoved(petitions=petitions_moved, cases=cases_moved)


def calendar_day_delete(*, actor: User, day: CalendarDay) -> DeadlinesMoved:
    """Delete a calendar day (it follows the weekend rule again); the deadlines it changes move back."""
    with transaction.atomic():
        petitions_moved = petition_services.calendar_day_delete(actor=actor, day=day)
        cases_moved = case_deadlines_recompute(actor=actor, changed_from=day.date)
    return DeadlinesMoved(petitions=petitions_moved, cases=cases_moved)


def holidays_reload(*, actor: User | None, years: Iterable[int] | None = None) -> tuple[LoadResult, DeadlinesMoved]:
    """Re-seed the calendar from the `chinesecalendar` package and move the open deadlines it changes.

    Each moved deadline's event names who made the change. Without an `actor`, a reload that
    changes the calendar while open deadlines run into the years it touches is refused
    (ActorRequired, nothing saved) rather than moving dates with nobody on the timeline.
    """
    with transaction.atomic():
        result = holidays_load(years=years)
        if not (result.created or result.updated or result.deleted):
            return result, DeadlinesMoved()
        changed_from = date(result.years[0], 1, 1)
        if actor is None:
            if _open_deadlines_exist(changed_from):
                raise ActorRequired(changed_from)
            return result, DeadlinesMoved()
        moved = DeadlinesMoved(
            petitions=petition_services.decision_deadlines_recompute(actor=actor, changed_from=changed_from),
            cases=case_deadlines_recompute(actor=actor, changed_from=changed_from),
        )
    return result, moved


def _open_deadlines_exist(changed_from: date) -> bool:
    return (
        Petition.objects.filter(status__in=OPEN_STATUSES, decision_due__gte=changed_from).exists()
        or Deadline.objects.filter(status=DeadlineStatus.OPEN, due_on__gte=changed_from).exists()
    )


def deadline_policy_save(*, actor: User, policy: DeadlinePolicy) -> DeadlinesMoved:
    """Save a step's limit or counting rule; the open deadlines of that step are recounted by it.

    Deadline.explanation() and the petition page recount on today's policy, so a stored due date
    left on the old one would contradict its own explanation. The extension cap is no period:
    approved extensions keep their days, and the new cap applies to requests from now on.
    """
    with transaction.atomic():
        petitions_moved = petition_services.deadline_policy_save(actor=actor, policy=policy)
        if policy.kind == DeadlineKind.EXTENSION:
            return DeadlinesMoved(petitions=petitions_moved)
        cases_moved = case_deadlines_recompute(actor=actor, kind=policy.kind, by_policy=True)
    return DeadlinesMoved(petitions=petitions_moved, cases=cases_moved)


def case_deadlines_recompute(*, actor: User, changed_from: date = date.min, kind: str | None = None, by_policy: bool = False) -> int:
    """Recount the open case deadlines a change can move: due on or after `changed_from` (and of `kind`).

    Those that moved are saved with a DEADLINE_RECOMPUTED event each, and Case.handling_due follows
    the handling deadline. Returns how many cases moved. Call inside the transaction of the change.

    A due date before the changed day was counted without looking at it, so only later ones are
    recounted. Every case with an open deadline is locked first, in the services' order (case, then
    deadline): an extension, hearing or appeal under way on the old calendar finishes first and is
    recounted here, or starts after and counts on the new one; neither overwrites the other. One read
    of the policies and one of the calendar, one update of deadlines and one of cases, one insert.
    """
    open_deadlines = Deadline.objects.filter(status=DeadlineStatus.OPEN)
    list(Case.objects.select_for_update().filter(pk__in=open_deadlines.values("case_id")).order_by("pk").values_list("pk", flat=True))
    # A supervision order's date is the supervisor's, not counted.
    candidates = open_deadlines.filter(due_on__gte=changed_from).exclude(kind=DeadlineKind.SUPERVISION)
    if kind is not None:
        candidates = candidates.filter(kind=kind)
    deadlines = list(candidates.select_related("case").only(*_RECOUNT_FIELDS).order_by("pk"))
    if not deadlines:
        return 0
    policies = DeadlinePolicy.objects.in_bulk(field_name="kind")
    counts = {deadline.pk: deadline.counted_with(policies[deadline.kind]) for deadline in deadlines}
    calendar = work_calendar(
        first=min(deadline.start_on for deadline in deadlines) + timedelta(days=1),
        last=max(horizon(**count) for count in counts.values()),
    )
    moved, moved_cases, handling_moved, events = [], set(), [], []
    for deadline in deadlines:
        due_on = count_due(calendar=calendar, **counts[deadline.pk]).due_on
        if due_on == deadline.due_on:
            continue
        case = deadline.case
        events.append(
            CaseEvent(
                case=case,
                actor=actor,
                action=CaseAction.DEADLINE_RECOMPUTED,
                from_status=case.status,
                to_status=case.status,
                note=_recompute_note(deadline, due_on, by_policy=by_policy),
            )
        )
        deadline.due_on = due_on
        moved.append(deadline)
        moved_cases.add(case.pk)
        if deadline.kind == DeadlineKind.HANDLING:
            case.handling_due = due_on
            handling_moved.append(case)
    Deadline.objects.bulk_update(moved, ["due_on"])
    _reminders_rearm(moved)
    Case.objects.bulk_update(handling_moved, ["handling_due"])
    CaseEvent.objects.bulk_create(events)
    return len(moved_cases)


_RECOUNT_FIELDS = ("kind", "start_on", "due_on", "paused_days", "extension_days", "case__status", "case__handling_due")


def _recompute_note(deadline: Deadline, due_on: date, *, by_policy: bool) -> str:
    if by_policy:
        message = _("%(deadline)s deadline moved from %(old)s to %(new)s by a change to the deadline policy.")
    else:
        message = _("%(deadline)s deadline moved from %(old)s to %(new)s by a change to the holiday calendar.")
    return message % {"deadline": deadline.get_kind_display(), "old": deadline.due_on.isoformat(), "new": due_on.isoformat()}


# Supervision orders (督办, DESIGN §7).


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
        locked = _move(
            case,
            actor,
            CaseAction.SUPERVISION_ISSUE,
            note=_("%(unit)s, respond by %(due)s: %(instruction)s") % {"unit": unit, "due": due_on, "instruction": instruction},
        )
        deadline = Deadline.objects.create(case=locked, kind=DeadlineKind.SUPERVISION, start_on=today, due_on=due_on)
        order = SupervisionOrder.objects.create(
            case=locked, unit=unit, instruction=instruction, due_on=due_on, deadline=deadline, issued_by=actor
        )
        with site_language():
            message = _("Supervision order on case %(case)d for %(unit)s, respond by %(due)s: %(instruction)s") % {
                "case": locked.pk,
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
    response = _required(response, "response", _("Write what the unit did."))
    with transaction.atomic():
        locked_order = SupervisionOrder.objects.select_for_update().get(pk=order.pk)
        if locked_order.status != SupervisionStatus.OPEN:
            raise TransitionNotAllowed(_("This supervision order has already been answered."))
        case = _move(order.case, actor, CaseAction.SUPERVISION_RESPOND, note=response)
        today = timezone.localdate()
        locked_order.status, locked_order.response = SupervisionStatus.ANSWERED, response
        locked_order.responded_by, locked_order.responded_at = actor, timezone.now()
        locked_order.save(update_fields=["status", "response", "responded_by", "responded_at"])
        deadline = Deadline.objects.select_for_update().get(pk=locked_order.deadline_id)
        deadline.met_on = today
        deadline.status = DeadlineStatus.MET if today <= deadline.due_on else DeadlineStatus.OVERDUE
        deadline.save(update_fields=["met_on", "status"])
        with site_language():
            message = _("%(unit)s answered the supervision order on case %(case)d: %(response)s") % {
                "unit": locked_order.unit,
                "case": case.pk,
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


# Reminders (DESIGN §6): the scan that beat runs every few minutes and `manage.py scan_deadlines` by hand.


@dataclass(frozen=True)
class ScanResult:
    reminders: int
    notifications: int


def _reminder_level(due_on: date, as_of: date) -> str:
    if due_on < as_of:
        return ReminderLevel.OVERDUE
    if due_on == as_of:
        return ReminderLevel.DUE_TODAY
    return ReminderLevel.DUE_SOON


def deadlines_scan(*, as_of: date | None = None, batch_size: int = 1000) -> ScanResult:
    """Send the reminder each open deadline has reached on `as_of` (default today), once: the case
    deadlines, then the decision deadlines of petitions not yet decided.

    It reads the database, so a scan run late catches up: a deadline that went from "due soon" to
    overdue while nothing ran gets the overdue reminder (the earlier ones would say something no
    longer true). The petitioner's own windows get none. Deadlines are taken in batches by id, each
    batch in its own transaction: memory stays bounded and an interrupted scan keeps what it sent.
    Two scans at once each claim a reminder with an insert the unique constraint arbitrates, and only
    the winner notifies.
    """
    as_of = as_of or timezone.localdate()
    candidates = (
        Deadline.objects.filter(status=DeadlineStatus.OPEN, due_on__lte=as_of + timedelta(days=settings.REMINDER_DUE_SOON_DAYS))
        .exclude(kind__in=PETITIONER_WINDOWS)
        .annotate(level=_level_of("due_on", as_of))
        .exclude(Exists(ReminderSent.objects.filter(deadline=OuterRef("pk"), level=OuterRef("level"))))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    petitions = (
        Petition.objects.filter(status__in=OPEN_STATUSES, decision_due__lte=as_of + timedelta(days=settings.REMINDER_DUE_SOON_DAYS))
        .annotate(level=_level_of("decision_due", as_of))
        .exclude(Exists(PetitionReminder.objects.filter(petition=OuterRef("pk"), level=OuterRef("level"))))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    directory = Directory()
    reminders = notifications = 0
    for listed, claim, drafts in (
        (candidates, _reminders_claim, _reminder_drafts),
        (petitions, _petition_reminders_claim, _petition_reminder_drafts),
    ):
        last_pk = 0
        while batch := list(listed.filter(pk__gt=last_pk)[:batch_size]):
            last_pk = batch[-1]
            with transaction.atomic():
                claimed = claim(batch, as_of)
                sent = notifications_send(drafts(claimed, as_of, directory))
            reminders += len(claimed)
            notifications += len(sent)
    return ScanResult(reminders=reminders, notifications=notifications)


def _level_of(field: str, as_of: date) -> DbCase:
    """_reminder_level in SQL."""
    return DbCase(
        When(**{f"{field}__lt": as_of}, then=Value(ReminderLevel.OVERDUE)),
        When(**{field: as_of}, then=Value(ReminderLevel.DUE_TODAY)),
        default=Value(ReminderLevel.DUE_SOON),
    )


def _claim(model, column: str, rows: list[tuple]) -> set[int]:
    """Insert (object id, level, due_on, sent_at) reminder rows; returns the ids whose row this call
    inserted. The unique constraint on (object, level) decides between two scans at once."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({column}, level, due_on, sent_at) VALUES {', '.join(['(%s, %s, %s, %s)'] * len(rows))} "
            f"ON CONFLICT ({column}, level) DO NOTHING RETURNING {column}",
            [value for row in rows for value in row],
        )
        return {object_id for (object_id,) in cursor.fetchall()}


def _reminders_claim(deadline_ids: list[int], as_of: date) -> list[Deadline]:
    """Lock the batch's deadlines, re-read them (one may have been met or moved since the batch was
    listed) and insert their reminder rows; returns the deadlines whose row this scan inserted."""
    deadlines = {
        deadline.pk: deadline
        for deadline in Deadline.objects.select_for_update(of=("self",))
        .filter(pk__in=deadline_ids, status=DeadlineStatus.OPEN)
        .select_related("case__category", "supervision_order")
    }
    if not deadlines:
        return []
    now = timezone.now()
    rows = [(deadline.pk, _reminder_level(deadline.due_on, as_of), deadline.due_on, now) for deadline in deadlines.values()]
    won = _claim(ReminderSent, "deadline_id", rows)
    return [deadline for pk, deadline in deadlines.items() if pk in won]


def _petition_reminders_claim(petition_ids: list[int], as_of: date) -> list[Petition]:
    """As _reminders_claim, for the decision deadlines of petitions not yet decided."""
    petitions = {
        petition.pk: petition
        for petition in Petition.objects.select_for_update(of=("self",))
        .filter(pk__in=petition_ids, status__in=OPEN_STATUSES)
        .select_related("category")
        .only("pk", "reg_no", "status", "unit_id", "intake_unit_id", "decision_due", "category__name")
    }
    if not petitions:
        return []
    now = timezone.now()
    rows = [(petition.pk, _reminder_level(petition.decision_due, as_of), petition.decision_due, now) for petition in petitions.values()]
    won = _claim(PetitionReminder, "petition_id", rows)
    return [petition for pk, petition in petitions.items() if pk in won]


def _petition_reminder_drafts(petitions: list[Petition], as_of: date, directory: Directory) -> list[Notification]:
    """The unit that must decide (its clerks and handlers) is reminded; overdue also the supervisors."""
    drafts = []
    with site_language():
        for petition in petitions:
            level = _reminder_level(petition.decision_due, as_of)
            values = {
                "reg_no": petition.reg_no,
                "category": petition.category.name,
                "due": petition.decision_due.isoformat(),
                "days": abs((petition.decision_due - as_of).days),
            }
            if level == ReminderLevel.OVERDUE:
                message = _("Petition %(reg_no)s (%(category)s): the decision to accept was due on %(due)s, %(days)d days ago.") % values
            elif level == ReminderLevel.DUE_TODAY:
                message = _("Petition %(reg_no)s (%(category)s): the decision to accept is due today, %(due)s.") % values
            else:
                message = _("Petition %(reg_no)s (%(category)s): the decision to accept is due %(due)s, in %(days)d days.") % values
            recipients = directory.in_unit(petition.responsible_unit_id, Role.CLERK, Role.HANDLER)
            if level == ReminderLevel.OVERDUE:
                recipients += directory.with_role(Role.SUPERVISOR)
            link = reverse("petition-detail", args=[petition.pk])
            drafts += [
                notification_draft(recipient=user, kind=_REMINDER_KINDS[level], message=message, link=link, subject=petition)
                for user in recipients
            ]
    return drafts


_APPEAL_DECISIONS = frozenset({DeadlineKind.REVIEW_DECISION, DeadlineKind.REEXAMINATION_DECISION})


def _reminder_recipients(deadline: Deadline, level: str, members: list[User], directory: Directory) -> list[User]:
    """Who answers for this deadline: for a supervision order, the ordered unit's leaders and handlers;
    for a review or re-examination opinion, the county office that decides it and the lead official;
    otherwise the lead official and the team members (the lead unit's handlers when no member is
    named, the accepting unit's leaders while nobody is assigned). Overdue also reaches the supervisors."""
    case = deadline.case
    if deadline.kind == DeadlineKind.SUPERVISION:
        recipients = directory.in_unit(deadline.supervision_order.unit_id, Role.LEADER, Role.HANDLER)
    else:
        lead = directory.users.get(case.lead_official_id)
        recipients = [lead] if lead else directory.in_unit(case.accepting_unit_id, Role.LEADER)
        recipients += members or directory.in_unit(case.lead_unit_id or case.accepting_unit_id, Role.HANDLER)
        if deadline.kind in _APPEAL_DECISIONS:
            recipients += directory.with_role(Role.SUPERVISOR)
    if level == ReminderLevel.OVERDUE:
        recipients += directory.with_role(Role.SUPERVISOR)
    return recipients


def _reminder_message(deadline: Deadline, level: str, as_of: date) -> str:
    values = {
        "case": deadline.case_id,
        "category": deadline.case.category.name,
        "step": deadline.get_kind_display(),
        "due": deadline.due_on.isoformat(),
        "days": abs((deadline.due_on - as_of).days),
    }
    if level == ReminderLevel.OVERDUE:
        return _("Case %(case)d (%(category)s): the %(step)s deadline passed on %(due)s, %(days)d days ago.") % values
    if level == ReminderLevel.DUE_TODAY:
        return _("Case %(case)d (%(category)s): the %(step)s deadline is today, %(due)s.") % values
    return _("Case %(case)d (%(category)s): the %(step)s deadline is %(due)s, in %(days)d days.") % values


_REMINDER_KINDS = {
    ReminderLevel.DUE_SOON: NotificationKind.DUE_SOON,
    ReminderLevel.DUE_TODAY: NotificationKind.DUE_TODAY,
    ReminderLevel.OVERDUE: NotificationKind.OVERDUE,
}


def _reminder_drafts(deadlines: list[Deadline], as_of: date, directory: Directory) -> list[Notification]:
    members: dict[int, list[User]] = {}
    for case_id, user_id in Case.members.through.objects.filter(case_id__in={d.case_id for d in deadlines}).values_list(
        "case_id", "user_id"
    ):
        if user_id in directory.users:
            members.setdefault(case_id, []).append(directory.users[user_id])
    drafts = []
    with site_language():
        for deadline in deadlines:
            level = _reminder_level(deadline.due_on, as_of)
            message = _reminder_message(deadline, level, as_of)
            link = reverse("case-detail", args=[deadline.case_id])
            for user in _reminder_recipients(deadline, level, members.get(deadline.case_id, []), directory):
                drafts.append(
                    notification_draft(recipient=user, kind=_REMINDER_KINDS[level], message=message, link=link, subject=deadline.case)
                )
    return drafts


def _reminders_rearm(deadlines: Iterable[Deadline]) -> None:
    """A due date moved: the reminders sent for the old one no longer count."""
    ReminderSent.objects.filter(deadline__in=[deadline.pk for deadline in deadlines]).delete()
