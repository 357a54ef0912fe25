"""Shared per-series fragments (issue 19 point 2): a fresh app server answers the first
request after a one-series change by building only that series and splicing the
others' stored fragments, with the same bytes as a render from nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from meetbot import create_app
from meetbot.extensions import db
from meetbot.freshness import StoredFragment, load_fragments, store_fragments
from meetbot.models import FeedCache, FeedFragment
from meetbot.services.feed_render import clear_render_cache

ZONES = ("Europe/Berlin", "America/New_York", "UTC", "Asia/Tokyo")


@pytest.fixture
def group_series(app, create_group, create_series, create_meeting) -> list:
    group = create_group("wg", timezone="Europe/Berlin")
    series = [
        create_series(group, title=f"Call {n}", timezone=zone, start=datetime(2026, 1, 5 + n, 15))
        for n, zone in enumerate(ZONES)
    ]
    moved = series[0]
    start = datetime(2026, 1, 5, 15) + timedelta(weeks=2)
    create_meeting(series=moved, original_start_local=start, title="Moved call")
    return series


def _fragments() -> dict[int, list[int]]:
    rows = db.session.execute(select(FeedFragment.series_id, FeedFragment.id)).all()
    found: dict[int, list[int]] = {}
    for series_id, row_id in rows:
        found.setdefault(series_id, []).append(row_id)
    return found


def _meeting_reads(app) -> list[set]:
    """Series ids of every read of meeting rows (not the grouped fingerprint query)."""
    return _reads(app, "FROM meetings WHERE meetings.series_id IN")


def _reads(app, marker: str) -> list[set]:
    """The integer parameters of every statement containing ``marker`` (no GROUP BY);
    an array parameter (PostgreSQL's ``= ANY(...)``) counts as its items."""
    reads: list[set] = []

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        text = " ".join(statement.split())
        if marker in text and "GROUP BY" not in text:
            values = parameters.values() if isinstance(parameters, dict) else parameters
            flat = [x for v in values for x in (v if isinstance(v, list) else [v])]
            reads.append({v for v in flat if isinstance(v, int)})

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
    return reads


def test_a_fresh_server_builds_only_the_changed_series(app, app_config, group_series) -> None:
    url = "/groups/wg/calendar.ics"
    assert app.test_client().get(url).status_code == 200
    stored = _fragments()
    assert sorted(stored) == sorted(s.id for s in group_series)

    changed = group_series[2]
    changed.title = "Renamed call"
    db.session.commit()
    clear_render_cache()  # a new process: nothing in memory
    fresh = create_app(app_config)
    reads = _meeting_reads(fresh)
    answer = fresh.test_client().get(url)

    assert answer.status_code == 200 and b"SUMMARY:Renamed call" in answer.data
    assert reads == [{changed.id}]
    now = _fragments()
    assert {k: v for k, v in now.items() if k != changed.id} == {
        k: v for k, v in stored.items() if k != changed.id
    }
    assert len(now[changed.id]) == 1 and now[changed.id] != stored[changed.id]

    # The fragments it took from the table stay in its memory: after the next change it
    # looks up only the changed series (it read all of them again before).
    fragment_reads = _reads(fresh, "SELECT feed_fragments.series_id")
    second = group_series[1]
    second.title = "Renamed again"
    db.session.commit()
    answer = fresh.test_client().get(url)
    assert b"SUMMARY:Renamed again" in answer.data
    assert fragment_reads == [{second.id}]

    # The same bytes as a render with nothing stored anywhere.
    db.session.execute(FeedFragment.__table__.delete())
    db.session.execute(FeedCache.__table__.delete())
    db.session.commit()
    clear_render_cache()
    other = create_app(app_config)
    assert other.test_client().get(url).data == answer.data
    for server in (fresh, other):
        with server.app_context():
            db.engine.dispose()


def test_fragments_live_in_the_table_only(app, app_config, group_series) -> None:
    """A process keeps a feed's bytes and layout, not its series' fragments (~2 MiB of
    a bench worker): another feed of the same series reads them from the table, in one
    statement, and builds none (issue 19, worker RSS)."""
    one = group_series[0].id
    db.session.rollback()  # SQLite: the test's session holds the write lock since BEGIN
    clear_render_cache()
    server = create_app(app_config)
    assert server.test_client().get("/groups/wg/calendar.ics").status_code == 200
    fragment_reads = _reads(server, "SELECT feed_fragments.series_id")
    meeting_reads = _meeting_reads(server)

    answer = server.test_client().get(f"/series/{one}/calendar.ics")

    assert answer.status_code == 200 and b"SUMMARY:Moved call" in answer.data
    assert fragment_reads == [{one}]
    assert meeting_reads == []
    with server.app_context():
        db.engine.dispose()


def test_a_render_leaves_no_slot_objects_behind(app, group_series) -> None:
    """The slots' pure forms and marks are made once per render, not kept for the
    process (they were, up to 8,192 slots)."""
    from meetbot.services import feed_rows

    feed_rows.clear_slot_cache()
    assert app.test_client().get("/groups/wg/calendar.ics").status_code == 200
    assert feed_rows._domain_slot.cache_info().currsize == 0
    assert feed_rows._slot_mark.cache_info().currsize == 0


def _cold_statements(app_config, url: str) -> tuple[int, bytes]:
    """Statements of the first request of a new app with empty process caches."""
    clear_render_cache()
    fresh = create_app(app_config)
    statements: list[str] = []
    with fresh.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    answer = fresh.test_client().get(url)
    with fresh.app_context():
        db.engine.dispose()
    assert answer.status_code == 200
    return len(statements), answer.data


def test_cold_render_statements_do_not_grow_with_series_or_one_offs(
    app, app_config, group_series, create_series, create_meeting, create_work_stream
) -> None:
    """A new worker's first render after a one-series change, and a render with nothing
    stored, take as many statements for twice the series and one-offs (each one-off in
    its own work stream: its name is read with it, not loaded one by one)."""
    clear_render_cache()  # no VTIMEZONE kept from another test's database
    group = group_series[0].group
    url = "/groups/wg/calendar.ics"
    counts: list[tuple[int, int]] = []
    for size in (1, 2):
        for n in range(len(ZONES) * (size - 1)):
            create_series(group, title=f"More {n}", start=datetime(2026, 1, 5 + n, 9))
        for n in range(2 * size - len(counts) * 2):
            stream = create_work_stream(group, name=f"Topic {size}-{n}")
            create_meeting(group, start=datetime(2026, 3, 2 + n, 12, tzinfo=UTC),
                           title=f"One-off {size}-{n}", work_stream=stream)  # fmt: skip
        app.test_client().get(url)  # stores every fragment
        group_series[size].title = f"Renamed {size}"
        db.session.commit()
        after_change, body = _cold_statements(app_config, url)
        assert f"SUMMARY:Renamed {size}".encode() in body
        assert f"CATEGORIES:Topic {size}-0".encode() in body
        db.session.execute(FeedFragment.__table__.delete())
        db.session.execute(FeedCache.__table__.delete())
        db.session.commit()
        nothing_stored, again = _cold_statements(app_config, url)
        assert again == body
        counts.append((after_change, nothing_stored))
    assert counts[0] == counts[1]


def test_a_fragment_lookup_is_one_statement_of_constant_text_on_postgresql(app, db_backend) -> None:
    """A new worker looks up the fragments of all of a feed's series at once. On
    PostgreSQL that is one statement whose text does not depend on how many series
    there are (array parameters), so it is converted once; on SQLite one per 500."""
    texts: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        if "FROM feed_fragments" in statement:
            texts.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        for count in (3, 1200):
            texts.clear()
            assert load_fragments({n: f"digest-{n}" for n in range(1, count + 1)}) == []
            if db_backend == "postgres":
                assert len(texts) == 1
                if count == 3:
                    few = texts[0]
                else:
                    assert texts[0] == few
            else:
                assert len(texts) == -(-count // 500)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_storing_a_fragment_replaces_its_range_and_other_digests_only(
    app, create_group, create_series
) -> None:
    """Storing a series' fragment replaces its row of the same year range and drops its
    rows of any other digest; its other ranges at the same digest and other series'
    rows stay (one DELETE per range, not one per series)."""
    group = create_group("st")
    one, two, three = (create_series(group, title=f"S{n}") for n in range(3))
    db.session.commit()

    def fragment(series, digest: str, years: tuple[int, int], body: bytes) -> StoredFragment:
        return StoredFragment(series.id, digest, years, None, {"index": []}, body)

    store_fragments([
        fragment(one, "a1", (2020, 2030), b"old"), fragment(one, "a1", (2021, 2031), b"other"),
        fragment(two, "b1", (2020, 2030), b"b"), fragment(three, "c1", (2020, 2030), b"c"),
    ])  # fmt: skip
    store_fragments([fragment(one, "a1", (2020, 2030), b"new")])
    store_fragments([fragment(three, "c2", (2020, 2030), b"c2")])

    rows = db.session.execute(
        select(FeedFragment.series_id, FeedFragment.digest, FeedFragment.first_year,
               FeedFragment.body).order_by(FeedFragment.series_id, FeedFragment.first_year)
    ).all()  # fmt: skip
    assert [(r[0], r[1], r[2], bytes(r[3])) for r in rows] == [
        (one.id, "a1", 2020, b"new"),
        (one.id, "a1", 2021, b"other"),
        (two.id, "b1", 2020, b"b"),
        (three.id, "c2", 2020, b"c2"),
    ]


def _fresh_render_after_a_change(app_config, series, title: str) -> tuple[list[set], bytes]:
    """(the series ids of each fragment lookup, the bytes) of the first request of a
    new app with empty process caches after ``series`` was renamed ``title``."""
    series.title = title
    db.session.commit()
    clear_render_cache()
    fresh = create_app(app_config)
    lookups = _reads(fresh, "SELECT feed_fragments.series_id")
    answer = fresh.test_client().get("/groups/wg/calendar.ics")
    with fresh.app_context():
        db.engine.dispose()
    assert answer.status_code == 200 and f"SUMMARY:{title}".encode() in answer.data
    return lookups, answer.data


def _render_from_nothing(app_config) -> bytes:
    db.session.execute(FeedFragment.__table__.delete())
    db.session.execute(FeedCache.__table__.delete())
    db.session.commit()
    clear_render_cache()
    other = create_app(app_config)
    body = other.test_client().get("/groups/wg/calendar.ics").data
    with other.app_context():
        db.engine.dispose()
    return body


def test_a_fresh_server_takes_unchanged_series_from_the_stored_feed(
    app, app_config, group_series
) -> None:
    """The stored feed's layout (feed_cache.layout) says where each series' components
    are in its bytes: a new worker looks up no fragment but the changed series' one."""
    assert app.test_client().get("/groups/wg/calendar.ics").status_code == 200
    changed = group_series[2]
    lookups, body = _fresh_render_after_a_change(app_config, changed, "Renamed call")
    assert lookups == [{changed.id}]
    assert _render_from_nothing(app_config) == body


def test_an_unreadable_stored_layout_is_ignored(app, app_config, group_series) -> None:
    assert app.test_client().get("/groups/wg/calendar.ics").status_code == 200
    db.session.execute(FeedCache.__table__.update().values(layout=b'{"format": 1}'))
    db.session.commit()
    lookups, body = _fresh_render_after_a_change(app_config, group_series[1], "Renamed call")
    assert lookups == [{s.id for s in group_series}]  # every fragment from the table
    assert _render_from_nothing(app_config) == body
