"""PostgreSQL: every committed write notifies the app servers (``freshness.tokens``).

This module holds the one channel name (:data:`CHANNEL`) the triggers notify and the
watchers listen on. (The Alembic revision that created the triggers keeps a frozen
copy of its DDL, as migrations must.)

Each table except the ones below gets a statement-level trigger that calls
``pg_notify('meetbot_change', '')``. PostgreSQL sends notifications only at commit,
folds identical ones of a transaction into one, and a statement trigger fires once
per statement (a COPY of a million rows is one call), so a write costs one small
message. Listeners learn that *something* changed and drop what they cached.

The triggers are created with the tables (``db.create_all``: the metadata events
below, attached once by ``meetbot.freshness.install``) and by the Alembic revision
that introduced them; a migration that adds a table must add its trigger with
:func:`trigger_ddl` (a test checks every table).
SQLite needs none of this: ``PRAGMA data_version`` already sees every commit.
"""

from __future__ import annotations

from sqlalchemy import DDL, MetaData, Table, event

CHANNEL = "meetbot_change"
FUNCTION = "meetbot_notify_change"
TRIGGER = "meetbot_change"
# Tables no cached answer is derived from, so a write to them need not make every
# process drop its caches: the rendered-feed cache (written while serving reads), the
# server-side logins (every log-in and log-out), the mail outbox (every send) and the
# chat bot's lease (renewed every few seconds; no page shows it); the feed render
# claims, the per-series rendered events and the VTIMEZONEs (written while serving
# reads too).
UNWATCHED_TABLES = frozenset(
    {
        "feed_cache",
        "feed_claims",
        "feed_fragments",
        "feed_zones",
        "alembic_version",
        "logins",
        "mail_outbox",
        "chat_leases",
    }
)

FUNCTION_DDL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END
$$
"""
DROP_FUNCTION_DDL = f"DROP FUNCTION IF EXISTS {FUNCTION}() CASCADE"


def trigger_ddl(table: str) -> str:
    """CREATE TRIGGER for one table (statement level, every kind of write)."""
    return (
        f'CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
    )


def drop_trigger_ddl(table: str) -> str:
    """DROP TRIGGER for one table."""
    return f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"'


_WATCHED: set[str] = set()


def install_triggers(metadata: MetaData) -> None:
    """Create the function and the triggers whenever ``metadata`` creates tables
    (each table's listeners attached once per process)."""
    for table in metadata.tables.values():
        _watch(table)


def _watch(table: Table) -> None:
    if table.name in UNWATCHED_TABLES or table.name in _WATCHED:
        return
    _WATCHED.add(table.name)
    # The function with every table (CREATE OR REPLACE): a table created on its own
    # (``table.create()``) must not depend on the order of creation.
    for ddl in (FUNCTION_DDL, trigger_ddl(table.name)):
        event.listen(table, "after_create", DDL(ddl).execute_if(dialect="postgresql"))
