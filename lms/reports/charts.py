"""Layout of the server-rendered SVG charts: pure functions from figures to coordinates.

The templates only draw what these return, so the geometry can be tested without HTML.
Coordinates are in the SVG's own units; the chart scales with its container.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 640
VALUE_WIDTH = 56
# Label column: a rough width per character at the labels' font size (14), within bounds.
CHAR_WIDTH = 9.0
MIN_LABEL_WIDTH, MAX_LABEL_WIDTH = 100, 300
BAR_HEIGHT = 24
BAR_GAP = 8
TOP = 8
# Legend: a swatch, its text at font size 15 (a rough, generous width per character), a gap.
LEGEND_CHAR_WIDTH = 9.5
LEGEND_SWATCH = 18
LEGEND_GAP = 24
LEGEND_ROW = 24


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    series: int = 0  # which colour (CSS class chart-series-<n>)

    @property
    def text_y(self) -> float:
        return round(self.y + self.height / 2, 1)

    @property
    def value_x(self) -> float:
        return round(self.x + self.width + 6, 1)


@dataclass(frozen=True)
class Group:
    label: str
    y: float  # middle of the group, where its label goes
    bars: list[Bar]


@dataclass(frozen=True)
class LegendItem:
    label: str
    x: float  # the swatch's left edge
    y: float  # the swatch's top
    series: int

    @property
    def text_x(self) -> float:
        return self.x + LEGEND_SWATCH

    @property
    def text_y(self) -> float:
        return self.y + 12


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_x: int
    axis_x: int
    groups: list[Group]
    legend: list[LegendItem] = field(default_factory=list)
    legend_height: int = 0


def legend(series: list[str]) -> tuple[list[LegendItem], int]:
    """The legend's entries from the left edge, on as many rows as the chart's width needs
    (Dutch names are long: "Gecertificeerd" no longer runs off the edge); and its height."""
    items: list[LegendItem] = []
    x, y = 0.0, 4.0
    for index, name in enumerate(series):
        width = LEGEND_SWATCH + len(name) * LEGEND_CHAR_WIDTH
        if items and x + width > WIDTH:
            x, y = 0.0, y + LEGEND_ROW
        items.append(LegendItem(name, x, y, index))
        x += width + LEGEND_GAP
    return items, int(y + LEGEND_ROW) if items else 0


def label_width(labels) -> int:
    longest = max((len(label) for label in labels), default=0)
    return int(min(MAX_LABEL_WIDTH, max(MIN_LABEL_WIDTH, longest * CHAR_WIDTH + 16)))


def _scale(value: int, largest: int, left: int) -> float:
    area = WIDTH - left - VALUE_WIDTH
    return round(area * value / largest, 1) if largest else 0.0


def funnel(stages: list[tuple[str, int]]) -> Chart:
    """One bar per stage, all on the scale of the largest (normally: enrolled)."""
    largest = max((value for _, value in stages), default=0)
    left = label_width(label for label, _ in stages)
    groups = []
    y = TOP
    for label, value in stages:
        bar = Bar(label, value, left, y, _scale(value, largest, left), BAR_HEIGHT)
        groups.append(Group(label, bar.text_y, [bar]))
        y += BAR_HEIGHT + BAR_GAP
    return Chart(WIDTH, int(y + TOP), left - 8, left, groups)


def comparison(rows: list[tuple[str, list[int]]], series: list[str]) -> Chart:
    """A group of bars per row (e.g. a municipality), one bar per series, on one scale."""
    largest = max((v for _, values in rows for v in values), default=0)
    left = label_width(label for label, _ in rows)
    bar_height = 16
    groups = []
    items, legend_height = legend(series)
    y = TOP + legend_height
    for label, values in rows:
        bars = []
        for index, value in enumerate(values):
            bars.append(Bar(series[index], value, left, y + index * bar_height, _scale(value, largest, left),
                            bar_height - 2, index))
        height = bar_height * len(values)
        groups.append(Group(label, round(y + height / 2, 1), bars))
        y += height + 14
    return Chart(WIDTH, int(y + TOP), left - 8, left, groups, items, legend_height)
