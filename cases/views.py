"""Case handling pages, and the pages that show petitions with their cases (the start page, the
petition's page, the decision on a petition). Thin: parse the request, call a selector or a service, render.

Every case is fetched through cases.selectors (outside the user's scope: 404); every action checks
its permission before reading input (not allowed: 403), and the services refuse the rest: bad input
comes back on the form (400), a case that has moved on answers 409 and nothing is changed.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role, User
from accounts.selectors import unit_list, user_list
from cases import documents, forms, permissions, selectors, services
from cases.actions import ACTIONS, Action, extension_of
from cases.models import HANDLING_STATUSES, Case, CaseStatus, SupervisionOrder
from cases.next_step import case_next_step, petition_next_step
from config.pagination import LargeTablePaginator
from deadlines.models import DeadlineStatus
from deadlines.selectors import deadline_explanations
from petitions import permissions as petition_permissions
from petitions import selectors as petition_selectors
from petitions import services as petition_services
from petitions import views as petition_views
from petitions.forms import ConcludedMatterForm, DecisionForm, apply_service_errors, category_label
from petitions.models import Action as PetitionAction
from petitions.models import Petition, TransitionNotAllowed
from petitions.models import Status as PetitionStatus
from petitions.selectors import category_list, petition_get
from petitions.views import petition_page_context

PAGE_SIZE = 50
HOME_ROWS = 50
HOME_CASE_ROWS = 10
DUE_SOON_DAYS = 3


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The start page: today's intake, decisions due soon, and for leaders and handlers their cases."""
    user, today = request.user, timezone.localdate()
    context = {
        "today": today,
        "registered_today": petition_selectors.petitions_registered_on(user=user, day=today)[:HOME_ROWS],
        "due_soon": petition_selectors.petitions_decision_due(user=user, by=today + timedelta(days=DUE_SOON_DAYS))[:HOME_ROWS],
        "can_register": petition_permissions.can_register(user),
    }
    if permissions.can_approve_any(user):
        inbox = selectors.approval_inbox(user=user)
        context.update(approvals=inbox[:HOME_CASE_ROWS], approvals_count=inbox.count())
    if user.has_role(Role.HANDLER):
        context["team_cases"] = selectors.cases_by_deadline(user=user)[:HOME_CASE_ROWS]
    return render(request, "cases/home.html", context)


# Registration: petitions' pages, told the case of each earlier petition so the counter sees whether
# its matter is being handled or concluded (三级终结).


@login_required
def petition_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    return petition_views.petition_register(request, cases_of=selectors.cases_of_petitions)


@login_required
@require_POST
@never_cache
def petitioner_lookup(request: AuthenticatedHttpRequest) -> HttpResponse:
    return petition_views.petitioner_lookup(request, cases_of=selectors.cases_of_petitions)


# The petition's page: petitions gives its intake part (petition_page_context, petitions/detail.html);
# the case it led to and the decision, whose acceptance opens or joins a case, are added here.


@login_required
def petition_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    petition = petition_get(user=request.user, pk=pk)
    return _petition_page(request, petition)


def _petition_page(
    request: AuthenticatedHttpRequest,
    petition: Petition,
    *,
    status: int = 200,
    decision_form: DecisionForm | None = None,
    concluded_form: ConcludedMatterForm | None = None,
    concluded_case: Case | None = None,
) -> HttpResponse:
    user = request.user
    context = petition_page_context(user, petition)
    may_decide = petition_permissions.can_decide(user, petition) and petition.can(PetitionAction.NOT_ACCEPT)
    if concluded_case is not None:
        # Accepting met a concluded matter: the handler judges it, seeing the case that concluded it.
        context.update(
            concluded_case=concluded_case,
            concluded_case_visible=selectors.cases_visible_to(user).filter(pk=concluded_case.pk).exists(),
            concluded_reexamination=selectors.concluded_reexamination(concluded_case),
            concluded_form=concluded_form or ConcludedMatterForm(initial={"concluded_case": concluded_case.pk}),
        )
    else:
        context["decision_form"] = decision_form or (DecisionForm() if may_decide else None)
    context["next_step"] = petition_next_step(petition, timezone.localdate())
    return render(request, "cases/petition_detail.html", context, status=status)


CLOSING_SERVICES = {
    DecisionForm.NOT_ACCEPT: petition_services.petition_not_accept,
    DecisionForm.DIVERT: petition_services.petition_divert,
    DecisionForm.FILE: petition_services.petition_file,
}


def _accepted_message(petition: Petition, case: Case, *, as_new: bool) -> str:
    if petition.status == PetitionStatus.ATTACHED:
        return _("Accepted as a repeat: attached to the open case %(number)s on the same matter.") % {"number": case.number}
    if as_new:
        return _("Accepted as a new matter: case %(number)s is opened; its unit's leaders are told to name the lead official and team.") % {
            "number": case.number
        }
    return _("Accepted: case %(number)s is opened; its unit's leaders are told to name the lead official and team.") % {
        "number": case.number
    }


CLOSED_MESSAGES = {
    DecisionForm.NOT_ACCEPT: _("Not accepted: the notice to the petitioner can be printed."),
    DecisionForm.DIVERT: _("Diverted: the notice to the petitioner can be printed."),
    DecisionForm.FILE: _("Filed: closed at intake."),
}


@login_required
@require_POST
def petition_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Accept (opens or joins a case), or close at intake: not accepted, diverted or filed, with the
    reason for the notice. Accepting on a concluded matter shows the case that concluded it, and the
    handler judges (ConcludedMatterForm, sent here too): not accepted again, or a new matter."""
    petition = petition_get(user=request.user, pk=pk)
    petition_permissions.require(petition_permissions.can_decide(request.user, petition))
    if "concluded_case" in request.POST:
        return _concluded_matter_decide(request, petition)
    form = DecisionForm(request.POST)
    if form.is_valid():
        decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
        try:
            if decision == DecisionForm.ACCEPT:
                decided, case = services.petition_accept(actor=request.user, petition=petition, reason=reason)
                message = _accepted_message(decided, case, as_new=False)
            else:
                CLOSING_SERVICES[decision](actor=request.user, petition=petition, reason=reason)
                message = str(CLOSED_MESSAGES[decision])
        except ValidationError as error:
            apply_service_errors(form, error)
        except services.ConcludedMatter as conflict:
            messages.warning(request, str(conflict))
            return _petition_page(request, petition, status=409, concluded_case=conflict.case)
        except TransitionNotAllowed as error:
            return _petition_conflict(request, petition, error)
        else:
            messages.success(request, message)
            return redirect("petition-detail", pk=petition.pk)
    return _petition_page(request, petition, decision_form=form, status=400)


def _concluded_matter_decide(request: AuthenticatedHttpRequest, petition: Petition) -> HttpResponse:
    form = ConcludedMatterForm(request.POST)
    raw_id = request.POST.get("concluded_case", "")
    concluded = selectors.concluded_case_of_matter(petition, int(raw_id) if raw_id.isdigit() else None)
    if concluded is None:
        messages.error(request, _("Choose a concluded case on the same matter (petitioner, category and locality)."))
        return _petition_page(request, petition, status=400)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == ConcludedMatterForm.ACCEPT:
                decided, case = services.petition_accept(actor=request.user, petition=petition, new_facts=data["new_facts"])
                message = _accepted_message(decided, case, as_new=True)
            else:
                services.petition_not_accept_again(actor=request.user, petition=petition, concluded_case=concluded, reason=data["reason"])
                message = _("Not accepted again, citing case %(number)s: the notice to the petitioner can be printed.") % {
                    "number": concluded.number
                }
        except ValidationError as error:
            apply_service_errors(form, error)
        except TransitionNotAllowed as error:
            return _petition_conflict(request, petition, error)
        else:
            messages.success(request, message)
            return redirect("petition-detail", pk=petition.pk)
    return _petition_page(request, petition, status=400, concluded_form=form, concluded_case=concluded)


def _petition_conflict(request: AuthenticatedHttpRequest, petition: Petition, error: TransitionNotAllowed) -> HttpResponse:
    """Someone else acted first, or the state no longer allows it: say so, change nothing."""
    messages.error(request, str(error))
    petition.refresh_from_db()
    return _petition_page(request, petition, status=409)


def _render_options_inline(form: django_forms.Form) -> None:
    """Selects render their options in one template (cases/_select.html), not one include per option."""
    for field in form.fields.values():
        if isinstance(field.widget, django_forms.Select):
            field.widget.template_name = "cases/_select.html"


def _action_form(action: Action, case: Case, data=None, item: Any = None) -> django_forms.Form:
    """Field ids carry the action's name (and the object's id): several forms on one page share field names."""
    prefix = action.name if item is None else f"{action.name}_{item.pk}"
    extra: dict[str, Any] = {"case": case} if issubclass(action.form, forms.CaseForm) else {}
    form = action.form(data, auto_id=f"id_{prefix}_%s", **extra)
    _render_options_inline(form)
    return form


@login_required
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
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
def approval_inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What awaits the lead official's decision, nearest handling deadline first; only leaders lead cases."""
    permissions.require(permissions.can_approve_any(request.user))
    cases = selectors.approval_inbox(user=request.user)
    page = LargeTablePaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/approvals.html", {"page": page, "today": timezone.localdate()})


@login_required
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
    explanations = deadline_explanations(case.deadlines.all())
    for deadline in case.deadlines.all():
        status = deadline.current_status(today)
        rows.append(
            DeadlineRow(
                kind=deadline.get_kind_display(),
                start_on=deadline.start_on,
                due_on=deadline.due_on,
                met_on=deadline.met_on,
                status=status,
                status_label=str(DeadlineStatus(status).label),
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
                status_label=str(DeadlineStatus(status).label),
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
            if action.guard not in permitted:  # several actions share a guard; ask once
                permitted[action.guard] = action.guard(user, subject)
            if not permitted[action.guard]:
                continue
            form = _action_form(action, case, item=item)
        offered.append(
            {
                "action": action,
                "form": form,
                "url": action.url(case, item),
                # Unfolded when it is the one to use now, was just submitted, or carries a notice (a reply sent back).
                "open": action.open or form.is_bound or bool(getattr(form, "notice", "")),
                "document_url": reverse("case-document", args=[case.pk, action.document]) if action.document else None,
                "dom_id": action.name if item is None else f"{action.name}-{item.pk}",
            }
        )
    return offered


def _case_page(request: AuthenticatedHttpRequest, case: Case, *, status: int = 200, failed: Failed | None = None) -> HttpResponse:
    today = timezone.localdate()
    user = request.user
    failed = failed or {}
    context = {
        "case": case,
        "today": today,
        "is_overdue": case.is_overdue(today),
        "handling_days_left": (case.handling_due - today).days if case.status in HANDLING_STATUSES else None,
        "petition_links": case.petition_links.all(),
        "deadlines": _deadline_rows(case, today),
        "extension": extension_of(case),
        "appeals": case.appeals.all(),
        # Only cases past handling can have these: the page of a case in handling reads neither.
        "completion_reports": [] if case.status in HANDLING_STATUSES else selectors.completion_reports_of(case),
        "aftercare": selectors.aftercare_of(case) if case.status == CaseStatus.CONCLUDED else [],
        "supervision_orders": _supervision_rows(user, case, today, failed),
        "timeline": list(selectors.case_timeline(case)),
        "actions": _offered_actions(user, case, failed),
        "next_step": case_next_step(case, today),
    }
    return render(request, "cases/detail.html", context, status=status)


@login_required
@require_POST
def case_action(request: AuthenticatedHttpRequest, pk: int, action: str, **item_id: int) -> HttpResponse:
    """One action of the case workflow: the URL names it (and the id of the object of the case it acts
    on), cases.actions says which guard, form and service."""
    entry = ACTIONS[action]
    case = selectors.case_get(user=request.user, pk=pk)
    target = None if entry.item is None else entry.item.find(case, item_id[entry.item.kwarg])
    subject = case if target is None else target
    permissions.require(entry.guard(request.user, subject))
    form = _action_form(entry, case, request.POST, item=target)
    if form.is_valid():
        try:
            entry.perform(request.user, subject, form.cleaned_data)
        except ValidationError as error:
            for message in apply_service_errors(form, error):
                form.add_error(None, message)
        except TransitionNotAllowed as error:
            return _conflict(request, pk, error)
        else:
            messages.success(request, str(entry.done))
            return redirect("case-detail", pk=case.pk)
    return _case_page(request, case, status=400, failed={(action, None if target is None else target.pk): form})


def _conflict(request: AuthenticatedHttpRequest, pk: int, error: TransitionNotAllowed) -> HttpResponse:
    """Someone else acted first, or the state no longer allows it: say so, change nothing, show the case as it is now."""
    messages.error(request, str(error))
    return _case_page(request, selectors.case_get(user=request.user, pk=pk), status=409)


@login_required
def case_document(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    """A document of the case as PDF, once its state has it (else 404, as outside the user's scope); the
    drafted reply for its approver and the team only."""
    case = selectors.case_visible(user=request.user, pk=pk)
    return documents.pdf_response(*documents.case_document_pdf(case=case, kind=kind, user=request.user))


@login_required
def petition_document(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    """The notice on a petition refused at intake (not accepted, or not accepted again), as PDF."""
    petition = petition_get(user=request.user, pk=pk)
    return documents.pdf_response(*documents.petition_document_pdf(petition=petition, kind=kind))
