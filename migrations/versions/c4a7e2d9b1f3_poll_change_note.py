"""availability polls: the change note of a poll closed into an existing series

Revision ID: c4a7e2d9b1f3
Revises: e3c5a7b9d1f4
Create Date: 2026-12-06 21:40:00

A poll closed into an existing series keeps the notice it sent (new times and the
organizer's note); the series page shows it. NULL: the poll created its series.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4a7e2d9b1f3"
down_revision = "e3c5a7b9d1f4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("availability_polls") as batch:
        batch.add_column(sa.Column("change_note", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("availability_polls") as batch:
        batch.drop_column("change_note")
