"""availability polls: candidate slots, answers (the slot finder's poll)

Revision ID: f2c8a5d1e7b4
Revises: e61b7c2d9f30
Create Date: 2026-12-06 19:00:00

Three new tables, each with the change-notification trigger of
5c1f0e7a9b24 on PostgreSQL.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f2c8a5d1e7b4"
down_revision = "e61b7c2d9f30"
branch_labels = None
depends_on = None

TABLES = ("availability_polls", "poll_options", "poll_answers")


def _trigger(table):
    return (
        f'CREATE TRIGGER meetbot_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION meetbot_notify_change()"
    )


def upgrade():
    op.create_table(
        "availability_polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_dt", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'closed')", name=op.f("ck_availability_polls_status_valid")
        ),
        sa.CheckConstraint(
            "weeks >= 1 AND weeks <= 104", name=op.f("ck_availability_polls_weeks_valid")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["people.id"],
            name=op.f("fk_availability_polls_created_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_availability_polls_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["meeting_series.id"],
            name=op.f("fk_availability_polls_series_id_meeting_series"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_polls")),
        sa.UniqueConstraint("token", name=op.f("uq_availability_polls_token")),
    )
    with op.batch_alter_table("availability_polls", schema=None) as batch_op:
        for column in ("created_by_id", "group_id", "series_id"):
            batch_op.create_index(
                batch_op.f(f"ix_availability_polls_{column}"), [column], unique=False
            )
    op.create_table(
        "poll_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("weekday_a", sa.Integer(), nullable=False),
        sa.Column("minute_a", sa.Integer(), nullable=False),
        sa.Column("weekday_b", sa.Integer(), nullable=True),
        sa.Column("minute_b", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "weekday_a BETWEEN 0 AND 6 AND minute_a BETWEEN 0 AND 1439",
            name=op.f("ck_poll_options_a_valid"),
        ),
        sa.CheckConstraint(
            "(weekday_b IS NULL AND minute_b IS NULL) OR "
            "(weekday_b BETWEEN 0 AND 6 AND minute_b BETWEEN 0 AND 1439)",
            name=op.f("ck_poll_options_b_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["availability_polls.id"],
            name=op.f("fk_poll_options_poll_id_availability_polls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_options")),
        sa.UniqueConstraint("poll_id", "position", name=op.f("uq_poll_options_poll_id_position")),
    )
    with op.batch_alter_table("poll_options", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_options_poll_id"), ["poll_id"], unique=False)
    op.create_table(
        "poll_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("choices", sa.String(length=40), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_dt", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_poll_answers_name_nonempty")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_poll_answers_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["availability_polls.id"],
            name=op.f("fk_poll_answers_poll_id_availability_polls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_answers")),
        sa.UniqueConstraint("poll_id", "person_id", name=op.f("uq_poll_answers_poll_id_person_id")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_poll_answers_secret_hash")),
    )
    with op.batch_alter_table("poll_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_answers_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_poll_answers_poll_id"), ["poll_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(_trigger(table))


def downgrade():
    op.drop_table("poll_answers")
    op.drop_table("poll_options")
    op.drop_table("availability_polls")
