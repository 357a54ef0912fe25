"""chat bot: channels mapped to groups, every line said, leases (issue 17)

Revision ID: 9d4e2b7c1a60
Revises: d41e8b7c2a90
Create Date: 2026-12-06 19:21:58

chat_channels and chat_lines get the change-notification trigger of 5c1f0e7a9b24 on
PostgreSQL; chat_leases does not (meetbot.freshness.notify.UNWATCHED_TABLES: a lease
renewal changes nothing a page shows).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9d4e2b7c1a60"
down_revision = "d41e8b7c2a90"
branch_labels = None
depends_on = None

TABLES = ("chat_channels", "chat_lines")


def _trigger(table):
    return (
        f'CREATE TRIGGER meetbot_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION meetbot_notify_change()"
    )


def upgrade():
    op.create_table(
        "chat_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("live_meeting_id", sa.Integer(), nullable=True),
        sa.Column("start_line_id", sa.Integer(), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_chat_channels_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["live_meeting_id"],
            ["meetings.id"],
            name=op.f("fk_chat_channels_live_meeting_id_meetings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["meeting_series.id"],
            name=op.f("fk_chat_channels_series_id_meeting_series"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_channels")),
        sa.UniqueConstraint("network", "channel", name=op.f("uq_chat_channels_network_channel")),
    )
    with op.batch_alter_table("chat_channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_channels_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_chat_channels_live_meeting_id"), ["live_meeting_id"], unique=False
        )

    op.create_table(
        "chat_leases",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("expires_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["chat_channels.id"],
            name=op.f("fk_chat_leases_channel_id_chat_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_chat_leases")),
    )
    op.create_table(
        "chat_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("nick", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("is_action", sa.Boolean(), nullable=False),
        sa.Column("said_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["chat_channels.id"],
            name=op.f("fk_chat_lines_channel_id_chat_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_chat_lines_meeting_id_meetings"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_lines")),
    )
    with op.batch_alter_table("chat_lines", schema=None) as batch_op:
        batch_op.create_index("ix_chat_lines_channel_id_id", ["channel_id", "id"], unique=False)
        batch_op.create_index("ix_chat_lines_meeting_id_id", ["meeting_id", "id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(_trigger(table))


def downgrade():
    with op.batch_alter_table("chat_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_lines_meeting_id_id")
        batch_op.drop_index("ix_chat_lines_channel_id_id")

    op.drop_table("chat_lines")
    op.drop_table("chat_leases")
    with op.batch_alter_table("chat_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_channels_live_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_chat_channels_group_id"))

    op.drop_table("chat_channels")
