"""The report's files opened and read back: the PDF's text (pypdf), the workbook's cells (openpyxl)
and the CSV's rows, against the known month's figures counted by hand (reporting/tests/conftest.py);
the overdue list's cap in the PDF, a closed month's frozen line, file names and bad input."""

import csv
import io
from datetime import date, datetime

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader

from cases.tests.factories import make_case
from petitions.tests.factories import make_petition
from reporting import exports, selectors, services
from reporting.exports import export_file
from reporting.periods import Period
from reporting.tests.conftest import MONTH_OVER, SEPTEMBER

COUNTY_NAME = "测试县"
SHEETS = [
    "Volumes",
    "By channel",
    "By category",
    "By purpose",
    "By locality",
    "By responsible unit",
    "The three rates",
    "Overdue cases",
    "Supervised cases",
    "Notes",
]


@pytest.fixture(autouse=True)
def county_name(settings):
    settings.COUNTY_NAME = COUNTY_NAME


@pytest.fixture
def english():
    """The files in English, so that their labels can be checked word for word whatever the catalog
    says; the Chinese ones are checked where the labels come from the data or are translated already."""
    with translation.override("en"):
        yield


@pytest.fixture
def september(known_month):
    """The county's report of the known month, once the month is over."""
    return selectors.Report(figures=selectors.report_figures(period=SEPTEMBER, unit=None, as_of=MONTH_OVER))


def pdf_pages(content: bytes) -> list[str]:
    """Each page's text with its whitespace collapsed: table cells come out separated by one space."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def csv_blocks(content: bytes) -> list[list[list[str]]]:
    """The file's blocks (split at empty rows), each a list of rows."""
    blocks, block = [], []
    for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))):
        if row:
            block.append(row)
        else:
            blocks.append(block)
            block = []
    return [*blocks, block]


# PDF ----------------------------------------------------------------------------------------------


def test_pdf_prints_the_heading_every_table_and_the_figures(september, english, known_month):
    exported = export_file(report=september, format="pdf")

    assert exported.content_type == "application/pdf"
    assert exported.filename == "xinfang-report-2026-09-county.pdf"
    pages = pdf_pages(exported.content)
    text = " ".join(pages)
    assert f"Period: 2026-09 Scope: The whole county Generated on {timezone.localdate().isoformat()}" in pages[0]
    assert "Petition work statistics report" in pages[0] and COUNTY_NAME in pages[0]
    assert "frozen" not in text
    for title in SHEETS:
        assert title in text
    # This period, August, the change on it, September 2025, the change on it.
    assert "All petitions (items) 14 6 133.3% 5 180.0%" in text
    assert "Letters (items) 5 1 400.0% 2 150.0%" in text
    assert "Phone (items) 1 0 — 1 0.0%" in text
    assert "城乡建设 7 50.0%" in text  # 0801 counts under 08
    assert "Timely acceptance rate 2 6 33.3%" in text
    assert "On-time completion rate 3 7 42.9%" in text
    assert "Participation rate 5 6 83.3%" in text
    assert "Satisfaction rate 4 5 80.0%" in text
    first_overdue = known_month.cases["due_august_served_september"]
    assert f"{first_overdue.reg_no} 城乡建设 城关镇 leader_a 2026-08-20 2026-09-03 14" in text
    assert known_month.cases["unserved_overdue"].reg_no in text
    # The formulas, at the end.
    assert "Notes Timely acceptance rate Decisions made within the limit ÷ decisions due in the period." in pages[-1]
    assert "(Satisfied + basically satisfied) ÷ evaluated" in pages[-1]
    # Every page: the county and scope, the period, its number of all.
    for number, page in enumerate(pages, start=1):
        assert page.endswith(f"{COUNTY_NAME} · The whole county 2026-09 Page {number} of {len(pages)}")
    # The charts are inline SVG that WeasyPrint draws: their texts are in the PDF too.
    assert "This period Previous period Same period last year All petitions (items) 14 6 5" in text
    assert "Timely acceptance rate 33.3% On-time completion rate 42.9% Participation rate 83.3% Satisfaction rate 80.0%" in text
    # The overdue list is under the PDF's cap: nothing is left out.
    assert "printed here" not in text


def test_pdf_in_chinese(september, known_month):
    """In the site's language by default; the data's names (units, categories) print as they are."""
    with translation.override("zh-hans"):
        text = " ".join(pdf_pages(export_file(report=september, format="pdf").content))

    assert "来信 5 5 35.7%" in text  # letters: 5 of 14
    assert "城关镇 7 50.0%" in text
    assert "城关镇司法所 1 7.1%" in text


def test_pdf_of_a_unit_names_it_on_every_page(known_month, english):
    township_a = known_month.county.township_a
    report = selectors.Report(figures=selectors.report_figures(period=SEPTEMBER, unit=township_a, as_of=MONTH_OVER))

    exported = export_file(report=report, format="pdf")

    assert exported.filename == f"xinfang-report-2026-09-{township_a.code}.pdf"
    pages = pdf_pages(exported.content)
    assert "Scope: 城关镇" in pages[0]
    for number, page in enumerate(pages, start=1):
        assert page.endswith(f"{COUNTY_NAME} · 城关镇 2026-09 Page {number} of {len(pages)}")


@pytest.fixture
def closed_january(county):
    """A county with one petition in January 2026, the month closed: its report is the snapshot."""
    make_petition(
        actor=county.clerk_a, locality=county.township_a, received_at=datetime(2026, 1, 15, 9, tzinfo=timezone.get_current_timezone())
    )
    closing = services.month_close(actor=county.supervisor, year=2026, month=1, today=date(2026, 2, 10))
    report = selectors.report_get(period=Period.month(2026, 1), unit=None)
    assert report.closing == closing
    return report


def test_pdf_of_a_closed_month_says_when_it_was_frozen(closed_january, english):
    closed_on = timezone.localdate(closed_january.closing.closed_at).isoformat()

    text = pdf_pages(export_file(report=closed_january, format="pdf").content)[0]

    assert f"Period: 2026-01 Scope: The whole county Generated on {timezone.localdate().isoformat()}" in text
    assert f"Figures frozen when the month was closed on {closed_on}." in text
    assert "All petitions (items) 1 0 — 0 —" in text


def test_pdf_prints_the_most_overdue_cases_up_to_the_cap(september, english, known_month, monkeypatch):
    """The cases overdue longest, in the list's order, and how many more the Excel and CSV files carry."""
    cases = known_month.cases
    days_overdue = {row["reg_no"]: row["days_overdue"] for row in september.figures["overdue"]}
    assert list(days_overdue.values()) == [14, 4, 18, 9, 7]  # the list's order: by handling due date
    monkeypatch.setattr(exports, "CASE_ROWS_IN_PDF", 2)

    text = " ".join(pdf_pages(export_file(report=september, format="pdf").content))

    overdue_section = text.split("Overdue cases", 1)[1].split("Supervised cases", 1)[0]
    longest, second = cases["unserved_overdue"].reg_no, cases["due_august_served_september"].reg_no
    assert overdue_section.index(second) < overdue_section.index(longest)
    for name in ("served_late", "served_after_month", "unserved_due_on_the_23rd"):
        assert cases[name].reg_no not in overdue_section
    assert "Only the 2 most overdue cases are printed here; 3 more are not. The Excel and CSV files of this report list all 5." in text
    workbook = load_workbook(io.BytesIO(export_file(report=september, format="xlsx").content))
    assert [row[0].value for row in workbook["Overdue cases"].iter_rows(min_row=4)] == list(days_overdue)


def test_pdf_prints_the_supervision_orders_waiting_for_an_answer_first(september, english, monkeypatch):
    """September's orders in force: answered on 09-01, open since 09-10, issued 09-30 23:59 and
    answered in October. With room for one row, the open order is the one printed."""
    assert [row["issued_on"] for row in september.figures["supervised"]] == ["2026-08-25", "2026-09-10", "2026-09-30"]
    monkeypatch.setattr(exports, "CASE_ROWS_IN_PDF", 1)

    text = " ".join(pdf_pages(export_file(report=september, format="pdf").content))

    supervised_section = text.split("Supervised cases", 1)[1].split("Notes", 1)[0]
    assert "2026-09-10" in supervised_section
    assert "2026-08-25" not in supervised_section and "2026-09-30" not in supervised_section
    assert (
        "Only 1 supervision orders are printed here, those still waiting for an answer first; 2 more are not. "
        "The Excel and CSV files of this report list all 3." in text
    )


def test_pdf_escapes_names_in_the_running_header(county, english):
    """A unit's name goes into a CSS string of the page's margin boxes: quotes, backslashes and a
    closing tag print as they are, and the page still numbers itself."""
    county.township_a.name = 'Town "A" \\ </style><h1>x'
    county.township_a.save()
    make_case(county, state="accepted")
    today = timezone.localdate()
    report = selectors.Report(figures=selectors.report_figures(period=Period.month(today.year, today.month), unit=county.township_a))

    pages = pdf_pages(export_file(report=report, format="pdf").content)

    for number, page in enumerate(pages, start=1):
        assert page.endswith(f'{COUNTY_NAME} · Town "A" \\ </style><h1>x {today:%Y-%m} Page {number} of {len(pages)}')


# Excel --------------------------------------------------------------------------------------------


def test_xlsx_has_a_sheet_per_table_with_typed_cells(september, english, known_month):
    exported = export_file(report=september, format="xlsx")

    assert exported.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert exported.filename == "xinfang-report-2026-09-county.xlsx"
    workbook = load_workbook(io.BytesIO(exported.content))
    assert workbook.sheetnames == SHEETS
    volumes = workbook["Volumes"]
    assert volumes["A1"].value == f"{COUNTY_NAME} Petition work statistics report — Volumes"
    assert volumes["A2"].value == f"Period: 2026-09  Scope: The whole county  Generated on {timezone.localdate().isoformat()}"
    assert [cell.value for cell in volumes[3]] == [
        "Item",
        "This period",
        "Previous period",
        "Change on previous period",
        "Same period last year",
        "Change on last year",
    ]
    assert all(cell.font.bold for cell in volumes[3])
    assert volumes.freeze_panes == "A4"
    assert [cell.value for cell in volumes[4]] == ["All petitions (items)", 14, 6, pytest.approx(8 / 6), 5, pytest.approx(9 / 5)]
    assert volumes["D4"].number_format == "0.0%" and volumes["B4"].number_format == "0"
    assert [cell.value for cell in volumes[9]] == ["Phone (items)", 1, 0, "—", 1, 0.0]
    assert volumes.column_dimensions["A"].width >= len("Group visits (batches)")

    rates = workbook["The three rates"]
    assert [[cell.value for cell in row] for row in rates.iter_rows(min_row=4)] == [
        ["Timely acceptance rate", 2, 6, pytest.approx(1 / 3)],
        ["On-time completion rate", 3, 7, pytest.approx(3 / 7)],
        ["Participation rate", 5, 6, pytest.approx(5 / 6)],
        ["Satisfaction rate", 4, 5, pytest.approx(4 / 5)],
    ]
    assert rates["D4"].number_format == "0.0%"

    categories = workbook["By category"]
    assert ["城乡建设", 7, pytest.approx(0.5)] in [[cell.value for cell in row] for row in categories.iter_rows(min_row=4)]
    # A CJK column is wide enough for its longest name (two units a character).
    assert categories.column_dimensions["A"].width >= 2 * len("科技与信息产业")

    overdue = workbook["Overdue cases"]
    first = known_month.cases["due_august_served_september"]
    assert [cell.value for cell in overdue[4]] == [
        first.reg_no,
        "城乡建设",
        "城关镇",
        "leader_a",
        datetime(2026, 8, 20),
        datetime(2026, 9, 3),
        14,
        "Evaluated",
    ]
    assert overdue["E4"].number_format == "yyyy-mm-dd"
    unserved = next(row for row in overdue.iter_rows(min_row=4) if row[0].value == known_month.cases["unserved_overdue"].reg_no)
    assert unserved[5].value is None  # not served: an empty cell, not a dash

    notes = workbook["Notes"]
    assert notes["A3"].value == "Timely acceptance rate"
    assert notes["B3"].value.startswith("Decisions made within the limit ÷ decisions due in the period.")


def test_xlsx_sheet_names_follow_excels_rules():
    taken: set[str] = set()

    assert exports._sheet_name("Cases: overdue [list] / a*b? \\ c", taken) == "Cases overdue list a b c"
    assert exports._sheet_name("'Quoted'", taken) == "Quoted"
    assert exports._sheet_name("A title that is much longer than thirty-one characters", taken) == "A title that is much longer tha"
    assert exports._sheet_name("A title that is much longer than thirty-one characters!", taken) == "A title that is much longer (2)"
    assert all(len(name) <= 31 for name in taken)


def test_xlsx_and_csv_of_a_closed_month_say_when_it_was_frozen(closed_january, english):
    frozen = f"Figures frozen when the month was closed on {timezone.localdate(closed_january.closing.closed_at).isoformat()}."

    workbook = load_workbook(io.BytesIO(export_file(report=closed_january, format="xlsx").content))
    heading = csv_blocks(export_file(report=closed_january, format="csv").content)[0]

    assert workbook["Volumes"]["A2"].value.endswith(f"Generated on {timezone.localdate().isoformat()}  {frozen}")
    assert heading[-1] == [frozen]


# CSV ----------------------------------------------------------------------------------------------


def test_csv_has_a_block_per_table(september, english, known_month):
    exported = export_file(report=september, format="csv")

    assert exported.content_type == "text/csv; charset=utf-8"
    assert exported.filename == "xinfang-report-2026-09-county.csv"
    assert exported.content.startswith("\ufeff".encode())  # so that Excel on Windows reads UTF-8
    heading, *tables, notes = csv_blocks(exported.content)
    assert heading == [
        [f"{COUNTY_NAME} Petition work statistics report"],
        ["Period: 2026-09"],
        ["Scope: The whole county"],
        [f"Generated on {timezone.localdate().isoformat()}"],
    ]
    assert [block[0] for block in tables] == [[title] for title in SHEETS[:-1]]
    volumes = tables[0]
    assert volumes[1] == [
        "Item",
        "This period",
        "Previous period",
        "Change on previous period",
        "Same period last year",
        "Change on last year",
    ]
    assert volumes[2] == ["All petitions (items)", "14", "6", "133.3%", "5", "180.0%"]
    assert volumes[7] == ["Phone (items)", "1", "0", "—", "1", "0.0%"]
    assert tables[6][2:] == [
        ["Timely acceptance rate", "2", "6", "33.3%"],
        ["On-time completion rate", "3", "7", "42.9%"],
        ["Participation rate", "5", "6", "83.3%"],
        ["Satisfaction rate", "4", "5", "80.0%"],
    ]
    overdue = tables[7]
    first, unserved = known_month.cases["due_august_served_september"], known_month.cases["unserved_overdue"]
    assert overdue[2] == [first.reg_no, "城乡建设", "城关镇", "leader_a", "2026-08-20", "2026-09-03", "14", "Evaluated"]
    assert [unserved.reg_no, "劳动和社会保障", "城关镇", "leader_a", "2026-09-12", "—", "18", "In progress"] in overdue
    assert len(overdue) == 2 + 5
    assert notes[0] == ["Notes"]
    assert notes[1][0] == "Timely acceptance rate" and notes[1][1].startswith("Decisions made within the limit")


# Names and bad input ------------------------------------------------------------------------------


def test_file_names_are_ascii():
    month = {"start": "2026-11-01", "end": "2026-11-30", "year": 2026, "month": 11}
    days = {"start": "2026-11-03", "end": "2026-11-17", "year": None, "month": None}

    assert exports.export_filename({"period": month, "unit": None}, "pdf") == "xinfang-report-2026-11-county.pdf"
    assert exports.export_filename({"period": days, "unit": None}, "csv") == "xinfang-report-2026-11-03-to-2026-11-17-county.csv"
    unit = {"id": 7, "code": "TA-01", "name": "城关镇"}
    assert exports.export_filename({"period": month, "unit": unit}, "xlsx") == "xinfang-report-2026-11-TA-01.xlsx"
    unit = {"id": 7, "code": "城关 01/x", "name": "城关镇"}
    assert exports.export_filename({"period": month, "unit": unit}, "xlsx") == "xinfang-report-2026-11-01-x.xlsx"
    unit = {"id": 7, "code": "城关", "name": "城关镇"}
    assert exports.export_filename({"period": month, "unit": unit}, "xlsx") == "xinfang-report-2026-11-unit-7.xlsx"


def test_unknown_format_is_refused(county):
    report = selectors.Report(figures=selectors.report_figures(period=Period.month(2026, 1), unit=None, as_of=date(2026, 2, 1)))

    with pytest.raises(ValueError, match="Unknown report format 'docx'"):
        export_file(report=report, format="docx")
