"""EXPLAIN of the hot filters: every one must use an index, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Connection, text

# (what, SQL with :named parameters). The parameters are filled from the data set.
HOT_QUERIES: list[tuple[str, str]] = [
    ("group by slug", "SELECT id, revision FROM groups WHERE slug = :slug"),
    ("feed cache row by key", "SELECT revision, etag FROM feed_cache WHERE key = :key"),
    (
        "members with a role",
        "SELECT person_id FROM memberships WHERE group_id = :group AND role = 'chair'",
    ),
    ("role of a person", "SELECT role FROM memberships WHERE group_id = :group AND person_id = :p"),
    ("series of a group", "SELECT id FROM meeting_series WHERE group_id = :group"),
    (
        "meetings of a series in a window",
        "SELECT id FROM meetings WHERE series_id = :series AND start_dt < :hi AND end_dt > :lo",
    ),
    (
        "occurrence row by slot",
        "SELECT id FROM meetings WHERE slot_id = :slot AND original_start_local = :local",
    ),
    (
        "meetings of a group, newest first",
        "SELECT id FROM meetings WHERE group_id = :group ORDER BY start_dt DESC LIMIT 50",
    ),
    ("attendance of a meeting", "SELECT person_id FROM attendance WHERE meeting_id = :meeting"),
    ("attendance of a person", "SELECT meeting_id FROM attendance WHERE person_id = :p"),
    (
        "minutes of a meeting",
        "SELECT id FROM minute_items WHERE meeting_id = :meeting ORDER BY position",
    ),
    (
        "open action items of a group",
        "SELECT id FROM action_items WHERE group_id = :group AND status = 'open'",
    ),
    (
        "action items opened in a meeting",
        "SELECT id FROM action_items WHERE opened_in_id = :meeting",
    ),
    (
        "action items closed in a meeting",
        "SELECT id FROM action_items WHERE closed_in_id = :meeting",
    ),
    (
        "action items of an owner",
        "SELECT action_item_id FROM action_item_owners WHERE person_id = :p",
    ),
    (
        "history of an action item",
        "SELECT id FROM action_item_events WHERE action_item_id = :item",
    ),
    ("api token by hash", "SELECT person_id FROM api_tokens WHERE token_hash = :hash"),
    (
        "audit log of a group",
        "SELECT id FROM audit_log WHERE group_id = :group ORDER BY created_dt",
    ),
]


def explain(conn: Connection, params: dict[str, object]) -> list[tuple[str, str, bool]]:
    """(what, plan text, uses an index) for every hot query."""
    postgres = conn.dialect.name == "postgresql"
    out = []
    for what, sql in HOT_QUERIES:
        needed = {k: v for k, v in params.items() if f":{k}" in sql}
        if postgres:
            rows = conn.execute(text(f"EXPLAIN {sql}"), needed).all()
            plan = "\n".join(r[0] for r in rows)
            uses_index = "Index" in plan and "Seq Scan" not in plan
        else:
            rows = conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"), needed).all()
            plan = "\n".join(str(r[-1]) for r in rows)
            uses_index = "USING" in plan and not any(
                line.startswith("SCAN ") and "USING" not in line for line in plan.splitlines()
            )
        out.append((what, plan, uses_index))
    return out
