"""mail outbox (every e-mail is queued in the writer's transaction), group mail settings

Revision ID: d41e8b7c2a90
Revises: c7e2a51f8d30
Create Date: 2026-12-06 18:45:00

One row per message and recipient, unique on (kind, ref, recipient) so that queueing
the same mail twice is a no-op; the worker's lease is next_attempt_dt.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d41e8b7c2a90"
down_revision = "c7e2a51f8d30"
branch_labels = None
depends_on = None

# No change-notification trigger: "mail_outbox" is in freshness.notify.UNWATCHED_TABLES
# (nothing a reader caches is derived from it).


def upgrade():
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=300), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_dt", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_mail_outbox_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
        sa.UniqueConstraint("kind", "ref", "recipient", name="uq_mail_outbox_kind_ref_recipient"),
    )
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_mail_outbox_due", ["status", "next_attempt_dt"], unique=False)
        batch_op.create_index("ix_mail_outbox_group", ["group_id", "id"], unique=False)
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mail_tag", sa.String(length=40), server_default="", nullable=False)
        )
        for name in ("mail_agenda", "mail_minutes", "mail_changes"):
            batch_op.add_column(
                sa.Column(name, sa.Boolean(), server_default=sa.true(), nullable=False)
            )
        batch_op.add_column(
            sa.Column("mail_agenda_hours", sa.Integer(), server_default="24", nullable=False)
        )
        batch_op.create_check_constraint(
            "agenda_hours_range", "mail_agenda_hours BETWEEN 1 AND 168"
        )


def downgrade():
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_constraint("agenda_hours_range", type_="check")
        for name in (
            "mail_agenda_hours",
            "mail_changes",
            "mail_minutes",
            "mail_agenda",
            "mail_tag",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_outbox_group")
        batch_op.drop_index("ix_mail_outbox_due")
    op.drop_table("mail_outbox")
