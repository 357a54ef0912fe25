"""Serialized components of a group of events, kept apart from any one feed.

A :class:`Fragment` is what building some events' components yields: their bytes
with each one's sort key, and what building them noted (TZIDs, UTC-form times).
Its bytes depend only on the events and the years the feed's VTIMEZONEs cover, so a
caller may store the fragment of each series (e.g. in a database shared by several
app servers) and :func:`assemble_calendar` a feed from stored and fresh fragments:
the same bytes as :func:`meetbot.domain.ical.build_calendar` of all the events.
The feed module (``feed``) assembles them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, MutableMapping
from dataclasses import dataclass
from datetime import datetime

from meetbot.domain.ical.components import series_components, single_component, todo_component
from meetbot.domain.ical.items import SeriesEvent, SingleEvent, TodoItem
from meetbot.domain.ical.values import Context, clean_uid

SortKey = tuple[str, str, str]


@dataclass(frozen=True)
class Fragment:
    """Serialized components (sort key, bytes) and what building them noted."""

    parts: tuple[tuple[SortKey, bytes], ...]
    tzids: frozenset[str]
    recurring_utc: bool
    utc_times: tuple[datetime, ...]

    @property
    def size(self) -> int:
        return sum(len(part) for _key, part in self.parts)

    def to_record(self) -> tuple[dict, bytes]:
        """A JSON-able description and the bytes, for storing the fragment."""
        meta = {
            "index": [[*key, len(part)] for key, part in self.parts],
            "tzids": sorted(self.tzids),
            "recurring_utc": self.recurring_utc,
            "utc_times": [t.isoformat() for t in self.utc_times],
        }
        return meta, b"".join(part for _key, part in self.parts)

    @classmethod
    def from_record(cls, meta: dict, body: bytes) -> Fragment:
        """The fragment :meth:`to_record` described (ValueError if they disagree)."""
        parts: list[tuple[SortKey, bytes]] = []
        offset = 0
        for uid, recurrence, kind, length in meta["index"]:
            parts.append(((uid, recurrence, kind), body[offset : offset + length]))
            offset += length
        if offset != len(body):
            raise ValueError("fragment index does not match its bytes")
        return cls(
            tuple(parts),
            frozenset(meta["tzids"]),
            bool(meta["recurring_utc"]),
            tuple(datetime.fromisoformat(t) for t in meta["utc_times"]),
        )


def build_fragment(
    events: Iterable[SeriesEvent | SingleEvent],
    years: tuple[int, int],
    cache: MutableMapping[Hashable, object] | None = None,
    todos: Iterable[TodoItem] = (),
) -> Fragment:
    """The components of ``events`` (and ``todos``) for VTIMEZONEs covering ``years``
    (``cache``: see build_calendar)."""
    ctx = Context(*years)
    parts: list[tuple[SortKey, bytes]] = []
    for item in events:
        parts.extend(event_parts(item, ctx, cache))
    for todo in todos:
        parts.append(((clean_uid(todo.uid), "", "VTODO"), todo_component(todo).to_ical()))
    return Fragment(tuple(parts), frozenset(ctx.tzids), ctx.recurring_utc, tuple(ctx.utc_times))


def event_parts(
    item: SeriesEvent | SingleEvent,
    ctx: Context,
    cache: MutableMapping[Hashable, object] | None,
) -> list[tuple[tuple[str, str, str], bytes]]:
    """The serialized components of one event, from ``cache`` when it holds them.

    What building them noted in the context (TZIDs used, UTC-form times) is cached
    with them and applied to ``ctx`` again on a hit.
    """
    if not isinstance(item, SeriesEvent | SingleEvent):
        raise TypeError(f"not an event: {item!r}")
    key: Hashable | None = None
    if cache is not None:
        key = (item, ctx.first_year, ctx.last_year)
        try:
            hit = cache.get(key)
        except TypeError:  # an unhashable field (e.g. a list): build it, do not cache
            key, hit = None, None
        if hit is not None:
            parts, tzids, recurring_utc, utc_times = hit  # type: ignore[misc]
            ctx.tzids.update(tzids)
            ctx.recurring_utc = ctx.recurring_utc or recurring_utc
            ctx.utc_times.extend(utc_times)
            return parts
    sub = Context(ctx.first_year, ctx.last_year, ctx.lines)
    if isinstance(item, SeriesEvent):
        built = series_components(item, sub)
    else:
        built = [single_component(item, sub)]
    parts = [(sort_key, component.to_ical()) for sort_key, component in built]
    ctx.tzids.update(sub.tzids)
    ctx.recurring_utc = ctx.recurring_utc or sub.recurring_utc
    ctx.utc_times.extend(sub.utc_times)
    if key is not None:
        cache[key] = (parts, frozenset(sub.tzids), sub.recurring_utc, tuple(sub.utc_times))
    return parts
