"""feed_cache.layout: where each component lies in the stored bytes (issue 19)

Revision ID: d7a3f9e2b5c1
Revises: c4e8b2d6f1a3
Create Date: 2026-12-07 06:30:00

A rendered feed is stored with its layout (``meetbot.domain.ical.layout``): each
component's sort key, offsets and series, and per series the digest it was built for.
The next render of the feed takes every unchanged series from the stored bytes, so a
worker that never rendered the feed reads one row instead of a thousand fragments.
NULL for rows stored before (their next render builds a layout).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7a3f9e2b5c1"
down_revision = "c4e8b2d6f1a3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("feed_cache", schema=None) as batch_op:
        batch_op.add_column(sa.Column("layout", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("feed_cache", schema=None) as batch_op:
        batch_op.drop_column("layout")
