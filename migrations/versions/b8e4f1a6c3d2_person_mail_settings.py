"""person mail settings (reminders, action item mail, unsubscribe nonce), series follows

Revision ID: b8e4f1a6c3d2
Revises: d9b2e6f4a1c8
Create Date: 2026-12-06 19:40:00

Both tables get the change-notification trigger (the settings page and the series
page's follow button are derived from them).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b8e4f1a6c3d2"
down_revision = "d9b2e6f4a1c8"
branch_labels = None
depends_on = None

TABLES = ("mail_settings", "series_follows")


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
        "mail_settings",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reminders", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("reminder_minutes", sa.Integer(), server_default="60", nullable=False),
        sa.Column("follow_member_series", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("actions", sa.String(length=10), server_default="each", nullable=False),
        sa.Column("link_nonce", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "reminder_minutes BETWEEN 5 AND 2880",
            name=op.f("ck_mail_settings_reminder_minutes_range"),
        ),
        sa.CheckConstraint(
            "actions IN ('each', 'digest', 'off')", name=op.f("ck_mail_settings_actions_choice")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_mail_settings_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_mail_settings")),
    )
    op.create_table(
        "series_follows",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("following", sa.Boolean(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_series_follows_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["meeting_series.id"],
            name=op.f("fk_series_follows_series_id_meeting_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "series_id", name=op.f("pk_series_follows")),
    )
    with op.batch_alter_table("series_follows", schema=None) as batch_op:
        batch_op.create_index("ix_series_follows_series", ["series_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(trigger_ddl(table))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(drop_trigger_ddl(table))
    with op.batch_alter_table("series_follows", schema=None) as batch_op:
        batch_op.drop_index("ix_series_follows_series")
    op.drop_table("series_follows")
    op.drop_table("mail_settings")
