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

from collections.abc import Hashable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import datetime

from meetbot.domain.ical.components import series_components, single_component, todo_component
from meetbot.domain.ical.items import SeriesEvent, SingleEvent, TodoItem
from meetbot.domain.ical.values import Context, clean_uid

SortKey = tuple[str, str, str]


@dataclass(frozen=True, eq=False)
class Fragment:
    """Serialized components and what building them noted.

    The components' bytes are held once, joined in ``body`` (the bytes stored and
    spliced), with each one's sort key and end offset: no per-component bytes objects
    outlive the build, and storing or splicing the fragment copies nothing (memory of a
    render does not grow with the copies of its history, issue 19)."""

    keys: tuple[SortKey, ...]
    ends: tuple[int, ...]
    body: bytes
    tzids: frozenset[str]
    recurring_utc: bool
    utc_times: tuple[datetime, ...]

    @classmethod
    def of_parts(
        cls,
        parts: Iterable[tuple[SortKey, bytes]],
        tzids: frozenset[str],
        recurring_utc: bool,
        utc_times: tuple[datetime, ...],
    ) -> Fragment:
        """The fragment of (sort key, bytes) parts: sorted by key, their bytes joined
        once."""
        keys: list[SortKey] = []
        ends: list[int] = []
        chunks: list[bytes] = []
        offset = 0
        for key, part in sorted(parts, key=lambda pair: pair[0]):
            keys.append(key)
            chunks.append(part)
            offset += len(part)
            ends.append(offset)
        return cls(tuple(keys), tuple(ends), b"".join(chunks), tzids, recurring_utc, utc_times)

    def spans(self) -> Iterator[tuple[SortKey, int, int]]:
        """(sort key, start, end) of each component in ``body``, in sort-key order."""
        return zip(self.keys, (0, *self.ends), self.ends, strict=False)

    @property
    def parts(self) -> list[tuple[SortKey, memoryview]]:
        """(sort key, a view of its bytes in ``body``) of each component, in order."""
        view = memoryview(self.body)
        starts = (0, *self.ends)[: len(self.ends)]
        return [(k, view[a:b]) for k, a, b in zip(self.keys, starts, self.ends, strict=True)]

    @property
    def size(self) -> int:
        return len(self.body)

    def to_record(self) -> tuple[dict, bytes]:
        """A JSON-able description and the bytes (``body`` itself), for storing it."""
        starts = (0, *self.ends)[: len(self.ends)]
        meta = {
            "index": [[*k, b - a] for k, a, b in zip(self.keys, starts, self.ends, strict=True)],
            "tzids": sorted(self.tzids),
            "recurring_utc": self.recurring_utc,
            "utc_times": [t.isoformat() for t in self.utc_times],
        }
        return meta, self.body

    @classmethod
    def from_record(cls, meta: dict, body: bytes) -> Fragment:
        """The fragment :meth:`to_record` described (ValueError if they disagree); it
        keeps ``body`` itself."""
        keys: list[SortKey] = []
        ends: list[int] = []
        offset = 0
        for uid, recurrence, kind, length in meta["index"]:
            keys.append((uid, recurrence, kind))
            offset += length
            ends.append(offset)
        if offset != len(body):
            raise ValueError("fragment index does not match its bytes")
        if any(a > b for a, b in zip(keys, keys[1:], strict=False)):  # an unsorted record
            view = memoryview(body)
            starts = (0, *ends[:-1])
            return cls.of_parts(
                [(k, bytes(view[a:b])) for k, a, b in zip(keys, starts, ends, strict=True)],
                frozenset(meta["tzids"]),
                bool(meta["recurring_utc"]),
                tuple(datetime.fromisoformat(t) for t in meta["utc_times"]),
            )
        return cls(
            tuple(keys),
            tuple(ends),
            body,
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
    return Fragment.of_parts(parts, frozenset(ctx.tzids), ctx.recurring_utc, tuple(ctx.utc_times))


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
