"""The server-side SVG chart: well-formed XML, escaped text, accessible names."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree

from meetbot.domain.charts import ChartPoint, attendance_chart, nice_ticks

NS = {"svg": "http://www.w3.org/2000/svg"}


def _points(n: int) -> list[ChartPoint]:
    return [
        ChartPoint(datetime(2026, 1, 1 + i), present=10 + i, first_time=i % 3) for i in range(n)
    ]


def test_chart_is_well_formed_with_title_desc_and_one_bar_per_meeting() -> None:
    svg = attendance_chart(_points(5), title="People present", quorum=12)
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find("svg:title", NS).text == "People present"
    desc = root.find("svg:desc", NS).text
    assert "2026-01-03: 12 present (2 first-time)." in desc and "Quorum: 12." in desc
    bars = root.findall("svg:g[@class='chart-bar']", NS)
    assert [b.get("data-present") for b in bars] == ["10", "11", "12", "13", "14"]
    assert all(b.find("svg:title", NS) is not None for b in bars)
    assert root.find("svg:line[@class='chart-quorum']", NS) is not None


def test_bar_heights_are_proportional() -> None:
    points = [ChartPoint(datetime(2026, 1, 1), 20, 0), ChartPoint(datetime(2026, 1, 8), 10, 0)]
    root = ElementTree.fromstring(attendance_chart(points, title="t"))
    heights = [
        float(r.get("height"))
        for r in root.iter("{http://www.w3.org/2000/svg}rect")
        if r.get("class") == "bar-returning" and r.get("width") != "10"
    ]
    assert abs(heights[0] - 2 * heights[1]) < 0.2


def test_text_is_escaped() -> None:
    evil = '<script>alert("x")</script> & </svg>'
    svg = attendance_chart(
        [ChartPoint(datetime(2026, 1, 1), 3, 1, label=evil)], title=evil, chart_id="c"
    )
    assert "<script>" not in svg and "</svg> &" not in svg
    root = ElementTree.fromstring(svg)  # still well-formed
    assert root.find("svg:title", NS).text == evil


def test_empty_chart_says_so() -> None:
    svg = attendance_chart([], title="None yet")
    assert "No attendance recorded yet" in svg
    ElementTree.fromstring(svg)


def test_nice_ticks() -> None:
    assert nice_ticks(45) == [0, 10, 20, 30, 40, 50]
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(100)[-1] >= 100
