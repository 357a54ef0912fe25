"""Backup and restore: every table as lossless JSON, restorable on SQLite or PostgreSQL.

The file is one JSON object::

    {"format": "meetbot-backup", "version": 1, "alembic_revision": "47c0...",
     "created": "2026-01-06T15:00:00+00:00", "database": "sqlite",
     "tables": {"people": {"columns": [["id", "int"], ["email", "str"], ...],
                           "rows": [[1, "ada@example.org", ...], ...]}, ...}}

Tables come from ``db.metadata.sorted_tables`` (foreign-key order), so a table added
later is backed up without touching this module. Each column has a *kind* saying how
its values are written, so nothing is guessed on the way back:

| kind | JSON value |
|---|---|
| ``datetime_utc`` | ISO 8601 with ``+00:00`` (the aware ``_dt`` instants) |
| ``datetime_local`` | ISO 8601 without offset (naive wall-clock times such as ``start_local``) |
| ``date`` | ``YYYY-MM-DD`` |
| ``bytes`` | base64 |
| ``json`` | the JSON value itself |
| ``bool``, ``int``, ``float``, ``str`` | themselves |

Restore checks each value against its column before writing anything
(``column_decoder``: the kind's decoder, then the integer range of the column's type,
string length, NUL, finite floats; dates and instants within years 0001-9999), so an
error names table, row and column instead of failing half-way through the inserts.

``null`` is always null. Rows are ordered by primary key, so backing up the same data
twice gives the same bytes (apart from ``created``).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Integer,
    Table,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from meetbot.domain import safe_json
from meetbot.extensions import db
from meetbot.services import list_caps
from meetbot.services.backup_columns import (
    BackupError,
    checked_value,
    column_decoder,
    column_kind,
    encode_value,
)
from meetbot.services.db import unit_of_work
from meetbot.services.occurrence_marks import mark_all
from meetbot.services.series import MAX_SERIES_PER_GROUP

FORMAT = "meetbot-backup"
FORMAT_VERSION = 1
_INSERT_CHUNK = 500


@dataclass(frozen=True)
class RestoreResult:
    tables: int
    rows: int
    wiped: bool


# --- backup -------------------------------------------------------------------------


def _tables() -> list[Table]:
    return list(db.metadata.sorted_tables)


def alembic_revision() -> str | None:
    """The schema revision the database is at (None for a schema made without Alembic)."""
    conn = db.session.connection()
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def dump_database() -> dict[str, Any]:
    """Every row of every table as the backup document (a JSON-ready dict)."""
    tables: dict[str, Any] = {}
    conn = db.session.connection()
    for table in _tables():
        kinds = {column.name: column_kind(column.type) for column in table.columns}
        order = list(table.primary_key.columns) or list(table.columns)
        rows = [
            [encode_value(kinds[name], value) for name, value in row._mapping.items()]
            for row in conn.execute(select(table).order_by(*order))
        ]
        tables[table.name] = {
            "columns": [[name, kind] for name, kind in kinds.items()],
            "rows": rows,
        }
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "alembic_revision": alembic_revision(),
        "created": datetime.now(UTC).isoformat(),
        "database": db.engine.dialect.name,
        "tables": tables,
    }


def to_json(document: dict[str, Any]) -> str:
    """The backup document as text: sorted keys, so equal data gives equal text."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1, allow_nan=False)


def write_backup(path: str | os.PathLike[str]) -> dict[str, int]:
    """Write the backup to ``path`` (replaced atomically); returns rows per table."""
    document = dump_database()
    db.session.rollback()  # end the read transaction; nothing was changed
    payload = to_json(document)
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".meetbot-backup-", dir=target.parent or Path("."))
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
            fh.write("\n")
        os.replace(tmp, target)
    except OSError as exc:
        raise BackupError(f"cannot write {path}: {exc.strerror or exc}") from None
    return {name: len(t["rows"]) for name, t in document["tables"].items()}


# --- restore ------------------------------------------------------------------------


def read_backup(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and parse a backup file; a BackupError names the file and the problem."""
    try:
        with open(path, encoding="utf-8") as fh:
            return safe_json.loads(fh.read())
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise BackupError(f"{path}: not a meetbot backup (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise BackupError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise BackupError(f"{path}: not a meetbot backup (JSON nested too deeply)") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise BackupError(f"{path}: not valid JSON ({exc})") from None
    except OSError as exc:
        raise BackupError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def decode_document(document: Any) -> list[tuple[Table, list[dict[str, Any]]]]:
    """Check a backup document against the current schema and decode every value.

    Returns (table, rows) in foreign-key order. Raises BackupError saying exactly
    which table, row and column is wrong; nothing is written before this passes.
    """
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError('not a meetbot backup (no "format": "meetbot-backup" marker)')
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BackupError("the backup has no format version")
    if version > FORMAT_VERSION:
        raise BackupError(
            f"the backup has format version {version}, newer than this meetbot "
            f"understands ({FORMAT_VERSION}); restore it with a newer meetbot"
        )
    if version < 1:
        raise BackupError(f"unknown backup format version {version}")
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise BackupError('the backup has no "tables" object')
    known = {table.name: table for table in _tables()}
    unknown = sorted(set(tables) - set(known))
    if unknown:
        raise BackupError(f"the backup has tables this schema does not: {', '.join(unknown)}")
    missing = sorted(set(known) - set(tables))
    if missing:
        raise BackupError(f"the backup lacks tables of this schema: {', '.join(missing)}")

    result = []
    for table in _tables():
        result.append((table, _decode_table(table, tables[table.name])))
    _check_counts(dict((table.name, rows) for table, rows in result))
    return result


def _check_counts(rows: dict[str, list[dict[str, Any]]]) -> None:
    """The per-parent limits the services keep: series per group, members per group,
    attendance entries and minute items per meeting. (Slots per series are not counted
    here: a yaml2ical import keeps the ended slots of a series' history.)"""
    limits = (
        ("meeting_series", "group_id", "group", "series", MAX_SERIES_PER_GROUP),
        ("memberships", "group_id", "group", "members", list_caps.max_members()),
        ("attendance", "meeting_id", "meeting", "attendance entries", list_caps.max_attendance()),
        ("minute_items", "meeting_id", "meeting", "minute items", list_caps.max_minute_items()),
    )
    for table, column, parent, what, limit in limits:
        counts = Counter(row[column] for row in rows.get(table, []))
        for key, count in sorted(counts.items(), key=lambda item: str(item[0])):
            if count > limit:
                raise BackupError(
                    f"table {table}: {parent} {key} has {count} {what}, more than "
                    f"the limit of {limit}"
                )


def _decode_table(table: Table, data: Any) -> list[dict[str, Any]]:
    name = table.name
    if not isinstance(data, dict):
        raise BackupError(f"table {name}: expected an object with columns and rows")
    columns, rows = data.get("columns"), data.get("rows")
    if (
        not isinstance(columns, list)
        or not all(
            isinstance(c, list) and len(c) == 2 and all(isinstance(x, str) for x in c)
            for c in columns
        )
        or not isinstance(rows, list)
    ):
        raise BackupError(
            f'table {name}: expected "columns" ([name, kind] pairs) and "rows" (list)'
        )
    order = [column for column, _ in columns]
    if len(set(order)) != len(order):
        raise BackupError(f"table {name}: a column is listed twice")
    columns = dict(columns)
    expected = {column.name: column_kind(column.type) for column in table.columns}
    decoders = {column.name: column_decoder(column) for column in table.columns}
    if set(columns) != set(expected):
        extra = sorted(set(columns) - set(expected))
        lacking = sorted(set(expected) - set(columns))
        raise BackupError(
            f"table {name}: columns differ from this schema"
            + (f"; unknown: {', '.join(extra)}" if extra else "")
            + (f"; missing: {', '.join(lacking)}" if lacking else "")
        )
    for column, kind in columns.items():
        if kind != expected[column]:
            raise BackupError(
                f"table {name}, column {column}: stored as {kind!r}, "
                f"the schema needs {expected[column]!r}"
            )
    decoded = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != len(order):
            raise BackupError(f"table {name}, row {number}: expected a list of {len(order)} values")
        values = {}
        for column, value in zip(order, row, strict=True):
            if value is None:
                values[column] = None
                continue
            try:
                values[column] = checked_value(name, column, decoders[column](value))
            except ValueError as exc:
                raise BackupError(f"table {name}, row {number}, column {column}: {exc}") from None
        decoded.append(values)
    return decoded


def row_counts() -> dict[str, int]:
    """Rows in each table that has any (used to refuse restoring over data)."""
    conn = db.session.connection()
    counts = {}
    for table in _tables():
        n = conn.execute(select(func.count()).select_from(table)).scalar_one()
        if n:
            counts[table.name] = n
    return counts


def restore_document(document: Any, *, force: bool = False) -> RestoreResult:
    """Load a backup document into this database in one transaction.

    The database must be empty (its schema created by ``db upgrade``) unless
    ``force`` is given, which deletes every row first. On PostgreSQL the id
    sequences are moved past the restored ids so new rows get fresh ones.
    """
    decoded = decode_document(document)
    revision = document.get("alembic_revision")
    try:
        current = alembic_revision()
    except SQLAlchemyError as exc:
        db.session.rollback()
        raise BackupError(f"cannot read the database: {exc.__class__.__name__}") from None
    if revision and current and revision != current:
        db.session.rollback()
        raise BackupError(
            f"the backup was made at schema revision {revision}, this database is at "
            f"{current}; restore it with the meetbot version that made it, then run "
            "`flask --app meetbot db upgrade`"
        )
    total = 0
    wiped = False
    try:
        with unit_of_work() as session:
            conn = session.connection()
            counts = row_counts()
            if counts and not force:
                listed = ", ".join(f"{t} ({n})" for t, n in sorted(counts.items()))
                raise BackupError(
                    "the database is not empty (rows in " + listed + "); restore into a new "
                    "database made with `flask --app meetbot db upgrade`, or use --force to "
                    "delete everything in it first"
                )
            if counts:
                for table in reversed(_tables()):
                    conn.execute(table.delete())
                wiped = True
            for table, rows in decoded:
                for start in range(0, len(rows), _INSERT_CHUNK):
                    conn.execute(table.insert(), rows[start : start + _INSERT_CHUNK])
                total += len(rows)
            # The rule marks are derived: computed here, never taken on trust.
            mark_all(conn)
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn)
    except BackupError:
        raise
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise BackupError(
            f"the database refused the data, nothing was restored: {detail}"
        ) from None
    session_reset = getattr(db.session, "expire_all", None)
    if session_reset is not None:
        session_reset()  # objects loaded before the restore are stale
    return RestoreResult(tables=len(decoded), rows=total, wiped=wiped)


def _reset_sequences(conn: Any) -> None:
    """Set each serial/identity sequence to the table's largest id (PostgreSQL)."""
    for table in _tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        column = pk[0]
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column.name},
        ).scalar()
        if sequence is None:
            continue
        # is_called=false with 1 on an empty table: the next id is 1, not 2.
        conn.execute(
            text(
                f'SELECT setval(:seq, COALESCE((SELECT MAX("{column.name}") FROM '
                f'"{table.name}"), 1), (SELECT COUNT(*) FROM "{table.name}") > 0)'
            ),
            {"seq": sequence},
        )


def restore_file(path: str | os.PathLike[str], *, force: bool = False) -> RestoreResult:
    """Read a backup file and restore it (see restore_document); errors name the file."""
    document = read_backup(path)
    try:
        return restore_document(document, force=force)
    except BackupError as exc:
        raise BackupError(f"{path}: {exc.message}") from None
