"""Pages of a group's occurrences in a window, in one total order, for the API.

A page is the first ``limit`` occurrences after a cursor: the sort key of the last
occurrence of the page before, ``(start, uid, recurrence_id)`` as fixed-width UTC
text. A client walks the whole window page by page, in order, and each page costs in
proportion to its size: the window is expanded from the cursor in growing spans (a week,
then four times longer each round) until one holds more than ``limit`` occurrences,
instead of expanding five years of a thousand series for every page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from meetbot.models import Group, WorkStream
from meetbot.services.occurrences import OccurrenceView, check_window, group_occurrences
from meetbot.services.paging import DEFAULT_LIMIT, MAX_LIMIT, page_of

# The limits and the pager are the ones every cursor-paged list shares (services.paging).
__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Key", "key_start", "occurrence_page", "sort_key"]

Key = tuple[str, str, str]
FIRST_SPAN = timedelta(days=7)
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _text(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime(_FORMAT) if value is not None else ""


def sort_key(o: OccurrenceView) -> Key:
    """The page order: start, then UID, then the original start (all UTC text, which
    sorts as the instants do for the years meetbot accepts)."""
    return (_text(o.start), o.uid, _text(o.recurrence_id))


def key_start(key: Key) -> datetime:
    """The instant a cursor's key starts at (ValueError when it is not one)."""
    return datetime.strptime(key[0], _FORMAT).replace(tzinfo=UTC)


def occurrence_page(
    group: Group,
    start: datetime,
    end: datetime,
    domain: str,
    *,
    after: Key | None,
    limit: int,
    work_stream: WorkStream | None = None,
) -> tuple[list[OccurrenceView], Key | None]:
    """The first ``limit`` occurrences overlapping [start, end) after ``after`` (in
    sort_key order), and the key to continue after (None: nothing more)."""
    check_window(start, end)
    begin = max(start, key_start(after)) if after is not None else start
    span = FIRST_SPAN
    while True:
        stop = min(begin + span, end)
        found = (
            []
            if begin >= end
            else group_occurrences(group, begin, stop, domain, work_stream=work_stream)
        )
        # Everything starting before ``stop`` is here; later ones sort after all of it.
        entries = sorted(((sort_key(o), o) for o in found), key=lambda e: e[0])
        items, last = page_of(entries, after, limit)
        if last is not None or stop >= end:
            return items, last
        span *= 4
