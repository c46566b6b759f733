"""Every action on a case, written once: the case page, the API and the tests read this registry.

An entry says which workflow step the action is (its states are read from cases.models.TRANSITIONS),
who may take it (a guard from cases.permissions), the one service it calls (an attribute of
cases.services), how the page offers it (form, texts, when it is offered) and, if programs may call
it, its API endpoint (path, input and output serializers, what the schema says about it).

The services check the state and the permission again; the registry lets pages and API refuse
before reading any input, and offer only what the guard allows.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers as drf_serializers
from rest_framework import status

from accounts.models import User
from cases import forms, permissions, selectors, serializers, services
from cases.models import TRANSITIONS, Case, CaseAction, Extension, ExtensionStatus, SupervisionStatus
from deadlines.models import DeadlineKind, DeadlineStatus


def extension_of(case: Case) -> Extension | None:
    return case.related_or_none("extension")


def _extension_waiting(case: Case) -> bool:
    extension = extension_of(case)
    return extension is not None and extension.status == ExtensionStatus.REQUESTED


def _window_open(kind: str) -> Callable[[Case], bool]:
    """A review or re-examination request is recorded only while its window is on the case and not used."""

    def check(case: Case) -> bool:
        today = timezone.localdate()
        return any(deadline.kind == kind and deadline.current_status(today) == DeadlineStatus.OPEN for deadline in case.deadlines.all())

    return check


@dataclass(frozen=True)
class Item:
    """The object of the case an action acts on (a supervision order). Its id is in the URL after the
    case's, as `kwarg`; `find` looks it up among the case's (not there: 404); the service is given it
    as `argument`, and the guard and `offered` are given it in place of the case."""

    argument: str
    kwarg: str
    find: Callable[[Case, int], Any]


@dataclass(frozen=True)
class Endpoint:
    """The action in the API: POST /api/v1/cases/{id}/<path>/ with `input` (its fields are the service's
    keyword arguments; None for no body), answering `output` with `status`. An output other than the
    case serializes what the service returned (a supervision order)."""

    path: str
    description: str
    input: type[drf_serializers.Serializer] | None = None
    output: type[drf_serializers.Serializer] = serializers.CaseDetailSerializer
    status: int = status.HTTP_200_OK
    conflict: str = "Not possible from the case's current status, or someone acted first."

    @property
    def url_name(self) -> str:
        words = [segment for segment in self.path.split("/") if not segment.startswith("<")]
        return "api-case-" + "-".join(words).replace("_", "-")

    @property
    def answers_with_case(self) -> bool:
        return self.output is serializers.CaseDetailSerializer


@dataclass(frozen=True)
class Action:
    """One action on a case. `path` is the page's URL after /cases/{id}/; `title` (its label), `button`
    and `done` are what the page says; `offered` is any further condition for showing it (the guard
    and the state are always checked); `open` shows its form unfolded; `document` is the kind of case
    document the decision is about, linked beside the button so that the approver reads what they approve."""

    name: str
    transition: str
    guard: Callable[[User, Any], bool]
    service: Callable[..., object]
    path: str
    title: Promise
    button: Promise
    done: Promise
    form: type[django_forms.Form]
    api: Endpoint | None = None
    offered: Callable[[Any], bool] = lambda subject: True
    style: str = "primary"
    open: bool = False
    item: Item | None = None
    document: str | None = None

    @property
    def allowed_from(self) -> frozenset[str]:
        return TRANSITIONS[self.transition][0]

    @property
    def url_name(self) -> str:
        return f"case-{self.name.replace('_', '-')}"

    def url(self, case: Case, item: Any = None) -> str:
        return reverse(self.url_name, args=[case.pk] if item is None else [case.pk, item.pk])

    def perform(self, actor: User, subject: Any, data: dict) -> object:
        """Call the service on the case (or on the item), the validated input as its keyword arguments."""
        return self.service(actor=actor, **{"case" if self.item is None else self.item.argument: subject}, **data)


def _supervise(user: User, case: Case) -> bool:
    """Supervision orders come from the county office, on any case it can see: the case plays no part."""
    return permissions.can_supervise(user)


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in [
        Action(
            name="assign",
            transition=CaseAction.ASSIGN,
            guard=permissions.can_assign,
            service=services.case_assign,
            path="assign/",
            title=_("Assign the lead official and team"),
            button=_("Assign"),
            done=_("The lead official and team are assigned."),
            form=forms.AssignForm,
            api=Endpoint(
                "assign",
                "Name the lead official and the team. A supervisor, or a leader of the accepting unit.",
                serializers.AssignSerializer,
            ),
            open=True,
        ),
        Action(
            name="lead_change",
            transition=CaseAction.LEAD_CHANGE,
            guard=permissions.can_assign,
            service=services.case_lead_change,
            path="lead/",
            title=_("Change the lead official"),
            button=_("Change"),
            done=_("The lead official is changed."),
            form=forms.LeadChangeForm,
            api=Endpoint(
                "lead_official",
                "Replace the lead official, with a reason. A supervisor, or a leader of the accepting unit.",
                serializers.LeadChangeSerializer,
            ),
            style="outline-secondary",
        ),
        Action(
            name="plan_submit",
            transition=CaseAction.PLAN_SUBMIT,
            guard=permissions.can_work_on,
            service=services.plan_submit,
            path="plan/",
            title=_("Submit the plan"),
            button=_("Submit the plan"),
            done=_("The plan is submitted to the lead official."),
            form=forms.PlanForm,
            api=Endpoint(
                "plan", "Submit a plan (a new version after one was sent back). The team's handlers.", serializers.PlanSubmitSerializer
            ),
            open=True,
        ),
        Action(
            name="plan_approve",
            transition=CaseAction.PLAN_APPROVE,
            guard=permissions.can_approve,
            service=services.plan_approve,
            path="plan/approve/",
            title=_("Approve the plan"),
            button=_("Approve the plan"),
            done=_("The plan is approved; the case is in progress."),
            form=forms.ConfirmForm,
            api=Endpoint("plan/approve", "Approve the submitted plan. The lead official only."),
            style="success",
            open=True,
        ),
        Action(
            name="plan_reject",
            transition=CaseAction.PLAN_REJECT,
            guard=permissions.can_approve,
            service=services.plan_reject,
            path="plan/reject/",
            title=_("Send the plan back"),
            button=_("Send back"),
            done=_("The plan is sent back to the team."),
            form=forms.ReasonForm,
            api=Endpoint("plan/reject", "Send the plan back with a reason. The lead official only.", serializers.DecisionReasonSerializer),
            style="outline-danger",
        ),
        Action(
            name="progress_add",
            transition=CaseAction.PROGRESS,
            guard=permissions.can_work_on,
            service=services.progress_add,
            path="progress/",
            title=_("Record progress"),
            button=_("Record"),
            done=_("Progress recorded."),
            form=forms.ProgressForm,
            api=Endpoint("progress", "Record what was done. The team's handlers.", serializers.ProgressSerializer),
            open=True,
        ),
        Action(
            name="hearing_add",
            transition=CaseAction.HEARING,
            guard=permissions.can_work_on,
            service=services.hearing_add,
            path="hearings/",
            title=_("Record a hearing"),
            button=_("Record the hearing"),
            done=_("Hearing recorded."),
            form=forms.HearingForm,
            api=Endpoint(
                "hearings",
                "Record a hearing; during a re-examination its days are not counted. The team's handlers.",
                serializers.HearingInputSerializer,
            ),
            style="outline-primary",
        ),
        Action(
            name="leader_meeting_add",
            transition=CaseAction.LEADER_MEETING,
            guard=permissions.can_work_on,
            service=services.leader_meeting_add,
            path="meetings/",
            title=_("Record a leader talk or reception"),
            button=_("Record"),
            done=_("Leader talk or reception recorded."),
            form=forms.LeaderMeetingForm,
            style="outline-primary",
        ),
        Action(
            name="extension_request",
            transition=CaseAction.EXTENSION_REQUEST,
            guard=permissions.can_work_on,
            service=services.extension_request,
            path="extension/",
            title=_("Request an extension"),
            button=_("Request the extension"),
            done=_("The extension is requested from the head of the lead unit."),
            form=forms.ExtensionRequestForm,
            api=Endpoint(
                "extension",
                "Ask once for more time; the leaders of the lead unit are asked to decide. The team's handlers.",
                serializers.ExtensionRequestSerializer,
            ),
            offered=lambda case: extension_of(case) is None,
            style="outline-primary",
        ),
        Action(
            name="extension_approve",
            transition=CaseAction.EXTENSION_APPROVE,
            guard=permissions.can_decide_extension,
            service=services.extension_approve,
            path="extension/approve/",
            title=_("Approve the extension"),
            button=_("Approve the extension"),
            done=_("The extension is approved; the handling deadline has moved."),
            form=forms.ConfirmForm,
            api=Endpoint(
                "extension/approve",
                "Approve the extension; the handling deadline moves. A leader of the case's lead unit (its head, Art. 34) only.",
            ),
            offered=_extension_waiting,
            style="success",
            open=True,
        ),
        Action(
            name="extension_reject",
            transition=CaseAction.EXTENSION_REJECT,
            guard=permissions.can_decide_extension,
            service=services.extension_reject,
            path="extension/reject/",
            title=_("Refuse the extension"),
            button=_("Refuse"),
            done=_("The extension is refused."),
            form=forms.ReasonForm,
            api=Endpoint(
                "extension/reject",
                "Refuse the extension with a reason, which the requester is told. A leader of the case's lead unit only.",
                serializers.DecisionReasonSerializer,
            ),
            offered=_extension_waiting,
            style="outline-danger",
        ),
        Action(
            name="reply_draft",
            transition=CaseAction.REPLY_DRAFT,
            guard=permissions.can_work_on,
            service=services.reply_draft,
            path="reply/",
            title=_("Draft the reply for the lead official's approval"),
            button=_("Submit to the lead official for approval"),
            done=_("The draft reply is submitted to the lead official for approval."),
            form=forms.ReplyDraftForm,
            api=Endpoint(
                "reply",
                "Draft the written reply, with its legal basis, and submit it to the lead official (replaces a draft not yet "
                "approved, or one sent back). The team's handlers.",
                serializers.ReplyDraftSerializer,
            ),
        ),
        Action(
            name="reply_approve",
            transition=CaseAction.REPLY_APPROVE,
            guard=permissions.can_approve,
            service=services.reply_approve,
            path="reply/approve/",
            title=_("Approve the reply"),
            button=_("Approve the reply"),
            done=_("The reply is approved and may be served."),
            form=forms.ConfirmForm,
            api=Endpoint("reply/approve", "Approve the drafted reply. The lead official only."),
            style="success",
            open=True,
            document="reply",
        ),
        Action(
            name="reply_reject",
            transition=CaseAction.REPLY_REJECT,
            guard=permissions.can_approve,
            service=services.reply_reject,
            path="reply/reject/",
            title=_("Send the reply back"),
            button=_("Send back"),
            done=_("The reply is sent back to the team."),
            form=forms.ReasonForm,
            api=Endpoint(
                "reply/reject",
                "Send the drafted reply back to the team with a reason; they draft it again. The lead official only.",
                serializers.DecisionReasonSerializer,
            ),
            style="outline-danger",
        ),
        Action(
            name="reply_serve",
            transition=CaseAction.REPLY_SERVE,
            guard=permissions.can_work_on,
            service=services.reply_serve,
            path="reply/serve/",
            title=_("Record that the reply was served"),
            button=_("Record service"),
            done=_("The reply is served; the review window is open."),
            form=forms.ServeForm,
            api=Endpoint(
                "reply/serve", "The approved reply reached the petitioner on `served_on`. The team's handlers.", serializers.ServeSerializer
            ),
            open=True,
        ),
        Action(
            name="evaluation_record",
            transition=CaseAction.EVALUATION,
            guard=permissions.can_work_on,
            service=services.evaluation_record,
            path="evaluation/",
            title=_("Record the petitioner's evaluation"),
            button=_("Record"),
            done=_("Evaluation recorded."),
            form=forms.EvaluationForm,
            api=Endpoint(
                "evaluation", "Record the petitioner's rating of the reply. The team's handlers.", serializers.EvaluationInputSerializer
            ),
            open=True,
        ),
        Action(
            name="case_close",
            transition=CaseAction.CLOSE,
            guard=permissions.can_approve,
            service=services.case_close,
            path="close/",
            title=_("Close the case"),
            button=_("Close the case"),
            done=_("The case is closed."),
            form=forms.ConfirmForm,
            api=Endpoint("close", "Close handling; only once the reply is served. The lead official only."),
            style="success",
            open=True,
        ),
        Action(
            name="review_request",
            transition=CaseAction.REVIEW_REQUEST,
            guard=permissions.can_work_on,
            service=services.review_request,
            path="review/",
            title=_("Record a request for review"),
            button=_("Record the request"),
            done=_("The review request is recorded."),
            form=forms.AppealRequestForm,
            api=Endpoint(
                "review",
                "The petitioner asks for review, within 30 days of the reply. The team's handlers.",
                serializers.AppealRequestSerializer,
            ),
            offered=_window_open(DeadlineKind.REVIEW_REQUEST),
            style="outline-primary",
        ),
        Action(
            name="review_decide",
            transition=CaseAction.REVIEW_DECIDE,
            guard=permissions.can_decide_appeal,
            service=services.review_decide,
            path="review/decide/",
            title=_("Record the review opinion"),
            button=_("Record the opinion"),
            done=_("The review opinion is recorded."),
            form=forms.ReviewDecisionForm,
            api=Endpoint(
                "review/decide",
                "The review opinion of the body that decided (`body`, the next-higher body of the unit that handled the case), "
                "issued in its name, with its legal basis. Recorded by county supervisors.",
                serializers.AppealDecideSerializer,
            ),
            open=True,
        ),
        Action(
            name="reexamination_request",
            transition=CaseAction.REEXAMINATION_REQUEST,
            guard=permissions.can_work_on,
            service=services.reexamination_request,
            path="reexamination/",
            title=_("Record a request for re-examination"),
            button=_("Record the request"),
            done=_("The re-examination request is recorded."),
            form=forms.AppealRequestForm,
            api=Endpoint(
                "reexamination",
                "The petitioner asks for re-examination, within 30 days of the review opinion. The team's handlers.",
                serializers.AppealRequestSerializer,
            ),
            offered=_window_open(DeadlineKind.REEXAMINATION_REQUEST),
            style="outline-primary",
        ),
        Action(
            name="reexamination_decide",
            transition=CaseAction.REEXAMINATION_DECIDE,
            guard=permissions.can_decide_appeal,
            service=services.reexamination_decide,
            path="reexamination/decide/",
            title=_("Record the re-examination opinion"),
            button=_("Record the opinion"),
            done=_("The re-examination opinion is recorded; the matter is concluded."),
            form=forms.ReexaminationDecisionForm,
            api=Endpoint(
                "reexamination/decide",
                "The re-examination opinion of the body that decided (`body`, the body above the reviewer), issued in its name, "
                "with its legal basis; it concludes the matter. Recorded by county supervisors.",
                serializers.AppealDecideSerializer,
            ),
            open=True,
        ),
        Action(
            name="completion_report",
            transition=CaseAction.COMPLETION_REPORT,
            guard=permissions.can_work_on,
            service=services.completion_report_submit,
            path="completion-report/",
            title=_("Send the completion report"),
            button=_("Send the report"),
            done=_("The completion report is sent to the unit that assigned the petition."),
            form=forms.CompletionReportForm,
            api=Endpoint(
                "completion-report",
                "For an assigned (交办) petition, the report back to the unit that assigned it, once the reply is served; one "
                "report to each such unit not yet reported to. Nothing owed: 409. The team's handlers.",
                serializers.CompletionReportInputSerializer,
            ),
            offered=lambda case: selectors.assignments_unreported([case.pk]).exists(),
            open=True,
        ),
        Action(
            name="aftercare",
            transition=CaseAction.AFTERCARE,
            guard=permissions.can_work_on,
            service=services.aftercare_record,
            path="aftercare/",
            title=_("Record work after conclusion"),
            button=_("Record"),
            done=_("The work after conclusion is recorded."),
            form=forms.AftercareForm,
            api=Endpoint(
                "aftercare",
                "On a concluded case, record the guidance, dispute resolution or help given to the petitioner (Art. 37). "
                "The team's handlers.",
                serializers.AftercareInputSerializer,
            ),
            style="outline-primary",
        ),
        Action(
            name="supervision_issue",
            transition=CaseAction.SUPERVISION_ISSUE,
            guard=_supervise,
            service=services.supervision_issue,
            path="supervision/",
            title=_("Issue a supervision order"),
            button=_("Issue the order"),
            done=_("The supervision order is issued; the unit is notified."),
            form=forms.SupervisionIssueForm,
            api=Endpoint(
                "supervision",
                "Order a unit of the case's team to act by `due_on` (today or later); the unit's leaders and handlers are "
                "notified, and the order's deadline is reminded like the others. County supervisors only.",
                serializers.SupervisionIssueSerializer,
                output=serializers.SupervisionOrderSerializer,
                status=status.HTTP_201_CREATED,
            ),
            style="outline-primary",
        ),
        Action(
            name="supervision_respond",
            transition=CaseAction.SUPERVISION_RESPOND,
            guard=permissions.can_respond_supervision,
            service=services.supervision_respond,
            path="supervision/<int:order_id>/respond/",
            title=_("Answer the supervision order"),
            button=_("Send the answer"),
            done=_("The answer is recorded; the supervisor is notified."),
            form=forms.SupervisionRespondForm,
            api=Endpoint(
                "supervision/<int:order_id>/respond",
                "The ordered unit says what it did; the issuing supervisor is notified. Leaders and handlers of that unit.",
                serializers.SupervisionRespondSerializer,
                output=serializers.SupervisionOrderSerializer,
                conflict="The order is answered already.",
            ),
            offered=lambda order: order.status == SupervisionStatus.OPEN,
            item=Item(argument="order", kwarg="order_id", find=selectors.supervision_order_of),
        ),
    ]
}
