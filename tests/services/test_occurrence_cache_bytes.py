"""The API's rendered occurrences are kept without the occurrences they were rendered
from (issue 19, point 4): both change with the same fingerprint, so holding both
only doubled a big group's 90 days in every worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app

from meetbot.models import utcnow
from meetbot.services.conflicts import find_conflicts
from meetbot.services.occurrence_cache import (
    cached_group_entries,
    cached_group_occurrences,
    cached_upcoming,
)
from meetbot.services.occurrences import OccurrenceView

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _title(o: OccurrenceView) -> tuple[tuple[str, str], str]:
    return (o.start.isoformat(), o.uid), o.title


def _weekly_group(create_group, create_series, time_machine):
    """A group with one weekly series, at NOW, with this app's derived cache empty."""
    time_machine.move_to(NOW, tick=False)
    group = create_group()
    create_series(group, title="Weekly", start=datetime(2026, 1, 6, 15, 0))
    store = current_app.extensions.get("meetbot_derived_cache")
    if store is not None:
        store.clear()
    return group


def test_only_the_rendering_is_kept(create_group, create_series, time_machine):
    group = _weekly_group(create_group, create_series, time_machine)
    rendered = list(cached_group_entries(group, NOW, 90, "meetbot.test", _title))
    assert [text for _, text in rendered] == ["Weekly"] * 13
    store = current_app.extensions["meetbot_derived_cache"]
    assert [key[0] for key in store._items] == ["rendered"]
    # Kept: the next call renders nothing.
    assert list(cached_group_entries(group, NOW, 90, "meetbot.test", _title)) == rendered
    assert len(store) == 1


def test_the_next_day_replaces_the_entries_of_the_day_before(
    create_group, create_series, time_machine
):
    """The day (or hour) a window starts is part of an entry's fingerprint, not of its
    key: a worker running for weeks keeps one entry per window, not one per day."""
    time_machine.move_to(NOW, tick=False)
    group = create_group()
    create_series(group, title="Weekly", start=datetime(2026, 1, 6, 15, 0), location="#x")
    create_series(create_group(), title="Other", start=datetime(2026, 1, 6, 15, 0), location="#x")
    store = current_app.extensions.get("meetbot_derived_cache")
    if store is not None:
        store.clear()
    for day in range(3):
        time_machine.move_to(NOW + timedelta(days=day), tick=False)
        assert len(cached_group_occurrences(group, utcnow(), 28, "meetbot.test")) == 4
        assert len(cached_upcoming(group, utcnow(), "meetbot.test")) == 10
        assert len(find_conflicts(group=group, days=28)) == 4
    store = current_app.extensions["meetbot_derived_cache"]
    kinds = sorted(key[0] for key in store._items)
    assert kinds == [
        "conflict_share",
        "conflict_share",
        "conflicts",
        "group_occurrences",
        "upcoming",
    ]


def test_a_groups_window_is_kept_packed(create_group, create_series, time_machine):
    """The upcoming pages' window is kept as columns, not as views with their datetimes
    (a big group's four weeks were ~3,000 views, 1.9 MiB of every worker)."""
    from meetbot.services.packed_occurrences import PackedOccurrences

    group = _weekly_group(create_group, create_series, time_machine)
    shown = cached_group_occurrences(group, NOW, 28, "meetbot.test")
    assert [o.title for o in shown] == ["Weekly"] * 4
    store = current_app.extensions["meetbot_derived_cache"]
    ((key, (_, kept, _)),) = store._items.items()
    assert key[0] == "group_occurrences" and isinstance(kept, PackedOccurrences)
