"""The report as files: PDF (WeasyPrint), Excel (openpyxl) and CSV, all from reporting.tables, so
the three print the page's rows in the page's order, in the language active when they are built.

Every file opens with the same heading (county, title, period, scope, the day it was made, and for
a closed month when its figures were frozen) and ends with the rates' formulas.
"""

import csv
import io
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from weasyprint import HTML

from cases.documents import url_fetcher
from reporting.charts import report_charts
from reporting.models import ReportFormat
from reporting.selectors import Report
from reporting.tables import Column, Table, figure_text, period_label, rate_notes, report_tables, scope_label

# The PDF prints this many rows of each list of cases (the cases overdue longest; the supervision
# orders still waiting for an answer first): a county's lists run to thousands of rows, and WeasyPrint
# takes some 15 ms a row (a county's month at 1,000,000 petitions, its 2,617 orders printed in full:
# 72 pages, 44 s, 616 MB). The Excel and CSV files carry the whole lists.
CASE_ROWS_IN_PDF = 50

# The tables that list cases, one row each, and can run over many pages.
CASE_LISTS = ("overdue", "supervised")

CONTENT_TYPES: dict[str, str] = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.CSV: "text/csv; charset=utf-8",
}


@dataclass(frozen=True)
class ExportedFile:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Heading:
    """What heads every file, already in the active language."""

    county: str
    title: str
    period: str
    scope: str
    generated_on: date
    frozen_on: date | None

    def details(self) -> list[str]:
        return [
            _("Period: %(period)s") % {"period": self.period},
            _("Scope: %(scope)s") % {"scope": self.scope},
            _("Generated on %(date)s") % {"date": self.generated_on.isoformat()},
        ]

    @property
    def frozen_text(self) -> str:
        if self.frozen_on is None:
            return ""
        return _("Figures frozen when the month was closed on %(date)s.") % {"date": self.frozen_on.isoformat()}

    def summary(self) -> str:
        """The details on one line, for a spreadsheet's second row and the CSV's heading."""
        return "  ".join(filter(None, [*self.details(), self.frozen_text]))


def _heading(report: Report) -> Heading:
    return Heading(
        county=settings.COUNTY_NAME,
        title=_("Petition work statistics report"),
        period=period_label(report.figures["period"]),
        scope=scope_label(report.figures),
        generated_on=timezone.localdate(),
        frozen_on=timezone.localdate(report.closing.closed_at) if report.closing else None,
    )


def _notes() -> list[tuple[str, str]]:
    return [*rate_notes(), ("—", _("No figure: nothing was due, nothing was evaluated, or the earlier period's figure was 0."))]


def _display_width(text: str) -> int:
    """How wide a text prints, in Excel's column width units (about half an em): a CJK character
    takes two. Sizes the workbook's columns and the PDF's."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def export_filename(figures: dict, format: str) -> str:
    """ASCII, so that every browser and mail client keeps it: xinfang-report-2026-11-county.pdf."""
    period = figures["period"]
    when = f"{period['year']}-{period['month']:02d}" if period["month"] else f"{period['start']}-to-{period['end']}"
    if figures["unit"] is None:
        scope = "county"
    else:
        scope = re.sub(r"[^A-Za-z0-9_-]+", "-", figures["unit"]["code"]).strip("-") or f"unit-{figures['unit']['id']}"
    return f"xinfang-report-{when}-{scope}.{format}"


def export_file(*, report: Report, format: str) -> ExportedFile:
    builders: dict[str, Callable[[Report], bytes]] = {
        ReportFormat.PDF: report_pdf,
        ReportFormat.XLSX: report_xlsx,
        ReportFormat.CSV: report_csv,
    }
    if format not in builders:
        raise ValueError(f"Unknown report format {format!r}: choose pdf, xlsx or csv.")
    return ExportedFile(export_filename(report.figures, format), CONTENT_TYPES[format], builders[format](report))


# PDF ----------------------------------------------------------------------------------------------


def _css_string(text: str) -> str:
    """A quoted CSS string for a page margin box. Every character but ASCII letters and digits is
    escaped (six hex digits, so no space after an escape is swallowed), so that a unit's name can
    end neither the string nor the <style> element."""
    escaped = "".join(character if character.isascii() and character.isalnum() else f"\\{ord(character):06x}" for character in text)
    return f'"{escaped}"'


def _page_number_content() -> str:
    """The foot's "Page 3 of 12" as CSS content: the words in the active language, the numbers WeasyPrint's page counters."""
    before, rest = _("Page %(page)s of %(pages)s").split("%(page)s", 1)
    middle, after = rest.split("%(pages)s", 1)
    return f"{_css_string(before)} counter(page) {_css_string(middle)} counter(pages) {_css_string(after)}"


def _pdf_column_widths(table: Table, rows: list[list]) -> list[int]:
    """Each column's share of the table's width, from its widest figure (a header may take two
    lines), plus the cell's padding: what an automatic table layout would find, without its cost."""
    widths = []
    for index, column in enumerate(table.columns):
        # A tenth more than the text's width: Latin letters and digits print a little wider than half an em.
        widest = math.ceil(1.1 * max((_display_width(figure_text(row[index], column.kind)) for row in rows), default=0))
        longest_word = max((len(word) for word in re.findall(r"[A-Za-z0-9]+", column.label)), default=0)
        header = max((_display_width(column.label) + 1) // 2, longest_word)
        widths.append(min(max(widest, header, 6), 24) + 3)
    return widths


def _rows_in_pdf(table: Table, figures: dict) -> list[list]:
    """At most CASE_ROWS_IN_PDF rows of a list of cases, in the list's own order (the table's rows are
    the figures' list, row for row): the cases overdue longest, or the orders still waiting for an
    answer before those answered."""
    if table.key not in CASE_LISTS or len(table.rows) <= CASE_ROWS_IN_PDF:
        return table.rows
    items = figures[table.key]
    if table.key == "overdue":
        first = sorted(range(len(items)), key=lambda index: (-items[index]["days_overdue"], index))
    else:
        first = sorted(range(len(items)), key=lambda index: (items[index]["answered_on"] is not None, index))
    return [table.rows[index] for index in sorted(first[:CASE_ROWS_IN_PDF])]


def _omitted_text(table: Table, shown: int) -> str:
    values = {"shown": shown, "omitted": len(table.rows) - shown, "total": len(table.rows)}
    if table.key == "overdue":
        text = _(
            "Only the %(shown)d most overdue cases are printed here; %(omitted)d more are not. "
            "The Excel and CSV files of this report list all %(total)d."
        )
    else:
        text = _(
            "Only %(shown)d supervision orders are printed here, those still waiting for an answer first; %(omitted)d more "
            "are not. The Excel and CSV files of this report list all %(total)d."
        )
    return text % values


def _pdf_section(table: Table, chart: str | None, figures: dict) -> dict:
    rows = _rows_in_pdf(table, figures)
    widths = _pdf_column_widths(table, rows)
    return {
        "table": table,
        # A fixed table layout with these widths spares WeasyPrint measuring every cell twice.
        "column_widths": [f"{100 * width / sum(widths):.1f}%" for width in widths],
        "rows": [
            [(figure_text(value, column.kind), column.kind) for value, column in zip(row, table.columns, strict=True)] for row in rows
        ],
        "omitted": len(table.rows) - len(rows),
        "omitted_text": _omitted_text(table, len(rows)) if len(rows) < len(table.rows) else "",
        "chart": chart,
        "keep_together": table.key not in CASE_LISTS,
    }


def report_pdf(report: Report) -> bytes:
    heading = _heading(report)
    charts = report_charts(report.figures)
    running_head = f"{heading.county} · {heading.scope}"
    context = {
        "heading": heading,
        "sections": [_pdf_section(table, charts.get(table.key), report.figures) for table in report_tables(report.figures)],
        "notes": _notes(),
        "running_head_left": _css_string(running_head),
        "running_head_right": _css_string(heading.period),
        "running_foot": _page_number_content(),
    }
    html = render_to_string("reporting/report_pdf.html", context)
    return HTML(string=html, url_fetcher=url_fetcher).write_pdf()


# Excel --------------------------------------------------------------------------------------------

FORBIDDEN_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
NUMBER_FORMATS = {"int": "0", "percent": "0.0%", "date": "yyyy-mm-dd"}
RIGHT = Alignment(horizontal="right")
# The title, the heading's details, then the header row: the panes freeze below it.
HEADER_ROW = 3


def _sheet_name(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, no quote at either end, unique."""
    base = " ".join(FORBIDDEN_IN_SHEET_NAMES.sub(" ", title).split())[:31].strip().strip("'") or "Sheet"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


def _column_widths(table: Table) -> list[float]:
    widths: list[float] = []
    for index, column in enumerate(table.columns):
        texts = [column.label, *(figure_text(row[index], column.kind) for row in table.rows)]
        widths.append(min(max(max(_display_width(text) for text in texts) + 2, 8), 60))
    return widths


def _xlsx_cell(sheet, value, column: Column) -> Cell | None:
    if value is None and column.kind == "date":
        return None
    if value is None:
        cell = WriteOnlyCell(sheet, value="—")
        cell.alignment = RIGHT
        return cell
    if column.kind == "date":
        value = date.fromisoformat(value)
    elif column.kind == "text":
        value = str(value)  # a choice's label is a lazy translation, which openpyxl does not take
    cell = WriteOnlyCell(sheet, value=value)
    if column.kind in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[column.kind]
    return cell


def _text_cell(sheet, text: str, font: Font | None = None) -> Cell:
    cell = WriteOnlyCell(sheet, value=text)
    if font is not None:
        cell.font = font
    return cell


def report_xlsx(report: Report) -> bytes:
    """One sheet per table and a last one for the notes. Write-only: rows go to the file as they are
    added, so a county's overdue list of thousands of rows costs little memory."""
    heading = _heading(report)
    workbook = Workbook(write_only=True)
    workbook.properties.title = f"{heading.county} {heading.title} {heading.period}"
    workbook.properties.creator = heading.county
    title_font, header_font = Font(bold=True, size=14), Font(bold=True)
    taken: set[str] = set()
    for table in report_tables(report.figures):
        sheet = workbook.create_sheet(_sheet_name(table.title, taken))
        for index, width in enumerate(_column_widths(table), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = f"A{HEADER_ROW + 1}"
        sheet.append([_text_cell(sheet, f"{heading.county} {heading.title} — {table.title}", title_font)])
        sheet.append([heading.summary()])
        sheet.append([_text_cell(sheet, column.label, header_font) for column in table.columns])
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, value, column) for value, column in zip(row, table.columns, strict=True)])
    notes = workbook.create_sheet(_sheet_name(_("Notes"), taken))
    notes.column_dimensions["A"].width = max(_display_width(label) for label, _formula in _notes()) + 2
    notes.column_dimensions["B"].width = 100
    notes.append([_text_cell(notes, f"{heading.county} {heading.title} — {_('Notes')}", title_font)])
    notes.append([heading.summary()])
    for label, formula in _notes():
        notes.append([_text_cell(notes, label, header_font), formula])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# CSV ----------------------------------------------------------------------------------------------


def _csv_text(value, kind: str) -> str:
    """As printed, except that counts are not grouped by thousands: a program reading the file takes them as numbers."""
    return str(value) if kind == "int" and value is not None else figure_text(value, kind)


def report_csv(report: Report) -> bytes:
    """The heading, then one block per table (its title, its header, its rows) after an empty line,
    then the notes. UTF-8 with a byte order mark, which Excel on Windows needs to read Chinese."""
    heading = _heading(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"{heading.county} {heading.title}"])
    writer.writerows([line] for line in filter(None, [*heading.details(), heading.frozen_text]))
    for table in report_tables(report.figures):
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow([column.label for column in table.columns])
        writer.writerows([_csv_text(value, column.kind) for value, column in zip(row, table.columns, strict=True)] for row in table.rows)
    writer.writerow([])
    writer.writerow([_("Notes")])
    writer.writerows(_notes())
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
