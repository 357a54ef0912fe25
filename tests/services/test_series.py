"""Series services: series and slots (series, series_input), single occurrences
(occurrence_changes), one-off meetings (one_off_meetings)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import AuditEntry, Meeting, MeetingSeries, Role, SeriesSlot
from meetbot.services import occurrence_changes, one_off_meetings, series_input
from meetbot.services import series as series_service
from meetbot.services.errors import ValidationError
from meetbot.services.occurrences import series_occurrences

D = "meetbot.test"
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def slot(**kw) -> series_input.SlotInput:
    base = {"start": datetime(2026, 1, 6, 15, 0), "duration_minutes": 60, "frequency": "weekly"}
    base.update(kw)
    return series_input.SlotInput(**base)


def data(*slots: series_input.SlotInput, **kw) -> series_input.SeriesInput:
    base = {"title": "Weekly call", "timezone": "UTC", "slots": list(slots) or [slot()]}
    base.update(kw)
    return series_input.SeriesInput(**base)


def counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count(MeetingSeries.id))),
        db.session.scalar(select(func.count(SeriesSlot.id))),
        db.session.scalar(select(func.count(Meeting.id))),
    )


def window(series, days=60):
    return series_occurrences(series, NOW, NOW + timedelta(days=days), D)


def test_create_series_with_two_slots(create_group, create_person, create_work_stream, frozen):
    chair = create_person("Beth")
    group = create_group(members={chair: Role.CHAIR})
    stream = create_work_stream(group)
    rev = group.revision
    series = series_service.create_series(
        None,
        group,
        data(
            slot(label="EU/APAC", timezone="Europe/Berlin", start=datetime(2026, 1, 7, 8, 0)),
            slot(interval=2),
            chair_ids=[chair.id],
            work_stream_ids=[stream.id],
            location_kind="chat",
            location="#edge",
        ),
    )
    assert [x.key for x in series.slots] == ["eu-apac", "b"]
    assert series.slots[0].timezone == "Europe/Berlin"
    assert series.slots[1].timezone == "UTC"  # blank zone = the series' zone
    assert [p.id for p in series.chairs] == [chair.id]
    assert group.revision == rev + 1
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 1
    # 8:00 Berlin in January is 7:00 UTC.
    starts = {o.start for o in window(series, 10)}
    assert datetime(2026, 1, 7, 7, 0, tzinfo=UTC) in starts


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "slots-0-timezone"),
        ({"duration_minutes": 0}, "slots-0-duration"),
        ({"duration_minutes": 24 * 60 + 1}, "slots-0-duration"),
        ({"count": 0}, "slots-0-count"),
        ({"until": date(2025, 12, 1)}, "slots-0-until"),
        ({"interval": 0}, "slots-0-interval"),
        ({"frequency": "daily"}, "slots-0-frequency"),
        ({"frequency": "monthly", "weekday": None, "setpos": 1}, "slots-0-weekday"),
        ({"frequency": "monthly", "weekday": 2, "setpos": 5}, "slots-0-setpos"),
        ({"start": None}, "slots-0-start"),
        # Monthly: 8 Jan is snapped to the next first Wednesday (4 Feb), after "until".
        (
            {
                "frequency": "monthly",
                "weekday": 2,
                "setpos": 1,
                "start": datetime(2026, 1, 8, 15, 0),
                "until": date(2026, 1, 31),
            },
            "slots-0-until",
        ),
    ],
)
def test_bad_slot_names_field_and_saves_nothing(create_group, bad, field, frozen):
    group = create_group()
    before = counts()
    with pytest.raises(ValidationError) as err:
        series_service.create_series(None, group, data(slot(**bad)))
    assert field in err.value.fields, err.value.fields
    assert counts() == before


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"title": "  "}, "title"),
        ({"timezone": "Nowhere/Land"}, "timezone"),
        ({"location_kind": "video", "location": "not a link"}, "location"),
        ({"location_kind": "chat", "location": "#two words"}, "location"),
        ({"location_kind": "teleport"}, "location_kind"),
        ({"agenda_url": "javascript:alert(1)"}, "agenda_url"),
        ({"slots": []}, "slots"),
    ],
)
def test_bad_series_fields(create_group, bad, field):
    group = create_group()
    with pytest.raises(ValidationError) as err:
        series_service.create_series(None, group, data(**bad))
    assert field in err.value.fields
    assert counts() == (0, 0, 0)


def test_errors_of_several_slots_are_all_reported(create_group):
    group = create_group()
    with pytest.raises(ValidationError) as err:
        series_service.create_series(
            None, group, data(slot(), slot(duration_minutes=0), slot(count=0))
        )
    assert set(err.value.fields) == {"slots-1-duration", "slots-2-count"}


def test_chair_must_be_member(create_group, create_person):
    outsider = create_person()
    group = create_group()
    with pytest.raises(ValidationError) as err:
        series_service.create_series(None, group, data(chair_ids=[outsider.id]))
    assert "chairs" in err.value.fields
    assert counts() == (0, 0, 0)


def test_monthly_start_is_normalised(create_group):
    group = create_group()
    series = series_service.create_series(
        None,
        group,
        data(slot(frequency="monthly", weekday=2, setpos=3, start=datetime(2026, 1, 1, 14, 0))),
    )
    # The third Wednesday of January 2026 is the 21st.
    assert series.slots[0].start_local == datetime(2026, 1, 21, 14, 0)


def test_update_keeps_keys_and_never_reuses_them(create_group, frozen):
    group = create_group()
    series = series_service.create_series(
        None, group, data(slot(), slot(start=datetime(2026, 1, 8, 9, 0)))
    )
    assert [x.key for x in series.slots] == ["a", "b"]
    uid_a = window(series)[0].uid
    # Drop "b", change "a"'s time, add a new slot.
    series_service.update_series(
        None,
        series,
        data(slot(key="a", start=datetime(2026, 1, 6, 16, 0)), slot(start=datetime(2026, 1, 9))),
    )
    keys = [x.key for x in series.slots]
    assert keys[0] == "a" and keys[1] not in {"a", "b"}
    assert series.revision == 1
    occ_a = [o for o in window(series) if o.slot_key == "a"]
    assert occ_a[0].uid == uid_a and occ_a[0].start.hour == 16
    # Add another slot in a later edit: again a key never seen before.
    series_service.update_series(None, series, data(*(slot(key=k) for k in keys), slot()))
    assert len({x.key for x in series.slots} | {"b"}) == 4
    assert series.revision == 2


def test_update_rejects_unknown_key(create_group):
    group = create_group()
    series = series_service.create_series(None, group, data())
    with pytest.raises(ValidationError) as err:
        series_service.update_series(None, series, data(slot(key="zzz")))
    assert "slots-0-key" in err.value.fields


def test_slot_with_past_meetings_cannot_be_removed(create_group, create_meeting, frozen):
    group = create_group()
    series = series_service.create_series(
        None, group, data(slot(start=datetime(2025, 12, 2, 15, 0)), slot())
    )
    create_meeting(series=series, status="held")  # 2 Dec 2025, in the past
    with pytest.raises(ValidationError) as err:
        series_service.update_series(None, series, data(slot(key="b")))
    assert "slots" in err.value.fields
    db.session.refresh(series)
    assert len(series.slots) == 2


def test_unchanged_update_bumps_nothing(create_group):
    group = create_group()
    series = series_service.create_series(None, group, data())
    rev = group.revision
    series_service.update_series(None, series, data(slot(key="a")))
    assert (series.revision, group.revision) == (0, rev)


def test_cancel_and_uncancel(create_group, frozen):
    group = create_group()
    series = series_service.create_series(None, group, data())
    first = window(series)[0]
    rev, grev = series.revision, group.revision
    meeting = occurrence_changes.cancel_occurrence(
        None, series, "a", first.original_start_local, "Public holiday"
    )
    occ = window(series)[0]
    assert (occ.status, occ.change_reason, occ.meeting_id) == (
        "cancelled",
        "Public holiday",
        meeting.id,
    )
    assert occ.uid == first.uid and occ.recurrence_id == first.recurrence_id
    assert meeting.sequence == 1 and series.revision == rev + 1 and group.revision == grev + 1
    occurrence_changes.uncancel_occurrence(None, series, "a", first.original_start_local)
    occ = window(series)[0]
    assert occ.status == "scheduled" and occ.change_reason == ""
    assert meeting.sequence == 2 and series.revision == rev + 2
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"cancelled", "uncancelled"} <= actions


def test_uncancel_of_scheduled_is_an_error(create_group, frozen):
    group = create_group()
    series = series_service.create_series(None, group, data())
    with pytest.raises(ValidationError):
        occurrence_changes.uncancel_occurrence(None, series, "a", datetime(2026, 1, 6, 15, 0))


def test_cancel_of_ungenerated_occurrence_is_not_found(create_group):
    from meetbot.services.errors import NotFound

    group = create_group()
    series = series_service.create_series(None, group, data())
    with pytest.raises(NotFound):
        occurrence_changes.cancel_occurrence(None, series, "a", datetime(2026, 1, 7, 15, 0))
    assert counts()[2] == 0


def test_move_occurrence(create_group, frozen):
    group = create_group(timezone="Europe/Berlin")
    series = series_service.create_series(
        None,
        group,
        data(slot(timezone="Europe/Berlin", start=datetime(2026, 3, 24, 16, 0)), timezone="UTC"),
    )
    # Move the 31 March occurrence (first after the DST change: 14:00 UTC) to Thursday.
    original = datetime(2026, 3, 31, 16, 0)
    meeting = occurrence_changes.move_occurrence(
        None,
        series,
        "a",
        original,
        datetime(2026, 4, 2, 17, 30),
        duration_minutes=90,
        reason="Room taken",
    )
    occ = {o.meeting_id: o for o in window(series, 120)}[meeting.id]
    assert occ.start == datetime(2026, 4, 2, 15, 30, tzinfo=UTC)  # CEST = UTC+2
    assert occ.end - occ.start == timedelta(minutes=90)
    assert occ.is_moved and occ.change_reason == "Room taken"
    assert occ.recurrence_id == datetime(2026, 3, 31, 14, 0, tzinfo=UTC)
    assert datetime(2026, 3, 31, 14, 0, tzinfo=UTC) not in {o.start for o in window(series, 120)}
    assert meeting.sequence == 1 and series.revision == 1
    # Moving it back clears the mark.
    occurrence_changes.move_occurrence(None, series, "a", original, original, duration_minutes=60)
    assert meeting.is_moved is False and meeting.sequence == 2


@pytest.mark.parametrize("days", [29, -29])
def test_move_too_far_is_refused(create_group, days, frozen):
    group = create_group()
    series = series_service.create_series(
        None, group, data(slot(start=datetime(2026, 3, 3, 15, 0)))
    )
    original = datetime(2026, 4, 7, 15, 0)
    with pytest.raises(ValidationError) as err:
        occurrence_changes.move_occurrence(
            None, series, "a", original, original + timedelta(days=days)
        )
    assert "start" in err.value.fields and "28 days" in err.value.message
    assert counts()[2] == 0
    assert series.revision == 0


def test_move_with_bad_duration(create_group, frozen):
    group = create_group()
    series = series_service.create_series(None, group, data())
    with pytest.raises(ValidationError) as err:
        occurrence_changes.move_occurrence(
            None,
            series,
            "a",
            datetime(2026, 1, 6, 15),
            datetime(2026, 1, 7, 15),
            duration_minutes=0,
        )
    assert "duration" in err.value.fields
    assert counts()[2] == 0


def test_retitle_occurrence(create_group, frozen):
    group = create_group()
    series = series_service.create_series(None, group, data(location_kind="chat", location="#edge"))
    original = datetime(2026, 1, 13, 15, 0)
    meeting = occurrence_changes.retitle_occurrence(
        None,
        series,
        "a",
        original,
        title="Summit planning",
        location="#edge-summit",
        reason="Special session",
    )
    occ = {o.original_start_local: o for o in window(series)}[original]
    assert (occ.title, occ.location, occ.change_reason) == (
        "Summit planning",
        "#edge-summit",
        "Special session",
    )
    assert meeting.sequence == 1
    # Clearing both returns to the series' values.
    occurrence_changes.retitle_occurrence(None, series, "a", original, title="", location="")
    occ = {o.original_start_local: o for o in window(series)}[original]
    assert (occ.title, occ.location) == ("Weekly call", "#edge")


def test_one_off_meeting(create_group, create_work_stream):
    group = create_group()
    stream = create_work_stream(group)
    rev = group.revision
    meeting = one_off_meetings.create_one_off(
        None,
        group,
        title="Kick-off",
        timezone="America/Los_Angeles",
        start_local=datetime(2026, 7, 1, 9, 0),
        duration_minutes=45,
        work_stream_id=stream.id,
    )
    assert meeting.series_id is None and meeting.timezone == "America/Los_Angeles"
    assert meeting.start_dt == datetime(2026, 7, 1, 16, 0, tzinfo=UTC)  # PDT = UTC-7
    assert meeting.end_dt - meeting.start_dt == timedelta(minutes=45)
    assert group.revision == rev + 1
    occurrence_changes.move_meeting(
        None, meeting, datetime(2026, 12, 1, 9, 0)
    )  # PST = UTC-8; no limit
    assert meeting.start_dt == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"title": ""}, "title"),
        ({"timezone": "Bad/Zone"}, "timezone"),
        ({"duration_minutes": 0}, "duration"),
        ({"duration_minutes": 1441}, "duration"),
        ({"start_local": None}, "start"),
    ],
)
def test_one_off_bad_input(create_group, kw, field):
    group = create_group()
    args = {
        "title": "Kick-off",
        "timezone": "UTC",
        "start_local": datetime(2026, 7, 1, 9, 0),
        "duration_minutes": 60,
    }
    args.update(kw)
    with pytest.raises(ValidationError) as err:
        one_off_meetings.create_one_off(None, group, **args)
    assert field in err.value.fields
    assert counts() == (0, 0, 0)


def test_end_series(create_group, frozen):
    group = create_group()
    series = series_service.create_series(
        None,
        group,
        data(slot(), slot(start=datetime(2026, 6, 1, 9, 0)), slot(count=100)),
    )
    moved = occurrence_changes.move_occurrence(
        None, series, "a", datetime(2026, 2, 10, 15), datetime(2026, 2, 11, 15)
    )
    series_service.end_series(None, series, date(2026, 2, 3))
    keys = {x.key: x for x in series.slots}
    assert set(keys) == {"a", "c"}  # "b" would only start in June
    assert keys["a"].until == date(2026, 2, 3) and keys["c"].count is None
    occ = series_occurrences(series, NOW - timedelta(days=30), NOW + timedelta(days=365), D)
    live = [o for o in occ if o.status != "cancelled"]
    assert max(o.start for o in live).date() == date(2026, 2, 3)
    assert moved.status == "cancelled"  # the moved one does not linger after the end
    with pytest.raises(ValidationError) as err:
        series_service.end_series(None, series, date(2025, 12, 1))
    assert "last_date" in err.value.fields


def test_preview_dst_berlin_and_los_angeles(frozen):
    items = series_input.preview(
        [
            slot(timezone="Europe/Berlin", start=datetime(2026, 3, 17, 16, 0)),
            slot(timezone="America/Los_Angeles", start=datetime(2026, 3, 3, 9, 0), interval=2),
        ],
        "UTC",
        after=datetime(2026, 3, 1, tzinfo=UTC),
        limit=10,
    )
    assert len(items) == 10
    berlin = [i.start_utc for i in items if i.slot_index == 0]
    la = [i.start_utc for i in items if i.slot_index == 1]
    # Berlin keeps 16:00 local: 15:00 UTC before 29 March, 14:00 UTC after.
    assert berlin[:3] == [
        datetime(2026, 3, 17, 15, tzinfo=UTC),
        datetime(2026, 3, 24, 15, tzinfo=UTC),
        datetime(2026, 3, 31, 14, tzinfo=UTC),
    ]
    # Los Angeles keeps 09:00 local: 17:00 UTC (PST) on 3 March, 16:00 UTC (PDT) after 8 March.
    assert la[:2] == [datetime(2026, 3, 3, 17, tzinfo=UTC), datetime(2026, 3, 17, 16, tzinfo=UTC)]
    assert all(i.local_start.hour in (16, 9) for i in items)
    assert [i.start_utc for i in items] == sorted(i.start_utc for i in items)


def test_preview_reports_field_errors():
    with pytest.raises(ValidationError) as err:
        series_input.preview([slot(timezone="Atlantis/City")], "UTC")
    assert "slots-0-timezone" in err.value.fields
