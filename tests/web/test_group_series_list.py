"""The group page lists the first series by title with their total and a link to the
paged list of all of them (/groups/<slug>/series/)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from meetbot.extensions import db
from meetbot.models import Role
from meetbot.web import series as series_views


@pytest.fixture
def edge(create_group, create_user):
    return create_group("edge", name="Edge", members={create_user("Olga"): Role.ORGANIZER})


def _titles(html: str) -> list[str]:
    return re.findall(r'<a href="/series/\d+/">([^<]+)</a>', html)


def _side_panel(html: str) -> str:
    return html[html.index('class="panel series-panel"') :].split("</section>", 1)[0]


def test_group_page_shows_first_series_with_total_and_link(
    client, edge, create_series, monkeypatch
) -> None:
    monkeypatch.setattr(series_views, "GROUP_PAGE_SERIES", 3)
    for title in ("Echo", "Alpha", "Delta", "Bravo", "Charlie"):
        create_series(edge, title=title)

    panel = _side_panel(client.get("/groups/edge/").get_data(as_text=True))

    assert _titles(panel) == ["Alpha", "Bravo", "Charlie"]
    assert "Meeting series (5)" in panel
    assert 'href="/groups/edge/series/">All 5 series</a>' in panel


def test_group_page_lists_every_series_of_a_small_group_without_link(
    client, edge, create_series
) -> None:
    for title in ("B", "A"):
        create_series(edge, title=title)
    panel = _side_panel(client.get("/groups/edge/").get_data(as_text=True))
    assert _titles(panel) == ["A", "B"]
    assert "Meeting series (2)" in panel
    assert "/groups/edge/series/" not in panel


def test_series_list_pages_through_all_series(client, edge, create_series, monkeypatch) -> None:
    monkeypatch.setattr(series_views, "SERIES_PAGE_SIZE", 2)
    for n in range(5):
        create_series(edge, title=f"Series {n}")

    first = client.get("/groups/edge/series/").get_data(as_text=True)
    second = client.get("/groups/edge/series/?page=2").get_data(as_text=True)
    last = client.get("/groups/edge/series/?page=3").get_data(as_text=True)

    assert _titles(first) == ["Series 0", "Series 1"]
    assert _titles(second) == ["Series 2", "Series 3"]
    assert _titles(last) == ["Series 4"]
    assert "Meeting series (5)" in first and "page 1 of 3" in first
    assert 'rel="next" href="/groups/edge/series/?page=2"' in first
    assert 'rel="prev"' not in first
    assert 'rel="prev" href="/groups/edge/series/?page=2"' in last and 'rel="next"' not in last
    # Out-of-range and malformed pages fall back to the nearest real one.
    assert _titles(client.get("/groups/edge/series/?page=99").get_data(as_text=True)) == [
        "Series 4"
    ]
    assert _titles(client.get("/groups/edge/series/?page=x").get_data(as_text=True)) == [
        "Series 0",
        "Series 1",
    ]


def test_series_list_of_unknown_group_is_404(client) -> None:
    assert client.get("/groups/nope/series/").status_code == 404


def test_group_page_and_series_list_statements_do_not_grow(
    client, edge, create_series, create_work_stream, count_queries
) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            stream = create_work_stream(edge)
            slots = [{"start_local": datetime(2026, 1, 5 + d, 9, 0)} for d in range(2)]
            create_series(edge, work_streams=[stream], slots=slots)

    def count(url: str) -> int:
        client.get(url)
        db.session.remove()
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    add(2)
    few = {url: count(url) for url in ("/groups/edge/", "/groups/edge/series/")}
    add(25)
    many = {url: count(url) for url in ("/groups/edge/", "/groups/edge/series/")}
    assert many == few
