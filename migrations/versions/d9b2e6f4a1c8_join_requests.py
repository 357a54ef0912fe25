"""join requests: groups whose organizers approve new members

Revision ID: d9b2e6f4a1c8
Revises: c3a7d9e2f5b1
Create Date: 2026-12-06 20:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d9b2e6f4a1c8"
down_revision = "c3a7d9e2f5b1"
branch_labels = None
depends_on = None

TRIGGER_DDL = (
    "CREATE TRIGGER meetbot_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
    ' ON "join_requests" '
    "FOR EACH STATEMENT EXECUTE FUNCTION meetbot_notify_change()"
)


def upgrade():
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "join_needs_approval", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    op.create_table(
        "join_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_join_requests_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_join_requests_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_requests")),
        sa.UniqueConstraint(
            "group_id", "person_id", name=op.f("uq_join_requests_group_id_person_id")
        ),
    )
    with op.batch_alter_table("join_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_join_requests_person_id"), ["person_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TRIGGER_DDL)


def downgrade():
    with op.batch_alter_table("join_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_join_requests_person_id"))
    op.drop_table("join_requests")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_column("join_needs_approval")
