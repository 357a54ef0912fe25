"""people: the daily window and weekdays that suit them (the slot finder)

Revision ID: e61b7c2d9f30
Revises: a3d9c41e7f02
Create Date: 2026-12-06 18:40:00

Defaults 08:00-20:00 local, Monday-Friday (bit 0 = Monday), for existing people too.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e61b7c2d9f30"
down_revision = "a3d9c41e7f02"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("window_start_minutes", sa.Integer(), server_default="480", nullable=False)
        )
        batch_op.add_column(
            sa.Column("window_end_minutes", sa.Integer(), server_default="1200", nullable=False)
        )
        batch_op.add_column(
            sa.Column("available_days", sa.Integer(), server_default="31", nullable=False)
        )
        batch_op.create_check_constraint(
            "window_valid",
            "window_start_minutes >= 0 AND window_start_minutes < window_end_minutes"
            " AND window_end_minutes <= 1440",
        )
        batch_op.create_check_constraint(
            "available_days_valid", "available_days > 0 AND available_days < 128"
        )


def downgrade():
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint("available_days_valid", type_="check")
        batch_op.drop_constraint("window_valid", type_="check")
        batch_op.drop_column("available_days")
        batch_op.drop_column("window_end_minutes")
        batch_op.drop_column("window_start_minutes")
