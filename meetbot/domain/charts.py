"""Server-rendered SVG charts (no JavaScript needed to read them).

``attendance_chart`` draws people present per meeting as stacked bars (returning
attendees below, first-timers on top), with an optional dashed quorum line, axis
labels, a <title> and a <desc> that states the figures for screen readers, and a
<title> on every bar. Every piece of text is XML-escaped. Colours come from classes
(static/css/attendance.css) so the chart follows the light/dark theme; the
presentation attributes on the elements are fallbacks for viewers without the CSS.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape as _xml_escape

__all__ = ["ChartPoint", "attendance_chart", "nice_ticks"]


@dataclass(frozen=True)
class ChartPoint:
    """One bar: a meeting's date, how many came and how many of those came first."""

    when: datetime
    present: int
    first_time: int = 0
    label: str = ""  # e.g. the meeting title, for the bar's tooltip


def _esc(text: object) -> str:
    return _xml_escape(str(text), {'"': "&quot;", "'": "&#39;"})


def nice_ticks(maximum: int, count: int = 5) -> list[int]:
    """Round tick values from 0 to at least ``maximum`` (e.g. 0, 10, 20, ...)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next((m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw), 10 * magnitude)
    step = max(1, int(step))
    top = step * math.ceil(maximum / step)
    return list(range(0, top + 1, step))


@dataclass(frozen=True)
class _Plot:
    """The chart's geometry: the plotting area inside the margins and the y scale."""

    width: int
    height: int
    y_max: int
    left: int = 52
    right: int = 16
    top: int = 56
    bottom: int = 64

    @property
    def plot_w(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> int:
        return self.height - self.top - self.bottom

    def y(self, value: float) -> float:
        return self.top + self.plot_h - self.plot_h * value / self.y_max


def attendance_chart(
    points: Sequence[ChartPoint],
    *,
    title: str,
    quorum: int | None = None,
    width: int = 720,
    height: int = 300,
    chart_id: str = "attendance-chart",
) -> str:
    """The SVG markup of the chart (a complete <svg> element)."""
    maximum = max([p.present for p in points] + [quorum or 0, 1])
    ticks = nice_ticks(maximum)
    plot = _Plot(width, height, ticks[-1])
    out = _heading(plot, title, _description(points, quorum), chart_id)
    out += _y_axis(plot, ticks)
    if points:
        out += _bars(plot, points)
    else:
        out.append(
            f'<text x="{plot.left + plot.plot_w / 2:.1f}" y="{plot.top + plot.plot_h / 2:.1f}" '
            f'text-anchor="middle" font-size="13" fill="currentColor">'
            "No attendance recorded yet</text>"
        )
    if quorum:
        out += _quorum_line(plot, quorum)
    out += _axes_and_legend(plot)
    out.append("</svg>")
    return "".join(out)


def _description(points: Sequence[ChartPoint], quorum: int | None) -> str:
    """The figures in words, for the <desc> that screen readers read."""
    if points:
        desc = (
            f"{len(points)} meetings from {points[0].when:%Y-%m-%d} to {points[-1].when:%Y-%m-%d}. "
            + " ".join(
                f"{p.when:%Y-%m-%d}: {p.present} present ({p.first_time} first-time)."
                for p in points
            )
        )
    else:
        desc = "No meetings with recorded attendance yet."
    if quorum:
        desc += f" Quorum: {quorum}."
    return desc


def _heading(plot: _Plot, title: str, desc: str, chart_id: str) -> list[str]:
    """The opening <svg> tag, its <title> and <desc>, and the visible title."""
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{_esc(chart_id)}" '
        f'viewBox="0 0 {plot.width} {plot.height}" width="100%" role="img" '
        f'aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{_esc(title)}</title>',
        f'<desc id="{desc_id}">{_esc(desc)}</desc>',
        f'<text class="chart-title" x="{plot.left}" y="18" font-size="14" font-weight="600" '
        f'fill="currentColor">{_esc(title)}</text>',
    ]


def _y_axis(plot: _Plot, ticks: list[int]) -> list[str]:
    """Grid lines, tick labels and both axis labels."""
    left, plot_w, plot_h, top = plot.left, plot.plot_w, plot.plot_h, plot.top
    out: list[str] = []
    for t in ticks:
        ty = plot.y(t)
        out.append(
            f'<line class="chart-grid" x1="{left}" x2="{left + plot_w}" y1="{ty:.1f}" '
            f'y2="{ty:.1f}" stroke="#ccc" stroke-width="1"/>'
        )
        out.append(
            f'<text class="chart-tick" x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="currentColor">{t}</text>'
        )
    out.append(
        f'<text class="chart-axis-label" transform="translate(14 {top + plot_h / 2:.1f}) '
        f'rotate(-90)" text-anchor="middle" font-size="12" fill="currentColor">'
        "People present</text>"
    )
    out.append(
        f'<text class="chart-axis-label" x="{left + plot_w / 2:.1f}" y="{plot.height - 6}" '
        f'text-anchor="middle" font-size="12" fill="currentColor">Meeting date</text>'
    )
    return out


def _bars(plot: _Plot, points: Sequence[ChartPoint]) -> list[str]:
    """One stacked bar per meeting, and a date label under every few of them."""
    n = len(points)
    slot = plot.plot_w / n
    bar = max(2.0, min(40.0, slot * 0.7))
    label_every = max(1, math.ceil(n / 10))
    out: list[str] = []
    for i, p in enumerate(points):
        x = plot.left + slot * i + (slot - bar) / 2
        out += _bar(plot, p, x, bar)
        if i % label_every == 0:
            new_year = i == 0 or points[i - label_every].when.year != p.when.year
            out += _date_label(plot, p.when, x + bar / 2, new_year)
    return out


def _bar(plot: _Plot, p: ChartPoint, x: float, bar: float) -> list[str]:
    """Returning attendees below, first-timers on top, the count above, a tooltip."""
    y = plot.y
    returning = max(0, p.present - p.first_time)
    tip = f"{p.when:%Y-%m-%d}"
    if p.label:
        tip += f" {p.label}"
    tip += f": {p.present} present, {p.first_time} first-time, {returning} returning"
    out = [f'<g class="chart-bar" data-present="{p.present}"><title>{_esc(tip)}</title>']
    if returning:
        out.append(
            f'<rect class="bar-returning" x="{x:.1f}" y="{y(returning):.1f}" '
            f'width="{bar:.1f}" height="{y(0) - y(returning):.1f}" fill="#1f5fbf"/>'
        )
    if p.first_time:
        out.append(
            f'<rect class="bar-first" x="{x:.1f}" y="{y(p.present):.1f}" '
            f'width="{bar:.1f}" height="{y(returning) - y(p.present):.1f}" fill="#f0a030"/>'
        )
    out.append(
        f'<text class="chart-value" x="{x + bar / 2:.1f}" y="{y(p.present) - 4:.1f}" '
        f'text-anchor="middle" font-size="10" fill="currentColor">{p.present}</text>'
    )
    out.append("</g>")
    return out


def _date_label(plot: _Plot, when: datetime, lx: float, with_year: bool) -> list[str]:
    ly = plot.top + plot.plot_h + 16
    out = [
        f'<text class="chart-tick" x="{lx:.1f}" y="{ly}" text-anchor="middle" '
        f'font-size="11" fill="currentColor">{when:%d %b}</text>'
    ]
    if with_year:
        out.append(
            f'<text class="chart-tick" x="{lx:.1f}" y="{ly + 13}" '
            f'text-anchor="middle" font-size="10" fill="currentColor">'
            f"{when:%Y}</text>"
        )
    return out


def _quorum_line(plot: _Plot, quorum: int) -> list[str]:
    qy = plot.y(quorum)
    return [
        f'<line class="chart-quorum" x1="{plot.left}" x2="{plot.left + plot.plot_w}" '
        f'y1="{qy:.1f}" y2="{qy:.1f}" stroke="#b3261e" stroke-width="1.5" '
        'stroke-dasharray="6 4"/>',
        f'<text class="chart-quorum-label" x="{plot.left + plot.plot_w}" y="{qy - 4:.1f}" '
        f'text-anchor="end" font-size="11" fill="#b3261e">quorum {quorum}</text>',
    ]


def _axes_and_legend(plot: _Plot) -> list[str]:
    left, top, plot_w, plot_h = plot.left, plot.top, plot.plot_w, plot.plot_h
    # The legend sits on its own line under the title, so long titles never cover it.
    lx = left
    return [
        f'<line class="chart-axis" x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" '
        f'stroke="currentColor"/>'
        f'<line class="chart-axis" x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" '
        f'y2="{top + plot_h}" stroke="currentColor"/>',
        f'<g class="chart-legend" font-size="11">'
        f'<rect class="bar-returning" x="{lx}" y="30" width="10" height="10" fill="#1f5fbf"/>'
        f'<text x="{lx + 14}" y="39" fill="currentColor">returning</text>'
        f'<rect class="bar-first" x="{lx + 90}" y="30" width="10" height="10" fill="#f0a030"/>'
        f'<text x="{lx + 104}" y="39" fill="currentColor">first-time</text></g>',
    ]
