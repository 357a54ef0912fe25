"""Status, kind, role and source columns load as their StrEnums (models.types.StrEnumType)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, update
from sqlalchemy.exc import IntegrityError

from meetbot.extensions import db
from meetbot.models import Meeting, MeetingStatus, Membership, Role
from meetbot.models.types import StrEnumType


def test_every_enum_checked_column_is_typed_as_its_enum() -> None:
    typed = {
        f"{mapper.class_.__name__}.{column.key}": column.type.enum.__name__
        for mapper in db.Model.registry.mappers
        for column in mapper.columns
        if isinstance(column.type, StrEnumType)
    }
    assert typed == {
        "ActionItem.status": "ActionStatus",
        "ActionItemEvent.kind": "ActionEventKind",
        "Attendance.kind": "AttendanceKind",
        "Attendance.source": "AttendanceSource",
        "Membership.role": "Role",
        "WorkStream.status": "WorkStreamStatus",
        "MeetingSeries.location_kind": "LocationKind",
        "MeetingSeries.status": "SeriesStatus",
        "SeriesSlot.frequency": "Frequency",
        "Meeting.status": "MeetingStatus",
        "MinuteItem.kind": "MinuteKind",
        "AvailabilityPoll.status": "PollStatus",
        "ChatNetwork.auth": "ChatAuth",
    }


def test_a_status_loads_as_the_enum_member(app, create_group, create_meeting) -> None:
    meeting = create_meeting(create_group())
    db.session.execute(
        update(Meeting).where(Meeting.id == meeting.id).values(status=MeetingStatus.HELD)
    )
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.get(Meeting, meeting.id)
    assert loaded.status is MeetingStatus.HELD
    held = select(Meeting.id).where(Meeting.status == MeetingStatus.HELD)
    assert db.session.scalars(held).all() == [meeting.id]
    assert db.session.scalar(select(Meeting.status).where(Meeting.id == meeting.id)) is (
        MeetingStatus.HELD
    )


def test_a_plain_string_is_stored_and_a_bad_one_refused_by_the_check(
    app, create_group, create_person
) -> None:
    group, person = create_group(), create_person()
    db.session.add(Membership(group=group, person=person, role="chair"))
    db.session.commit()
    db.session.expire_all()
    assert inspect(Membership).columns["role"].type.length == 20
    assert db.session.scalars(select(Membership.role)).one() is Role.CHAIR
    with pytest.raises(IntegrityError):
        db.session.execute(update(Membership).values(role="emperor"))
    db.session.rollback()
