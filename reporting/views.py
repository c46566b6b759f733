"""The statistics pages. Thin: parse the request with the forms the API uses too, call a selector
or a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from petitions.models import TransitionNotAllowed
from reporting import permissions, selectors, services
from reporting.forms import MonthForm, ReopenForm


@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError  # being written


def _back_to_month(data: dict) -> HttpResponse:
    return redirect(f"{reverse('report-page')}?year={data['year']}&month={data['month']}")


@login_required
@require_POST
def month_close(request: HttpRequest) -> HttpResponse:
    permissions.require(permissions.can_close_month(request.user))
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(message for messages_ in form.errors.values() for message in messages_))
        return redirect("report-page")
    try:
        services.month_close(actor=request.user, **form.cleaned_data)
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
    return _back_to_month(form.cleaned_data)


@login_required
@require_POST
def month_reopen(request: HttpRequest) -> HttpResponse:
    permissions.require(permissions.can_close_month(request.user))
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(message for messages_ in form.errors.values() for message in messages_))
        return redirect("report-page")
    try:
        services.month_reopen(actor=request.user, **form.cleaned_data)
    except (TransitionNotAllowed, ValidationError) as error:
        messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
    return _back_to_month(form.cleaned_data)


@login_required
@require_POST
def report_run_request(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError  # being written


@login_required
def report_run_status(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError  # being written


@login_required
def report_run_file(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.report_run_get(request.user, pk)
    if not run.file:
        return HttpResponse(status=404)
    response = FileResponse(run.file.open("rb"))
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=run.file.name.rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, no-store"
    return response
