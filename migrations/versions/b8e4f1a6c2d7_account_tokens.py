"""account tokens: sign-up verification, password reset and invitation links

Revision ID: b8e4f1a6c2d7
Revises: 9d4e2b7c1a60
Create Date: 2026-12-06 19:40:00

Only a keyed hash of each mailed secret is stored (services.account_tokens).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b8e4f1a6c2d7"
down_revision = "9d4e2b7c1a60"
branch_labels = None
depends_on = None

TRIGGER_DDL = (
    "CREATE TRIGGER meetbot_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
    ' ON "account_tokens" '
    "FOR EACH STATEMENT EXECUTE FUNCTION meetbot_notify_change()"
)


def upgrade():
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("display_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_dt", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('signup', 'reset', 'invite')",
            name=op.f("ck_account_tokens_purpose_valid"),
        ),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_account_tokens_email_lowercase")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["people.id"],
            name=op.f("fk_account_tokens_created_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_account_tokens_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_account_tokens_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
    )
    with op.batch_alter_table("account_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_account_tokens_email_purpose", ["email", "purpose"])
        batch_op.create_index(batch_op.f("ix_account_tokens_group_id"), ["group_id"])
        batch_op.create_index(batch_op.f("ix_account_tokens_person_id"), ["person_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TRIGGER_DDL)


def downgrade():
    with op.batch_alter_table("account_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_tokens_person_id"))
        batch_op.drop_index(batch_op.f("ix_account_tokens_group_id"))
        batch_op.drop_index("ix_account_tokens_email_purpose")
    op.drop_table("account_tokens")
