"""The shared feed caches' working tables: who renders a feed now, and the rendered
events of each series (``meetbot.freshness``; neither moves a change token)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from meetbot.extensions import db
from meetbot.models.types import UTCDateTime, utcnow


class FeedClaim(db.Model):
    """One render at a time per feed: the app server rendering ``key`` until
    ``expires_dt`` (a crashed renderer's claim simply expires)."""

    __tablename__ = "feed_claims"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    token: Mapped[str] = mapped_column(String(40))
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedFragment(db.Model):
    """A series' serialized iCal components, shared by every feed and app server.

    Valid while ``digest`` (a hash of everything the events are built from) is the
    series' current one; ``first_year``/``last_year`` is the range the feed's
    VTIMEZONEs cover (the bytes depend on it), ``min_year``/``max_year`` the years
    the series' own events span (None: no events). ``meta`` holds each component's
    sort key and length in ``body`` and what building them noted (TZIDs, UTC times).
    Only rows of the current digest are kept: at most one per year range.
    """

    __tablename__ = "feed_fragments"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("meeting_series.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64))
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    min_year: Mapped[int | None] = mapped_column(Integer)
    max_year: Mapped[int | None] = mapped_column(Integer)
    meta: Mapped[dict] = mapped_column(JSON)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("series_id", "first_year", "last_year"),)


class FeedZone(db.Model):
    """A VTIMEZONE's bytes for one zone and year range, shared by every app server
    (generating them from the zoneinfo transitions is a cold process's largest cost).
    Storing a range deletes the zone's rows of other ranges older than a day."""

    __tablename__ = "feed_zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    zone: Mapped[str] = mapped_column(String(64))
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("zone", "first_year", "last_year"),)
