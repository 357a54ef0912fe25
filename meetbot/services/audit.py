"""The audit log: who changed what, when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meetbot.extensions import db
from meetbot.models import AuditEntry, Group, Person


def record(
    actor: Person | None,
    group: Group | None,
    entity: str,
    entity_id: int | None,
    action: str,
    **details: Any,
) -> AuditEntry:
    """Add an audit entry to the current transaction (the caller commits)."""
    entry = AuditEntry(
        actor=actor,
        group_id=group.id if group is not None else None,
        entity=entity,
        entity_id=entity_id,
        action=action,
        details={k: _jsonable(v) for k, v in details.items()},
    )
    db.session.add(entry)
    return entry


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def entries_for_group(group: Group, *, page: int = 1, per_page: int = 50) -> tuple[list, int]:
    """The group's audit entries, newest first, one page at a time: (entries, total)."""
    where = AuditEntry.group_id == group.id
    total = db.session.scalar(select(func.count()).select_from(AuditEntry).where(where)) or 0
    entries = db.session.scalars(
        select(AuditEntry)
        .where(where)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.created_dt.desc(), AuditEntry.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    )
    return list(entries), total
