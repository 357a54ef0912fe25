"""External identities: a person's accounts at OpenID Connect providers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetbot.extensions import db
from meetbot.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from meetbot.models.people import Person


class ExternalIdentity(db.Model):
    """``(provider, subject)`` names one account at one provider (the ID token's
    ``iss``-scoped ``sub``); it logs in as exactly one person."""

    __tablename__ = "external_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(64))  # the name in MEETBOT_OIDC_PROVIDERS
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))  # as the provider said, at linking
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()

    __table_args__ = (UniqueConstraint("issuer", "subject"),)
