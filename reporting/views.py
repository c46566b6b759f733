"""The statistics pages. Thin: parse the request with the forms the API uses too, call a selector
or a service, render.

Who may see which scope is reporting.selectors.report_unit_get (another unit: 404) and who may
close a month reporting.permissions (refused: 403); bad input comes back on the filter form (400)
or, for the buttons that post, as a message on the page they return to, and nothing is saved.
"""

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from accounts.http import AuthenticatedHttpRequest, HtmxHttpRequest
from accounts.models import Unit, User
from accounts.selectors import visible_unit_ids
from petitions.models import Channel, Purpose, TransitionNotAllowed
from reporting import permissions, selectors, services
from reporting.charts import report_charts
from reporting.forms import ExportForm, MonthForm, PeriodForm, ReopenForm
from reporting.models import ReportFormat, ReportRun
from reporting.periods import Period
from reporting.selectors import Report
from reporting.tables import Column, Table, figure_text, period_label, rate_labels, report_tables, scope_label, total_labels

# What the page's links and forms carry from one request to the next: the period and the scope.
PERIOD_FIELDS = ("year", "month", "date_from", "date_to", "unit")
# The lists of cases can run to thousands of rows at a county's scale: the page shows them a page
# at a time (the files print them whole), so that it stays fast.
CASE_LISTS = ("overdue", "supervised")
LIST_PAGE_SIZE = 50
RECENT_RUNS = 10


# Cells ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    is_number: bool = False
    link: str = ""


def _cell(column: Column, value) -> Cell:
    return Cell(figure_text(value, column.kind), is_number=column.kind in ("int", "percent"))


@dataclass
class TableView:
    """One table of the report as the page shows it: its cells formatted, its chart beside it, its
    notes, and for the lists of cases the page of rows asked for with links to the others."""

    table: Table
    chart: SafeString | None
    headers: list[Cell]
    rows: list[list[Cell]]
    notes: list[tuple[str, str]] = field(default_factory=list)
    page: Page | None = None
    page_links: dict[str, str] = field(default_factory=dict)

    @property
    def is_wide(self) -> bool:
        """More than a label and three figures: the table takes more of the row than its chart."""
        return len(self.headers) > 4


def _page_links(page: Page, parameter: str, anchor: str, query: QueryDict) -> dict[str, str]:
    def link(number: int) -> str:
        values = query.copy()
        values[parameter] = str(number)
        return f"?{values.urlencode()}#{anchor}"

    links: dict[str, str] = {}
    if page.has_previous():
        links.update(first=link(1), previous=link(page.previous_page_number()))
    if page.has_next():
        links.update(next=link(page.next_page_number()), last=link(page.paginator.num_pages))
    return links


def _table_view(table: Table, chart: SafeString | None, figures: dict, query: QueryDict) -> TableView:
    headers = [Cell(column.label, is_number=column.kind in ("int", "percent")) for column in table.columns]
    if table.key not in CASE_LISTS:
        rows = [[_cell(column, value) for column, value in zip(table.columns, row, strict=True)] for row in table.rows]
        return TableView(table, chart, headers, rows, notes=table.notes)
    parameter = f"{table.key}_page"
    page = Paginator(list(zip(table.rows, figures[table.key], strict=True)), LIST_PAGE_SIZE).get_page(query.get(parameter))
    rows = []
    for row, item in page.object_list:
        cells = [_cell(column, value) for column, value in zip(table.columns, row, strict=True)]
        # The case number opens the case.
        cells[0] = Cell(cells[0].text, link=reverse("case-detail", args=[item["case"]]))
        rows.append(cells)
    links = _page_links(page, parameter, f"report-{table.key}", query)
    return TableView(table, chart, headers, rows, notes=table.notes, page=page, page_links=links)


# Live data against a closed month ------------------------------------------------------------------


def _difference_rows(report: Report, tables: list[Table], units: list[Unit]) -> list[dict]:
    """The report's live differences in words: which table, which row, the frozen and the live value.
    Categories, townships and units are named as the frozen figures name them; a unit added since
    the month was closed, by its name now."""
    unit_names = {unit.pk: unit.name for unit in units}

    def named(section: str, now: dict) -> dict:
        return {**now, **{row["id"]: row["name"] for row in report.figures[section]}}

    labels: dict[str, dict] = {
        "totals": total_labels(),
        "by_channel": {channel: Channel(channel).label for channel in Channel.values},
        "by_purpose": {purpose: Purpose(purpose).label for purpose in Purpose.values},
        "by_category": named("by_category", {}),
        "by_locality": named("by_locality", unit_names),
        "by_unit": named("by_unit", unit_names),
        "rates": rate_labels(),
        "overdue": {"count": _("Number of cases")},
        "supervised": {"count": _("Number of supervision orders")},
    }
    titles = {table.key: table.title for table in tables}

    def value(section: str, figure) -> str:
        if section == "rates":
            return f"{figure_text(figure['numerator'], 'int')} / {figure_text(figure['denominator'], 'int')}"
        return figure_text(figure, "int")

    return [
        {
            "section": titles[difference["section"]],
            "key": labels[difference["section"]].get(difference["key"], str(difference["key"])),
            "frozen": value(difference["section"], difference["frozen"]),
            "live": value(difference["section"], difference["live"]),
        }
        for difference in report.live_differences or []
    ]


# The filter form -----------------------------------------------------------------------------------


def _filter_form(form: PeriodForm, units: list[Unit], user: User) -> PeriodForm:
    """The period form as selects and date boxes. Years run from the first petition's to this one;
    the county office may ask for the whole county, anyone else for their unit or one below it."""
    this_year = timezone.localdate().year
    first = selectors.earliest_petition_date()
    years = set(range(min(first.year if first else this_year, this_year), this_year + 1))
    if form.is_bound and isinstance(form.cleaned_data.get("year"), int):
        years.add(form.cleaned_data["year"])  # a year without figures stays chosen beside its message
    empty = [("", "—")]
    form.fields["year"].widget = django_forms.Select(choices=empty + [(year, year) for year in sorted(years, reverse=True)])
    form.fields["month"].widget = django_forms.Select(choices=empty + list(MONTHS.items()))
    for name in ("date_from", "date_to"):
        form.fields[name].widget = django_forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    county = [("", _("The whole county"))] if visible_unit_ids(user) is None else []
    form.fields["unit"].widget = django_forms.Select(choices=county + [(unit.pk, unit.name) for unit in units])
    form.fields["unit"].widget.template_name = "cases/_select.html"
    for name, form_field in form.fields.items():
        css = "form-select" if isinstance(form_field.widget, django_forms.Select) else "form-control"
        form_field.widget.attrs["class"] = f"{css}{' is-invalid' if name in form.errors else ''}"
    # Picking a month clears the range and the other way round: the form takes one or the other.
    for name in ("year", "month"):
        form.fields[name].widget.attrs["data-clears"] = "date_from date_to"
    for name in ("date_from", "date_to"):
        form.fields[name].widget.attrs["data-clears"] = "year month"
    return form


def _period_initial(period: Period, unit: Unit | None) -> dict:
    if period.is_month:
        values: dict[str, int | date] = {"year": period.start.year, "month": period.start.month}
    else:
        values = {"date_from": period.start, "date_to": period.end}
    return {**values, "unit": unit.pk if unit else ""}


def _page_url(values: dict) -> str:
    """The statistics page of the period and scope in `values` (a request's data or a form's initial)."""
    query = {key: values[key] for key in PERIOD_FIELDS if values.get(key) not in (None, "")}
    return f"{reverse('report-page')}?{urlencode(query)}" if query else reverse("report-page")


# The page ------------------------------------------------------------------------------------------


@login_required
def report_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    permissions.require(permissions.can_view_reports(request.user))
    units = list(selectors.report_units_for(request.user))
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return render(request, "reporting/report.html", {"form": _filter_form(form, units, request.user)}, status=400)
    period, unit = form.cleaned_data["period"], selectors.report_unit_get(request.user, form.cleaned_data["unit"])
    report = selectors.report_get(period=period, unit=unit, compare_live=True)
    tables = report_tables(report.figures)
    charts = report_charts(report.figures)
    initial = _period_initial(period, unit)
    context = {
        "form": _filter_form(PeriodForm(initial=initial), units, request.user),
        "report": report,
        "period_label": period_label(report.figures["period"]),
        "scope_label": scope_label(report.figures),
        "tables": [_table_view(table, charts.get(table.key), report.figures, request.GET) for table in tables],
        "differences": _difference_rows(report, tables, units),
        "period_values": initial,
        "formats": ReportFormat.choices,
        "runs": _run_rows(selectors.report_runs_for(request.user)[:RECENT_RUNS]),
        **_month_panel(request.user, period),
    }
    return render(request, "reporting/report.html", context)


def _month_panel(user: User, period: Period) -> dict:
    """A month's closing: its history for everyone, and for supervisors the button to close a month
    that is over and not closed, or the form to reopen it."""
    if not period.is_month:
        return {"is_month": False}
    year, month = period.start.year, period.start.month
    history = list(selectors.month_closings(year, month))
    closing = next((closing for closing in history if closing.reopened_at is None), None)
    supervisor, is_over = permissions.can_close_month(user), period.end < timezone.localdate()
    return {
        "is_month": True,
        "closings": history,
        "closing_in_force": closing,
        "month_is_over": is_over,
        "may_close": supervisor and closing is None and is_over,
        "may_reopen": supervisor and closing is not None,
        "reopen_form": ReopenForm(initial={"year": year, "month": month}) if supervisor and closing else None,
    }


# Closing a month -----------------------------------------------------------------------------------


def _errors_text(form: django_forms.Form) -> str:
    return " ".join(str(message) for field_messages in form.errors.values() for message in field_messages)


def _back(request: HttpRequest) -> HttpResponse:
    """To the page the form was posted from: its forms carry the period and scope shown."""
    return redirect(_page_url(request.POST))


@login_required
@require_POST
def month_close(request: AuthenticatedHttpRequest) -> HttpResponse:
    permissions.require(permissions.can_close_month(request.user))
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors_text(form))
        return _back(request)
    try:
        services.month_close(actor=request.user, **form.cleaned_data)
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The month is closed: its figures are frozen."))
    return _back(request)


@login_required
@require_POST
def month_reopen(request: AuthenticatedHttpRequest) -> HttpResponse:
    permissions.require(permissions.can_close_month(request.user))
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors_text(form))
        return _back(request)
    try:
        services.month_reopen(actor=request.user, **form.cleaned_data)
    except (TransitionNotAllowed, ValidationError) as error:
        messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
    else:
        messages.success(request, _("The month is reopened: its figures are live again until it is closed anew."))
    return _back(request)


# Report files --------------------------------------------------------------------------------------


def _run_row(run: ReportRun) -> dict:
    return {"run": run, "period": period_label(Period(run.date_from, run.date_to).as_dict())}


def _run_rows(runs) -> list[dict]:
    return [_run_row(run) for run in runs]


@login_required
@require_POST
def report_run_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for the report as a file, then back to the page, where the file's row shows its progress."""
    permissions.require(permissions.can_view_reports(request.user))
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors_text(form))
        return _back(request)
    unit = selectors.report_unit_get(request.user, form.cleaned_data["unit"])
    run = services.report_run_request(actor=request.user, period=form.cleaned_data["period"], unit=unit, format=form.cleaned_data["format"])
    messages.success(
        request, _("The %(format)s file is asked for: its progress is shown under Report files.") % {"format": run.get_format_display()}
    )
    return redirect(f"{_page_url(request.POST)}#report-runs")


@never_cache
@require_GET
def report_run_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """One file's row, which polls this every second while the file is built. Signed out (the
    session ended while the page was open), htmx is told to stop polling."""
    if not request.user.is_authenticated:
        if request.htmx:
            return HttpResponseStopPolling()
        return redirect_to_login(request.get_full_path())
    run = selectors.report_run_get(request.user, pk)
    return render(request, "reporting/_run.html", _run_row(run))


@login_required
def report_run_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse | FileResponse:
    run = selectors.report_run_get(request.user, pk)
    if not run.file:
        return HttpResponse(status=404)
    response = FileResponse(run.file.open("rb"))
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=(run.file.name or "").rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, no-store"
    return response
