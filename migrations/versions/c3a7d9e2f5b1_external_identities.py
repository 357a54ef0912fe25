"""external identities: people's accounts at OpenID Connect providers

Revision ID: c3a7d9e2f5b1
Revises: b8e4f1a6c2d7
Create Date: 2026-12-06 19:45:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3a7d9e2f5b1"
down_revision = "b8e4f1a6c2d7"
branch_labels = None
depends_on = None

TRIGGER_DDL = (
    "CREATE TRIGGER meetbot_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
    ' ON "external_identities" '
    "FOR EACH STATEMENT EXECUTE FUNCTION meetbot_notify_change()"
)


def upgrade():
    op.create_table(
        "external_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_dt", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_external_identities_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_identities")),
        sa.UniqueConstraint(
            "issuer", "subject", name=op.f("uq_external_identities_issuer_subject")
        ),
    )
    with op.batch_alter_table("external_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_external_identities_person_id"), ["person_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TRIGGER_DDL)


def downgrade():
    with op.batch_alter_table("external_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_identities_person_id"))
    op.drop_table("external_identities")
