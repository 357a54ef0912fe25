"""The group's upcoming meetings page lists them a page at a time, in order, with the
total and previous/next links that keep the chosen number of weeks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from meetbot.services.occurrences import group_occurrences
from meetbot.web import series as series_views

NOW = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)


def _times(html: str) -> list[str]:
    """The instants of the listed occurrences, in page order."""
    section = html.split('<ul class="occurrences">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<time datetime="([^"]+)"', section)


def test_upcoming_pages_cover_every_meeting_in_order(
    client, create_group, create_series, monkeypatch, time_machine
) -> None:
    time_machine.move_to(NOW, tick=False)
    monkeypatch.setattr(series_views, "UPCOMING_PAGE_SIZE", 5)
    group = create_group("edge")
    for hour in (9, 11, 13):
        create_series(group, start=datetime(2026, 1, 5, hour, 0))  # Mondays
    expected = group_occurrences(group, NOW, NOW + timedelta(weeks=4), "x")
    assert len(expected) == 12  # three series, four Mondays

    pages = [
        client.get(f"/groups/edge/upcoming?page={n}").get_data(as_text=True) for n in (1, 2, 3)
    ]

    listed = [t for html in pages for t in _times(html)]
    assert len(listed) == 12 and [len(_times(html)) for html in pages] == [5, 5, 2]
    assert [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in listed] == [
        o.start for o in expected
    ]
    assert "12 meetings · page 1 of 3" in pages[0]
    assert 'rel="next" href="/groups/edge/upcoming?weeks=4&amp;page=2"' in pages[0]
    assert 'rel="prev"' not in pages[0]
    assert 'rel="prev" href="/groups/edge/upcoming?weeks=4&amp;page=2"' in pages[2]
    assert 'rel="next"' not in pages[2]
    # The weeks are kept; pages out of range show the nearest one.
    two_weeks = client.get("/groups/edge/upcoming?weeks=2").get_data(as_text=True)
    assert "6 meetings · page 1 of 2" in two_weeks
    assert "upcoming?weeks=2&amp;page=2" in two_weeks
    assert _times(client.get("/groups/edge/upcoming?page=9").get_data(as_text=True)) == _times(
        pages[2]
    )


def test_short_list_has_no_pager(client, create_group, create_series, time_machine) -> None:
    time_machine.move_to(NOW, tick=False)
    group = create_group("edge")
    create_series(group, start=datetime(2026, 1, 5, 9, 0))
    html = client.get("/groups/edge/upcoming").get_data(as_text=True)
    assert len(_times(html)) == 4 and 'class="pager"' not in html
