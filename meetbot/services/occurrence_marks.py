"""Each meeting row's rule mark (``Meeting.rule_mark``, ``domain.rule_marks``), kept
right on every write path by construction.

Two session hooks, installed once by ``create_app``: before a flush, every new meeting
row of a slot, and every one whose slot, original start, start or end changed, gets the
mark it should hold (whatever wrote it: an occurrence change, a move, a reschedule, a
log import, the chat bot, the demo); after a flush that changed a slot's rule, the
slot's rows are marked again (one expansion, one UPDATE). Writes that bypass the ORM
call :func:`mark_slots` themselves (a restore; the migration that added the column has
its own frozen copy). A row without its slot's current mark is only read and matched
by the feed render, so a path that forgot would cost time, never a wrong feed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, event, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from meetbot.domain.rule_marks import row_marks, slot_mark
from meetbot.models import Meeting, SeriesSlot

_ROW_FIELDS = ("slot_id", "original_start_local", "start_dt", "end_dt")
_RULE_FIELDS = (
    "timezone", "start_local", "duration_minutes", "frequency", "interval", "weekday",
    "setpos", "until", "count",
)  # fmt: skip
_installed = False


def current_mark(slot: SeriesSlot) -> str:
    """The mark a row of ``slot`` holds when it is exactly an occurrence of its rule."""
    return slot_mark(slot.id, slot.to_domain())


def install_mark_hooks() -> None:
    """Register the two session hooks (once per process)."""
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _mark_rows)
        event.listen(Session, "after_flush", _mark_changed_slots)
        _installed = True


def _changed(obj: object, fields: Iterable[str]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in fields)


def _mark_rows(session: Session, _context: Any, _instances: Any) -> None:
    """Set the mark of the new and re-timed meeting rows about to be flushed."""
    with session.no_autoflush:
        for obj in (*session.new, *session.dirty):
            if not isinstance(obj, Meeting):
                continue
            if obj in session.new or _changed(obj, _ROW_FIELDS):
                obj.rule_mark = _mark_of(session, obj)


def _mark_of(session: Session, row: Meeting) -> str | None:
    slot_id = row.slot_id if row.slot_id is not None else getattr(row.slot, "id", None)
    if slot_id is None or row.original_start_local is None:
        return None
    slot = row.slot if row.slot is not None else session.get(SeriesSlot, slot_id)
    if slot is None or slot.id is None:
        return None
    found = row_marks(
        slot.id, slot.to_domain(), [(0, row.original_start_local, row.start_dt, row.end_dt)]
    )
    return found[0]


def _mark_changed_slots(session: Session, _context: Any) -> None:
    """Mark again the rows of every slot whose rule this flush changed, and the new rows
    of slots inserted in the same flush (their id was not known before it)."""
    ids = [
        obj.id
        for obj in session.dirty
        if isinstance(obj, SeriesSlot) and _changed(obj, _RULE_FIELDS)
    ]
    if ids:
        mark_slots(session.connection(), ids)
    late = []
    for obj in session.new:
        if isinstance(obj, Meeting) and obj.rule_mark is None and obj.slot_id is not None:
            mark = _mark_of(session, obj)
            if mark is not None:
                late.append({"row_id": obj.id, "mark": mark})
                set_committed_value(obj, "rule_mark", mark)
    if late:
        session.connection().execute(_SET_MARK, late)


_SET_MARK = (
    update(Meeting.__table__)
    .where(Meeting.__table__.c.id == bindparam("row_id"))
    # updated_dt as it was: a mark is no change anyone sees (no onupdate stamp).
    .values(rule_mark=bindparam("mark"), updated_dt=Meeting.__table__.c.updated_dt)
)


def mark_slots(conn: Connection, slot_ids: Iterable[int]) -> int:
    """Set the marks of every meeting row of these slots (Core, on ``conn``); returns
    how many rows changed."""
    slots = SeriesSlot.__table__
    meetings = Meeting.__table__
    changed = 0
    for slot in conn.execute(select(slots).where(slots.c.id.in_(list(slot_ids)))).all():
        rows = conn.execute(
            select(
                meetings.c.id,
                meetings.c.original_start_local,
                meetings.c.start_dt,
                meetings.c.end_dt,
                meetings.c.rule_mark,
            ).where(meetings.c.slot_id == slot.id)
        ).all()
        held = {r.id: r.rule_mark for r in rows}
        marks = row_marks(slot.id, SeriesSlot.to_domain(slot), [tuple(r[:4]) for r in rows])
        todo = [{"row_id": i, "mark": m} for i, m in marks.items() if held[i] != m]
        if todo:
            conn.execute(_SET_MARK, todo)
            changed += len(todo)
    return changed


def mark_all(conn: Connection) -> int:
    """Set the marks of every meeting row of every slot (after a restore)."""
    ids = conn.execute(select(SeriesSlot.__table__.c.id)).scalars().all()
    return mark_slots(conn, ids)
