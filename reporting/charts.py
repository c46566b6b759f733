"""The report's charts as inline SVG, drawn on the server so that the statistics page and the PDF
show the same picture: WeasyPrint draws inline SVG, and the browser needs no script for it.

Every chart is drawn from reporting.tables, so its labels and numbers are exactly the tables' own.
Text is escaped (unit and category names come from the database); the font is named by family and
found by fontconfig in the PDF, as for the rest of the report.
"""

import unicodedata
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from reporting.tables import Table, figure_text, report_tables, total_labels

FONT_FAMILY = '"Noto Sans CJK SC", sans-serif'
FONT_SIZE = 12
WIDTH = 640
ROW_HEIGHT = 18
BAR_HEIGHT = 12
# Room right of the longest bar for its value ("100.0%", "12345").
VALUE_WIDTH = 56
LABEL_WIDTH_MIN, LABEL_WIDTH_MAX = 48, 220
BAR_COLOUR = "#2f6fb0"
TRACK_COLOUR = "#e9ecef"
AXIS_COLOUR = "#adb5bd"
# The totals chart: this period, the previous period, the same period last year.
SERIES_COLOURS = ("#2f6fb0", "#9ab8d8", "#f0a04b")
TOTALS_CHARTED = ("petitions", "letters", "visits_batches", "online", "phone")
# Where each breakdown's count is in its table's rows: the first number after the label.
ITEMS_COLUMN = 1
RATE_COLUMN = 3


def _text_width(text: str) -> float:
    """Roughly how wide a text is drawn: a CJK character is a full em, anything else about 0.6."""
    return sum(FONT_SIZE if unicodedata.east_asian_width(character) in "WF" else FONT_SIZE * 0.6 for character in text)


def _fit(text: str, width: float) -> str:
    """The label cut with an ellipsis where it would run into the bars (the full text is the tooltip)."""
    if _text_width(text) <= width:
        return text
    while text and _text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _label_width(labels: list[str]) -> float:
    widest = max((_text_width(label) for label in labels), default=0)
    return min(max(widest + 8, LABEL_WIDTH_MIN), LABEL_WIDTH_MAX)


def _number(value: float) -> str:
    """A coordinate as SVG wants it: short, with a dot whatever the locale."""
    return f"{value:.1f}".removesuffix(".0")


def _svg(title: str, height: float, body: SafeString) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        ' role="img" aria-label="{title}" font-family="{font}" font-size="{size}"><title>{title}</title>{body}</svg>',
        width=WIDTH,
        height=_number(height),
        title=title,
        font=FONT_FAMILY,
        size=FONT_SIZE,
        body=body,
    )


def _rect(x: float, y: float, width: float, height: float, fill: str) -> SafeString:
    return format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>', _number(x), _number(y), _number(width), _number(height), fill
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int | None = None) -> SafeString:
    return format_html(
        '<text x="{}" y="{}"{}{}>{}</text>',
        _number(x),
        _number(y),
        format_html(' text-anchor="{}"', anchor) if anchor != "start" else "",
        format_html(' font-size="{}"', size) if size else "",
        text,
    )


def _axis(x: float, top: float, bottom: float) -> SafeString:
    return format_html('<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{}"/>', _number(top), _number(bottom), AXIS_COLOUR, x=_number(x))


def _join(parts) -> SafeString:
    return mark_safe("".join(parts))


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # what the bar's length shows
    text: str  # what is written at its end


def horizontal_bars(title: str, bars: list[Bar], *, scale_maximum: float | None = None, track: bool = False) -> SafeString:
    """One bar per row, the label on the left and the value at the bar's end. The longest bar fills
    the width unless `scale_maximum` fixes the scale (rates: 100 %); all zeros draw no bars.
    `track` draws the full scale behind each bar."""
    label_width = _label_width([bar.label for bar in bars])
    bar_area = WIDTH - label_width - VALUE_WIDTH
    maximum = scale_maximum if scale_maximum is not None else max((bar.value for bar in bars), default=0)
    rows = []
    for index, bar in enumerate(bars):
        top = index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2
        baseline = top + BAR_HEIGHT - 3
        length = bar_area * min(bar.value / maximum, 1) if maximum else 0
        rows.append(
            format_html(
                "<g><title>{}: {}</title>{}{}{}{}</g>",
                bar.label,
                bar.text,
                _text(label_width - 6, baseline, _fit(bar.label, label_width - 8), anchor="end"),
                _rect(label_width, top, bar_area, BAR_HEIGHT, TRACK_COLOUR) if track else "",
                _rect(label_width, top, length, BAR_HEIGHT, BAR_COLOUR),
                _text(label_width + length + 4, baseline, bar.text),
            )
        )
    height = max(len(bars), 1) * ROW_HEIGHT
    return _svg(title, height, _join(rows) + _axis(label_width, 0, height))


def grouped_bars(title: str, groups: list[tuple[str, list[int]]], series: list[str]) -> SafeString:
    """A few bars per label, one for each series (a legend on top names them), on one scale."""
    bar_height, gap = 12, 4
    group_height = len(series) * bar_height + gap * 2
    label_width = _label_width([label for label, _values in groups])
    bar_area = WIDTH - label_width - VALUE_WIDTH
    maximum = max((value for _label, values in groups for value in values), default=0)
    legend, x = [], label_width
    for name, colour in zip(series, SERIES_COLOURS, strict=False):
        legend += [_rect(x, 4, 10, 10, colour), _text(x + 14, 13, _fit(name, 160))]
        x += 14 + min(_text_width(name), 160) + 16
    rows = []
    for index, (label, values) in enumerate(groups):
        top = ROW_HEIGHT + index * group_height + gap
        parts = [_text(label_width - 6, top + len(series) * bar_height / 2 + 4, _fit(label, label_width - 8), anchor="end")]
        for position, (value, colour) in enumerate(zip(values, SERIES_COLOURS, strict=False)):
            bar_top = top + position * bar_height
            length = bar_area * value / maximum if maximum else 0
            parts += [
                format_html(
                    "<g><title>{}: {}</title>{}</g>", series[position], value, _rect(label_width, bar_top, length, bar_height - 1, colour)
                ),
                _text(label_width + length + 4, bar_top + bar_height - 2, str(value), size=10),
            ]
        rows.append(format_html("<g><title>{}</title>{}</g>", label, _join(parts)))
    height = ROW_HEIGHT + max(len(groups), 1) * group_height
    return _svg(title, height, _join(legend) + _join(rows) + _axis(label_width, ROW_HEIGHT, height))


def _breakdown_chart(table: Table) -> SafeString:
    return horizontal_bars(table.title, [Bar(row[0], row[ITEMS_COLUMN], figure_text(row[ITEMS_COLUMN], "int")) for row in table.rows])


def _rates_chart(table: Table) -> SafeString:
    bars = [Bar(row[0], row[RATE_COLUMN] or 0, figure_text(row[RATE_COLUMN], "percent")) for row in table.rows]
    return horizontal_bars(table.title, bars, scale_maximum=1, track=True)


def _totals_chart(table: Table) -> SafeString:
    """This period against the previous one and the same period last year, for the main totals."""
    row_of = dict(zip(total_labels(), table.rows, strict=True))
    groups = [(row_of[key][0], [row_of[key][1], row_of[key][2], row_of[key][4]]) for key in TOTALS_CHARTED]
    series = [table.columns[1].label, table.columns[2].label, table.columns[4].label]
    return grouped_bars(table.title, groups, series)


def report_charts(figures: dict) -> dict[str, SafeString]:
    """The charts that go beside the report's tables, by the table's key: each an inline <svg>
    WIDTH wide with a viewBox, so a page can scale it down (max-width: 100%; height: auto)."""
    tables = {table.key: table for table in report_tables(figures)}
    charts = {key: _breakdown_chart(tables[key]) for key in ("by_channel", "by_category", "by_purpose", "by_locality", "by_unit")}
    charts["rates"] = _rates_chart(tables["rates"])
    charts["totals"] = _totals_chart(tables["totals"])
    return charts
