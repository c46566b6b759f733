"""The figures, to the last digit: every section of the known month's report (reporting/tests/conftest.py
has the tables they are counted from), for the county and for units, once the month is over and while
it runs, for a month with nothing due and for a range of days; and who may see which scope."""

from datetime import date

import pytest
from django.http import Http404

from accounts.models import UnitKind
from accounts.tests.factories import make_unit, make_user
from petitions.models import Category
from petitions.tests.factories import make_petition
from reporting import selectors
from reporting.periods import Period
from reporting.tests.conftest import (
    AUGUST_TOTALS,
    MONTH_OVER,
    RUNNING,
    SEPTEMBER,
    SEPTEMBER_2025_TOTALS,
    SEPTEMBER_RATE_COUNTS,
    SEPTEMBER_RATES,
    SEPTEMBER_TOTALS,
    at,
)

# The 17 first-level categories in code order, with September's items (0801 counts under 08).
SEPTEMBER_BY_CATEGORY = [
    ("01", "政法", 0),
    ("02", "科技与信息产业", 0),
    ("03", "纪检监察", 0),
    ("04", "党务政务", 1),
    ("05", "国土资源", 0),
    ("06", "教育文体", 1),
    ("07", "劳动和社会保障", 2),
    ("08", "城乡建设", 7),
    ("09", "农村农业", 0),
    ("10", "卫生计生", 0),
    ("11", "环境保护", 1),
    ("12", "交通运输", 0),
    ("13", "民政", 1),
    ("14", "经济管理", 0),
    ("15", "商贸旅游", 0),
    ("16", "组织人事", 0),
    ("99", "其他", 1),
]
ZERO_TOTALS = dict.fromkeys(SEPTEMBER_TOTALS, 0)
NO_RATES = dict.fromkeys(SEPTEMBER_RATES)
NO_RATE_COUNTS = {key: {"numerator": 0, "denominator": 0} for key in SEPTEMBER_RATES}


def unit_row(unit, items: int) -> dict:
    return {"id": unit.pk, "code": unit.code, "name": unit.name, "items": items}


def categories(rows: list[dict]) -> list[tuple]:
    """The rows as (code, name, items), after checking each row's id is its category's."""
    for row in rows:
        assert Category.objects.get(pk=row["id"]).code == row["code"]
    return [(row["code"], row["name"], row["items"]) for row in rows]


def overdue_row(case, *, status: str, category: str, due: str, served: str | None, days: int, unit: str = "城关镇") -> dict:
    return {
        "case": case.pk,
        "reg_no": case.reg_no,
        "status": status,
        "category": category,
        "unit": unit,
        "lead_official": "leader_a",
        "handling_due": due,
        "served_on": served,
        "days_overdue": days,
    }


def supervised_row(order, case, *, unit: str, issued: str, due: str, status: str, answered: str | None) -> dict:
    return {
        "order": order.pk,
        "case": case.pk,
        "reg_no": case.reg_no,
        "unit": unit,
        "issued_on": issued,
        "due_on": due,
        "status": status,
        "answered_on": answered,
    }


def september_overdue(known) -> list[dict]:
    """Overdue on some day of September, as of its end: earliest due first."""
    cases = known.cases
    return [
        overdue_row(
            cases["due_august_served_september"], status="evaluated", category="城乡建设", due="2026-08-20", served="2026-09-03", days=14
        ),
        overdue_row(cases["served_late"], status="evaluated", category="城乡建设", due="2026-09-10", served="2026-09-14", days=4),
        overdue_row(cases["unserved_overdue"], status="in_progress", category="劳动和社会保障", due="2026-09-12", served=None, days=18),
        overdue_row(cases["served_after_month"], status="replied", category="城乡建设", due="2026-09-21", served="2026-10-08", days=9),
        overdue_row(cases["unserved_due_on_the_23rd"], status="assigned", category="城乡建设", due="2026-09-23", served=None, days=7),
    ]


def september_supervised(known) -> list[dict]:
    orders, cases = known.orders, known.cases
    return [
        supervised_row(
            orders["answered_on_the_first"],
            cases["unserved_overdue"],
            unit="县人社局",
            issued="2026-08-25",
            due="2026-09-05",
            status="answered",
            answered="2026-09-01",  # 16:30 UTC on 31 August: answered during September in Shanghai
        ),
        supervised_row(
            orders["open"], cases["unserved_overdue"], unit="城关镇", issued="2026-09-10", due="2026-09-20", status="open", answered=None
        ),
        supervised_row(
            orders["issued_last_minute"],
            cases["unserved_due_on_the_23rd"],
            unit="城关镇",
            issued="2026-09-30",
            due="2026-10-08",
            status="answered",
            answered="2026-10-05",
        ),
    ]


def test_september_for_the_county_once_the_month_is_over(known_month):
    county = known_month.county
    figures = selectors.report_figures(period=SEPTEMBER, unit=None, as_of=MONTH_OVER)

    assert categories(figures.pop("by_category")) == SEPTEMBER_BY_CATEGORY
    assert figures == {
        "period": {"start": "2026-09-01", "end": "2026-09-30", "year": 2026, "month": 9},
        "unit": None,
        "as_of": "2026-10-15",
        "totals": {
            "petitions": 14,
            "letters": 5,
            "visits_batches": 5,
            "visits_people": 15,
            "online": 2,
            "phone": 1,
            "mailbox": 1,
            "group_batches": 2,
            "group_people": 11,
            "repeat": 2,
            "skip_level": 2,  # s1 and s6; s10 is a phone call
            "to_province": 1,
            "to_beijing": 1,  # s6; s11 is a mailbox message
        },
        "by_channel": [
            {"channel": "letter", "items": 5, "people": 5},
            {"channel": "visit", "items": 5, "people": 15},
            {"channel": "online", "items": 2, "people": 2},
            {"channel": "phone", "items": 1, "people": 1},
            {"channel": "mailbox", "items": 1, "people": 1},
        ],
        "by_purpose": [
            {"purpose": "complaint", "items": 6},
            {"purpose": "suggestion", "items": 3},
            {"purpose": "appeal", "items": 1},
            {"purpose": "request", "items": 2},
            {"purpose": "other", "items": 2},
        ],
        "by_locality": [unit_row(county.township_a, 9), unit_row(county.township_b, 5)],
        # By kind, then code: the bureau, the two departments, the leadership, the townships.
        "by_unit": [
            unit_row(county.bureau, 1),
            unit_row(county.department, 1),
            unit_row(known_month.sub_unit, 1),
            unit_row(county.leadership, 1),
            unit_row(county.township_a, 7),
            unit_row(county.township_b, 3),
        ],
        "rates": {"timely_acceptance": 2 / 6, "on_time_completion": 3 / 7, "participation": 5 / 6, "satisfaction": 4 / 5},
        "rate_counts": {
            "timely_acceptance": {"numerator": 2, "denominator": 6},
            "on_time_completion": {"numerator": 3, "denominator": 7},
            "participation": {"numerator": 5, "denominator": 6},
            "satisfaction": {"numerator": 4, "denominator": 5},
        },
        "overdue": september_overdue(known_month),
        "supervised": september_supervised(known_month),
        "change": {
            "month_on_month": {
                "period": {"start": "2026-08-01", "end": "2026-08-31", "year": 2026, "month": 8},
                "totals": AUGUST_TOTALS,
                "change": {
                    "petitions": 8 / 6,
                    "letters": 4.0,
                    "visits_batches": 3 / 2,
                    "visits_people": 7 / 8,
                    "online": -1 / 3,
                    "phone": None,
                    "mailbox": None,
                    "group_batches": 1.0,
                    "group_people": 4 / 7,
                    "repeat": None,
                    "skip_level": 1.0,
                    "to_province": None,
                    "to_beijing": None,
                },
            },
            "year_on_year": {
                "period": {"start": "2025-09-01", "end": "2025-09-30", "year": 2025, "month": 9},
                "totals": SEPTEMBER_2025_TOTALS,
                "change": {
                    "petitions": 9 / 5,
                    "letters": 3 / 2,
                    "visits_batches": 3 / 2,
                    "visits_people": 5 / 10,
                    "online": None,
                    "phone": 0.0,
                    "mailbox": None,
                    "group_batches": 1.0,
                    "group_people": 3 / 8,
                    "repeat": None,
                    "skip_level": 1.0,
                    "to_province": 0.0,
                    "to_beijing": None,
                },
            },
        },
    }
    # The constants other report tests use say the same.
    assert figures["totals"] == SEPTEMBER_TOTALS
    assert figures["rate_counts"] == SEPTEMBER_RATE_COUNTS and figures["rates"] == SEPTEMBER_RATES
    # Every petition is counted once in each breakdown.
    for section in ("by_channel", "by_purpose", "by_locality", "by_unit"):
        assert sum(row["items"] for row in figures[section]) == 14
    # Any day after the month gives the same figures.
    for as_of in (date(2026, 10, 1), date(2027, 3, 1)):
        later = selectors.report_figures(period=SEPTEMBER, unit=None, as_of=as_of)
        assert later.pop("as_of") == as_of.isoformat()
        assert categories(later.pop("by_category")) == SEPTEMBER_BY_CATEGORY
        assert later == {key: value for key, value in figures.items() if key != "as_of"}


def test_a_running_month_counts_a_limit_once_its_outcome_is_known(known_month):
    """On 09-23: s7's decision and unserved_due_on_the_23rd's reply are due today and s8's decision on
    the 25th, so none counts yet, and the case is not overdue. A recorded outcome counts whatever the
    day: the reply served on 10-08 to a case due on 09-21 was already late on the 23rd."""
    cases = known_month.cases
    figures = selectors.report_figures(period=SEPTEMBER, unit=None, as_of=RUNNING)

    assert figures["rate_counts"] == {
        "timely_acceptance": {"numerator": 2, "denominator": 4},  # a1, s5 timely; s2 late; s3 undecided past its day
        "on_time_completion": {"numerator": 3, "denominator": 6},  # as at the end, less unserved_due_on_the_23rd: due today
        "participation": {"numerator": 5, "denominator": 6},
        "satisfaction": {"numerator": 4, "denominator": 5},
    }
    assert figures["rates"] == {"timely_acceptance": 1 / 2, "on_time_completion": 1 / 2, "participation": 5 / 6, "satisfaction": 4 / 5}
    # Overdue so far, counted to the 23rd; not the case due that day.
    assert figures["overdue"] == [
        overdue_row(
            cases["due_august_served_september"], status="evaluated", category="城乡建设", due="2026-08-20", served="2026-09-03", days=14
        ),
        overdue_row(cases["served_late"], status="evaluated", category="城乡建设", due="2026-09-10", served="2026-09-14", days=4),
        overdue_row(cases["unserved_overdue"], status="in_progress", category="劳动和社会保障", due="2026-09-12", served=None, days=11),
        overdue_row(cases["served_after_month"], status="replied", category="城乡建设", due="2026-09-21", served="2026-10-08", days=2),
    ]
    # Volumes do not depend on the day asked.
    assert figures["totals"] == SEPTEMBER_TOTALS


def test_township_a_includes_its_sub_unit(known_month):
    county, sub_unit = known_month.county, known_month.sub_unit
    figures = selectors.report_figures(period=SEPTEMBER, unit=county.township_a, as_of=MONTH_OVER)

    assert figures["unit"] == {"id": county.township_a.pk, "code": county.township_a.code, "name": "城关镇"}
    assert figures["totals"] == {
        "petitions": 8,  # s1, s3, s5, s9, s10, s12, s13, and s8 of the sub-unit
        "letters": 3,
        "visits_batches": 3,
        "visits_people": 7,
        "online": 1,
        "phone": 1,
        "mailbox": 0,
        "group_batches": 1,
        "group_people": 5,
        "repeat": 2,
        "skip_level": 1,
        "to_province": 0,
        "to_beijing": 0,
    }
    # Only the units in scope, each with its own petitions.
    assert figures["by_unit"] == [unit_row(sub_unit, 1), unit_row(county.township_a, 7)]
    # Localities are every township, whoever is responsible: s9 is township B's matter, routed to A.
    assert figures["by_locality"] == [unit_row(county.township_a, 7), unit_row(county.township_b, 1)]
    assert figures["rate_counts"] == {
        "timely_acceptance": {"numerator": 2, "denominator": 4},  # a1, s5 timely; s3 and the sub-unit's s8 not decided
        "on_time_completion": {"numerator": 3, "denominator": 7},  # every case is township A's or its sub-unit's
        "participation": {"numerator": 5, "denominator": 6},
        "satisfaction": {"numerator": 4, "denominator": 5},
    }
    assert figures["overdue"] == september_overdue(known_month)
    # The orders to township A; the department's is not township A's.
    assert [row["order"] for row in figures["supervised"]] == [known_month.orders["open"].pk, known_month.orders["issued_last_minute"].pk]
    assert figures["change"]["month_on_month"]["totals"]["petitions"] == 3  # a1, a3, a6
    assert figures["change"]["year_on_year"]["totals"]["petitions"] == 3  # y1, y3, y4


def test_a_unit_without_sub_units_is_its_row_of_the_county_table(known_month):
    county = known_month.county
    county_figures = selectors.report_figures(period=SEPTEMBER, unit=None, as_of=MONTH_OVER)
    county_rows = {row["id"]: row["items"] for row in county_figures["by_unit"]}

    township_b = selectors.report_figures(period=SEPTEMBER, unit=county.township_b, as_of=MONTH_OVER)
    assert township_b["totals"] == {
        "petitions": 3,  # s2, s4, s14
        "letters": 2,
        "visits_batches": 1,
        "visits_people": 2,
        "online": 0,
        "phone": 0,
        "mailbox": 0,
        "group_batches": 0,
        "group_people": 0,
        "repeat": 0,
        "skip_level": 0,
        "to_province": 1,
        "to_beijing": 0,
    }
    assert township_b["totals"]["petitions"] == county_rows[county.township_b.pk]
    assert township_b["by_unit"] == [unit_row(county.township_b, 3)]
    assert township_b["rate_counts"] == {
        "timely_acceptance": {"numerator": 0, "denominator": 1},  # s2, diverted a day late
        "on_time_completion": {"numerator": 0, "denominator": 0},
        "participation": {"numerator": 0, "denominator": 0},
        "satisfaction": {"numerator": 0, "denominator": 0},
    }
    assert township_b["rates"] == {"timely_acceptance": 0.0, "on_time_completion": None, "participation": None, "satisfaction": None}
    assert township_b["overdue"] == [] and township_b["supervised"] == []

    # Township A's report is its row plus its sub-unit's.
    township_a = selectors.report_figures(period=SEPTEMBER, unit=county.township_a, as_of=MONTH_OVER)
    assert township_a["totals"]["petitions"] == county_rows[county.township_a.pk] + county_rows[known_month.sub_unit.pk] == 8

    sub_unit = selectors.report_figures(period=SEPTEMBER, unit=known_month.sub_unit, as_of=MONTH_OVER)
    assert (sub_unit["totals"]["petitions"], sub_unit["totals"]["group_people"]) == (1, 5)
    assert sub_unit["rate_counts"]["timely_acceptance"] == {"numerator": 0, "denominator": 1}  # s8, undecided
    assert sub_unit["rate_counts"]["on_time_completion"] == {"numerator": 1, "denominator": 1}
    assert sub_unit["rate_counts"]["satisfaction"] == {"numerator": 1, "denominator": 1}
    assert sub_unit["overdue"] == [] and sub_unit["supervised"] == []

    department = selectors.report_figures(period=SEPTEMBER, unit=county.department, as_of=MONTH_OVER)
    assert department["totals"]["petitions"] == county_rows[county.department.pk] == 1
    assert (department["totals"]["group_people"], department["totals"]["skip_level"], department["totals"]["to_beijing"]) == (6, 1, 1)
    assert [row["order"] for row in department["supervised"]] == [known_month.orders["answered_on_the_first"].pk]

    bureau = selectors.report_figures(period=SEPTEMBER, unit=county.bureau, as_of=MONTH_OVER)
    assert bureau["totals"]["petitions"] == county_rows[county.bureau.pk] == 1  # s7, never routed
    assert bureau["rate_counts"]["timely_acceptance"] == {"numerator": 0, "denominator": 1}


def test_a_month_with_nothing_due_has_no_rates(known_month):
    """July 2026: one letter received, no decision or reply due, nothing served, nothing overdue; June had
    the ten cases' letters and July 2025 nothing."""
    figures = selectors.report_figures(period=Period.month(2026, 7), unit=None, as_of=MONTH_OVER)

    assert figures["totals"] == {**ZERO_TOTALS, "petitions": 1, "letters": 1}
    assert figures["rates"] == NO_RATES
    assert figures["rate_counts"] == NO_RATE_COUNTS
    assert figures["overdue"] == [] and figures["supervised"] == []
    assert figures["change"]["month_on_month"]["totals"] == {**ZERO_TOTALS, "petitions": 10, "letters": 10}
    assert figures["change"]["month_on_month"]["change"] == {
        **dict.fromkeys(SEPTEMBER_TOTALS),
        "petitions": -9 / 10,
        "letters": -9 / 10,
    }
    assert figures["change"]["year_on_year"]["totals"] == ZERO_TOTALS
    assert figures["change"]["year_on_year"]["change"] == dict.fromkeys(SEPTEMBER_TOTALS)


def test_a_range_of_days(known_month):
    """28 August to 3 September: the month's edges both ways, and what was in force across them."""
    cases, orders = known_month.cases, known_month.orders
    period = Period(date(2026, 8, 28), date(2026, 9, 3))
    figures = selectors.report_figures(period=period, unit=None, as_of=MONTH_OVER)

    assert figures["period"] == {"start": "2026-08-28", "end": "2026-09-03", "year": None, "month": None}
    # a1, a2 (08-31 23:59:59), s1 (09-01 00:00), s2, s3.
    assert figures["totals"] == {**ZERO_TOTALS, "petitions": 5, "letters": 3, "visits_batches": 2, "visits_people": 2, "skip_level": 1}
    # The seven days before and the same days of 2025 had nothing.
    assert figures["change"]["month_on_month"]["period"] == {"start": "2026-08-21", "end": "2026-08-27", "year": None, "month": None}
    assert figures["change"]["month_on_month"]["totals"] == ZERO_TOTALS
    assert figures["change"]["year_on_year"]["period"] == {"start": "2025-08-28", "end": "2025-09-03", "year": None, "month": None}
    assert figures["change"]["year_on_year"]["change"] == dict.fromkeys(SEPTEMBER_TOTALS)
    # No decision or reply was due; one reply was served (and rated basically satisfied).
    assert figures["rate_counts"] == {
        "timely_acceptance": {"numerator": 0, "denominator": 0},
        "on_time_completion": {"numerator": 0, "denominator": 0},
        "participation": {"numerator": 1, "denominator": 1},
        "satisfaction": {"numerator": 1, "denominator": 1},
    }
    assert figures["rates"] == {"timely_acceptance": None, "on_time_completion": None, "participation": 1.0, "satisfaction": 1.0}
    # late_before_month was served on 08-25, before the range; the other due dates come later.
    assert figures["overdue"] == [
        overdue_row(
            cases["due_august_served_september"], status="evaluated", category="城乡建设", due="2026-08-20", served="2026-09-03", days=14
        )
    ]
    assert [row["order"] for row in figures["supervised"]] == [orders["answered_before"].pk, orders["answered_on_the_first"].pk]


def test_report_figures_query_count(known_month, django_assert_num_queries):
    # Three volume totals (the period, a month before, a year before), five for the breakdowns (the
    # petitions grouped by channel, purpose, locality and unit; by category; the category, township
    # and unit lists), three for the rates, one per list.
    with django_assert_num_queries(13):
        selectors.report_figures(period=SEPTEMBER, unit=None, as_of=MONTH_OVER)
    with django_assert_num_queries(14):  # and the unit tree
        selectors.report_figures(period=SEPTEMBER, unit=known_month.county.township_a, as_of=MONTH_OVER)


# Scope ------------------------------------------------------------------------------------------


def test_report_unit_get(county):
    sub_unit = make_unit(kind=UnitKind.DEPARTMENT, name="城关镇司法所", parent=county.township_a)
    # The county office: the county by default, any unit on request.
    assert selectors.report_unit_get(county.supervisor, None) is None
    assert selectors.report_unit_get(county.admin, county.township_b.pk) == county.township_b
    # Anyone else: their unit by default, a unit below it on request, nothing else.
    assert selectors.report_unit_get(county.clerk_a, None) == county.township_a
    assert selectors.report_unit_get(county.leader_a, sub_unit.pk) == sub_unit
    for other in (county.township_b, county.bureau):
        with pytest.raises(Http404):
            selectors.report_unit_get(county.clerk_a, other.pk)
    with pytest.raises(Http404):
        selectors.report_unit_get(make_user(unit=sub_unit, roles=["clerk"]), county.township_a.pk)
    with pytest.raises(Http404):
        selectors.report_unit_get(county.clerk_a, 999_999)
    assert list(selectors.report_units_for(county.clerk_a)) == [sub_unit, county.township_a]
    assert selectors.report_units_for(county.supervisor).count() == 6


def test_earliest_petition_date_is_a_day_in_shanghai(county):
    assert selectors.earliest_petition_date() is None
    make_petition(actor=county.clerk_a, locality=county.township_a, received_at=at(9, 1, 0, 30, year=2025))  # 16:30 UTC on 31 August
    make_petition(actor=county.clerk_a, locality=county.township_a, received_at=at(9, 2, year=2025))
    assert selectors.earliest_petition_date() == date(2025, 9, 1)


@pytest.mark.parametrize(
    ("today", "month"),
    [(date(2026, 10, 1), (2026, 9)), (date(2026, 10, 31), (2026, 9)), (date(2026, 1, 1), (2025, 12)), (date(2028, 3, 1), (2028, 2))],
)
def test_scheduled_month_due_is_the_month_before(today, month):
    assert selectors.scheduled_month_due(today) == Period.month(*month)


def test_figure_differences_lists_exactly_what_changed():
    frozen = {
        "totals": dict(SEPTEMBER_TOTALS),
        "by_channel": [{"channel": "letter", "items": 5}, {"channel": "visit", "items": 5}],
        "by_purpose": [{"purpose": "complaint", "items": 6}],
        "by_category": [{"id": 8, "items": 7}],
        "by_locality": [{"id": 4, "items": 9}],
        "by_unit": [{"id": 4, "items": 7}, {"id": 6, "items": 1}],
        "rate_counts": dict(SEPTEMBER_RATE_COUNTS),
        "overdue": [{"case": 1}, {"case": 2}],
        "supervised": [{"order": 1}],
    }
    assert selectors.figure_differences(frozen, frozen) == []
    live = {
        **frozen,
        "totals": {**SEPTEMBER_TOTALS, "petitions": 15, "letters": 6},
        "by_channel": [{"channel": "letter", "items": 6}, {"channel": "visit", "items": 5}],
        "by_unit": [{"id": 4, "items": 8}, {"id": 9, "items": 2}],  # unit 6 is gone, unit 9 is new
        "rate_counts": {**SEPTEMBER_RATE_COUNTS, "satisfaction": {"numerator": 5, "denominator": 6}},
        "overdue": [{"case": 1}],
    }
    assert selectors.figure_differences(frozen, live) == [
        {"section": "totals", "key": "petitions", "frozen": 14, "live": 15},
        {"section": "totals", "key": "letters", "frozen": 5, "live": 6},
        {"section": "by_channel", "key": "letter", "frozen": 5, "live": 6},
        {"section": "by_unit", "key": 4, "frozen": 7, "live": 8},
        {"section": "by_unit", "key": 6, "frozen": 1, "live": 0},
        {"section": "by_unit", "key": 9, "frozen": 0, "live": 2},
        {
            "section": "rates",
            "key": "satisfaction",
            "frozen": {"numerator": 4, "denominator": 5},
            "live": {"numerator": 5, "denominator": 6},
        },
        {"section": "overdue", "key": "count", "frozen": 2, "live": 1},
    ]
