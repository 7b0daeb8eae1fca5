"""Chart geometry for server-drawn SVG: coordinates, paths and ticks, no markup.

The templates in templates/reports/partials/ draw these as inline SVG, so charts work with no
network and no JavaScript, in the page, the print and the downloaded file. The email, where SVG
is not read, shows the same figures as a table instead. A missing value is a gap in a line and
an absent bar, never a zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from reports.formatting import compact_value, format_value
from reports.personas.common import Figure


def _f(x: float) -> float:
    return round(x, 1)


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round tick values covering [lo, hi] (always including zero when the range spans it)."""
    if lo == hi:
        lo, hi = (lo - 1, hi + 1) if lo == 0 else (min(0.0, lo), max(0.0, hi))
        if lo == hi:
            lo, hi = lo - abs(lo) * 0.5, hi + abs(hi) * 0.5
    raw_step = (hi - lo) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while value < hi + step * 0.001:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < hi:
        ticks.append(round(value, 10))
    return ticks


@dataclass(frozen=True, slots=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    label: str  # the period it belongs to
    figure: Figure

    @property
    def title(self) -> str:
        text = f"{self.label}: {format_value(self.figure.value, self.figure.unit)}"
        return f"{text} ({self.figure.source.label})" if self.figure.source else text


@dataclass(frozen=True, slots=True)
class Scale:
    lo: float
    hi: float
    top: float
    bottom: float

    def y(self, value: float) -> float:
        if self.hi == self.lo:
            return (self.top + self.bottom) / 2
        return _f(self.bottom - (value - self.lo) / (self.hi - self.lo) * (self.bottom - self.top))


def _values(figures: Sequence[Figure]) -> list[float]:
    return [float(f.value) for f in figures if f.value is not None]


def _path(points: Sequence[Point | None]) -> str:
    """An SVG path through the points; a None breaks the line (a missing value is a gap)."""
    parts: list[str] = []
    pen_down = False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{point.x} {point.y}")
        pen_down = True
    return " ".join(parts)


# --- Sparkline --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sparkline:
    width: int
    height: int
    path: str
    points: tuple[Point, ...]
    last: Point | None
    target_y: float | None
    single: bool  # one point only: drawn as a dot, there is no line to draw
    summary: str  # every value in order, for the tooltip: "2026-10: 18 · 2026-11: 16"
    text: str  # the same trend in block characters, for the email and plain text

    @property
    def empty(self) -> bool:
        return not self.points


def sparkline(
    figures: Sequence[Figure],
    labels: Sequence[str],
    *,
    width: int = 120,
    height: int = 32,
    target: Decimal | None = None,
) -> Sparkline:
    pad = 3.0
    values = _values(figures)
    if target is not None:
        values.append(float(target))
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    scale = Scale(lo, hi, pad, height - pad)
    n = len(figures)
    step = (width - 2 * pad) / (n - 1) if n > 1 else 0.0
    slots: list[Point | None] = []
    for i, (figure, label) in enumerate(zip(figures, labels, strict=True)):
        if figure.value is None:
            slots.append(None)
            continue
        x = _f(pad + i * step) if n > 1 else width / 2
        slots.append(Point(x, scale.y(float(figure.value)), label, figure))
    points = tuple(p for p in slots if p is not None)
    return Sparkline(
        width=width,
        height=height,
        path=_path(slots),
        points=points,
        last=slots[-1] if slots else None,
        target_y=scale.y(float(target)) if target is not None else None,
        single=len(points) == 1,
        summary=" · ".join(
            f"{label}: {format_value(f.value, f.unit)}"
            for f, label in zip(figures, labels, strict=True)
        ),
        text=spark_text(figures),
    )


_BLOCKS = "▁▂▃▄▅▆▇█"


def spark_text(figures: Sequence[Figure]) -> str:
    """A trend in block characters ("▂▃▅█"), a gap ("·") for a missing value."""
    values = [None if f.value is None else float(f.value) for f in figures]
    present = [v for v in values if v is not None]
    if not present:
        return ""
    lo, hi = min(present), max(present)
    top = len(_BLOCKS) - 1
    if hi == lo:
        return "".join("·" if v is None else _BLOCKS[top // 2] for v in values)
    scale = (top + 0.999) / (hi - lo)
    return "".join("·" if v is None else _BLOCKS[int((v - lo) * scale)] for v in values)


# --- Line chart with axes ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    css: str  # a class the stylesheet colours
    path: str
    points: tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class PlotFrame:
    """The drawing area of a chart with axes, and where its axis labels go."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float

    @property
    def label_x(self) -> float:
        return self.left - 8

    @property
    def x_label_y(self) -> float:
        return self.bottom + 18


@dataclass(frozen=True, slots=True)
class LineChart(PlotFrame):
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    series: tuple[Series, ...]
    zero_y: float | None
    target_y: float | None
    target_label: str

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[Figure]]],
    *,
    unit: str = "",
    width: int = 640,
    height: int = 220,
    target: Decimal | None = None,
) -> LineChart:
    left, right, top, bottom = 64.0, width - 16.0, 12.0, height - 28.0
    values = [v for _, _, figures in series for v in _values(figures)]
    if target is not None:
        values.append(float(target))
    ticks = nice_ticks(min(values), max(values)) if values else [0.0, 1.0]
    scale = Scale(ticks[0], ticks[-1], top, bottom)
    n = len(labels)
    step = (right - left) / (n - 1) if n > 1 else 0.0

    def x(i: int) -> float:
        return _f(left + i * step) if n > 1 else _f((left + right) / 2)

    drawn = []
    for name, css, figures in series:
        slots: list[Point | None] = [
            None if f.value is None else Point(x(i), scale.y(float(f.value)), labels[i], f)
            for i, f in enumerate(figures)
        ]
        drawn.append(Series(name, css, _path(slots), tuple(p for p in slots if p)))
    # As many labels along the bottom as fit, ~64 px each ("Nov 2026").
    every = max(1, math.ceil(n / max(2, int((right - left) // 64))))
    return LineChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        x_ticks=tuple(Tick(x(i), label) for i, label in enumerate(labels) if i % every == 0),
        y_ticks=tuple(Tick(scale.y(t), compact_value(Decimal(str(t)), unit)) for t in ticks),
        series=tuple(drawn),
        zero_y=scale.y(0.0) if ticks[0] < 0 < ticks[-1] else None,
        target_y=scale.y(float(target)) if target is not None else None,
        target_label=format_value(target, unit) if target is not None else "",
    )


# --- Grouped bars -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    css: str
    name: str
    point: Point


@dataclass(frozen=True, slots=True)
class BarGroup:
    label: str
    x: float  # centre
    bars: tuple[Bar, ...]
    missing: tuple[str, ...]  # series with no value here: named, never drawn as zero
    figures: tuple[Figure, ...]  # every series' figure, in order: the email's table row
    labelled: bool = True  # its label is drawn (some are skipped so that labels do not collide)


@dataclass(frozen=True, slots=True)
class BarChart(PlotFrame):
    y_ticks: tuple[Tick, ...]
    groups: tuple[BarGroup, ...]
    zero_y: float
    legend: tuple[tuple[str, str], ...]

    @property
    def empty(self) -> bool:
        return not any(g.bars for g in self.groups)


def grouped_bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[Figure]]],
    *,
    unit: str = "",
    width: int = 640,
    height: int = 220,
) -> BarChart:
    left, right, top, bottom = 64.0, width - 12.0, 12.0, height - 28.0
    values = [v for _, _, figures in series for v in _values(figures)] + [0.0]
    ticks = nice_ticks(min(values), max(values))
    scale = Scale(ticks[0], ticks[-1], top, bottom)
    zero = scale.y(0.0)
    n = max(len(labels), 1)
    slot = (right - left) / n
    bar_w = _f(min(28.0, slot * 0.8 / max(len(series), 1)))
    groups = []
    every = max(1, math.ceil(n / max(2, int((right - left) // 64))))  # ~64 px per label
    for i, label in enumerate(labels):
        centre = _f(left + slot * (i + 0.5))
        start = centre - bar_w * len(series) / 2
        bars, missing = [], []
        for j, (name, css, figures) in enumerate(series):
            figure = figures[i]
            if figure.value is None:
                missing.append(name)
                continue
            y = scale.y(float(figure.value))
            bars.append(
                Bar(
                    x=_f(start + j * bar_w),
                    y=min(y, zero),
                    w=_f(bar_w - 2),
                    h=_f(max(abs(zero - y), 0.5)),
                    css=css,
                    name=name,
                    point=Point(centre, y, label, figure),
                )
            )
        figures = tuple(series_figures[i] for _, _, series_figures in series)
        groups.append(BarGroup(label, centre, tuple(bars), tuple(missing), figures, i % every == 0))
    return BarChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        y_ticks=tuple(Tick(scale.y(t), compact_value(Decimal(str(t)), unit)) for t in ticks),
        groups=tuple(groups),
        zero_y=zero,
        legend=tuple((name, css) for name, css, _ in series),
    )


# --- Stacked horizontal bars (receivables aging) ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Segment:
    x: float
    w: float
    css: str
    name: str
    figure: Figure

    @property
    def title(self) -> str:
        return f"{self.name}: {format_value(self.figure.value, self.figure.unit)}"


@dataclass(frozen=True, slots=True)
class StackedRow:
    label: str
    y: float
    text_y: float  # baseline of the row's label and total, centred on the bar
    segments: tuple[Segment, ...]
    total: Figure


@dataclass(frozen=True, slots=True)
class StackedChart:
    width: int
    height: int
    label_width: float
    bar_height: float
    rows: tuple[StackedRow, ...]
    legend: tuple[tuple[str, str], ...]

    @property
    def empty(self) -> bool:
        return not any(r.segments for r in self.rows)

    @property
    def total_x(self) -> float:
        return self.width - 84.0

    @property
    def label_x(self) -> float:
        return self.label_width - 8


@dataclass(slots=True)
class StackInput:
    label: str
    parts: list[tuple[str, str, Figure]] = field(default_factory=list)  # name, css, figure


def stacked_rows(
    rows: Sequence[StackInput],
    *,
    unit: str,
    legend: Sequence[tuple[str, str]],
    width: int = 640,
    label_width: float = 180.0,
    bar_height: float = 18.0,
) -> StackedChart:
    """One bar per row, split into its parts, all on one scale (the largest row fills it).
    Only positive amounts are stacked: a negative receivable is a credit, shown in the table."""
    totals = [
        sum((p[2].value for p in r.parts if p[2].value and p[2].value > 0), Decimal(0))
        for r in rows
    ]
    biggest = float(max(totals, default=Decimal(0))) or 1.0
    span = width - label_width - 90.0  # room on the right for the total
    drawn = []
    for i, (row, total) in enumerate(zip(rows, totals, strict=True)):
        x = label_width
        segments = []
        for name, css, figure in row.parts:
            if figure.value is None or figure.value <= 0:
                continue
            w = float(figure.value) / biggest * span
            segments.append(Segment(_f(x), _f(max(w, 1.0)), css, name, figure))
            x += w
        y = _f(8 + i * (bar_height + 10))
        text_y = _f(y + bar_height / 2 + 4)
        drawn.append(StackedRow(row.label, y, text_y, tuple(segments), Figure(total, unit)))
    height = int(16 + len(rows) * (bar_height + 10))
    return StackedChart(width, height, label_width, bar_height, tuple(drawn), tuple(legend))
