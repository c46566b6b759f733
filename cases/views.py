"""Case handling pages. Thin: parse the request, call a selector or a service, render.

Every case is fetched through cases.selectors (outside the user's scope: 404); every action checks
its permission before reading input (not allowed: 403), and the services refuse the rest: bad input
comes back on the form (400), a case that has moved on answers 409 and nothing is changed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from accounts.selectors import unit_list, user_list
from cases import documents, forms, permissions, selectors, services
from cases.models import (
    HANDLING_STATUSES,
    Case,
    CaseAction,
    DeadlineStatus,
    Extension,
    ExtensionStatus,
    SupervisionOrder,
    SupervisionStatus,
)
from config.pagination import LargeTablePaginator
from petitions.forms import apply_service_errors, category_label
from petitions.models import DeadlineKind, TransitionNotAllowed
from petitions.selectors import category_list, petition_get

PAGE_SIZE = 50


def _extension(case: Case) -> Extension | None:
    try:
        return case.extension
    except ObjectDoesNotExist:
        return None


def _extension_waiting(case: Case) -> bool:
    extension = _extension(case)
    return extension is not None and extension.status == ExtensionStatus.REQUESTED


def _window_open(kind: str) -> Callable[[Case], bool]:
    """A review or re-examination request is recorded only while its window is on the case and not used."""

    def check(case: Case) -> bool:
        today = timezone.localdate()
        return any(deadline.kind == kind and deadline.current_status(today) == DeadlineStatus.OPEN for deadline in case.deadlines.all())

    return check


def _render_options_inline(form: django_forms.Form) -> None:
    """Selects render their options in one template (cases/_select.html), not one include per option."""
    for field in form.fields.values():
        if isinstance(field.widget, django_forms.Select):
            field.widget.template_name = "cases/_select.html"


@dataclass(frozen=True)
class CaseActionPage:
    """One action of the case page: its form, who may take it (cases.permissions), the workflow step
    it is (cases.models.TRANSITIONS), any further condition for offering it, and the one service it calls.

    An action on one object of the case (answering a supervision order) names the object in its URL,
    after the case: `item` finds it among the case's (not there: 404), and `allowed`, `offered` and
    `perform` are given it in place of the case. The page offers such an action beside each object.
    """

    name: str
    path: str
    title: Promise
    button: Promise
    done: Promise
    transition: str
    form: type[django_forms.Form]
    allowed: Callable[[User, Any], bool]
    perform: Callable[[User, Any, dict], object]
    offered: Callable[[Any], bool] = lambda case: True
    style: str = "primary"
    open: bool = False
    item: Callable[[Case, int], Any] | None = None

    @property
    def url_name(self) -> str:
        return f"case-{self.name.replace('_', '-')}"

    def url(self, case: Case, item: Any = None) -> str:
        return reverse(self.url_name, args=[case.pk] if item is None else [case.pk, item.pk])

    def make_form(self, case: Case, data=None, item: Any = None) -> django_forms.Form:
        """Field ids carry the action's name (and the object's id): several forms on one page share field names."""
        prefix = self.name if item is None else f"{self.name}_{item.pk}"
        extra = {"case": case} if issubclass(self.form, forms.CaseForm) else {}
        form = self.form(data, auto_id=f"id_{prefix}_%s", **extra)
        _render_options_inline(form)
        return form


ACTIONS: dict[str, CaseActionPage] = {
    action.name: action
    for action in [
        CaseActionPage(
            name="assign",
            path="assign/",
            title=gettext_lazy("Assign the lead official and team"),
            button=gettext_lazy("Assign"),
            done=gettext_lazy("The lead official and team are assigned."),
            transition=CaseAction.ASSIGN,
            form=forms.AssignForm,
            allowed=permissions.can_assign,
            perform=lambda actor, case, data: services.case_assign(actor=actor, case=case, **data),
            open=True,
        ),
        CaseActionPage(
            name="lead_change",
            path="lead/",
            title=gettext_lazy("Change the lead official"),
            button=gettext_lazy("Change"),
            done=gettext_lazy("The lead official is changed."),
            transition=CaseAction.LEAD_CHANGE,
            form=forms.LeadChangeForm,
            allowed=permissions.can_assign,
            perform=lambda actor, case, data: services.case_lead_change(actor=actor, case=case, **data),
            style="outline-secondary",
        ),
        CaseActionPage(
            name="plan_submit",
            path="plan/",
            title=gettext_lazy("Submit the plan"),
            button=gettext_lazy("Submit the plan"),
            done=gettext_lazy("The plan is submitted to the lead official."),
            transition=CaseAction.PLAN_SUBMIT,
            form=forms.PlanForm,
            allowed=permissions.can_work_on,
            perform=lambda actor, case, data: services.plan_submit(actor=actor, case=case, **data),
            open=True,
        ),
        CaseActionPage(
            name="plan_approve",
            path="plan/approve/",
            title=gettext_lazy("Approve the plan"),
            button=gettext_lazy("Approve the plan"),
            done=gettext_lazy("The plan is approved; the case is in progress."),
            transition=CaseAction.PLAN_APPROVE,
            form=forms.ConfirmForm,
            allowed=permissions.can_approve,
            perform=lambda actor, case, data: services.plan_approve(actor=actor, case=case),
            style="success",
            open=True,
        ),
        CaseActionPage(
            name="plan_reject",
            path="plan/reject/",
            title=gettext_lazy("Send the plan back"),
            button=gettext_lazy("Send back"),
            done=gettext_lazy("The plan is sent back to the team."),
            transition=CaseAction.PLAN_REJECT,
            form=forms.ReasonForm,
            allowed=permissions.can_approve,
            perform=lambda actor, case, data: services.plan_reject(actor=actor, case=case, **data),
            style="outline-danger",
        ),
        CaseActionPage(
            name="progress_add",
            path="progress/",
            title=gettext_lazy("Record progress"),
            button=gettext_lazy("Record"),
            done=gettext_lazy("Progress recorded."),
            transition=CaseAction.PROGRESS,
            form=forms.ProgressForm,
            allowed=permissions.can_work_on,
            perform=lambda actor, case, data: services.progress_add(actor=actor, case=case, **data),
            open=True,
        ),
        CaseActionPage(
            name="hearing_add",
            path="hearings/",
            title=gettext_lazy("Record a hearing"),
            button=gettext_lazy("Record the hearing"),
            done=gettext_lazy("Hearing recorded."),
            transition=CaseAction.HEARING,
            form=forms.HearingForm,
            allowed=permissions.can_work_on,
            perform=lambda actor, case, data: services.hearing_add(actor=actor, case=case, **data),
            style="outline-primary",
        ),
        CaseActionPage(
            name="leader_meeting_add",
            path="meetings/",
            title=gettext_lazy("Record a leader talk or reception"),
            button=gettext_lazy("Record"),
            done=gettext_lazy("Leader talk or reception recorded."),
            transition=CaseAction.LEADER_MEETING,
            form=forms.LeaderMeetingForm,
            allowed=permissions.can_work_on,
            perform=lambda actor, case, data: services.leader_meeting_add(actor=actor, case=case, **data),
            style="outline-primary",
        ),
        CaseActionPage(
            name="extension_request",
            path="extension/",
            title=gettext_lazy("Request an extension"),
            button=gettext_lazy("Request the extension"),
            done=gettext_lazy("The extension is requested from the lead official."),
            transition=CaseAction.EXTENSION_REQUEST,
            form=forms.ExtensionRequestForm,
            allowed=permissions.can_work_on,
            perform=lambda actor, case, data: services.extension_request(actor=actor, case=case, **data),
            offered=lambda case: _extension(case) is None,
            style="outline-primary",
        ),
        CaseActionPage(
            name="extension_approve",
            path="extension/approve/",
            title=gettext_lazy("Approve the extension"),
            button=gettext_lazy("Approve the extension"),
            done=gettext_lazy("The extension is approved; the handling deadline has moved."),
            transition=CaseAction.EXTENSION_APPROVE,
            form=forms.ConfirmForm,
            allowed=permissions.can_approve,
            perform=lambda actor, case, data: services.extension_approve(actor=actor, case=case),
            offered=_extension_waiting,
            style="success",
            open=True,
        ),
        CaseActionPage(
            name="extension_reject",
            path="extension/reject/",
            title=gettext_lazy("Refuse the extension"),
            button=gettext_lazy("Refuse"),
            done=gettext_lazy("The extension is refused."),
            transition=CaseAction.EXTENSION_REJECT,
            form=forms.OptionalReasonForm,
            allowed=permissions.can_approve,
            perform=lambda actor, case, data: services.extension_reject(actor=actor, case=case, **data),
            offered=_extension_waiting,
            style="outline-danger",
        ),
        CaseActionPage(
            name="reply_draft",
            path="reply/",
            title=gettext_lazy("Draft the reply"),
            button=gettext_lazy("Save the draft"),
            done=gettext_lazy("The reply is drafted and awaits the lead official's approval."),
            transition=CaseAction.REPLY_DRAFT,
            form=forms.ReplyDraftForm,
            allowed=permissions.can_work_on,
            perform=lambda actor, case, data: services.reply_draft(actor=actor, case=case, **data),
        ),
        CaseActionPage(
            name="reply_approve",
            path="reply/approve/",
            title=gettext_lazy("Approve the reply"),
            button=gettext_lazy("Approve the reply"),
            done=gettext_lazy("The reply is approved and may be served."),
            transition=CaseAction.REPLY_APPROVE,
            form=forms.ConfirmForm,
            allowed=permissions.can_approve,
            perform=lambda actor, case, data: services.reply_approve(actor=actor, case=case),
            style="success",
            open=True,
        ),
        CaseActionPage(
            name="reply_serve",
            path="reply/serve/",
            title=gettext_lazy("Record that the reply was served"),
            button=gettext_lazy("Record service"),
            done=gettext_lazy("The reply is served; the review window is open."),
            transition=CaseAction.REPLY_SERVE,
            form=forms.ServeForm,
            allowed=permissions.can_work_on,
            perform=lambda actor, case, data: services.reply_serve(actor=actor, case=case, **data),
            open=True,
        ),
        CaseActionPage(
            name="evaluation_record",
            path="evaluation/",
            title=gettext_lazy("Record the petitioner's evaluation"),
            button=gettext_lazy("Record"),
            done=gettext_lazy("Evaluation recorded."),
            transition=CaseAction.EVALUATION,
            form=forms.EvaluationForm,
            allowed=permissions.can_work_on,
            perform=lambda actor, case, data: services.evaluation_record(actor=actor, case=case, **data),
            open=True,
        ),
        CaseActionPage(
            name="case_close",
            path="close/",
            title=gettext_lazy("Close the case"),
            button=gettext_lazy("Close the case"),
            done=gettext_lazy("The case is closed."),
            transition=CaseAction.CLOSE,
            form=forms.ConfirmForm,
            allowed=permissions.can_approve,
            perform=lambda actor, case, data: services.case_close(actor=actor, case=case),
            style="success",
            open=True,
        ),
        CaseActionPage(
            name="review_request",
            path="review/",
            title=gettext_lazy("Record a request for review"),
            button=gettext_lazy("Record the request"),
            done=gettext_lazy("The review request is recorded."),
            transition=CaseAction.REVIEW_REQUEST,
            form=forms.AppealRequestForm,
            allowed=permissions.can_work_on,
            perform=lambda actor, case, data: services.review_request(actor=actor, case=case, **data),
            offered=_window_open(DeadlineKind.REVIEW_REQUEST),
            style="outline-primary",
        ),
        CaseActionPage(
            name="review_decide",
            path="review/decide/",
            title=gettext_lazy("Record the review opinion"),
            button=gettext_lazy("Record the opinion"),
            done=gettext_lazy("The review opinion is recorded."),
            transition=CaseAction.REVIEW_DECIDE,
            form=forms.AppealDecisionForm,
            allowed=permissions.can_decide_appeal,
            perform=lambda actor, case, data: services.review_decide(actor=actor, case=case, **data),
            open=True,
        ),
        CaseActionPage(
            name="reexamination_request",
            path="reexamination/",
            title=gettext_lazy("Record a request for re-examination"),
            button=gettext_lazy("Record the request"),
            done=gettext_lazy("The re-examination request is recorded."),
            transition=CaseAction.REEXAMINATION_REQUEST,
            form=forms.AppealRequestForm,
            allowed=permissions.can_work_on,
            perform=lambda actor, case, data: services.reexamination_request(actor=actor, case=case, **data),
            offered=_window_open(DeadlineKind.REEXAMINATION_REQUEST),
            style="outline-primary",
        ),
        CaseActionPage(
            name="reexamination_decide",
            path="reexamination/decide/",
            title=gettext_lazy("Record the re-examination opinion"),
            button=gettext_lazy("Record the opinion"),
            done=gettext_lazy("The re-examination opinion is recorded; the matter is concluded."),
            transition=CaseAction.REEXAMINATION_DECIDE,
            form=forms.AppealDecisionForm,
            allowed=permissions.can_decide_appeal,
            perform=lambda actor, case, data: services.reexamination_decide(actor=actor, case=case, **data),
            open=True,
        ),
        CaseActionPage(
            name="supervision_issue",
            path="supervision/",
            title=gettext_lazy("Issue a supervision order"),
            button=gettext_lazy("Issue the order"),
            done=gettext_lazy("The supervision order is issued; the unit is notified."),
            transition=CaseAction.SUPERVISION_ISSUE,
            form=forms.SupervisionIssueForm,
            allowed=lambda user, case: permissions.can_supervise(user),
            perform=lambda actor, case, data: services.supervision_issue(actor=actor, case=case, **data),
            style="outline-primary",
        ),
        CaseActionPage(
            name="supervision_respond",
            path="supervision/<int:item>/respond/",
            title=gettext_lazy("Answer the supervision order"),
            button=gettext_lazy("Send the answer"),
            done=gettext_lazy("The answer is recorded; the supervisor is notified."),
            transition=CaseAction.SUPERVISION_RESPOND,
            form=forms.SupervisionRespondForm,
            allowed=permissions.can_respond_supervision,
            perform=lambda actor, order, data: services.supervision_respond(actor=actor, order=order, **data),
            offered=lambda order: order.status == SupervisionStatus.OPEN,
            item=selectors.supervision_order_of,
        ),
    ]
}


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    cases = selectors.case_list(user=request.user, filters=request.GET, request=request)
    page = LargeTablePaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "today": timezone.localdate(),
        "filter_form": _filter_form(request),
        "filters_invalid": cases.query.is_empty(),
    }
    return render(request, "cases/list.html", context)


def _filter_form(request: HttpRequest):
    """The filter set's form for display only, as petitions.views._filter_form: unbound (case_list has
    validated the values), its option lists read once each."""
    form = selectors.CaseFilter().form
    form.initial = {key: value for key, value in request.GET.items() if key != "page"}
    units = list(unit_list())
    empty = [("", "—")]
    form.fields["category"].widget.choices = empty + [(c.pk, category_label(c)) for c in category_list()]
    form.fields["unit"].widget.choices = empty + [(u.pk, u.name) for u in units]
    form.fields["lead_official"].widget.choices = empty + [(u.pk, str(u)) for u in user_list(role=Role.LEADER)]
    for field in form.fields.values():
        if isinstance(field.widget, django_forms.Select):
            field.widget.attrs["class"] = "form-select form-select-sm"
            choices = list(field.widget.choices)
            if choices and choices[0][0] in ("", "unknown"):  # one look for "any" in every select
                field.widget.choices = [(choices[0][0], "—"), *choices[1:]]
        else:
            field.widget.attrs["class"] = "form-control form-control-sm"
    _render_options_inline(form)
    return form


@login_required
def approval_inbox(request: HttpRequest) -> HttpResponse:
    """What awaits the lead official's decision, nearest handling deadline first; only leaders lead cases."""
    permissions.require(permissions.can_approve_any(request.user))
    cases = selectors.approval_inbox(user=request.user)
    page = LargeTablePaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/approvals.html", {"page": page, "today": timezone.localdate()})


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    return _case_page(request, case)


@dataclass(frozen=True)
class DeadlineRow:
    kind: str
    start_on: date
    due_on: date
    met_on: date | None
    status: str
    status_label: str
    days_left: int | None
    explanation: tuple[str, ...]


RUNNING = {DeadlineStatus.OPEN, DeadlineStatus.OVERDUE}


def _deadline_rows(case: Case, today: date) -> list[DeadlineRow]:
    rows = []
    explanations = selectors.deadline_explanations(case.deadlines.all())
    for deadline in case.deadlines.all():
        status = deadline.current_status(today)
        rows.append(
            DeadlineRow(
                kind=deadline.get_kind_display(),
                start_on=deadline.start_on,
                due_on=deadline.due_on,
                met_on=deadline.met_on,
                status=status,
                status_label=DeadlineStatus(status).label,
                # Counted down only while someone still owes the step: not once met, nor for a lapsed window.
                days_left=(deadline.due_on - today).days if status in RUNNING and deadline.met_on is None else None,
                explanation=explanations[deadline.pk],
            )
        )
    return rows


# Which form failed: (action name, id of the object it acted on, None for the case itself).
Failed = dict[tuple[str, int | None], django_forms.Form]


@dataclass(frozen=True)
class SupervisionRow:
    order: SupervisionOrder
    status: str
    status_label: str
    days_left: int | None
    actions: list[dict]


def _supervision_rows(user: User, case: Case, today: date, failed: Failed) -> list[SupervisionRow]:
    """Each order with its deadline read as the deadlines list reads it, and the actions this user may take on it."""
    rows = []
    for order in case.supervision_orders.all():
        status = order.deadline.current_status(today)
        rows.append(
            SupervisionRow(
                order=order,
                status=status,
                status_label=DeadlineStatus(status).label,
                days_left=(order.deadline.due_on - today).days if status in RUNNING and order.deadline.met_on is None else None,
                actions=_offered_actions(user, case, failed, item=order),
            )
        )
    return rows


def _offered_actions(user: User, case: Case, failed: Failed, *, item: Any = None) -> list[dict]:
    """The actions this user may take now on the case (or on one of its objects), each with its form
    (the one that failed, if any)."""
    offered, permitted = [], {}
    subject = case if item is None else item
    for action in ACTIONS.values():
        if (action.item is None) != (item is None):
            continue
        form = failed.get((action.name, None if item is None else item.pk))
        if form is None:
            if not (case.can(action.transition) and action.offered(subject)):
                continue
            if action.allowed not in permitted:  # several actions share a permission; ask once
                permitted[action.allowed] = action.allowed(user, subject)
            if not permitted[action.allowed]:
                continue
            form = action.make_form(case, item=item)
        offered.append(
            {
                "action": action,
                "form": form,
                "url": action.url(case, item),
                "open": action.open or form.is_bound,
                "dom_id": action.name if item is None else f"{action.name}-{item.pk}",
            }
        )
    return offered


def _case_page(request: HttpRequest, case: Case, *, status: int = 200, failed: Failed | None = None) -> HttpResponse:
    today = timezone.localdate()
    user = request.user
    failed = failed or {}
    context = {
        "case": case,
        "today": today,
        "is_overdue": case.is_overdue(today),
        "handling_days_left": (case.handling_due - today).days if case.status in HANDLING_STATUSES else None,
        "petition_links": case.petition_links.all(),
        "first_petition": next((link.petition for link in case.petition_links.all() if link.is_first), None),
        "deadlines": _deadline_rows(case, today),
        "extension": _extension(case),
        "appeals": case.appeals.all(),
        "supervision_orders": _supervision_rows(user, case, today, failed),
        "timeline": list(selectors.case_timeline(case)),
        "actions": _offered_actions(user, case, failed),
    }
    return render(request, "cases/detail.html", context, status=status)


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str, item: int | None = None) -> HttpResponse:
    """One action of the case workflow: the URL names it (and the object of the case it acts on), ACTIONS
    says which form and service."""
    page_action = ACTIONS[action]
    case = selectors.case_get(user=request.user, pk=pk)
    target = None if page_action.item is None else page_action.item(case, item)
    subject = case if target is None else target
    permissions.require(page_action.allowed(request.user, subject))
    form = page_action.make_form(case, request.POST, item=target)
    if form.is_valid():
        try:
            page_action.perform(request.user, subject, form.cleaned_data)
        except ValidationError as error:
            for message in apply_service_errors(form, error):
                form.add_error(None, message)
        except TransitionNotAllowed as error:
            return _conflict(request, pk, error)
        else:
            messages.success(request, page_action.done)
            return redirect("case-detail", pk=case.pk)
    return _case_page(request, case, status=400, failed={(action, item): form})


def _conflict(request: HttpRequest, pk: int, error: TransitionNotAllowed) -> HttpResponse:
    """Someone else acted first, or the state no longer allows it: say so, change nothing, show the case as it is now."""
    messages.error(request, str(error))
    return _case_page(request, selectors.case_get(user=request.user, pk=pk), status=409)


@login_required
def case_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A document of the case as PDF, once its state has it (else 404, as outside the user's scope)."""
    case = selectors.case_visible(user=request.user, pk=pk)
    return documents.pdf_response(*documents.case_document_pdf(case=case, kind=kind))


@login_required
def petition_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The notice on a petition refused at intake (not accepted, or not accepted again), as PDF."""
    petition = petition_get(user=request.user, pk=pk)
    return documents.pdf_response(*documents.petition_document_pdf(petition=petition, kind=kind))
