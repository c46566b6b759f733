"""The report's SVG charts: well-formed inline SVG with the tables' labels and figures, bars to
scale (and no division by zero when everything is 0), rates as percentages with "—" where there is
no rate, and names from the database escaped."""

import xml.etree.ElementTree as ElementTree
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from accounts.tests.factories import make_unit
from petitions.tests.factories import make_petition
from reporting import charts, selectors
from reporting.charts import report_charts
from reporting.periods import Period
from reporting.tables import figure_text

SVG = "{http://www.w3.org/2000/svg}"
JANUARY = Period.month(2026, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
CHART_KEYS = {"by_channel", "by_category", "by_purpose", "by_locality", "by_unit", "rates", "totals"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def january_figures() -> dict:
    return selectors.report_figures(period=JANUARY, unit=None, as_of=date(2026, 2, 10))


@pytest.fixture
def january(county):
    """Two letters and a visit of three in January 2026, one of last year's January, none in December."""
    clerk, township = county.clerk_a, county.township_a
    make_petition(actor=clerk, locality=township, received_at=datetime(2026, 1, 5, 9, tzinfo=SHANGHAI), channel="letter")
    make_petition(
        actor=clerk, locality=township, received_at=datetime(2026, 1, 6, 9, tzinfo=SHANGHAI), channel="letter", category_code="07"
    )
    make_petition(actor=clerk, locality=township, received_at=datetime(2026, 1, 7, 9, tzinfo=SHANGHAI), channel="visit", headcount=3)
    make_petition(actor=clerk, locality=township, received_at=datetime(2025, 1, 7, 9, tzinfo=SHANGHAI), channel="letter")
    return january_figures()


def parse(svg) -> ElementTree.Element:
    """The chart as XML: it must be well formed, whatever names it prints."""
    return ElementTree.fromstring(str(svg))


def rows(svg) -> list[dict]:
    """Each bar of a bar chart: its label as printed, its full label (the tooltip), its length and the
    value written at its end."""
    found = []
    for group in parse(svg).iter(f"{SVG}g"):
        label, value = group.findall(f"{SVG}text")
        found.append(
            {
                "label": label.text,
                "tooltip": group.find(f"{SVG}title").text,
                "length": float(group.findall(f"{SVG}rect")[-1].get("width")),
                "value": value.text,
            }
        )
    return found


def test_every_chart_is_inline_svg(january):
    drawn = report_charts(january)

    assert set(drawn) == CHART_KEYS
    for svg in drawn.values():
        root = parse(svg)
        assert root.tag == f"{SVG}svg"
        width, height = root.get("width"), root.get("height")
        assert root.get("viewBox") == f"0 0 {width} {height}"
        assert int(width) == charts.WIDTH and float(height) > 0
        assert root.get("font-family") == '"Noto Sans CJK SC", sans-serif'
    assert parse(drawn["by_channel"]).find(f"{SVG}title").text == "By channel"


def test_bars_are_labelled_from_the_tables_and_drawn_to_scale(january):
    channels = rows(report_charts(january)["by_channel"])

    assert [(row["label"], row["value"]) for row in channels] == [
        ("Letter", "2"),
        ("Visit", "1"),
        ("Online", "0"),
        ("Phone", "0"),
        ("Leader's mailbox", "0"),
    ]
    # The longest bar runs from the axis to the room kept for its value.
    axis = float(parse(report_charts(january)["by_channel"]).find(f"{SVG}line").get("x1"))
    longest = channels[0]["length"]
    assert longest == pytest.approx(charts.WIDTH - charts.VALUE_WIDTH - axis)
    assert channels[1]["length"] == pytest.approx(longest / 2)
    assert channels[2]["length"] == 0
    categories = {row["label"]: row["value"] for row in rows(report_charts(january)["by_category"])}
    assert len(categories) == 17
    assert (categories["城乡建设"], categories["劳动和社会保障"], categories["政法"]) == ("2", "1", "0")


def test_totals_chart_compares_with_the_previous_period_and_last_year(january):
    root = parse(report_charts(january)["totals"])

    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert texts[:3] == ["This period", "Previous period", "Same period last year"]
    # Per total charted: its label, then this period, the previous period, the same period last year.
    assert texts[3:] == [
        "All petitions (items)",
        "3",
        "0",
        "1",
        "Letters (items)",
        "2",
        "0",
        "1",
        "Visits (batches)",
        "1",
        "0",
        "0",
        "Online (items)",
        "0",
        "0",
        "0",
        "Phone (items)",
        "0",
        "0",
        "0",
    ]


def test_nothing_at_all_draws_empty_bars(county):
    """A month with no petition: every bar is 0 long, every rate is "—", and nothing divides by zero."""
    drawn = report_charts(january_figures())

    for key in CHART_KEYS - {"totals", "rates"}:
        assert {row["value"] for row in rows(drawn[key])} == {"0"}, key
        assert {row["length"] for row in rows(drawn[key])} == {0.0}, key
    assert [(row["label"], row["value"], row["length"]) for row in rows(drawn["rates"])] == [
        ("Timely acceptance rate", "—", 0),
        ("On-time completion rate", "—", 0),
        ("Participation rate", "—", 0),
        ("Satisfaction rate", "—", 0),
    ]
    bars = [rect for group in parse(drawn["totals"]).findall(f"{SVG}g") for rect in group.iter(f"{SVG}rect")]
    assert len(bars) == 5 * 3
    assert {float(bar.get("width")) for bar in bars} == {0.0}


def test_rates_are_percentages_of_a_full_scale(january):
    january["rates"] = {"timely_acceptance": 0.935, "on_time_completion": None, "participation": 1.0, "satisfaction": 0.5}

    rates = rows(report_charts(january)["rates"])

    assert [(row["label"], row["value"]) for row in rates] == [
        ("Timely acceptance rate", "93.5%"),
        ("On-time completion rate", "—"),
        ("Participation rate", "100.0%"),
        ("Satisfaction rate", "50.0%"),
    ]
    full = rates[2]["length"]
    assert rates[0]["length"] == pytest.approx(full * 0.935, abs=0.1)
    assert rates[1]["length"] == 0
    assert rates[3]["length"] == pytest.approx(full / 2, abs=0.1)


def test_names_are_escaped_and_long_ones_cut(january, county):
    name = '<script>alert("x")</script> & 县人力资源和社会保障局城乡建设规划综合管理办公室'
    make_unit(name=name)

    svg = report_charts(january_figures())["by_unit"]

    assert "<script>" not in svg
    row = next(row for row in rows(svg) if row["tooltip"].startswith("<script>"))
    assert row["tooltip"] == f"{name}: 0"
    assert row["label"].startswith('<script>alert("x")') and row["label"].endswith("…")
    assert charts._text_width(row["label"]) <= charts.LABEL_WIDTH_MAX


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (0.935, "percent", "93.5%"),
        (1, "percent", "100.0%"),
        (-0.4, "percent", "-40.0%"),
        (None, "percent", "—"),
        (0, "int", "0"),
        (12345, "int", "12,345"),
        (None, "date", "—"),
        ("2026-09-03", "date", "2026-09-03"),
        ("城关镇", "text", "城关镇"),
    ],
)
def test_figure_text(value, kind, text):
    assert figure_text(value, kind) == text
