"""The status people see at an instant, and which locations get a Join button."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from meetbot.domain.meeting_status import IN_PROGRESS, join_url, live_status

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
END = START + timedelta(hours=1)


@pytest.mark.parametrize(
    ("status", "now", "expected"),
    [
        ("scheduled", START - timedelta(seconds=1), "scheduled"),
        ("scheduled", START, IN_PROGRESS),
        ("held", START + timedelta(minutes=30), IN_PROGRESS),
        ("scheduled", END - timedelta(seconds=1), IN_PROGRESS),
        ("held", END, "held"),
        ("scheduled", END, "scheduled"),
        ("cancelled", START + timedelta(minutes=5), "cancelled"),
    ],
)
def test_in_progress_from_start_until_end(status: str, now: datetime, expected: str) -> None:
    assert live_status(status, START, END, now) == expected


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("https://meet.example.org/edge", "https://meet.example.org/edge"),
        ("  http://zoom.example/j/1?pwd=x ", "http://zoom.example/j/1?pwd=x"),
        ("HTTPS://Meet.Example.org/a", "HTTPS://Meet.Example.org/a"),
        ("javascript:alert(1)", None),
        ("Room 4, Building B", None),
        ("https://", None),
        ("https://meet.example.org/a b", None),
        ("ftp://files.example.org/", None),
        ("//meet.example.org/x", None),
        ("", None),
        (None, None),
        ("http://[::1", None),
    ],
)
def test_join_url_only_for_http_links(location: str | None, expected: str | None) -> None:
    assert join_url(location) == expected
