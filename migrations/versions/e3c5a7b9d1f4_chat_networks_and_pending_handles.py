"""chat networks organizers configure, and chat handles waiting for the chair (issue 17)

Revision ID: e3c5a7b9d1f4
Revises: b8e4f1a6c3d2
Create Date: 2026-12-06 21:21:00

Both tables get the change-notification trigger (the group's chat settings page and
the meeting page's pending handles are derived from them).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e3c5a7b9d1f4"
down_revision = "b8e4f1a6c3d2"
branch_labels = None
depends_on = None

TABLES = ("chat_networks", "chat_pending_handles")


# Frozen copy of freshness.notify.trigger_ddl (migrations never import the app).
def trigger_ddl(table):
    return (
        f'CREATE TRIGGER meetbot_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION meetbot_notify_change()"
    )


def drop_trigger_ddl(table):
    return f'DROP TRIGGER IF EXISTS meetbot_change ON "{table}"'


def upgrade():
    op.create_table(
        "chat_networks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("server", sa.String(length=200), nullable=False),
        sa.Column("nick", sa.String(length=30), nullable=False),
        sa.Column("auth", sa.String(length=20), nullable=False),
        sa.Column("password", sa.String(length=200), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "auth IN ('none', 'sasl', 'nickserv')", name=op.f("ck_chat_networks_auth_valid")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_chat_networks_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_networks")),
        sa.UniqueConstraint("group_id", "server", name=op.f("uq_chat_networks_group_id_server")),
    )
    with op.batch_alter_table("chat_networks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_networks_group_id"), ["group_id"], unique=False)

    op.create_table(
        "chat_pending_handles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("nick", sa.String(length=100), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_chat_pending_handles_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_pending_handles")),
        sa.UniqueConstraint(
            "meeting_id", "nick", name=op.f("uq_chat_pending_handles_meeting_id_nick")
        ),
    )
    with op.batch_alter_table("chat_pending_handles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chat_pending_handles_meeting_id"), ["meeting_id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(trigger_ddl(table))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(drop_trigger_ddl(table))
    with op.batch_alter_table("chat_pending_handles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_pending_handles_meeting_id"))
    op.drop_table("chat_pending_handles")
    with op.batch_alter_table("chat_networks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_networks_group_id"))
    op.drop_table("chat_networks")
