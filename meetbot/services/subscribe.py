"""Subscribe links for calendar feeds: https, webcal://, Google Calendar and Outlook.

Pure string building (no Flask), so every page and e-mail builds them the same way.
Feed paths are part of the public interface (docs/feeds.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit, urlunsplit


@dataclass(frozen=True)
class SubscribeLinks:
    """The ways to subscribe to one feed."""

    https: str  # the feed itself (what you paste into any client)
    webcal: str  # opens the system's calendar app (Apple Calendar, Thunderbird, Outlook)
    google: str  # Google Calendar "add by URL"
    outlook: str  # Outlook.com "add from web"


def group_feed_path(group_slug: str) -> str:
    return f"/groups/{quote(group_slug)}/calendar.ics"


def stream_feed_path(group_slug: str, stream_slug: str) -> str:
    return f"/groups/{quote(group_slug)}/streams/{quote(stream_slug)}/calendar.ics"


def series_feed_path(series_id: int) -> str:
    return f"/series/{int(series_id)}/calendar.ics"


def meeting_feed_path(meeting_id: int) -> str:
    return f"/meetings/{int(meeting_id)}/calendar.ics"


def webcal_url(url: str) -> str:
    """The same URL with the webcal:// scheme (calendar apps subscribe on a click)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return urlunsplit(("webcal", *parts[1:]))


def subscribe_links(base_url: str, path: str, name: str) -> SubscribeLinks:
    """Links for the feed at ``base_url`` + ``path``, labelled ``name`` where supported.

    Google Calendar takes the webcal:// form in its ``cid`` parameter; Outlook.com takes
    the https URL and a display name.
    """
    feed = base_url.rstrip("/") + path
    webcal = webcal_url(feed)
    return SubscribeLinks(
        https=feed,
        webcal=webcal,
        google="https://calendar.google.com/calendar/r?" + urlencode({"cid": webcal}),
        outlook="https://outlook.live.com/calendar/0/addfromweb?"
        + urlencode({"url": feed, "name": name}),
    )
