"""Layout of the server-rendered SVG charts: pure functions from figures to coordinates.

The templates only draw what these return, so the geometry can be tested without HTML.
Coordinates are in the SVG's own units; the chart scales with its container.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 230  # room for "Oude IJsselstreek (outside the region)" at the chart's font size
VALUE_WIDTH = 56
BAR_HEIGHT = 22
BAR_GAP = 8
TOP = 8


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
class Chart:
    width: int
    height: int
    label_x: int
    axis_x: int
    groups: list[Group]
    series: list[str]


def _scale(value: int, largest: int) -> float:
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    return round(area * value / largest, 1) if largest else 0.0


def funnel(stages: list[tuple[str, int]]) -> Chart:
    """One bar per stage, all on the scale of the largest (normally: enrolled)."""
    largest = max((value for _, value in stages), default=0)
    groups = []
    y = TOP
    for label, value in stages:
        bar = Bar(label, value, LABEL_WIDTH, y, _scale(value, largest), BAR_HEIGHT)
        groups.append(Group(label, bar.text_y, [bar]))
        y += BAR_HEIGHT + BAR_GAP
    return Chart(WIDTH, int(y + TOP), LABEL_WIDTH - 8, LABEL_WIDTH, groups, [])


def comparison(rows: list[tuple[str, list[int]]], series: list[str]) -> Chart:
    """A group of bars per row (e.g. a municipality), one bar per series, on one scale."""
    largest = max((v for _, values in rows for v in values), default=0)
    bar_height = 14
    groups = []
    y = TOP + 24  # room for the legend
    for label, values in rows:
        bars = []
        for index, value in enumerate(values):
            bars.append(Bar(series[index], value, LABEL_WIDTH, y + index * bar_height, _scale(value, largest),
                            bar_height - 2, index))
        height = bar_height * len(values)
        groups.append(Group(label, round(y + height / 2, 1), bars))
        y += height + 12
    return Chart(WIDTH, int(y + TOP), LABEL_WIDTH - 8, LABEL_WIDTH, groups, list(series))
