"""feed render claims (one render at a time per feed), per-series feed fragments, VTIMEZONEs

Revision ID: e7f3a9c1d5b8
Revises: c4a7e2d9b1f3
Create Date: 2026-12-06 21:30:00

All three are caches' working tables, written while serving reads: no change-notification
trigger ("feed_claims", "feed_fragments" and "feed_zones" are in
freshness.notify.UNWATCHED_TABLES).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e7f3a9c1d5b8"
down_revision = "c4a7e2d9b1f3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "feed_claims",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("expires_dt", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_feed_claims")),
    )
    op.create_table(
        "feed_fragments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=False),
        sa.Column("last_year", sa.Integer(), nullable=False),
        sa.Column("min_year", sa.Integer(), nullable=True),
        sa.Column("max_year", sa.Integer(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["meeting_series.id"],
            name=op.f("fk_feed_fragments_series_id_meeting_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_fragments")),
        sa.UniqueConstraint(
            "series_id",
            "first_year",
            "last_year",
            name=op.f("uq_feed_fragments_series_id_first_year_last_year"),
        ),
    )
    op.create_table(
        "feed_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=False),
        sa.Column("last_year", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_zones")),
        sa.UniqueConstraint(
            "zone", "first_year", "last_year", name=op.f("uq_feed_zones_zone_first_year_last_year")
        ),
    )


def downgrade():
    op.drop_table("feed_zones")
    op.drop_table("feed_fragments")
    op.drop_table("feed_claims")
