"""index meetings by group, status and start (replaces group, status)

Revision ID: a3d9c41e7f02
Revises: 5c1f0e7a9b24
Create Date: 2026-11-27 08:45:00

The latest held meetings of a group are then an index range read in order (the
attendance panels and report), not a sort of the group's whole history.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a3d9c41e7f02"
down_revision = "5c1f0e7a9b24"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_meetings_group_status")
        batch_op.create_index(
            "ix_meetings_group_status_start", ["group_id", "status", "start_dt"], unique=False
        )


def downgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_meetings_group_status_start")
        batch_op.create_index("ix_meetings_group_status", ["group_id", "status"], unique=False)
