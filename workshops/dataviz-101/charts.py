"""Small SVG charting helpers for the Data Visualisation 101 labs, in pure Python.

Lab 1 builds these ideas step by step; labs 2 and 3 import them from here. An `Svg` object
displays itself in Jupyter, because it has a `_repr_svg_` method.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
"""The Okabe-Ito colours, distinguishable by most people with colour-vision deficiencies."""


def linear_scale(
    domain: tuple[float, float], output: tuple[float, float]
) -> Callable[[float], float]:
    """Map the data interval `domain` onto the pixel interval `output`, proportionally."""
    (d0, d1), (r0, r1) = domain, output
    span = (d1 - d0) or 1.0

    def scale(value: float) -> float:
        return r0 + (value - d0) / span * (r1 - r0)

    return scale


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round tick values (multiples of 1, 2 or 5 times a power of ten)."""
    if high <= low:
        high = low + 1
    raw_step = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


class Svg:
    """An SVG picture built element by element."""

    def __init__(self, width: int = 480, height: int = 300) -> None:
        self.width = width
        self.height = height
        self.elements: list[str] = []

    def add(self, tag: str, text: str = "", **attributes: object) -> Svg:
        attrs = " ".join(
            f'{name.rstrip("_").replace("_", "-")}="{escape(str(value))}"'
            for name, value in attributes.items()
        )
        self.elements.append(f"<{tag} {attrs}>{escape(text)}</{tag}>")
        return self

    def rect(self, x: float, y: float, width: float, height: float, **style: object) -> Svg:
        return self.add(
            "rect",
            x=round(x, 2),
            y=round(y, 2),
            width=round(width, 2),
            height=round(height, 2),
            **style,
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, **style: object) -> Svg:
        style.setdefault("stroke", "#444")
        return self.add(
            "line", x1=round(x1, 2), y1=round(y1, 2), x2=round(x2, 2), y2=round(y2, 2), **style
        )

    def circle(self, cx: float, cy: float, r: float, **style: object) -> Svg:
        return self.add("circle", cx=round(cx, 2), cy=round(cy, 2), r=r, **style)

    def polyline(self, points: Sequence[tuple[float, float]], **style: object) -> Svg:
        style.setdefault("fill", "none")
        coords = " ".join(f"{x:.2f},{y:.2f}" for x, y in points)
        return self.add("polyline", points=coords, **style)

    def text(self, x: float, y: float, text: str, **style: object) -> Svg:
        style.setdefault("font_size", 12)
        style.setdefault("font_family", "sans-serif")
        return self.add("text", text, x=round(x, 2), y=round(y, 2), **style)

    def to_string(self) -> str:
        body = "".join(self.elements)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" '
            f'height="{self.height}" viewBox="0 0 {self.width} {self.height}">'
            f'<rect width="100%" height="100%" fill="white"/>{body}</svg>'
        )

    def _repr_svg_(self) -> str:
        return self.to_string()

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_string())


class Frame:
    """A plotting area with margins, x and y scales, axes and a title."""

    def __init__(
        self,
        svg: Svg,
        x_domain: tuple[float, float],
        y_domain: tuple[float, float],
        margin: tuple[int, int, int, int] = (40, 20, 40, 55),
    ) -> None:
        top, right, bottom, left = margin
        self.svg = svg
        self.left, self.right = left, svg.width - right
        self.top, self.bottom = top, svg.height - bottom
        self.x = linear_scale(x_domain, (self.left, self.right))
        self.y = linear_scale(y_domain, (self.bottom, self.top))

    def title(self, text: str) -> None:
        self.svg.text(self.left, 22, text, font_size=15, font_weight="bold")

    def y_axis(self, ticks: Sequence[float], label: str = "", grid: bool = True) -> None:
        for tick in ticks:
            y = self.y(tick)
            if grid:
                self.svg.line(self.left, y, self.right, y, stroke="#ddd")
            self.svg.text(self.left - 6, y + 4, f"{tick:g}", text_anchor="end", font_size=11)
        if label:
            self.svg.text(
                12,
                (self.top + self.bottom) / 2,
                label,
                font_size=11,
                text_anchor="middle",
                transform=f"rotate(-90 12 {(self.top + self.bottom) / 2})",
            )

    def x_axis(
        self, ticks: Sequence[float], labels: Sequence[str] | None = None, label: str = ""
    ) -> None:
        self.svg.line(self.left, self.bottom, self.right, self.bottom)
        for i, tick in enumerate(ticks):
            text = labels[i] if labels is not None else f"{tick:g}"
            self.svg.text(self.x(tick), self.bottom + 16, text, text_anchor="middle", font_size=11)
        if label:
            self.svg.text(
                (self.left + self.right) / 2,
                self.svg.height - 6,
                label,
                text_anchor="middle",
                font_size=11,
            )


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    title: str = "",
    width: int = 480,
    height: int = 300,
    color: str = PALETTE[0],
) -> Svg:
    """Vertical bars starting at zero, one per label."""
    svg = Svg(width, height)
    ticks = nice_ticks(min(0, *values), max(0, *values))
    frame = Frame(svg, (0, len(values)), (ticks[0], ticks[-1]))
    frame.title(title)
    frame.y_axis(ticks)
    slot = (frame.right - frame.left) / len(values)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        top, zero = frame.y(max(value, 0)), frame.y(0)
        bottom = frame.y(min(value, 0))
        svg.rect(frame.left + i * slot + slot * 0.15, top, slot * 0.7, bottom - top, fill=color)
        svg.text(
            frame.left + (i + 0.5) * slot,
            frame.bottom + 16,
            label,
            text_anchor="middle",
            font_size=11,
        )
        svg.line(frame.left, zero, frame.right, zero)
    return svg


def line_chart(
    x: Sequence[float],
    series: dict[str, Sequence[float]],
    title: str = "",
    x_labels: Sequence[str] | None = None,
    y_label: str = "",
    width: int = 520,
    height: int = 300,
) -> Svg:
    """One line per series, with a legend written at the end of each line."""
    svg = Svg(width, height)
    all_values = [v for values in series.values() for v in values]
    ticks = nice_ticks(min(all_values), max(all_values))
    frame = Frame(svg, (min(x), max(x)), (ticks[0], ticks[-1]), margin=(40, 90, 40, 55))
    frame.title(title)
    frame.y_axis(ticks, y_label)
    frame.x_axis(list(x), x_labels)
    for color, (name, values) in zip(PALETTE, series.items(), strict=False):
        points = [(frame.x(a), frame.y(b)) for a, b in zip(x, values, strict=True)]
        svg.polyline(points, stroke=color, stroke_width=2.5)
        svg.text(points[-1][0] + 6, points[-1][1] + 4, name, fill=color, font_size=12)
    return svg


def scatter(
    xs: Sequence[float],
    ys: Sequence[float],
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    colors: Sequence[str] | None = None,
    width: int = 480,
    height: int = 320,
) -> Svg:
    """One dot per (x, y) pair."""
    svg = Svg(width, height)
    x_ticks, y_ticks = nice_ticks(min(xs), max(xs)), nice_ticks(min(ys), max(ys))
    frame = Frame(svg, (x_ticks[0], x_ticks[-1]), (y_ticks[0], y_ticks[-1]))
    frame.title(title)
    frame.y_axis(y_ticks, y_label)
    frame.x_axis(x_ticks, label=x_label)
    for i, (a, b) in enumerate(zip(xs, ys, strict=True)):
        color = colors[i] if colors is not None else PALETTE[0]
        svg.circle(frame.x(a), frame.y(b), 3.5, fill=color, fill_opacity=0.7)
    return svg
