"""The report's figures laid out as labelled tables: one layout for the page, the PDF, the Excel
workbook and the CSV file, so that all four print the same rows in the same order.

Labels are translated when the tables are built (gettext), not stored with the figures: a closed
month's snapshot holds keys and numbers only.
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cases.models import CaseStatus, SupervisionStatus
from petitions.models import Channel, Purpose


@dataclass(frozen=True)
class Column:
    label: str
    # "text", "int", "percent" (a fraction 0..1 or None) or "date" (ISO text or None)
    kind: str = "int"


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    # (label, text) pairs printed under the table: the rates' formulas.
    notes: list[tuple[str, str]] = field(default_factory=list)


def figure_text(value, kind: str) -> str:
    """A figure as the page and the files print it: 1,234 for a count, 93.5% for a fraction, "—"
    where there is no figure (a rate with nothing due, a reply not served); texts and ISO dates as
    they are."""
    if value is None:
        return "—"
    if kind == "percent":
        return f"{value:.1%}"
    if kind == "int":
        return f"{value:,}"
    return str(value)


def total_labels() -> dict[str, str]:
    return {
        "petitions": _("All petitions (items)"),
        "letters": _("Letters (items)"),
        "visits_batches": _("Visits (batches)"),
        "visits_people": _("Visits (people)"),
        "online": _("Online (items)"),
        "phone": _("Phone (items)"),
        "mailbox": _("Leader's mailbox (items)"),
        "group_batches": _("Group visits (batches)"),
        "group_people": _("Group visits (people)"),
        "repeat": _("Repeat petitions"),
        "skip_level": _("Skip-level visits"),
        "to_province": _("Visits to the province"),
        "to_beijing": _("Visits to Beijing"),
    }


def rate_labels() -> dict[str, str]:
    return {
        "timely_acceptance": _("Timely acceptance rate"),
        "on_time_completion": _("On-time completion rate"),
        "participation": _("Participation rate"),
        "satisfaction": _("Satisfaction rate"),
    }


def rate_formulas() -> dict[str, str]:
    """Printed in the report's notes; the same definitions as reporting.selectors.rate_counts."""
    return {
        "timely_acceptance": _(
            "Decisions made within the limit ÷ decisions due in the period. A petition's decision (accept, not accept, divert, "
            "or file at intake) is due 15 days after it is received or routed; one due in the period counts once it is decided "
            "or its limit has passed."
        ),
        "on_time_completion": _(
            "Replies served within the (extended) limit ÷ replies due in the period. A case's reply is due 60 days after "
            "acceptance, plus an approved extension; one due in the period counts once it is served or its limit has passed."
        ),
        "participation": _("Evaluated ÷ replies served in the period."),
        "satisfaction": _("(Satisfied + basically satisfied) ÷ evaluated, of the replies served in the period."),
    }


def rate_notes() -> list[tuple[str, str]]:
    """Each rate's name and formula, for the report's notes."""
    formulas = rate_formulas()
    return [(label, formulas[key]) for key, label in rate_labels().items()]


def _share(items: int, total: int) -> float | None:
    return items / total if total else None


def _row_name(section: str, row: dict) -> str:
    return str(Purpose(row["purpose"]).label) if section == "by_purpose" else row["name"]


def report_tables(figures: dict) -> list[Table]:
    totals = figures["totals"]
    month_on_month, year_on_year = figures["change"]["month_on_month"], figures["change"]["year_on_year"]
    tables = [
        Table(
            "totals",
            _("Volumes"),
            [
                Column(_("Item"), "text"),
                Column(_("This period")),
                Column(_("Previous period")),
                Column(_("Change on previous period"), "percent"),
                Column(_("Same period last year")),
                Column(_("Change on last year"), "percent"),
            ],
            [
                [
                    label,
                    totals[key],
                    month_on_month["totals"][key],
                    month_on_month["change"][key],
                    year_on_year["totals"][key],
                    year_on_year["change"][key],
                ]
                for key, label in total_labels().items()
            ],
        ),
        Table(
            "by_channel",
            _("By channel"),
            [Column(_("Channel"), "text"), Column(_("Items or batches")), Column(_("People")), Column(_("Share"), "percent")],
            [
                [Channel(row["channel"]).label, row["items"], row["people"] or 0, _share(row["items"], totals["petitions"])]
                for row in figures["by_channel"]
            ],
        ),
    ]
    by_name = {
        "by_category": (_("By category"), _("Category")),
        "by_purpose": (_("By purpose"), _("Purpose")),
        "by_locality": (_("By locality"), _("Township")),
        "by_unit": (_("By responsible unit"), _("Unit")),
    }
    for key, (title, heading) in by_name.items():
        rows = [[_row_name(key, row), row["items"], _share(row["items"], totals["petitions"])] for row in figures[key]]
        tables.append(Table(key, title, [Column(heading, "text"), Column(_("Items")), Column(_("Share"), "percent")], rows))
    tables.append(
        Table(
            "rates",
            _("The three rates"),
            [Column(_("Rate"), "text"), Column(_("Numerator")), Column(_("Denominator")), Column(_("Rate"), "percent")],
            [
                [label, figures["rate_counts"][key]["numerator"], figures["rate_counts"][key]["denominator"], figures["rates"][key]]
                for key, label in rate_labels().items()
            ],
            notes=rate_notes(),
        )
    )
    tables.append(
        Table(
            "overdue",
            _("Overdue cases"),
            [
                Column(_("Case number"), "text"),
                Column(_("Category"), "text"),
                Column(_("Unit"), "text"),
                Column(_("Lead official"), "text"),
                Column(_("Handling due"), "date"),
                Column(_("Reply served on"), "date"),
                Column(_("Days overdue")),
                Column(_("Status"), "text"),
            ],
            [
                [
                    row["reg_no"],
                    row["category"],
                    row["unit"],
                    row["lead_official"],
                    row["handling_due"],
                    row["served_on"],
                    row["days_overdue"],
                    CaseStatus(row["status"]).label,
                ]
                for row in figures["overdue"]
            ],
        )
    )
    tables.append(
        Table(
            "supervised",
            _("Supervised cases"),
            [
                Column(_("Case number"), "text"),
                Column(_("Unit ordered"), "text"),
                Column(_("Issued on"), "date"),
                Column(_("Respond by"), "date"),
                Column(_("Answered on"), "date"),
                Column(_("Status"), "text"),
            ],
            [
                [
                    row["reg_no"],
                    row["unit"],
                    row["issued_on"],
                    row["due_on"],
                    row["answered_on"],
                    SupervisionStatus(row["status"]).label,
                ]
                for row in figures["supervised"]
            ],
        )
    )
    return tables


def period_label(period: dict) -> str:
    if period["month"]:
        return pgettext("report period", "%(year)d-%(month)02d") % period
    start, end = date.fromisoformat(period["start"]), date.fromisoformat(period["end"])
    return pgettext("report period", "%(start)s to %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}


def scope_label(figures: dict) -> str:
    return figures["unit"]["name"] if figures["unit"] else _("The whole county")
