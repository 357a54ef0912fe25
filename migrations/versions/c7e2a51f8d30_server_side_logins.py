"""server-side logins (logout, password change and disabling end them on the server)

Revision ID: c7e2a51f8d30
Revises: f2c8a5d1e7b4
Create Date: 2026-12-06 18:40:00

Sessions made before this revision carried a password fingerprint instead of a
login key: they are no longer valid, so everyone logs in once more.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c7e2a51f8d30"
down_revision = "f2c8a5d1e7b4"
branch_labels = None
depends_on = None

# No change-notification trigger: "logins" is in freshness.notify.UNWATCHED_TABLES
# (nothing a reader caches is derived from it).


def upgrade():
    op.create_table(
        "logins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_dt", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_logins_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logins")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_logins_key_hash")),
    )
    with op.batch_alter_table("logins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_logins_person_id"), ["person_id"], unique=False)


def downgrade():
    with op.batch_alter_table("logins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_logins_person_id"))
    op.drop_table("logins")
