"""notify app servers of every write (PostgreSQL triggers for the feed fast path)

Revision ID: 5c1f0e7a9b24
Revises: 7bd4dde632e7
Create Date: 2026-11-27 08:00:00

Every table but the feed cache gets the statement trigger of
meetbot.freshness.notify; SQLite needs nothing (PRAGMA data_version).
The table list is frozen here: a later migration that adds a table adds its trigger.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5c1f0e7a9b24"
down_revision = "7bd4dde632e7"
branch_labels = None
depends_on = None

# The SQL is written out (not imported from the app) so this revision never changes.
FUNCTION_DDL = """
CREATE OR REPLACE FUNCTION meetbot_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('meetbot_change', '');
    RETURN NULL;
END
$$
"""
DROP_FUNCTION_DDL = "DROP FUNCTION IF EXISTS meetbot_notify_change() CASCADE"


def trigger_ddl(table):
    return (
        f'CREATE TRIGGER meetbot_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION meetbot_notify_change()"
    )


def drop_trigger_ddl(table):
    return f'DROP TRIGGER IF EXISTS meetbot_change ON "{table}"'


TABLES = (
    "action_item_events",
    "action_item_owners",
    "action_items",
    "api_tokens",
    "attendance",
    "audit_log",
    "groups",
    "meeting_series",
    "meetings",
    "memberships",
    "minute_items",
    "people",
    "person_handles",
    "series_chairs",
    "series_slots",
    "series_work_streams",
    "webhook_deliveries",
    "webhooks",
    "work_stream_leads",
    "work_streams",
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION_DDL)
    for table in TABLES:
        op.execute(trigger_ddl(table))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(drop_trigger_ddl(table))
    op.execute(DROP_FUNCTION_DDL)
