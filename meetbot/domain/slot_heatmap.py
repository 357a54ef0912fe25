"""The slot finder's heatmap: coverage by weekday and time as server-side SVG.

Seven rows (Monday first) of 48 half-hour cells. Each cell has a class ``heat-0`` ..
``heat-5`` (static/css/slot-finder.css colours them from the theme's accent and
background, so the map follows the light/dark theme; the ``fill`` attributes are
fallbacks) and a <title> with its figure; the SVG has a <title> and a <desc> naming
the best cell. The page puts the same figures in a table for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape as _xml_escape

__all__ = ["WEEKDAYS", "bucket", "coverage_heatmap"]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FALLBACK = ("#f3f5f9", "#dbe6f7", "#b3cbef", "#83a9e3", "#4f82cf", "#1a56b0")
CELL_W, CELL_H, LEFT, TOP = 14, 22, 44, 22
STEPS = 48


def _esc(text: object) -> str:
    return _xml_escape(str(text), {'"': "&quot;", "'": "&#39;"})


def bucket(coverage: float) -> int:
    """0 for nobody, else 1..5 by fifths of coverage (5 = at least 80 %)."""
    if coverage <= 0:
        return 0
    return min(5, 1 + int(coverage * 5))


def _hhmm(step: int) -> str:
    return f"{step // 2:02d}:{30 * (step % 2):02d}"


def coverage_heatmap(coverage: Sequence[float], *, title: str, zone: str) -> str:
    """The SVG for 336 coverage values (weekday-major, half-hour steps, 0..1)."""
    if len(coverage) != 7 * STEPS:
        raise ValueError("coverage needs 7 x 48 values")
    width, height = LEFT + STEPS * CELL_W + 4, TOP + 7 * CELL_H + 4
    best = max(range(len(coverage)), key=lambda i: (coverage[i], -i))
    desc = (
        f"Coverage of each weekly start time, {zone}. Best: {WEEKDAYS[best // STEPS]} "
        f"{_hhmm(best % STEPS)} ({round(100 * coverage[best])}%). The table below has every value."
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="heatmap-title heatmap-desc">',
        f'<title id="heatmap-title">{_esc(title)}</title>',
        f'<desc id="heatmap-desc">{_esc(desc)}</desc>',
    ]
    for hour in range(0, 24, 3):
        x = LEFT + hour * 2 * CELL_W
        out.append(
            f'<text class="heat-label" x="{x}" y="{TOP - 6}" font-size="11" '
            f'fill="currentColor">{hour:02d}</text>'
        )
    for day in range(7):
        y = TOP + day * CELL_H
        out.append(
            f'<text class="heat-label" x="0" y="{y + CELL_H - 7}" font-size="11" '
            f'fill="currentColor">{WEEKDAYS[day][:3]}</text>'
        )
        for step in range(STEPS):
            value = coverage[day * STEPS + step]
            level = bucket(value)
            out.append(
                f'<rect class="heat-{level}" x="{LEFT + step * CELL_W}" y="{y}" '
                f'width="{CELL_W - 1}" height="{CELL_H - 1}" fill="{_FALLBACK[level]}" '
                f'data-slot="{day}-{_hhmm(step)}"><title>{WEEKDAYS[day]} {_hhmm(step)}: '
                f"{round(100 * value)}%</title></rect>"
            )
    out.append("</svg>")
    return "\n".join(out)
