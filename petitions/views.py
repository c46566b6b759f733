"""Intake pages. Thin: parse the request, call a selector or a service, render.

The pages that also show cases live in cases.views (DESIGN §3: a page that needs two apps belongs
to the higher one): the start page, the petition's page with its case panel, and the decision
(accepting opens or joins a case). This module gives that page its petition part
(petition_page_context, petitions/detail.html) and renders it alone when route, objection or upload
fails. Registration and the petitioner lookup are written here but served by cases.views, which
tells them the case of each earlier petition (where its matter stands).

Every object is fetched through a scoped selector (outside the user's scope: 404); every action
checks its permission before reading input (not allowed: 403), and the services refuse the rest.
"""

import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.selectors import unit_list
from config.pagination import LargeTablePaginator
from petitions import permissions, selectors, services
from petitions.forms import (
    AttachmentForm,
    ObjectionForm,
    PetitionerFormSet,
    PetitionForm,
    RouteForm,
    apply_service_errors,
    category_label,
)
from petitions.identity import validate_id_number
from petitions.models import Action, Petition, TransitionNotAllowed

PAGE_SIZE = 50
MAX_REPEAT_CANDIDATES = 10
PETITIONER_PREFIX = "petitioners"


# The case of each earlier petition, by petition id, so the counter says whether its matter is being
# handled or concluded. Cases are the higher app's: cases.views serves these two pages with its own.
CasesOf = Callable[[list[Petition]], dict[int, Any]]


def petition_register(request: AuthenticatedHttpRequest, *, cases_of: CasesOf) -> HttpResponse:
    """One form for every channel; likely repeats are shown for the clerk to decide before saving,
    each with its matter's case (cases.views.petition_register serves it, login required)."""
    user = request.user
    permissions.require(permissions.can_register(user))
    candidates: list[Petition] = []
    status = 200
    if request.method == "POST":
        form = PetitionForm(request.POST, request.FILES, user=user)
        formset = PetitionerFormSet(request.POST, prefix=PETITIONER_PREFIX)
        if form.is_valid() and formset.is_valid():
            data, people = form.cleaned_data, formset.people
            candidates = list(
                selectors.repeat_candidates(
                    keys=[person.key for person in people],
                    category_id=data["category"].pk,
                    locality_id=data["locality"].pk,
                    received_at=data["received_at"],
                )[:MAX_REPEAT_CANDIDATES]
            )
            choice = data["repeat_choice"]
            chosen = next((candidate for candidate in candidates if str(candidate.pk) == choice), None)
            if candidates and chosen is None and choice != PetitionForm.NOT_A_REPEAT:
                # Not decided yet (or the earlier choice is no longer a candidate): ask.
                context = _register_context(form, formset, candidates, asking=True, cases=cases_of(candidates))
                return render(request, "petitions/register.html", context)
            try:
                petition = services.petition_register(
                    actor=user,
                    channel=data["channel"],
                    received_at=data["received_at"],
                    petitioners=people,
                    headcount=data["headcount"],
                    category=data["category"],
                    purpose=data["purpose"],
                    locality=data["locality"],
                    summary=data["summary"],
                    content=data["content"],
                    skip_level=data["skip_level"],
                    to_province=data["to_province"],
                    to_beijing=data["to_beijing"],
                    joint_letter=data["joint_letter"],
                    repeat_of=chosen,
                    detect_repeat=choice != PetitionForm.NOT_A_REPEAT,
                    attachments=data["attachments"],
                )
            except ValidationError as error:
                formset.add_non_form_errors(apply_service_errors(form, error))
            else:
                messages.success(
                    request,
                    _("Registered as %(reg_no)s. Decision due by %(due)s.")
                    % {"reg_no": petition.reg_no, "due": date_format(petition.decision_due, "Y-m-d")},
                )
                return redirect("petition-detail", pk=petition.pk)
        status = 400
    else:
        form = PetitionForm(user=user)
        formset = PetitionerFormSet(prefix=PETITIONER_PREFIX)
    return render(request, "petitions/register.html", _register_context(form, formset, candidates), status=status)


def _register_context(
    form: PetitionForm, formset, candidates: list[Petition], *, asking: bool = False, cases: dict[int, Any] | None = None
) -> dict:
    return {
        "form": form,
        "formset": formset,
        "candidates": candidates,
        "candidate_rows": [(candidate, (cases or {}).get(candidate.pk)) for candidate in candidates],
        "asking_repeat": asking,
        "files_dropped": asking and bool(form.cleaned_data.get("attachments")),
    }


def petitioner_lookup(request: AuthenticatedHttpRequest, *, cases_of: CasesOf) -> HttpResponse:
    """htmx partial for one petitioner row: is the ID number valid, who is it, what did they bring before
    and where each matter stands (cases.views.petitioner_lookup serves it, login required, POST only)."""
    permissions.require(permissions.can_register(request.user))
    prefix = request.POST.get("prefix", "")
    if not re.fullmatch(rf"{PETITIONER_PREFIX}-\d{{1,3}}", prefix):
        return HttpResponseBadRequest()
    raw = request.POST.get(f"{prefix}-id_number", "").strip()
    context: dict = {"prefix": prefix}
    if raw:
        try:
            number = validate_id_number(raw)
        except ValidationError as error:
            context["errors"] = error.messages
        else:
            person = selectors.petitioner_by_id_number(number)
            if person is not None:
                earlier = list(selectors.earlier_petitions(person))
                visible = set(
                    selectors.petitions_visible_to(request.user).filter(pk__in=[p.pk for p in earlier]).values_list("pk", flat=True)
                )
                cases = cases_of(earlier)
                context.update(person=person, earlier=[(petition, petition.pk in visible, cases.get(petition.pk)) for petition in earlier])
            else:
                context["new_person"] = True
    return render(request, "petitions/_petitioner_lookup.html", context)


@login_required
def petition_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    petitions = selectors.petition_list(user=request.user, filters=request.GET)
    page = LargeTablePaginator(petitions, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "filter_form": _filter_form(request), "filters_invalid": petitions.query.is_empty()}
    return render(request, "petitions/list.html", context)


def _filter_form(request: HttpRequest):
    """The filter set's form for display only: petition_list has validated the values already, so
    the form is left unbound (rendering a bound one would validate again, one query per choice),
    and its option lists are read in two queries rather than one per select."""
    form = selectors.PetitionFilter().form
    form.initial = {key: value for key, value in request.GET.items() if key != "page"}
    categories = list(selectors.category_list())
    units = list(unit_list())
    empty = [("", "—")]
    form.fields["category"].widget.choices = empty + [(c.pk, category_label(c)) for c in categories]
    form.fields["locality"].widget.choices = empty + [(u.pk, u.name) for u in units if u.kind == "township"]
    form.fields["unit"].widget.choices = empty + [(u.pk, u.name) for u in units]
    for field in form.fields.values():
        field.widget.attrs["class"] = "form-select form-select-sm"
        choices = list(getattr(field.widget, "choices", []))
        if choices and choices[0][0] in ("", "unknown"):  # one look for "any" in every select
            field.widget.choices = [(choices[0][0], "—"), *choices[1:]]
    return form


def petition_page_context(user, petition: Petition, **forms) -> dict:
    """The petition's part of its page, for cases.views.petition_detail and for this module's failed forms."""
    may_route = permissions.can_route(user, petition) and petition.can(Action.ROUTE)
    suggestion = selectors.routing_suggestion(petition) if may_route else None
    may_attach = permissions.can_attach(user, petition)
    objection = selectors.objection_window(petition=petition) if permissions.can_decide(user, petition) else None
    may_object = objection is not None and timezone.localdate() <= objection.due_on
    repeat_visible = petition.repeat_of_id is not None and selectors.petitions_visible_to(user).filter(pk=petition.repeat_of_id).exists()
    return {
        "petition": petition,
        "decision_deadline": selectors.decision_deadline(petition=petition),
        "petitioners": selectors.petitioners_of(petition),
        "attachments": petition.attachments.all(),
        "timeline": list(selectors.petition_timeline(petition)),
        "repeat_visible": repeat_visible,
        "can_reveal": permissions.can_reveal(user),
        "route_form": forms.get("route_form") or (RouteForm(suggested_unit=suggestion.unit) if suggestion else None),
        "routing_suggestion": suggestion,
        "attachment_form": forms.get("attachment_form") or (AttachmentForm() if may_attach else None),
        "objection_form": forms.get("objection_form") or (ObjectionForm() if may_object else None),
        "objection_last_day": objection.due_on if objection else None,
    }


def _detail(request: AuthenticatedHttpRequest, petition: Petition, *, status: int, **forms) -> HttpResponse:
    """A route or an upload that failed: the petition's part of its page, with the form and its errors."""
    return render(request, "petitions/detail.html", petition_page_context(request.user, petition, **forms), status=status)


@login_required
@require_POST
def petition_route(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    petition = selectors.petition_get(user=request.user, pk=pk)
    permissions.require(permissions.can_route(request.user, petition))
    form = RouteForm(request.POST)
    if form.is_valid():
        try:
            services.petition_route(
                actor=request.user,
                petition=petition,
                unit=form.cleaned_data["unit"],
                mode=form.cleaned_data["mode"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except TransitionNotAllowed as error:
            return _conflict(request, petition, error)
        else:
            messages.success(request, _("Routed to %(unit)s.") % {"unit": form.cleaned_data["unit"].name})
            return redirect("petition-detail", pk=petition.pk)
    return _detail(request, petition, route_form=form, status=400)


@login_required
@require_POST
def petition_object(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The unit it was routed to hands the petition back as not competent (Art. 23 ¶3)."""
    petition = selectors.petition_get(user=request.user, pk=pk)
    permissions.require(permissions.can_decide(request.user, petition))
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            returned = services.petition_object(actor=request.user, petition=petition, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        except TransitionNotAllowed as error:
            return _conflict(request, petition, error)
        else:
            back_to = returned.unit.name if returned.unit else returned.intake_unit.name
            messages.success(request, _("Handed back to %(unit)s, which routes it again.") % {"unit": back_to})
            # Once back with the routing unit, the objecting unit no longer sees it.
            if selectors.petitions_visible_to(request.user).filter(pk=petition.pk).exists():
                return redirect("petition-detail", pk=petition.pk)
            return redirect("petition-list")
    return _detail(request, petition, objection_form=form, status=400)


def _conflict(request: AuthenticatedHttpRequest, petition: Petition, error: TransitionNotAllowed) -> HttpResponse:
    """Someone else acted first, or the state no longer allows it: say so, change nothing."""
    messages.error(request, str(error))
    petition.refresh_from_db()
    return _detail(request, petition, status=409)


@login_required
@require_POST
def attachment_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    petition = selectors.petition_get(user=request.user, pk=pk)
    permissions.require(permissions.can_attach(request.user, petition))
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        uploads = form.cleaned_data["files"]
        try:
            # All or none: check every file before the first one is stored.
            for upload in uploads:
                services.attachment_check(upload)
            with transaction.atomic():
                for upload in uploads:
                    services.attachment_add(actor=request.user, petition=petition, upload=upload)
        except ValidationError as error:
            form.add_error("files", error.messages)
        else:
            messages.success(
                request, ngettext("%(count)d attachment added.", "%(count)d attachments added.", len(uploads)) % {"count": len(uploads)}
            )
            return redirect("petition-detail", pk=petition.pk)
    return _detail(request, petition, attachment_form=form, status=400)


@login_required
def attachment_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
@never_cache
def petitioner_reveal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The full ID number and phone, in the response body only; the service logs the reveal."""
    petitioner = selectors.petitioner_visible_to(request.user, pk)
    values = services.petitioner_reveal(actor=request.user, petitioner=petitioner)
    template = "petitions/_petitioner_revealed.html" if request.htmx else "petitions/petitioner_reveal.html"
    back = request.POST.get("petition", "")
    return render(request, template, {"petitioner": petitioner, "revealed": values, "back_pk": int(back) if back.isdigit() else None})
