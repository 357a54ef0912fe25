"""Merge duplicate people ("Adrien" created beside "Adrien Lebre") into one.

A site admin picks the person to keep and the duplicates. Everything that points at
a duplicate moves to the kept person, in one transaction with one audit entry per
duplicate:

* attendance: an entry at a meeting the kept person has no entry for moves; at a
  meeting both have one, the two become one (presence wins over regrets, the longer
  time in the call, the lines said added up: two nicks of one person);
* action items owned, memberships (the higher role stays), work streams led, series
  chaired: moved, never doubled;
* chat handles: moved; minutes written, actions opened, audit entries, entries
  recorded: re-pointed;
* e-mail, organization, time zone and password: taken from the duplicate only where
  the kept person has none. The duplicate's API tokens are revoked (deleted), its
  admin flag is not carried over: a merge never widens anyone's access.

Rows are found through the schema's foreign keys to ``people.id``, so a table added
later is re-pointed too (its unique rows kept once, the kept person's first).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Table, and_, delete, exists, select, update
from sqlalchemy.sql import ColumnElement

from meetbot.extensions import db
from meetbot.models import ApiToken, Attendance, Membership, Person, Role
from meetbot.services import audit
from meetbot.services.db import unit_of_work
from meetbot.services.errors import Forbidden, NotFound, ValidationError

ROLE_RANK = {Role.MEMBER: 0, Role.CHAIR: 1, Role.ORGANIZER: 2}
MAX_MERGE = 20  # duplicates merged in one go
_SPECIAL = {"attendance.person_id", "memberships.person_id", "api_tokens.person_id"}


@dataclass
class MergeResult:
    """What was merged: the kept person's id and, per table, the rows moved."""

    kept: int
    merged: list[int] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)


def merge_people(actor: Person, keep_id: int, drop_ids: Iterable[int]) -> MergeResult:
    """Merge every person in ``drop_ids`` into ``keep_id`` (site admins only)."""
    if not actor.is_admin:
        raise Forbidden("Only site admins may merge people.")
    drops = sorted({int(i) for i in drop_ids} - {keep_id})
    if not drops:
        raise ValidationError(
            "Tick at least one duplicate besides the person to keep.",
            {"drop": "Tick the duplicates to merge."},
        )
    if actor.id in drops:
        raise ValidationError(
            "You cannot merge your own account away; keep it instead.",
            {"drop": "Your own account cannot be a duplicate."},
        )
    if len(drops) > MAX_MERGE:
        raise ValidationError(
            f"Merge at most {MAX_MERGE} people at a time.", {"drop": "Too many ticked."}
        )
    with unit_of_work():
        keep = _get(keep_id)
        result = MergeResult(kept=keep.id)
        for drop_id in drops:
            drop = _get(drop_id)
            moved = _merge_one(keep, drop)
            audit.record(
                actor, None, "person", keep.id, "people_merged", merged=drop_id, moved=moved
            )
            result.merged.append(drop_id)
            for name, n in moved.items():
                result.moved[name] = result.moved.get(name, 0) + n
        return result


def _get(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(f"There is no person {person_id}.")
    return person


def _merge_one(keep: Person, drop: Person) -> dict[str, int]:
    moved = {
        "attendance": _merge_attendance(keep.id, drop.id),
        "memberships": _merge_memberships(keep.id, drop.id),
    }
    for table, column in _person_columns():
        if f"{table.name}.{column.name}" not in _SPECIAL:
            moved[f"{table.name}.{column.name}"] = _repoint(table, column, keep.id, drop.id)
    db.session.execute(delete(ApiToken).where(ApiToken.person_id == drop.id))
    db.session.expire_all()
    _take_details(keep, drop)
    return {name: n for name, n in moved.items() if n}


def _person_columns() -> list[tuple[Table, ColumnElement]]:
    found = []
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "people" and table.name != "people":
                found.append((table, fk.parent))
    return found


def _unique_partners(table: Table, column: ColumnElement) -> list[ColumnElement]:
    """The other columns of a unique key (or primary key) that includes ``column``."""
    for con in table.constraints:
        names = [c.name for c in getattr(con, "columns", [])]
        if (
            column.name in names
            and len(names) > 1
            and type(con).__name__
            in {
                "UniqueConstraint",
                "PrimaryKeyConstraint",
            }
        ):
            return [c for c in con.columns if c.name != column.name]
    return []


def _repoint(table: Table, column: ColumnElement, keep_id: int, drop_id: int) -> int:
    partners = _unique_partners(table, column)
    if partners:
        alias = table.alias("kept")
        clash = exists().where(
            alias.c[column.name] == keep_id,
            *[alias.c[p.name] == table.c[p.name] for p in partners],
        )
        db.session.execute(delete(table).where(and_(column == drop_id, clash)))
    result = db.session.execute(update(table).where(column == drop_id).values({column: keep_id}))
    return result.rowcount or 0


def _merge_attendance(keep_id: int, drop_id: int) -> int:
    kept = {
        a.meeting_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.person_id == keep_id))
    }
    moved = 0
    for entry in db.session.scalars(select(Attendance).where(Attendance.person_id == drop_id)):
        mine = kept.get(entry.meeting_id)
        moved += 1
        if mine is None:
            entry.person_id = keep_id
            continue
        if mine.kind != "present" and entry.kind == "present":
            mine.kind, mine.source = entry.kind, entry.source
            mine.recorded_dt, mine.recorded_by_id = entry.recorded_dt, entry.recorded_by_id
        durations = [d for d in (mine.duration_minutes, entry.duration_minutes) if d is not None]
        mine.duration_minutes = max(durations) if durations else None
        lines = [n for n in (mine.lines_said, entry.lines_said) if n is not None]
        mine.lines_said = sum(lines) if lines else None
        db.session.delete(entry)
    db.session.flush()
    return moved


def _merge_memberships(keep_id: int, drop_id: int) -> int:
    kept = {
        m.group_id: m
        for m in db.session.scalars(select(Membership).where(Membership.person_id == keep_id))
    }
    moved = 0
    for row in db.session.scalars(select(Membership).where(Membership.person_id == drop_id)):
        mine = kept.get(row.group_id)
        moved += 1
        if mine is None:
            row.person_id = keep_id
            continue
        if ROLE_RANK.get(row.role, 0) > ROLE_RANK.get(mine.role, 0):
            mine.role = row.role
        db.session.delete(row)
    db.session.flush()
    return moved


def _take_details(keep: Person, drop: Person) -> None:
    """Fill the kept person's blanks from the duplicate, then delete the duplicate."""
    email, password = drop.email, drop.password_hash
    for attr in ("organization", "timezone"):
        if not getattr(keep, attr) and getattr(drop, attr):
            setattr(keep, attr, getattr(drop, attr))
    db.session.delete(drop)
    db.session.flush()  # the duplicate's e-mail is free before the kept person takes it
    if not keep.email and email:
        keep.email = email
    if not keep.password_hash and password:
        keep.password_hash = password
    db.session.flush()
