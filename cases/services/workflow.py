"""Every write on a case's handling, one function per action of the case workflow (DESIGN §5, API.md Cases).

Each function checks the acting user's permission (PermissionDenied), validates its input
(ValidationError keyed by field), then in one transaction locks the case row, checks the move from
its current state (cases.services.transitions), writes the change and its CaseEvent. The caller
fetched the case through cases.selectors (outsiders got 404 before any of this).
"""

from collections.abc import Sequence
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, Role, Unit, User
from accounts.selectors import unit_users
from accounts.services import site_language
from cases import permissions
from cases.models import (
    Appeal,
    AppealLevel,
    Case,
    CaseAction,
    CaseStatus,
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
    Reply,
    ReplyStatus,
)
from cases.services.transitions import case_notify, date_check, event_write, required_text, transition_apply, transition_claim
from deadlines.models import DeadlineKind, DeadlinePolicy
from deadlines.selectors import deadlines_of
from deadlines.services import deadline_done, deadline_extend, deadline_locked, deadline_meet, deadline_open, deadline_pause
from petitions.models import TransitionNotAllowed


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
        locked = transition_apply(case, actor, CaseAction.ASSIGN, note=str(lead_official))
        locked.lead_official, locked.lead_unit, locked.stability_unit = lead_official, lead_unit, stability_unit
        locked.save(update_fields=["lead_official", "lead_unit", "stability_unit"])
        locked.supporting_units.set(supporting_units)
        locked.members.set(members)
        with site_language():
            message = _("Case %(case)s (%(category)s) is assigned: %(lead)s leads it, %(unit)s is the lead unit.") % {
                "case": locked.number,
                "category": locked.category.name,
                "lead": lead_official,
                "unit": lead_unit,
            }
        case_notify(locked, [lead_official, *members], NotificationKind.ASSIGNED, message)
    return locked


def _approval_notify(case: Case, what: str, approvers: Sequence[User] | None = None) -> None:
    """Tell the approvers (the lead official unless named) that something waits for their approval
    (their inbox shows it too)."""
    if approvers is None:
        approvers = [case.lead_official] if case.lead_official is not None else []
    if not approvers:
        return
    with site_language():
        message = _("Case %(case)s (%(category)s): %(what)s waits for your approval.") % {
            "case": case.number,
            "category": case.category.name,
            "what": what,
        }
    case_notify(case, approvers, NotificationKind.APPROVAL, message)


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
    reason = required_text(reason, "reason", _("Give the reason for changing the lead official."))
    if not lead_official.is_active or not lead_official.has_role(Role.LEADER):
        raise ValidationError({"lead_official": [_("The lead official must be a leader.")]})
    with transaction.atomic():
        previous = case.lead_official
        note = _("%(previous)s → %(new)s: %(reason)s") % {"previous": previous, "new": lead_official, "reason": reason}
        locked = transition_apply(case, actor, CaseAction.LEAD_CHANGE, note=note)
        locked.lead_official = lead_official
        locked.save(update_fields=["lead_official"])
        with site_language():
            message = _("You now lead case %(case)s (%(category)s), in place of %(previous)s.") % {
                "case": locked.number,
                "category": locked.category.name,
                "previous": previous,
            }
        case_notify(locked, [lead_official], NotificationKind.ASSIGNED, message)
    return locked


def plan_submit(*, actor: User, case: Case, content: str) -> Plan:
    """The team submits a plan (a new version after one was sent back)."""
    permissions.require(permissions.can_work_on(actor, case))
    content = required_text(content, "content", _("Write the plan."))
    with transaction.atomic():
        locked = transition_apply(case, actor, CaseAction.PLAN_SUBMIT)
        version = (locked.plans.order_by("-version").values_list("version", flat=True).first() or 0) + 1
        plan = Plan.objects.create(case=locked, version=version, content=content, submitted_by=actor)
        with site_language():
            _approval_notify(locked, _("plan version %(version)d") % {"version": version})
    return plan


def _plan_decide(*, actor: User, case: Case, action: str, status: str, reason: str = "") -> Plan:
    permissions.require(permissions.can_approve(actor, case))
    with transaction.atomic():
        locked = transition_apply(case, actor, action, note=reason)
        plan = locked.plans.select_for_update().filter(status=PlanStatus.SUBMITTED).order_by("-version").first()
        if plan is None:
            raise TransitionNotAllowed(_("There is no submitted plan to decide on."))
        plan.status, plan.reason, plan.decided_by, plan.decided_at = status, reason, actor, timezone.now()
        plan.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        with site_language():
            if status == PlanStatus.APPROVED:
                message = _("Case %(case)s: %(leader)s approved plan version %(version)d.")
            else:
                message = _("Case %(case)s: %(leader)s sent plan version %(version)d back: %(reason)s")
            message %= {"case": locked.number, "leader": actor, "version": plan.version, "reason": reason}
        case_notify(locked, [plan.submitted_by], NotificationKind.DECIDED, message)
    return plan


def plan_approve(*, actor: User, case: Case) -> Plan:
    """The lead official approves the submitted plan; handling proceeds on it."""
    return _plan_decide(actor=actor, case=case, action=CaseAction.PLAN_APPROVE, status=PlanStatus.APPROVED)


def plan_reject(*, actor: User, case: Case, reason: str) -> Plan:
    """The lead official sends the plan back with a reason; the team submits a new version."""
    reason = required_text(reason, "reason", _("Say why the plan is sent back."))
    return _plan_decide(actor=actor, case=case, action=CaseAction.PLAN_REJECT, status=PlanStatus.REJECTED, reason=reason)


def progress_add(*, actor: User, case: Case, note: str) -> ProgressNote:
    """A handler records what was done; the note is also on the timeline."""
    permissions.require(permissions.can_work_on(actor, case))
    note = required_text(note, "note", _("Write what was done."))
    with transaction.atomic():
        locked = transition_apply(case, actor, CaseAction.PROGRESS, note=note)
        return ProgressNote.objects.create(case=locked, note=note, author=actor)


def hearing_add(
    *, actor: User, case: Case, held_on: date, end_on: date, venue: str = "", participants: str = "", outcome: str = ""
) -> Hearing:
    """Record a hearing. During a re-examination its days are not counted (Art. 36): the opinion's
    deadline moves by that many days."""
    permissions.require(permissions.can_work_on(actor, case))
    date_check(case, held_on, "held_on")
    date_check(case, end_on, "end_on")
    if end_on < held_on:
        raise ValidationError({"end_on": [_("The hearing cannot end before it starts.")]})
    with transaction.atomic():
        note = _("%(start)s to %(end)s") % {"start": held_on, "end": end_on}
        if venue:
            note = _("%(start)s to %(end)s, %(venue)s") % {"start": held_on, "end": end_on, "venue": venue}
        locked = transition_apply(case, actor, CaseAction.HEARING, note=note)
        hearing = Hearing.objects.create(
            case=locked, held_on=held_on, end_on=end_on, venue=venue, participants=participants, outcome=outcome, recorded_by=actor
        )
        if locked.status == CaseStatus.REEXAMINATION_REQUESTED:
            deadline = deadline_locked(subject=locked, kind=DeadlineKind.REEXAMINATION_DECISION)
            # Only days inside the period pause it: the request day itself is not counted anyway.
            first_paused = max(held_on, deadline.start_on + timedelta(days=1))
            paused = (end_on - first_paused).days + 1
            if paused > 0:
                deadline_pause(deadline=deadline, days=paused)
    return hearing


def leader_meeting_add(*, actor: User, case: Case, kind: str, held_on: date, leader: User, note: str = "") -> LeaderMeeting:
    """Record a leader talk or reception with the petitioner."""
    permissions.require(permissions.can_work_on(actor, case))
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": [_("Choose a talk or a reception.")]})
    if not leader.has_role(Role.LEADER):
        raise ValidationError({"leader": [_("Choose a leader.")]})
    date_check(case, held_on, "held_on")
    with transaction.atomic():
        locked = transition_apply(case, actor, CaseAction.LEADER_MEETING, note=f"{MeetingKind(kind).label} {held_on} {leader}")
        return LeaderMeeting.objects.create(case=locked, kind=kind, held_on=held_on, leader=leader, note=note, recorded_by=actor)


def extension_request(*, actor: User, case: Case, days: int, reason: str) -> Extension:
    """Ask once for more time (Art. 34), at most the policy's cap (30 days by default). The head of
    the lead unit decides: its leaders are told."""
    permissions.require(permissions.can_work_on(actor, case))
    reason = required_text(reason, "reason", _("Give the reason; it goes into the extension notice."))
    cap = DeadlinePolicy.objects.get(kind=DeadlineKind.EXTENSION).days
    if not 1 <= days <= cap:
        raise ValidationError({"days": [_("An extension is between 1 and %(max)d days.") % {"max": cap}]})
    with transaction.atomic():
        locked = transition_apply(
            case, actor, CaseAction.EXTENSION_REQUEST, note=_("%(days)d days: %(reason)s") % {"days": days, "reason": reason}
        )
        heads = unit_users(locked.lead_unit_id, Role.LEADER) if locked.lead_unit_id else []
        if not heads:
            # Nobody else may decide it (Art. 34): a request no one can see would only run the clock out.
            raise ValidationError(
                _("%(unit)s has no leader in the system to decide an extension; ask an administrator to add its head.")
                % {"unit": locked.lead_unit or _("The lead unit")}
            )
        if Extension.objects.filter(case=locked).exists():
            raise ValidationError({"days": [_("This case has already had its one extension request.")]})
        extension = Extension.objects.create(case=locked, days=days, reason=reason, requested_by=actor)
        with site_language():
            _approval_notify(locked, _("an extension of %(days)d days") % {"days": days}, heads)
        return extension


def _extension_decide(*, actor: User, case: Case, action: str, status: str, reason: str = "") -> Extension:
    permissions.require(permissions.can_decide_extension(actor, case))
    with transaction.atomic():
        locked, _result = transition_claim(case, action)
        extension = Extension.objects.select_for_update().filter(case=locked, status=ExtensionStatus.REQUESTED).first()
        if extension is None:
            raise TransitionNotAllowed(_("There is no extension request waiting for a decision."))
        extension.status, extension.decided_by, extension.decided_at = status, actor, timezone.now()
        extension.save(update_fields=["status", "decided_by", "decided_at"])
        note = reason
        if status == ExtensionStatus.APPROVED:
            deadline = deadline_extend(deadline=deadline_locked(subject=locked, kind=DeadlineKind.HANDLING), days=extension.days)
            locked.handling_due = deadline.due_on
            locked.save(update_fields=["handling_due"])
            # An assigned petition's completion report is owed when the handling is done: it moves with it.
            report = deadlines_of(locked).select_for_update().filter(kind=DeadlineKind.COMPLETION_REPORT, met_on__isnull=True).first()
            if report is not None:
                deadline_extend(deadline=report, days=extension.days)
            note = _("%(days)d days; handling now due %(due)s.") % {"days": extension.days, "due": deadline.due_on}
        event_write(locked, actor, action, note=note)
        with site_language():
            if status == ExtensionStatus.APPROVED:
                message = _("Case %(case)s: %(leader)s approved the extension; handling is now due %(due)s.")
            else:
                message = _("Case %(case)s: %(leader)s refused the extension (%(reason)s); handling stays due %(due)s.")
            message %= {"case": locked.number, "leader": actor, "due": locked.handling_due.isoformat(), "reason": reason}
        case_notify(locked, [extension.requested_by], NotificationKind.DECIDED, message)
    return extension


def extension_approve(*, actor: User, case: Case) -> Extension:
    """The head of the lead unit approves the extension; the handling deadline moves by its days."""
    return _extension_decide(actor=actor, case=case, action=CaseAction.EXTENSION_APPROVE, status=ExtensionStatus.APPROVED)


def extension_reject(*, actor: User, case: Case, reason: str) -> Extension:
    """The head of the lead unit refuses the extension, saying why; the deadline stays, and no second
    request is possible."""
    reason = required_text(reason, "reason", _("Say why the extension is refused."))
    return _extension_decide(actor=actor, case=case, action=CaseAction.EXTENSION_REJECT, status=ExtensionStatus.REJECTED, reason=reason)


def reply_draft(*, actor: User, case: Case, outcome: str, content: str, legal_basis: str) -> Reply:
    """The team drafts the written reply and submits it to the lead official (a new draft replaces one
    not yet approved, or one sent back). It states its legal basis (Art. 32)."""
    permissions.require(permissions.can_work_on(actor, case))
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": [_("Choose support, explain or not support.")]})
    content = required_text(content, "content", _("Write the reply."))
    legal_basis = required_text(legal_basis, "legal_basis", _("Name the laws and articles the reply rests on."))
    with transaction.atomic():
        locked = transition_apply(case, actor, CaseAction.REPLY_DRAFT, note=str(Outcome(outcome).label))
        reply, _created = Reply.objects.update_or_create(
            case=locked,
            defaults={
                "outcome": outcome,
                "content": content,
                "legal_basis": legal_basis,
                "status": ReplyStatus.DRAFT,
                "returned_reason": "",
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
        locked = transition_apply(case, actor, CaseAction.REPLY_APPROVE)
        reply = Reply.objects.select_for_update().get(case=locked)
        reply.status, reply.approved_by, reply.approved_at = ReplyStatus.APPROVED, actor, timezone.now()
        reply.save(update_fields=["status", "approved_by", "approved_at"])
        with site_language():
            message = _("Case %(case)s: %(leader)s approved the reply; it can be served on the petitioner.") % {
                "case": locked.number,
                "leader": actor,
            }
        case_notify(locked, [reply.drafted_by], NotificationKind.DECIDED, message)
    return reply


def reply_reject(*, actor: User, case: Case, reason: str) -> Reply:
    """The lead official sends the draft back with a reason; the team drafts it again."""
    permissions.require(permissions.can_approve(actor, case))
    reason = required_text(reason, "reason", _("Say why the reply is sent back."))
    with transaction.atomic():
        locked = transition_apply(case, actor, CaseAction.REPLY_REJECT, note=reason)
        reply = Reply.objects.select_for_update().get(case=locked)
        reply.status, reply.returned_reason = ReplyStatus.RETURNED, reason
        reply.save(update_fields=["status", "returned_reason"])
        with site_language():
            message = _("Case %(case)s: %(leader)s sent the drafted reply back: %(reason)s") % {
                "case": locked.number,
                "leader": actor,
                "reason": reason,
            }
        case_notify(locked, [reply.drafted_by], NotificationKind.DECIDED, message)
    return reply


def reply_serve(*, actor: User, case: Case, served_on: date) -> Reply:
    """The approved reply reached the petitioner on `served_on`: handling is met (or late), and the
    30-day window for asking a review opens."""
    permissions.require(permissions.can_work_on(actor, case))
    date_check(case, served_on, "served_on")
    with transaction.atomic():
        locked = transition_apply(case, actor, CaseAction.REPLY_SERVE, note=str(served_on))
        reply = Reply.objects.select_for_update().get(case=locked)
        reply.status, reply.served_on = ReplyStatus.SERVED, served_on
        reply.save(update_fields=["status", "served_on"])
        locked.handling_met_on = served_on
        locked.save(update_fields=["handling_met_on"])
        deadline_meet(subject=locked, kind=DeadlineKind.HANDLING, on=served_on)
        deadline_open(subject=locked, kind=DeadlineKind.REVIEW_REQUEST, start=served_on)
    return reply


def evaluation_record(*, actor: User, case: Case, rating: str, comment: str = "") -> Evaluation:
    """The petitioner's rating of the reply (满意度评价)."""
    permissions.require(permissions.can_work_on(actor, case))
    if rating not in Rating.values:
        raise ValidationError({"rating": [_("Choose satisfied, basically satisfied or dissatisfied.")]})
    with transaction.atomic():
        locked = transition_apply(case, actor, CaseAction.EVALUATION, note=str(Rating(rating).label))
        return Evaluation.objects.create(case=locked, rating=rating, comment=comment, recorded_by=actor)


def case_close(*, actor: User, case: Case) -> Case:
    """The lead official closes handling; only possible once the reply is served."""
    permissions.require(permissions.can_approve(actor, case))
    with transaction.atomic():
        return transition_apply(case, actor, CaseAction.CLOSE)


def _appeal_request(
    *, actor: User, case: Case, level: str, action: str, window: str, decision: str, requested_on: date, reason: str
) -> Appeal:
    permissions.require(permissions.can_work_on(actor, case))
    reason = required_text(reason, "reason", _("Give the petitioner's reason."))
    date_check(case, requested_on, "requested_on")
    with transaction.atomic():
        locked = transition_apply(case, actor, action, note=reason)
        deadline = deadlines_of(locked).select_for_update().filter(kind=window).first()
        if deadline is None or requested_on > deadline.due_on or requested_on < deadline.start_on:
            due = deadline.due_on if deadline else "—"
            raise ValidationError({"requested_on": [_("The window for this request closed on %(date)s.") % {"date": due}]})
        deadline_done(deadline=deadline, on=requested_on)
        deadline_open(subject=locked, kind=decision, start=requested_on)
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
    legal_basis: str,
    served_on: date,
    body: str,
) -> Appeal:
    """The county office records the opinion of the body that decided (Arts. 35–36), issued in its name."""
    permissions.require(permissions.can_decide_appeal(actor, case))
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": [_("Choose support, explain or not support.")]})
    body = required_text(body, "body", _("Name the body that decided; the opinion is issued in its name."))
    content = required_text(content, "content", _("Write the opinion."))
    legal_basis = required_text(legal_basis, "legal_basis", _("Give the laws and articles the opinion rests on."))
    date_check(case, served_on, "served_on")
    with transaction.atomic():
        locked = transition_apply(case, actor, action, note=f"{body}: {Outcome(outcome).label}")
        appeal = Appeal.objects.select_for_update().get(case=locked, level=level)
        if served_on < appeal.requested_on:
            raise ValidationError(
                {"served_on": [_("The opinion cannot be served before it was requested (%(date)s).") % {"date": appeal.requested_on}]}
            )
        appeal.outcome, appeal.content, appeal.served_on, appeal.decided_by = outcome, content, served_on, actor
        appeal.legal_basis, appeal.body = legal_basis, body
        appeal.save(update_fields=["outcome", "content", "legal_basis", "served_on", "body", "decided_by"])
        deadline_meet(subject=locked, kind=decision, on=served_on)
        if next_window:
            deadline_open(subject=locked, kind=next_window, start=served_on)
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


def review_decide(*, actor: User, case: Case, outcome: str, content: str, legal_basis: str, served_on: date, body: str) -> Appeal:
    """The review opinion of `body`, the next-higher body of the unit that handled the case (Art. 35);
    serving it opens the 30-day window for re-examination."""
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
        body=body,
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


def reexamination_decide(*, actor: User, case: Case, outcome: str, content: str, legal_basis: str, served_on: date, body: str) -> Appeal:
    """The re-examination opinion of `body`, the body above the reviewer (Art. 36), concludes the matter
    (三级终结): the same facts and reasons are not accepted again."""
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
        body=body,
    )
