"""The API's rendered occurrences are kept without the occurrences they were rendered
from (issue 19, point 4): both change with the same fingerprint, so holding both
only doubled a big group's 90 days in every worker."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from meetbot.services.occurrence_cache import cached_group_rendered
from meetbot.services.occurrences import OccurrenceView

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _title(o: OccurrenceView) -> str:
    return o.title


def test_only_the_rendering_is_kept(create_group, create_series, time_machine):
    time_machine.move_to(NOW, tick=False)
    group = create_group()
    create_series(group, title="Weekly", start=datetime(2026, 1, 6, 15, 0))
    store = current_app.extensions.get("meetbot_derived_cache")
    if store is not None:
        store.clear()
    rendered = cached_group_rendered(group, NOW, 90, "meetbot.test", _title)
    assert rendered == ["Weekly"] * 13
    store = current_app.extensions["meetbot_derived_cache"]
    assert [key[0] for key in store._items] == ["rendered"]
    # Kept: the next call renders nothing.
    assert cached_group_rendered(group, NOW, 90, "meetbot.test", _title) == rendered
    assert len(store) == 1
