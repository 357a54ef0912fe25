"""The default occurrence window (from now, 90 days) is served from the per-process
cache and answers exactly what the same explicit window does, also after a change."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from meetbot.extensions import db
from meetbot.models import Meeting


def test_default_window_equals_the_explicit_one(
    api, create_group, create_series, create_meeting, time_machine
):
    group = create_group("wg")
    series = create_series(group, timezone="Europe/Berlin", start=datetime(2026, 3, 17, 14, 0))
    time_machine.move_to(datetime(2026, 3, 16, 10, 20, 30, tzinfo=UTC))
    explicit = "/groups/wg/occurrences?start=2026-03-16T10:20:30Z&end=2026-06-14T10:20:30Z"
    default = api.get("/groups/wg/occurrences").get_json()
    assert default == api.get(explicit).get_json()
    assert len(default) == 13  # Tuesdays 17 March .. 9 June
    # A row changed without any revision bump (as a check-in marks a meeting held).
    row = create_meeting(series=series, original_start_local=datetime(2026, 3, 17, 14, 0))
    db.session.execute(update(Meeting).where(Meeting.id == row.id).values(status="cancelled"))
    db.session.commit()
    again = api.get("/groups/wg/occurrences").get_json()
    assert again == api.get(explicit).get_json()
    assert again[0]["status"] == "cancelled"


def test_default_window_answers_the_same_bytes_and_etag(
    api, create_group, create_series, create_meeting, create_work_stream, time_machine
):
    """The default window is sent from JSON kept per occurrence: byte for byte what the
    schema and Flask's JSON give for the same explicit window (escapes, key order,
    nulls, moved and one-off meetings), with or without a work stream filter."""
    group = create_group("wg")
    stream = create_work_stream(group, "gaps")
    series = create_series(
        group,
        title='Réunion "Edge" \u2603 </script>',
        timezone="Asia/Kolkata",
        start=datetime(2026, 3, 17, 20, 30),
        location="#edge; x\ny",
        work_streams=[stream],
    )
    create_series(group, title="Untagged", start=datetime(2026, 3, 18, 9, 0))
    create_meeting(
        series=series,
        original_start_local=datetime(2026, 3, 24, 20, 30),
        start=datetime(2026, 3, 25, 9, 0, tzinfo=UTC),
        is_moved=True,
        title="Moved \u00e9",
    )
    create_meeting(group, start=datetime(2026, 4, 1, 8, 0, tzinfo=UTC), title="One-off")
    time_machine.move_to(datetime(2026, 3, 16, 10, 20, 30, tzinfo=UTC), tick=False)
    window = "start=2026-03-16T10:20:30Z&end=2026-06-14T10:20:30Z"
    for query, explicit in (("", window), ("?stream=gaps", f"{window}&stream=gaps")):
        for _ in range(2):  # filled, then from the cache
            default = api.get(f"/groups/wg/occurrences{query}")
            slow = api.get(f"/groups/wg/occurrences?{explicit}")
            assert default.status_code == slow.status_code == 200
            assert default.get_data() == slow.get_data()
            assert default.headers["ETag"] == slow.headers["ETag"]
            assert default.mimetype == "application/json"
    assert len(api.get("/groups/wg/occurrences").get_json()) > len(
        api.get("/groups/wg/occurrences?stream=gaps").get_json()
    )


def test_the_instant_memo_stays_small_and_formats_each_instant_once(
    api, create_group, create_series, time_machine
):
    """The JSON of the default window formats each instant about once, through a memo
    that stays in the process: it must stay short whatever the window holds (16,384
    entries held ~1.5 MiB of a bench worker; issue 19's worker RSS row)."""
    from meetbot.web.api import groups

    group = create_group("wg")
    for n in range(25):  # 13 weeks each: 325 occurrences
        start = datetime(2026, 3, 17, 1 + n % 20, 7 * n % 60)
        create_series(group, start=start, duration_minutes=50)
    time_machine.move_to(datetime(2026, 3, 16, 10, 20, 30, tzinfo=UTC), tick=False)
    groups._utc_text.cache_clear()

    listed = api.get("/groups/wg/occurrences?limit=1000").get_json()

    assert len(listed) == 325
    distinct = {o["start"] for o in listed} | {o["end"] for o in listed}
    memo = groups._utc_text.cache_info()
    assert len(distinct) > 2 * groups.UTC_TEXT_MEMO and memo.misses == len(distinct)
    assert memo.currsize == groups.UTC_TEXT_MEMO < len(distinct)
