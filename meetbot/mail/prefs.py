"""Each person's mail choices, the series they follow, and one-click unsubscribe links.

A person without a ``mail_settings`` row has the defaults: no meeting reminders
(opt-in), the series of their groups count as followed once they switch reminders on,
and a note for each action item assigned to them (``each``).

Unsubscribe links (RFC 8058) carry ``[person id, kind, link nonce]`` signed with the
app's secret key by itsdangerous (as Flask signs its session). They work without
logging in; a new nonce ("make new unsubscribe links" in the settings) revokes them all.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from meetbot.extensions import db
from meetbot.mail.message import address
from meetbot.models import MailSettings, MeetingSeries, Membership, Person, SeriesFollow
from meetbot.models.mail_prefs import MAX_REMINDER_MINUTES, MIN_REMINDER_MINUTES
from meetbot.services import audit
from meetbot.services.db import unit_of_work
from meetbot.services.errors import field_error

REMINDERS, ACTIONS = "reminders", "actions"  # what an unsubscribe link switches off
KINDS = (REMINDERS, ACTIONS)
ACTION_CHOICES = ("each", "digest", "off")
_SALT = "meetbot-mail-unsubscribe"


def settings_of(person: Person) -> MailSettings:
    """The person's settings (a default, unsaved row when they never chose)."""
    row = db.session.get(MailSettings, person.id)
    if row is None:
        row = MailSettings(
            person_id=person.id,
            reminders=False,
            reminder_minutes=60,
            follow_member_series=True,
            actions="each",
            link_nonce=0,
        )
    return row


def _stored(person: Person) -> MailSettings:
    row = settings_of(person)
    if row not in db.session:
        db.session.add(row)
    return row


def update_settings(
    person: Person,
    *,
    reminders: bool,
    reminder_minutes: int,
    follow_member_series: bool,
    actions: str,
) -> MailSettings:
    """Save the person's choices (Settings page); a bad value changes nothing."""
    if not MIN_REMINDER_MINUTES <= reminder_minutes <= MAX_REMINDER_MINUTES:
        raise field_error(
            "reminder_minutes",
            f"Pick {MIN_REMINDER_MINUTES} to {MAX_REMINDER_MINUTES} minutes (two days).",
        )
    if actions not in ACTION_CHOICES:
        raise field_error("actions", "Pick each, digest or off.")
    with unit_of_work():
        row = _stored(person)
        row.reminders = reminders
        row.reminder_minutes = reminder_minutes
        row.follow_member_series = follow_member_series
        row.actions = actions
    return row


def is_following(person: Person, series: MeetingSeries) -> bool:
    """Whether reminders would cover this series (if the person has them on)."""
    row = db.session.get(SeriesFollow, (person.id, series.id))
    if row is not None:
        return row.following
    if not settings_of(person).follow_member_series:
        return False
    return (
        db.session.scalar(
            select(Membership.person_id).where(
                Membership.person_id == person.id, Membership.group_id == series.group_id
            )
        )
        is not None
    )


def set_following(person: Person, series: MeetingSeries, following: bool) -> None:
    """The series page's follow / unfollow button."""
    with unit_of_work():
        row = db.session.get(SeriesFollow, (person.id, series.id))
        if row is None:
            db.session.add(
                SeriesFollow(person_id=person.id, series_id=series.id, following=following)
            )
        else:
            row.following = following


# --- unsubscribe links ------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def unsubscribe_token(person: Person, kind: str) -> str:
    return _serializer().dumps([person.id, kind, settings_of(person).link_nonce])


def unsubscribe_url(person: Person, kind: str) -> str:
    base = current_app.config["MEETBOT_BASE_URL"].rstrip("/")
    return f"{base}/mail/unsubscribe/{unsubscribe_token(person, kind)}"


def read_token(token: str) -> tuple[Person, str] | None:
    """The person and kind of a valid, unrevoked link; None for anything else."""
    if len(token) > 200:
        return None
    try:
        person_id, kind, nonce = _serializer().loads(token)
    except (BadSignature, TypeError, ValueError):
        return None
    if kind not in KINDS or not isinstance(person_id, int):
        return None
    person = db.session.get(Person, person_id)
    if person is None or settings_of(person).link_nonce != nonce:
        return None
    return person, kind


def unsubscribe(person: Person, kind: str) -> None:
    """Stop one kind of personal mail (the link's POST; the settings can undo it)."""
    with unit_of_work():
        row = _stored(person)
        if kind == REMINDERS:
            row.reminders = False
        else:
            row.actions = "off"
        audit.record(person, None, "person", person.id, "unsubscribed", kind=kind)


def new_links(person: Person) -> None:
    """Revoke every unsubscribe link sent so far (the next mails carry new ones)."""
    with unit_of_work():
        row = _stored(person)
        row.link_nonce = (row.link_nonce or 0) + 1


def personal_headers(url: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe headers for the link ``url`` (from
    :func:`unsubscribe_url`; Auto-Submitted is added by the outbox)."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def recipient(person: Person) -> str:
    return address(person.display_name, person.email or "")
