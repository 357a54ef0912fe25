"""A feed's layout (meetbot/domain/ical/layout.py) and ``assemble_feed`` reusing the
previous bytes: the series kept from them give the bytes of assembling afresh."""

from __future__ import annotations

import dataclasses
import tracemalloc
from array import array

import pytest

from meetbot.domain import ical
from meetbot.domain.ical.layout import Layout, Source
from tests.domain.test_ical import TODOS, series_fixture

NAME, ZONE = "Edge Computing Group", "Europe/Berlin"


def _feed(events, *, todos=TODOS):
    """Each event its own "series" (ids from 1), the to-dos the feed's own part."""
    years = ical.cover_years([ical.years_of(events, list(todos))])
    fragments = [ical.build_fragment([e], years) for e in events]
    owners = [(n + 1, f"digest-{n + 1}", ical.years_of([e])) for n, e in enumerate(events)]
    own = ical.build_fragment([], years, todos=todos)
    return years, fragments, owners, own


def _assemble(fragments, owners, own, years, previous=None, kept=()):
    return ical.assemble_feed(
        NAME, ZONE, [*fragments, own], [*owners, (ical.OWN, "", None)], years,
        previous=previous, kept=kept,
    )  # fmt: skip


def _stored(rendered) -> ical.PreviousFeed:
    """The previous feed as a new worker reads it: the layout through its encoding."""
    return ical.PreviousFeed(rendered.body, Layout.decode(rendered.layout.encode()))


def test_a_layout_describes_the_bytes_it_came_with() -> None:
    years, fragments, owners, own = _feed(series_fixture())
    rendered = _assemble(fragments, owners, own, years)
    assert rendered.body == ical.assemble_calendar(NAME, ZONE, [*fragments, own], years)
    layout = rendered.layout
    assert layout.fits(rendered.body) and (layout.years, layout.zone) == (years, ZONE)
    assert not layout.fits(b"X" + rendered.body)  # other bytes: its offsets miss
    assert not layout.fits(rendered.body[:-1])
    for key, start, end, owner in zip(
        layout.keys, layout.starts, layout.ends, layout.owners, strict=True
    ):
        component = rendered.body[start:end]
        assert component.startswith(f"BEGIN:{key[2]}\r\n".encode())
        assert f"UID:{key[0]}".encode() in component
        assert owner == ical.OWN if key[2] == "VTODO" else owner > 0
    assert Layout.decode(layout.encode()).__dict__ == layout.__dict__


def test_unchanged_series_from_the_previous_bytes_give_the_bytes_of_a_fresh_assembly() -> None:
    events = series_fixture()
    years, fragments, owners, own = _feed(events)
    first = _assemble(fragments, owners, own, years)
    everyone = set(range(1, len(events) + 1))

    # One series renamed: only its fragment is given, the others are kept.
    renamed = ical.build_fragment([dataclasses.replace(events[1], title="Renamed")], years)
    second = _assemble([renamed], [(2, "digest-2b", owners[1][2])], own, years,
                       _stored(first), everyone - {2})  # fmt: skip
    fresh = [*fragments[:1], renamed, *fragments[2:]]
    assert second.body == ical.assemble_calendar(NAME, ZONE, [*fresh, own], years)
    assert b"SUMMARY:Renamed" in second.body

    # Its layout serves the next render: all kept, nothing given, the same bytes.
    assert _assemble([], [], own, years, _stored(second), everyone).body == second.body


def test_a_series_left_out_leaves_the_feed_and_its_utc_calendar_with_it() -> None:
    """The first series is weekly in UTC: it puts the calendar in UTC; once it is
    neither kept nor given, the calendar's zone is the feed's own again."""
    events = series_fixture()
    years, fragments, owners, own = _feed(events)
    first = _assemble(fragments, owners, own, years)
    assert b"X-WR-TIMEZONE:UTC" in first.body
    rest = set(range(2, len(events) + 1))
    second = _assemble([], [], own, years, _stored(first), rest)
    assert second.body == ical.assemble_calendar(NAME, ZONE, [*fragments[1:], own], years)
    assert (
        b"X-WR-TIMEZONE:Europe/Berlin" in second.body and events[0].uid.encode() not in second.body
    )


def test_reuse_is_refused_for_other_years_or_another_zone_and_duplicates_are_caught() -> None:
    events = series_fixture()
    years, fragments, owners, own = _feed(events)
    previous = _stored(_assemble(fragments, owners, own, years))
    wider = (years[0] - 1, years[1])
    with pytest.raises(ValueError, match="other years or another zone"):
        _assemble([], [], own, wider, previous, {1})
    with pytest.raises(ValueError, match="other years or another zone"):
        ical.assemble_feed(NAME, "UTC", [own], [(ical.OWN, "", None)], years,
                           previous=previous, kept={1})  # fmt: skip
    with pytest.raises(ValueError, match="duplicate UID"):  # given and kept at once
        _assemble(fragments[:1], owners[:1], own, years, previous, {1})


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b'{"format": 99}',
        b'{"format": 1, "years": [2020, 2030]}',
        # three keys, two owners
        b'{"format":1,"years":[1,2],"zone":"UTC","ids":[],"digests":"","first":[],"last":[],'
        b'"tzids":[],"utc":"","keys":"a\\t\\tVEVENT\\tb\\t\\tVEVENT\\tc\\t\\tVEVENT",'
        b'"owners":[0,0],"base":10,"lengths":[1,1,1]}',
        # a component of series 7, which the layout does not list
        b'{"format":1,"years":[1,2],"zone":"UTC","ids":[],"digests":"","first":[],"last":[],'
        b'"tzids":[],"utc":"","keys":"a\\t\\tVEVENT","owners":[7],"base":10,"lengths":[1]}',
    ],
)
def test_anything_but_an_encoded_layout_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match="not a feed layout"):
        Layout.decode(data)


def test_a_key_the_encoding_cannot_carry_gives_no_layout() -> None:
    source = Source("d", (2025, 2026), frozenset(), False)
    layout = Layout(
        (2024, 2030), "UTC", {1: source}, [("uid\twith tab", "", "VEVENT")],
        array("l", [1]), array("l", [0]), array("l", [5]),
    )  # fmt: skip
    assert layout.encode() is None
    fine = dataclasses.replace(layout, keys=[("uid", "", "VEVENT")])
    assert Layout.decode(fine.encode()).keys == [("uid", "", "VEVENT")]


def _interleaved(count: int) -> tuple[list[ical.Fragment], list]:
    """Two series whose ``count`` small events each alternate in sort order: every
    component of the merge is a run of its own."""
    fragments = [
        ical.Fragment.of_parts(
            [
                ((f"{n:06d}-{side}@x", "", "VEVENT"),
                 f"BEGIN:VEVENT\r\nUID:{n:06d}-{side}@x\r\nEND:VEVENT\r\n".encode())
                for n in range(count)
            ],
            frozenset(), False, (),
        )
        for side in "ab"
    ]  # fmt: skip
    owners = [(1, "digest-1", None), (2, "digest-2", None)]
    return fragments, owners


def test_assembling_keeps_no_view_of_every_run_at_once() -> None:
    """The bytes are written one run at a time. A tuple of every run's memoryview was
    made first: ~0.6 MiB at the 1,000-series feed's cold render peak (7.98 -> 7.52 MiB
    with it gone), here almost six times the 0.4 MB feed of 10,000 one-event runs."""
    fragments, owners = _interleaved(5_000)
    years = (2026, 2026)
    own = ical.build_fragment([], years)
    feed = (NAME, "UTC", [*fragments, own], [*owners, (ical.OWN, "", None)], years)
    ical.assemble_feed(*feed, previous=None, kept=())  # imports, first-use caches
    tracemalloc.start()
    try:
        rendered = ical.assemble_feed(*feed, previous=None, kept=())
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rendered.body.count(b"BEGIN:VEVENT") == 10_000
    # Beyond the bytes and layout it returns: the merge's own lists (~0.8 MB for 10,000
    # components of 42 bytes); the tuple of every run's view added ~1.6 MB more.
    assert peak - held < 3 * len(rendered.body)
