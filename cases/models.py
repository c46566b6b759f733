"""Case handling (DESIGN §4–§6): one problem, one leader, one team, one plan, followed through."""

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from deadlines.models import Deadline
from petitions.models import Category, Petition


class CaseStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    ASSIGNED = "assigned", _("Assigned")
    PLAN_SUBMITTED = "plan_submitted", _("Plan submitted")
    IN_PROGRESS = "in_progress", _("In progress")
    REPLY_DRAFTED = "reply_drafted", _("Reply drafted")
    REPLY_APPROVED = "reply_approved", _("Reply approved")
    REPLIED = "replied", _("Replied")
    EVALUATED = "evaluated", _("Evaluated")
    CLOSED = "closed", _("Closed")
    REVIEW_REQUESTED = "review_requested", _("Review requested")
    REVIEW_DECIDED = "review_decided", _("Review decided")
    REEXAMINATION_REQUESTED = "reexamination_requested", _("Re-examination requested")
    CONCLUDED = "concluded", _("Concluded")


class CaseAction(models.TextChoices):
    """What happened on a case; each value is one row kind on its timeline."""

    ACCEPT = "accept", _("Accepted")
    ATTACH_PETITION = "attach_petition", _("Repeat petition attached")
    ASSIGN = "assign", _("Assigned")
    LEAD_CHANGE = "lead_change", _("Lead official changed")
    PLAN_SUBMIT = "plan_submit", _("Plan submitted")
    PLAN_APPROVE = "plan_approve", _("Plan approved")
    PLAN_REJECT = "plan_reject", _("Plan sent back")
    PROGRESS = "progress", _("Progress recorded")
    HEARING = "hearing", _("Hearing held")
    LEADER_MEETING = "leader_meeting", _("Leader talk or reception")
    EXTENSION_REQUEST = "extension_request", _("Extension requested")
    EXTENSION_APPROVE = "extension_approve", _("Extension approved")
    EXTENSION_REJECT = "extension_reject", _("Extension refused")
    REPLY_DRAFT = "reply_draft", _("Reply drafted")
    REPLY_APPROVE = "reply_approve", _("Reply approved")
    REPLY_REJECT = "reply_reject", _("Reply sent back")
    REPLY_SERVE = "reply_serve", _("Reply served")
    EVALUATION = "evaluation", _("Evaluation recorded")
    REVIEW_REQUEST = "review_request", _("Review requested")
    REVIEW_DECIDE = "review_decide", _("Review decided")
    REEXAMINATION_REQUEST = "reexamination_request", _("Re-examination requested")
    REEXAMINATION_DECIDE = "reexamination_decide", _("Re-examination decided")
    CLOSE = "close", _("Closed")
    DEADLINE_RECOMPUTED = "deadline_recomputed", _("Deadline recomputed")
    SUPERVISION_ISSUE = "supervision_issue", _("Supervision order issued")
    SUPERVISION_RESPOND = "supervision_respond", _("Supervision order answered")
    COMPLETION_REPORT = "completion_report", _("Completion report sent")
    AFTERCARE = "aftercare", _("Work after conclusion recorded")


S = CaseStatus
# Where handlers may still record work on the case: after assignment, until the reply is served,
# and again while a review or re-examination is under way.
WORKING_STATUSES = frozenset(
    {S.ASSIGNED, S.PLAN_SUBMITTED, S.IN_PROGRESS, S.REPLY_DRAFTED, S.REPLY_APPROVED, S.REVIEW_REQUESTED, S.REEXAMINATION_REQUESTED}
)
# The team may change while the case is being handled, not once the reply is out.
LEAD_CHANGE_STATUSES = frozenset({S.ASSIGNED, S.PLAN_SUBMITTED, S.IN_PROGRESS, S.REPLY_DRAFTED, S.REPLY_APPROVED})
# A repeat petition joins a case in any of these; after them a new one opens (closed) or is refused (concluded).
FINISHED_STATUSES = frozenset({S.CLOSED, S.CONCLUDED})

# The handling clock runs in these: the reply is not served yet.
HANDLING_STATUSES = frozenset({S.ACCEPTED, S.ASSIGNED, S.PLAN_SUBMITTED, S.IN_PROGRESS, S.REPLY_DRAFTED, S.REPLY_APPROVED})

# The case workflow (DESIGN §5), written once: action -> (states it may start from, result).
# A result of None means the action is recorded without moving the case.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    CaseAction.ASSIGN: (frozenset({S.ACCEPTED}), S.ASSIGNED),
    CaseAction.LEAD_CHANGE: (LEAD_CHANGE_STATUSES, None),
    CaseAction.PLAN_SUBMIT: (frozenset({S.ASSIGNED}), S.PLAN_SUBMITTED),
    CaseAction.PLAN_APPROVE: (frozenset({S.PLAN_SUBMITTED}), S.IN_PROGRESS),
    CaseAction.PLAN_REJECT: (frozenset({S.PLAN_SUBMITTED}), S.ASSIGNED),
    CaseAction.PROGRESS: (WORKING_STATUSES, None),
    CaseAction.HEARING: (WORKING_STATUSES, None),
    CaseAction.LEADER_MEETING: (WORKING_STATUSES, None),
    CaseAction.EXTENSION_REQUEST: (frozenset({S.IN_PROGRESS}), None),
    CaseAction.EXTENSION_APPROVE: (frozenset({S.IN_PROGRESS}), None),
    CaseAction.EXTENSION_REJECT: (frozenset({S.IN_PROGRESS}), None),
    CaseAction.REPLY_DRAFT: (frozenset({S.IN_PROGRESS, S.REPLY_DRAFTED}), S.REPLY_DRAFTED),
    CaseAction.REPLY_APPROVE: (frozenset({S.REPLY_DRAFTED}), S.REPLY_APPROVED),
    CaseAction.REPLY_REJECT: (frozenset({S.REPLY_DRAFTED}), S.IN_PROGRESS),
    CaseAction.REPLY_SERVE: (frozenset({S.REPLY_APPROVED}), S.REPLIED),
    CaseAction.EVALUATION: (frozenset({S.REPLIED}), S.EVALUATED),
    CaseAction.CLOSE: (frozenset({S.REPLIED, S.EVALUATED}), S.CLOSED),
    CaseAction.REVIEW_REQUEST: (frozenset({S.REPLIED, S.EVALUATED, S.CLOSED}), S.REVIEW_REQUESTED),
    CaseAction.REVIEW_DECIDE: (frozenset({S.REVIEW_REQUESTED}), S.REVIEW_DECIDED),
    CaseAction.REEXAMINATION_REQUEST: (frozenset({S.REVIEW_DECIDED}), S.REEXAMINATION_REQUESTED),
    CaseAction.REEXAMINATION_DECIDE: (frozenset({S.REEXAMINATION_REQUESTED}), S.CONCLUDED),
    # The county office may order any unconcluded case on; an order already given can be answered at any stage.
    CaseAction.SUPERVISION_ISSUE: (frozenset(S) - {S.CONCLUDED}, None),
    CaseAction.SUPERVISION_RESPOND: (frozenset(S), None),
    # An assigned (交办) petition's report back to the unit that assigned it, once the reply is served.
    CaseAction.COMPLETION_REPORT: (frozenset(S) - HANDLING_STATUSES, None),
    # After re-examination the matter is final, but the work with the petitioner goes on (Art. 37 ¶3).
    CaseAction.AFTERCARE: (frozenset({S.CONCLUDED}), None),
}


class Case(models.Model):
    """One problem being handled; gathers every petition about it (through CasePetition)."""

    status = models.CharField(_("status"), max_length=30, choices=CaseStatus.choices, default=CaseStatus.ACCEPTED)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases")
    locality = models.ForeignKey(Unit, verbose_name=_("locality"), on_delete=models.PROTECT, related_name="+")
    accepting_unit = models.ForeignKey(Unit, verbose_name=_("accepting unit"), on_delete=models.PROTECT, related_name="accepted_cases")
    accepted_at = models.DateTimeField(_("accepted at"))
    accepted_on = models.DateField(_("accepted on"), help_text=_("The day the handling period starts from."))
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), on_delete=models.PROTECT, related_name="+")
    lead_official = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lead official"), null=True, blank=True, on_delete=models.PROTECT, related_name="led_cases"
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("lead unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="lead_cases"
    )
    supporting_units = models.ManyToManyField(Unit, verbose_name=_("supporting units"), blank=True, related_name="supporting_cases")
    stability_unit = models.ForeignKey(
        Unit, verbose_name=_("stability unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="stability_cases"
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="member_cases")
    # The handling deadline's due date, kept on the row for the list's ordering and filters.
    handling_due = models.DateField(_("handling due"))
    handling_met_on = models.DateField(_("reply served on"), null=True, blank=True)
    # The petition that opened the case: its registration number is the case's number (Case.number).
    first_petition = models.OneToOneField(Petition, verbose_name=_("first petition"), on_delete=models.PROTECT, related_name="+")
    petitions = models.ManyToManyField(Petition, through="CasePetition", related_name="+", verbose_name=_("petitions"))
    deadlines = GenericRelation(Deadline, content_type_field="subject_type", object_id_field="subject_id", related_query_name="case")

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-accepted_at", "-id"]
        indexes = [
            models.Index(fields=["category", "locality", "status"], name="case_matter"),
            models.Index(fields=["accepting_unit", "-accepted_at"], name="case_accepting_unit"),
            models.Index(fields=["status", "handling_due"], name="case_status_due"),
            models.Index(fields=["lead_official", "status"], name="case_lead_official"),
            # A leader's inbox: the extensions asked of their unit, which its head decides (Art. 34).
            models.Index(fields=["lead_unit", "status"], name="case_lead_unit_status"),
            # The list's orderings, so a page's keys are read from an index, not sorted from all cases.
            models.Index(fields=["-accepted_at", "-id"], name="case_accepted"),
            models.Index(fields=["handling_due", "id"], name="case_handling_due"),
            # The "overdue" filter's second half (served after the due date) compares two columns; no
            # other index can answer it.
            models.Index(fields=["handling_due"], condition=Q(handling_met_on__gt=models.F("handling_due")), name="case_served_late"),
            # The statistics' participation and satisfaction rates: replies served in a period, by unit.
            models.Index(fields=["handling_met_on"], include=["accepting_unit", "id"], name="case_served_on"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The number people say and every page, document and message prints: the registration number
        of the petition that opened the case (lists select_related("first_petition") for it)."""
        return self.first_petition.reg_no

    def can(self, action: str) -> bool:
        allowed_from, _result = TRANSITIONS[action]
        return self.status in allowed_from

    def related_or_none(self, name: str) -> Any:
        """The case's extension, reply or evaluation, or None before it has one (no query once joined)."""
        try:
            return getattr(self, name)
        except ObjectDoesNotExist:
            return None

    def is_overdue(self, today: date) -> bool:
        """Handling past its (extended) due date without a served reply, or served late: the list's
        `overdue` filter says the same in SQL (cases.selectors)."""
        if self.handling_met_on is not None:
            return self.handling_met_on > self.handling_due
        return self.status in HANDLING_STATUSES and self.handling_due < today

    @property
    def team_unit_ids(self) -> set[int]:
        """The units whose handlers work on the case: accepting, lead, supporting and stability units."""
        ids = {pk for pk in (self.accepting_unit_id, self.lead_unit_id, self.stability_unit_id) if pk is not None}
        ids.update(unit.pk for unit in self.supporting_units.all())
        return ids


class CasePetition(models.Model):
    """A petition belongs to at most one case; the link lives here so petitions never depends on cases."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="petition_links")
    petition = models.OneToOneField(Petition, on_delete=models.PROTECT, related_name="case_link")
    is_first = models.BooleanField(_("opened the case"), default=False)
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["linked_at", "id"]


class CaseEvent(models.Model):
    """One row of a case's timeline; the source of truth for the scorecards and statistics."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=30, choices=CaseAction.choices)
    from_status = models.CharField(_("from"), max_length=30, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=30, choices=CaseStatus.choices, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at", "id"], name="case_event_timeline")]

    def __str__(self) -> str:
        return str(self.get_action_display())


class PlanStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Sent back")


class Plan(models.Model):
    """One version of the plan (化解方案); the lead official approves one."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    version = models.PositiveSmallIntegerField(_("version"))
    content = models.TextField(_("content"))
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.SUBMITTED)
    reason = models.TextField(_("reason sent back"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["case", "version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="plan_case_version"),
            models.UniqueConstraint(fields=["case"], condition=Q(status="approved"), name="plan_one_approved"),
        ]


class ExtensionStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Refused")


class Extension(models.Model):
    """The one extension a case may have (Art. 34): requested by the team, approved by the lead official."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="extension")
    days = models.PositiveSmallIntegerField(_("days"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")


class Hearing(models.Model):
    """A formal hearing; its days do not count towards the re-examination opinion's deadline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="hearings")
    held_on = models.DateField(_("held on"))
    end_on = models.DateField(_("ended on"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    participants = models.TextField(_("participants"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        ordering = ["held_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(end_on__gte=models.F("held_on")), name="hearing_ends_after_start")]

    @property
    def days(self) -> int:
        return (self.end_on - self.held_on).days + 1


class ProgressNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="progress_notes")
    note = models.TextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["created_at", "id"]


class MeetingKind(models.TextChoices):
    TALK = "talk", _("Leader talk")
    RECEPTION = "reception", _("Leader reception")


class LeaderMeeting(models.Model):
    """A leader talked with or received the petitioner (领导谈话 / 领导接访)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="leader_meetings")
    kind = models.CharField(_("kind"), max_length=10, choices=MeetingKind.choices)
    held_on = models.DateField(_("held on"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("leader"), on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("leader meeting")
        verbose_name_plural = _("leader meetings")
        ordering = ["held_on", "id"]


class Outcome(models.TextChoices):
    SUPPORT = "support", _("Support")
    EXPLAIN = "explain", _("Explain")
    NOT_SUPPORT = "not_support", _("Not support")


class ReplyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RETURNED = "returned", _("Sent back")
    APPROVED = "approved", _("Approved")
    SERVED = "served", _("Served")


class Reply(models.Model):
    """The written reply (处理意见书): drafted by the team, approved by the lead official, served."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="reply")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    content = models.TextField(_("content"))
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=300,
        blank=True,
        db_default="",
        help_text=_("The laws and articles the opinion rests on; printed in the reply."),
    )
    status = models.CharField(_("status"), max_length=10, choices=ReplyStatus.choices, default=ReplyStatus.DRAFT)
    returned_reason = models.TextField(_("reason sent back"), blank=True, db_default="")
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    served_on = models.DateField(_("served on"), null=True, blank=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class Evaluation(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="evaluation")
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices)
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")


class AppealLevel(models.TextChoices):
    REVIEW = "review", _("Review")
    REEXAMINATION = "reexamination", _("Re-examination")


class Appeal(models.Model):
    """A review (复查) or re-examination (复核): the petitioner's request and the opinion on it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="appeals")
    level = models.CharField(_("level"), max_length=15, choices=AppealLevel.choices)
    requested_on = models.DateField(_("requested on"))
    reason = models.TextField(_("reason"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    content = models.TextField(_("opinion"), blank=True)
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=300,
        blank=True,
        db_default="",
        help_text=_("The laws and articles the opinion rests on; printed in the opinion."),
    )
    served_on = models.DateField(_("served on"), null=True, blank=True)
    # The next-higher body that decided (Arts. 35–36), in whose name the opinion is issued; the county
    # office only records it (decided_by).
    body = models.CharField(_("deciding body"), max_length=100, blank=True, db_default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("review or re-examination")
        verbose_name_plural = _("reviews and re-examinations")
        constraints = [models.UniqueConstraint(fields=["case", "level"], name="appeal_case_level")]


class SupervisionStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the unit's response")
    ANSWERED = "answered", _("Answered")


class SupervisionOrder(models.Model):
    """A supervision order (督办): the county office tells a unit of the case's team to act by a date.
    Its deadline is an ordinary clock of the case (kind supervision), so it is listed, scanned and
    reminded like the statutory ones."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supervision_orders")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="supervision_orders")
    instruction = models.TextField(_("instruction"))
    due_on = models.DateField(_("respond by"))
    deadline = models.OneToOneField(Deadline, on_delete=models.PROTECT, related_name="supervision_order")
    status = models.CharField(_("status"), max_length=10, choices=SupervisionStatus.choices, default=SupervisionStatus.OPEN)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    response = models.TextField(_("response"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        ordering = ["case", "issued_at", "id"]
        indexes = [models.Index(fields=["unit", "status"], name="supervision_unit_status")]

    def __str__(self) -> str:
        return _("Supervision order %(id)d") % {"id": self.pk}


class CompletionReport(models.Model):
    """The report an assigned (交办) petition owes the unit that assigned it (办结报告, Art. 22)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="completion_reports")
    petition = models.OneToOneField(Petition, verbose_name=_("petition"), on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, verbose_name=_("reported to"), on_delete=models.PROTECT, related_name="+")
    content = models.TextField(_("report"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("completion report")
        verbose_name_plural = _("completion reports")
        ordering = ["submitted_at", "id"]


class AftercareKind(models.TextChoices):
    GUIDANCE = "guidance", _("Guidance and education")
    MEDIATION = "mediation", _("Resolving the dispute")
    ASSISTANCE = "assistance", _("Help and relief")


class Aftercare(models.Model):
    """Work with the petitioner after the matter is concluded (疏导教育、矛盾化解、帮扶救助, Art. 37 ¶3)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="aftercare")
    kind = models.CharField(_("kind"), max_length=12, choices=AftercareKind.choices)
    done_on = models.DateField(_("done on"))
    note = models.TextField(_("what was done"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("work after conclusion")
        verbose_name_plural = _("work after conclusion")
        ordering = ["done_on", "id"]


class MatterDecision(models.TextChoices):
    NOT_ACCEPTED_AGAIN = "not_accepted_again", _("Not accepted again: the same facts and reasons")
    ACCEPTED_AS_NEW = "accepted_as_new", _("Accepted as a new matter")


class ConcludedMatterDecision(models.Model):
    """A person's judgement on a petition about a concluded matter (Art. 36 ¶3): the same facts and
    reasons (not accepted again, the notice cites the concluded case), or something new (accepted)."""

    petition = models.OneToOneField(Petition, on_delete=models.PROTECT, related_name="concluded_matter_decision")
    concluded_case = models.ForeignKey(Case, verbose_name=_("concluded case"), on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=20, choices=MatterDecision.choices)
    new_facts = models.TextField(_("what is new"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision on a concluded matter")
        verbose_name_plural = _("decisions on concluded matters")
