"""One-time links mailed to people: sign-up verification, password reset, invitations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetbot.extensions import db
from meetbot.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from meetbot.models.groups import Group
    from meetbot.models.people import Person


class TokenPurpose(StrEnum):
    SIGNUP = "signup"  # verify the address of a sign-up (creates the account)
    RESET = "reset"  # set a new password
    INVITE = "invite"  # join a group (creates or links the account)


class AccountToken(db.Model):
    """A mailed link's secret: only its keyed hash is stored (services.account_tokens).

    A token is live while not used, not revoked and not expired; using it sets
    ``used_dt`` in the same transaction as what it does, so it works once.
    """

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Lower-cased address the link was mailed to.
    email: Mapped[str] = mapped_column(String(320))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    # Sign-up: the name and password hash chosen on the form, kept until verified.
    display_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Sign-up and invitation: the group to join once the account exists, with a role.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
    group: Mapped[Group | None] = relationship()

    __table_args__ = (
        CheckConstraint("purpose IN ('signup', 'reset', 'invite')", name="purpose_valid"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        Index("ix_account_tokens_email_purpose", "email", "purpose"),
    )

    def status(self, now: datetime) -> str:
        """pending, accepted, revoked or expired (invitations show it)."""
        if self.used_dt is not None:
            return "accepted"
        if self.revoked_dt is not None:
            return "revoked"
        return "expired" if self.expires_dt <= now else "pending"
