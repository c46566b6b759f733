"""The monthly statistics (DESIGN §8), computed in the database: one definition of every figure,
which the page, the API, the PDF, Excel and CSV files and the closed months' snapshots all share.

`report_figures` returns plain JSON-ready data (ids, codes, counts, ISO dates), never labels in a
language, so a snapshot taken when a month is closed reprints identically later and in any language.

Scope. A petition belongs to the unit responsible for it: the unit it was routed to, or while not
routed the unit that registered it. A case belongs to the unit that accepted it (the competent body
that answers for the reply). A unit's report covers the unit and the units below it, so its figures
are its own row of the county's table by unit plus the rows of the units below it.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from operator import itemgetter
from typing import TypedDict

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Unit, UnitKind, User
from accounts.selectors import unit_descendant_ids, visible_unit_ids
from cases.models import Case, Rating, SupervisionOrder
from petitions.models import Category, Channel, Petition, Purpose
from reporting.models import MonthClosing, ReportRun, ReportSnapshot
from reporting.periods import Period

# The totals, in the order the report prints them.
TOTAL_KEYS = (
    "petitions",
    "letters",
    "visits_batches",
    "visits_people",
    "online",
    "phone",
    "mailbox",
    "group_batches",
    "group_people",
    "repeat",
    "skip_level",
    "to_province",
    "to_beijing",
)
RATE_KEYS = ("timely_acceptance", "on_time_completion", "participation", "satisfaction")
SATISFIED = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)


# Scope --------------------------------------------------------------------------------------------


def report_units_for(user: User) -> QuerySet[Unit]:
    """The units whose report the user may ask for: every unit for the county office, else the
    user's own unit and those below it."""
    units = Unit.objects.order_by("kind", "code")
    visible = visible_unit_ids(user)
    return units if visible is None else units.filter(pk__in=visible)


def report_unit_get(user: User, unit_id: int | None) -> Unit | None:
    """The scope asked for: None is the whole county, which only the county office may see; a user
    of a unit asking for nothing gets their own unit. A unit outside the user's scope is a 404."""
    if unit_id is None:
        if visible_unit_ids(user) is None:
            return None
        unit_id = user.unit_id
    return get_object_or_404(report_units_for(user), pk=unit_id)


def scope_unit_ids(unit: Unit | None) -> set[int] | None:
    return None if unit is None else unit_descendant_ids(unit.pk)


def _responsible_in(unit_ids: set[int]) -> Q:
    return Q(unit_id__in=unit_ids) | Q(unit__isnull=True, intake_unit_id__in=unit_ids)


def _petitions(period: Period, unit_ids: set[int] | None) -> QuerySet[Petition]:
    start, end = period.bounds()
    petitions = Petition.objects.filter(received_at__gte=start, received_at__lt=end)
    return petitions if unit_ids is None else petitions.filter(_responsible_in(unit_ids))


def _cases(unit_ids: set[int] | None) -> QuerySet[Case]:
    return Case.objects.all() if unit_ids is None else Case.objects.filter(accepting_unit_id__in=unit_ids)


# Volumes ------------------------------------------------------------------------------------------


def volume_totals(period: Period, unit_ids: set[int] | None) -> dict[str, int]:
    """Every total in one pass: letters, online, phone and mailbox as items; visits as batches (批)
    and people (人次); group visits are visits of five or more people; the flags count visits."""
    visit = Q(channel=Channel.VISIT)
    totals = _petitions(period, unit_ids).aggregate(
        petitions=Count("pk"),
        letters=Count("pk", filter=Q(channel=Channel.LETTER)),
        visits_batches=Count("pk", filter=visit),
        visits_people=Coalesce(Sum("headcount", filter=visit), 0),
        online=Count("pk", filter=Q(channel=Channel.ONLINE)),
        phone=Count("pk", filter=Q(channel=Channel.PHONE)),
        mailbox=Count("pk", filter=Q(channel=Channel.MAILBOX)),
        group_batches=Count("pk", filter=visit & Q(is_group=True)),
        group_people=Coalesce(Sum("headcount", filter=visit & Q(is_group=True)), 0),
        repeat=Count("pk", filter=Q(is_repeat=True)),
        skip_level=Count("pk", filter=visit & Q(skip_level=True)),
        to_province=Count("pk", filter=visit & Q(to_province=True)),
        to_beijing=Count("pk", filter=visit & Q(to_beijing=True)),
    )
    return {key: totals[key] for key in TOTAL_KEYS}


class VolumeGroup(TypedDict):
    channel: str
    purpose: str
    locality_id: int
    responsible_id: int
    items: int
    people: int


def volume_groups(petitions: QuerySet[Petition]) -> list[VolumeGroup]:
    """The petitions counted once, grouped by the keys of four breakdowns (channel, purpose, locality,
    responsible unit): items and people per combination. Those breakdowns add these rows up instead of
    each reading the period's petitions again. The keys go together (a township's petitions go to a
    few units), so the rows stay few: 2,500 for the county's month at 1,000,000 petitions, 3,500 for
    its year. Categories would multiply them by ten, so they are counted on their own."""
    grouped = petitions.values("channel", "purpose", "locality_id", responsible_id=Coalesce("unit_id", "intake_unit_id"))
    return list(grouped.annotate(items=Count("pk"), people=Sum("headcount")).order_by())


def _counts_by(groups: list[VolumeGroup], key) -> dict:
    counts: dict = {}
    for row in groups:
        group_key = key(row)
        items, people = counts.get(group_key, (0, 0))
        counts[group_key] = (items + row["items"], people + row["people"])
    return counts


def by_channel(groups: list[VolumeGroup]) -> list[dict]:
    counts = _counts_by(groups, itemgetter("channel"))
    return [
        {"channel": channel, "items": counts.get(channel, (0, 0))[0], "people": counts.get(channel, (0, 0))[1]}
        for channel in Channel.values
    ]


def by_purpose(groups: list[VolumeGroup]) -> list[dict]:
    counts = _counts_by(groups, itemgetter("purpose"))
    return [{"purpose": purpose, "items": counts.get(purpose, (0, 0))[0]} for purpose in Purpose.values]


def by_category(petitions: QuerySet[Petition]) -> list[dict]:
    """By first-level category: a second-level one counts under its parent."""
    grouped = petitions.values(first_level=Coalesce("category__parent_id", "category_id")).annotate(items=Count("pk"))
    counts = {row["first_level"]: row["items"] for row in grouped.order_by()}
    top_level = Category.objects.filter(parent__isnull=True).order_by("code").values_list("pk", "code", "name")
    return [{"id": pk, "code": code, "name": name, "items": counts.get(pk, 0)} for pk, code, name in top_level]


def by_locality(groups: list[VolumeGroup]) -> list[dict]:
    counts = _counts_by(groups, itemgetter("locality_id"))
    townships = Unit.objects.filter(kind=UnitKind.TOWNSHIP).order_by("code").values_list("pk", "code", "name")
    return [{"id": pk, "code": code, "name": name, "items": counts.get(pk, (0, 0))[0]} for pk, code, name in townships]


def by_unit(groups: list[VolumeGroup], unit_ids: set[int] | None) -> list[dict]:
    """By the unit responsible (routed to, else registering): every unit in scope, those with
    nothing included, so that the table reads the same every month."""
    counts = _counts_by(groups, itemgetter("responsible_id"))
    units = Unit.objects.order_by("kind", "code")
    if unit_ids is not None:
        units = units.filter(pk__in=unit_ids)
    return [
        {"id": pk, "code": code, "name": name, "items": counts.get(pk, (0, 0))[0]}
        for pk, code, name in units.values_list("pk", "code", "name")
    ]


def _change(current: dict[str, int], earlier: dict[str, int]) -> dict[str, float | None]:
    """(current − earlier) ÷ earlier for each total; None where the earlier figure is 0."""
    return {key: (current[key] - earlier[key]) / earlier[key] if earlier[key] else None for key in TOTAL_KEYS}


# Rates --------------------------------------------------------------------------------------------


def _fraction(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def rate_counts(period: Period, unit_ids: set[int] | None, as_of: date) -> dict[str, dict[str, int]]:
    """The numerator and denominator of each of the three rates (DESIGN §8).

    A limit that falls in the period counts once its outcome is known: met, or passed unmet by
    `as_of`. So a month still running counts what is due so far, not what may still be met.
    """
    decisions = Petition.objects.filter(decision_due__gte=period.start, decision_due__lte=period.end)
    if unit_ids is not None:
        decisions = decisions.filter(_responsible_in(unit_ids))
    decided = decisions.filter(Q(decided_at__isnull=False) | Q(decision_due__lt=as_of)).aggregate(
        due=Count("pk"), met=Count("pk", filter=Q(decided_at__date__lte=F("decision_due")))
    )
    replies = (
        _cases(unit_ids)
        .filter(handling_due__gte=period.start, handling_due__lte=period.end)
        .filter(Q(handling_met_on__isnull=False) | Q(handling_due__lt=as_of))
        .aggregate(due=Count("pk"), met=Count("pk", filter=Q(handling_met_on__lte=F("handling_due"))))
    )
    served = (
        _cases(unit_ids)
        .filter(handling_met_on__gte=period.start, handling_met_on__lte=period.end)
        .aggregate(
            served=Count("pk"),
            evaluated=Count("evaluation"),
            satisfied=Count("evaluation", filter=Q(evaluation__rating__in=SATISFIED)),
        )
    )
    return {
        "timely_acceptance": {"numerator": decided["met"], "denominator": decided["due"]},
        "on_time_completion": {"numerator": replies["met"], "denominator": replies["due"]},
        "participation": {"numerator": served["evaluated"], "denominator": served["served"]},
        "satisfaction": {"numerator": served["satisfied"], "denominator": served["evaluated"]},
    }


# Lists --------------------------------------------------------------------------------------------


def overdue_cases(period: Period, unit_ids: set[int] | None, as_of: date) -> list[dict]:
    """Cases that were past their (extended) handling limit without a served reply on some day of
    the period up to `as_of`: still unserved, or served late during or after the period. Earliest
    due first."""
    last_day = min(period.end, as_of)
    cases = (
        _cases(unit_ids)
        .filter(handling_due__lt=last_day)
        .filter(Q(handling_met_on__isnull=True) | Q(handling_met_on__gt=F("handling_due"), handling_met_on__gte=period.start))
        .annotate(reg_no=F("first_petition__reg_no"))
        .order_by("handling_due", "pk")
        .values(
            "pk",
            "reg_no",
            "status",
            "handling_due",
            "handling_met_on",
            "category__name",
            "accepting_unit__name",
            "lead_official__full_name",
            "lead_official__username",
        )
    )
    return [
        {
            "case": row["pk"],
            "reg_no": row["reg_no"],
            "status": row["status"],
            "category": row["category__name"],
            "unit": row["accepting_unit__name"],
            "lead_official": row["lead_official__full_name"] or row["lead_official__username"] or "",
            "handling_due": row["handling_due"].isoformat(),
            "served_on": row["handling_met_on"].isoformat() if row["handling_met_on"] else None,
            "days_overdue": (min(row["handling_met_on"] or last_day, last_day) - row["handling_due"]).days,
        }
        for row in cases
    ]


def supervised_cases(period: Period, unit_ids: set[int] | None) -> list[dict]:
    """Supervision orders in force during the period: issued before its end and not answered
    before its start."""
    start, end = period.bounds()
    orders = SupervisionOrder.objects.filter(issued_at__lt=end).filter(Q(responded_at__isnull=True) | Q(responded_at__gte=start))
    if unit_ids is not None:
        orders = orders.filter(unit_id__in=unit_ids)
    rows = (
        orders.annotate(reg_no=F("case__first_petition__reg_no"))
        .order_by("issued_at", "pk")
        .values("pk", "case_id", "reg_no", "unit__name", "issued_at", "due_on", "status", "responded_at")
    )
    zone = timezone.get_current_timezone()  # once: timezone.localdate() looks it up again for every date
    return [
        {
            "order": row["pk"],
            "case": row["case_id"],
            "reg_no": row["reg_no"],
            "unit": row["unit__name"],
            "issued_on": row["issued_at"].astimezone(zone).date().isoformat(),
            "due_on": row["due_on"].isoformat(),
            "status": row["status"],
            "answered_on": row["responded_at"].astimezone(zone).date().isoformat() if row["responded_at"] else None,
        }
        for row in rows
    ]


# The report ---------------------------------------------------------------------------------------


def report_figures(*, period: Period, unit: Unit | None, as_of: date | None = None) -> dict:
    """Every figure of one period's report for the county (unit None) or one unit, live."""
    as_of = as_of or timezone.localdate()
    unit_ids = scope_unit_ids(unit)
    petitions = _petitions(period, unit_ids)
    groups = volume_groups(petitions)
    totals = volume_totals(period, unit_ids)
    previous, year_ago = period.previous(), period.year_ago()
    previous_totals, year_ago_totals = volume_totals(previous, unit_ids), volume_totals(year_ago, unit_ids)
    counts = rate_counts(period, unit_ids, as_of)
    return {
        "period": period.as_dict(),
        "unit": None if unit is None else {"id": unit.pk, "code": unit.code, "name": unit.name},
        "as_of": as_of.isoformat(),
        "totals": totals,
        "by_channel": by_channel(groups),
        "by_category": by_category(petitions),
        "by_purpose": by_purpose(groups),
        "by_locality": by_locality(groups),
        "by_unit": by_unit(groups, unit_ids),
        "rates": {key: _fraction(**counts[key]) for key in RATE_KEYS},
        "rate_counts": counts,
        "overdue": overdue_cases(period, unit_ids, as_of),
        "supervised": supervised_cases(period, unit_ids),
        "change": {
            "month_on_month": {"period": previous.as_dict(), "totals": previous_totals, "change": _change(totals, previous_totals)},
            "year_on_year": {"period": year_ago.as_dict(), "totals": year_ago_totals, "change": _change(totals, year_ago_totals)},
        },
    }


# Closed months ------------------------------------------------------------------------------------


def month_closing_get(year: int, month: int) -> MonthClosing | None:
    """The month's closing in force, if it is closed."""
    return MonthClosing.objects.filter(year=year, month=month, reopened_at__isnull=True).select_related("closed_by").first()


def month_closings(year: int, month: int) -> QuerySet[MonthClosing]:
    """Every closing and reopening of the month, newest first: its audit trail."""
    return MonthClosing.objects.filter(year=year, month=month).select_related("closed_by", "reopened_by")


def earliest_petition_date() -> date | None:
    first = Petition.objects.order_by("received_at").values_list("received_at", flat=True).first()
    return timezone.localdate(first) if first else None


@dataclass
class Report:
    """What the page and the files show: the figures, from the snapshot when the month is closed,
    and then the figures that differ in live data now."""

    figures: dict
    closing: MonthClosing | None = None
    live_differences: list[dict] | None = None

    @property
    def is_frozen(self) -> bool:
        return self.closing is not None


def report_get(*, period: Period, unit: Unit | None, compare_live: bool = False) -> Report:
    """The report of a period: a closed month's frozen figures, else live ones. With
    `compare_live`, a frozen report also lists where today's data gives other figures."""
    closing = month_closing_get(period.start.year, period.start.month) if period.is_month else None
    snapshot = None
    if closing is not None:
        snapshot = ReportSnapshot.objects.filter(closing=closing, unit=unit).values_list("figures", flat=True).first()
    if snapshot is None:
        return Report(figures=report_figures(period=period, unit=unit))
    differences = figure_differences(snapshot, report_figures(period=period, unit=unit)) if compare_live else None
    return Report(figures=snapshot, closing=closing, live_differences=differences)


def figure_differences(frozen: dict, live: dict) -> list[dict]:
    """The totals, breakdown rows and rate counts whose live value is no longer the frozen one."""
    differences = []

    def compare(section: str, key, frozen_value, live_value):
        if frozen_value != live_value:
            differences.append({"section": section, "key": key, "frozen": frozen_value, "live": live_value})

    for key in TOTAL_KEYS:
        compare("totals", key, frozen["totals"][key], live["totals"][key])
    for section, id_key in (
        ("by_channel", "channel"),
        ("by_purpose", "purpose"),
        ("by_category", "id"),
        ("by_locality", "id"),
        ("by_unit", "id"),
    ):
        live_rows = {row[id_key]: row["items"] for row in live[section]}
        for row in frozen[section]:
            compare(section, row[id_key], row["items"], live_rows.pop(row[id_key], 0))
        for key, items in live_rows.items():
            compare(section, key, 0, items)
    for key in RATE_KEYS:
        compare("rates", key, frozen["rate_counts"][key], live["rate_counts"][key])
    compare("overdue", "count", len(frozen["overdue"]), len(live["overdue"]))
    compare("supervised", "count", len(frozen["supervised"]), len(live["supervised"]))
    return differences


# Report runs --------------------------------------------------------------------------------------


def report_runs_for(user: User) -> QuerySet[ReportRun]:
    """The runs the user may see and download: their own, and for the county office every run."""
    runs = ReportRun.objects.select_related("unit", "requested_by")
    if visible_unit_ids(user) is None:
        return runs
    return runs.filter(requested_by=user)


def report_run_get(user: User, pk: int) -> ReportRun:
    return get_object_or_404(report_runs_for(user), pk=pk)


def scheduled_month_due(today: date) -> Period:
    """The month the monthly job reports on: the one before `today`'s."""
    last_month = today.replace(day=1) - timedelta(days=1)
    return Period.month(last_month.year, last_month.month)
