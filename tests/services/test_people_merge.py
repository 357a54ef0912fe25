"""Merging duplicate people (issue 16, point 1)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import (
    ActionItem,
    ApiToken,
    Attendance,
    AuditEntry,
    Membership,
    Person,
    PersonHandle,
    Role,
)
from meetbot.services import attendance_reads
from meetbot.services.errors import Forbidden, ValidationError
from meetbot.services.people_merge import merge_people

START = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


@pytest.fixture
def dup(create_user, create_person, create_group, create_meeting):
    admin = create_user("Site Admin", admin=True)
    chair = create_user("Chair Person")
    group = create_group(members={chair: Role.CHAIR})
    adrien = create_person("Adrien Lebre", email="adrien@example.org", handles=["alebre"])
    copy = create_person("Adrien", email=None, handles=["adrien"], organization="Inria")
    db.session.add_all(
        [
            Membership(group=group, person=adrien, role=Role.MEMBER.value),
            Membership(group=group, person=copy, role=Role.CHAIR.value),
        ]
    )
    first = create_meeting(group, start=START)
    second = create_meeting(group, start=datetime(2026, 3, 10, 15, 0, tzinfo=UTC))
    db.session.add_all(
        [
            Attendance(meeting=first, person=adrien, kind="regrets", source="self"),
            Attendance(
                meeting=first, person=copy, kind="present", source="csv", duration_minutes=50
            ),
            Attendance(meeting=second, person=copy, kind="present", source="paste"),
            ActionItem(group=group, text="Shared", owners=[adrien, copy]),
            ActionItem(group=group, text="Copy's own", owners=[copy]),
            ApiToken(person=copy, name="old", token_hash="x" * 64),
        ]
    )
    db.session.commit()
    return {"admin": admin, "chair": chair, "keep": adrien, "copy": copy, "first": first}


def test_everything_moves_to_the_kept_person_once(dup):
    keep, copy_id = dup["keep"], dup["copy"].id
    result = merge_people(dup["admin"], keep.id, [copy_id])
    assert result.merged == [copy_id]
    assert db.session.get(Person, copy_id) is None
    entries = {
        a.meeting_id: (a.kind, a.source, a.duration_minutes)
        for a in db.session.scalars(select(Attendance).where(Attendance.person_id == keep.id))
    }
    assert entries[dup["first"].id] == ("present", "csv", 50)  # presence wins over regrets
    assert len(entries) == 2
    assert db.session.scalar(select(func.count(Attendance.id))) == 2
    owners = {a.text: [o.id for o in a.owners] for a in db.session.scalars(select(ActionItem))}
    assert owners == {"Shared": [keep.id], "Copy's own": [keep.id]}
    roles = db.session.scalars(select(Membership.role).where(Membership.person_id == keep.id))
    assert list(roles) == [Role.CHAIR.value]  # the higher role stays
    handles = db.session.scalars(
        select(PersonHandle.handle).where(PersonHandle.person_id == keep.id).order_by("handle")
    )
    assert list(handles) == ["adrien", "alebre"]
    kept = db.session.get(Person, keep.id)
    assert (kept.email, kept.organization) == ("adrien@example.org", "Inria")
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0  # revoked, not moved
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "people_merged"))
    assert (audit.entity_id, audit.details["merged"]) == (keep.id, copy_id)
    # The roster now lists one Adrien.
    names = [r.person.display_name for r in attendance_reads.roster(dup["first"])]
    assert names.count("Adrien Lebre") == 1 and "Adrien" not in names


def test_only_admins_merge_and_bad_requests_change_nothing(dup):
    with pytest.raises(Forbidden):
        merge_people(dup["chair"], dup["keep"].id, [dup["copy"].id])
    with pytest.raises(ValidationError):
        merge_people(dup["admin"], dup["keep"].id, [dup["keep"].id])
    with pytest.raises(ValidationError):
        merge_people(dup["admin"], dup["keep"].id, [dup["admin"].id])
    assert db.session.scalar(select(func.count(Person.id))) == 4
