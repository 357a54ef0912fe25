"""build_calendar(cache=...): same bytes as without it, and only changed events rebuilt."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta

import pytest

from meetbot.domain import ical
from meetbot.domain.ical import SeriesEvent, build_calendar, fragments
from meetbot.domain.recurrence import Frequency, Rule, Slot
from tests.domain.test_ical import STAMP, TODOS, series_fixture


def _build(events, cache=None) -> bytes:
    return build_calendar("Edge Computing Group", "Europe/Berlin", events, TODOS, cache=cache)


@pytest.fixture
def built(monkeypatch) -> list[str]:
    """UIDs of the events whose components were actually built (not taken from a cache)."""
    calls: list[str] = []
    series_components = fragments.series_components
    single_component = fragments.single_component

    def counting_series(item, ctx):
        calls.append(item.uid)
        return series_components(item, ctx)

    def counting_single(item, ctx):
        calls.append(item.uid)
        return single_component(item, ctx)

    monkeypatch.setattr(fragments, "series_components", counting_series)
    monkeypatch.setattr(fragments, "single_component", counting_single)
    return calls


def test_cached_build_is_byte_identical_and_builds_nothing_twice(built) -> None:
    events = series_fixture()
    plain = _build(events)
    built.clear()
    cache: dict = {}
    assert _build(events, cache) == plain
    assert sorted(built) == sorted(e.uid for e in events)
    built.clear()
    assert _build(events, cache) == plain
    assert built == []


def test_one_changed_event_is_the_only_one_rebuilt(built) -> None:
    events = series_fixture()
    cache: dict = {}
    _build(events, cache)
    changed = list(events)
    target = next(i for i, e in enumerate(changed) if isinstance(e, SeriesEvent))
    changed[target] = dataclasses.replace(changed[target], title="Renamed", sequence=9)
    built.clear()
    cached = _build(changed, cache)
    assert built == [changed[target].uid]
    assert cached == _build(changed)
    built.clear()
    _build(changed, cache)
    assert built == []


def test_a_wider_year_range_rebuilds_everything(built) -> None:
    """The VTIMEZONE range (and the pinned DST occurrences) depend on every event: an
    older event changes the range, so no component of the old range is reused."""
    events = series_fixture()
    cache: dict = {}
    _build(events, cache)
    older = SeriesEvent(
        uid="series-old-a@meetbot.test",
        slot=Slot(
            "a",
            "Europe/Berlin",
            datetime(2015, 3, 2, 9, 0),
            timedelta(hours=1),
            Rule(Frequency.WEEKLY),
        ),
        title="Old series",
        dtstamp=STAMP,
    )
    built.clear()
    assert _build([*events, older], cache) == _build([*events, older])
    assert len(built) >= len(events) + 1


def test_stored_fragments_assemble_the_same_bytes() -> None:
    """One fragment per event, each through its stored form (JSON-able meta + bytes),
    spliced: the same feed as building every event at once."""
    events = series_fixture()
    years = ical.cover_years([ical.years_of(events, list(TODOS))])
    parts = []
    for event in events:
        meta, body = ical.build_fragment([event], years).to_record()
        parts.append(ical.Fragment.from_record(json.loads(json.dumps(meta)), body))
    parts.append(ical.build_fragment([], years, todos=TODOS))
    assembled = ical.assemble_calendar("Edge Computing Group", "Europe/Berlin", parts[::-1], years)
    assert assembled == _build(events)
    with pytest.raises(ValueError, match="duplicate UID"):
        ical.assemble_calendar("x", "UTC", [parts[0], parts[0]], years)
