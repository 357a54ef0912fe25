"""People, their chat handles, their API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetbot.extensions import db
from meetbot.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from meetbot.models.groups import Membership


def new_nonce() -> str:
    """A fresh random value; rotating a person's feed nonce revokes their feed URL."""
    return secrets.token_urlsafe(16)


class Person(UserMixin, db.Model):
    """Anyone who attends, chairs or owns an action item; optionally someone who logs in."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # Stored lower-cased; unique when present (CHECK keeps it so on every backend).
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    organization: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # When meetings suit this person (the slot finder, docs/slot-finder.md): a daily
    # window in minutes from local midnight and a bit per acceptable local weekday
    # (bit 0 = Monday); defaults 08:00-20:00, Monday-Friday.
    window_start_minutes: Mapped[int] = mapped_column(Integer, default=480, server_default="480")
    window_end_minutes: Mapped[int] = mapped_column(Integer, default=1200, server_default="1200")
    available_days: Mapped[int] = mapped_column(Integer, default=31, server_default="31")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # Part of the HMAC behind the personal feed URL; a new nonce revokes the old URL.
    feed_nonce: Mapped[str] = mapped_column(String(64), default=new_nonce)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    handles: Mapped[list[PersonHandle]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonHandle.id"
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )
    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )
    logins: Mapped[list[Login]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint("email IS NULL OR email = lower(email)", name="email_lowercase"),
        CheckConstraint("length(display_name) > 0", name="display_name_nonempty"),
        CheckConstraint(
            "window_start_minutes >= 0 AND window_start_minutes < window_end_minutes"
            " AND window_end_minutes <= 1440",
            name="window_valid",
        ),
        CheckConstraint("available_days > 0 AND available_days < 128", name="available_days_valid"),
    )

    @property
    def available_weekdays(self) -> frozenset[int]:
        """The acceptable local weekdays, 0 = Monday."""
        days = self.available_days if self.available_days is not None else 31
        return frozenset(d for d in range(7) if days >> d & 1)

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot log in
        return self.is_active_account

    @property
    def can_login(self) -> bool:
        return self.password_hash is not None and self.is_active_account

    # The id of the login (services.logins) this object was loaded for in this request;
    # set by web.auth, never stored. Flask-Login keeps it in the session and remember
    # cookies, and web.auth.load_user checks it against the ``logins`` table.
    login_session_id = None  # str | None; a plain attribute, not a column

    def get_id(self) -> str:
        """Flask-Login's session id: ``<person id>:<login key>`` of a server-side login.

        Logging out, a password change and disabling the account end logins on the
        server, so a captured session or "keep me logged in" cookie stops working.
        """
        if not self.login_session_id:
            raise RuntimeError("start a login (services.logins.start) before login_user")
        return self.login_session_id

    # UserMixin compares users by get_id(), which is per login now: compare rows instead.
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Person):
            return NotImplemented
        if self.id is None or other.id is None:
            return self is other
        return self.id == other.id

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.display_name!r}>"


class PersonHandle(db.Model):
    """A chat nick or alias by which a person is known in logs and pasted lists."""

    __tablename__ = "person_handles"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # Lower-cased; unique across people so a nick names one person.
    handle: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="irc")  # irc | matrix | alias | ...

    person: Mapped[Person] = relationship(back_populates="handles")

    __table_args__ = (
        CheckConstraint("handle = lower(handle) AND length(handle) > 0", name="handle_lowercase"),
    )


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="api_tokens")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_dt is not None


class Login(db.Model):
    """One login of a person (a browser): its key is in the session and remember cookies.

    Only the key's SHA-256 is stored. A login ends at logout (that one only), when the
    password changes (all others) or is reset, and when the account is disabled.
    """

    __tablename__ = "logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="logins")
