"""Reminders to each person before meetings of the series they follow.

The worker (:func:`queue_due_reminders`, each round) looks at the people who switched
reminders on, expands the occurrences of the series they follow over the next
``max(lead time)`` only (``services.occurrences``: the expansion the feeds and the
agenda mail use, so moves and cancellations are included), and queues the reminders
due now. Each is keyed (reminder, occurrence UID + RECURRENCE-ID, recipient), so two
workers or a re-run queue it once; a meeting that has started gets none (not queued,
and dropped by the worker if still queued: ``expires``). The time is shown in the
person's own zone (their profile's; else the series' zone).

Followed = a "Follow" on the series page, or (``follow_member_series``, the default)
any series of a group they are a member of, unless they pressed "Unfollow" there.
Stand-alone (one-off) meetings have no series to follow and get no reminder.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from sqlalchemy import select

from meetbot.extensions import db
from meetbot.mail import outbox, prefs
from meetbot.mail.group_mail import occurrence_ref
from meetbot.models import (
    Group,
    MailSettings,
    MeetingSeries,
    MeetingStatus,
    Membership,
    OutboxMail,
    Person,
    SeriesFollow,
    utcnow,
)
from meetbot.services.db import unit_of_work
from meetbot.services.occurrences import OccurrenceView, occurrences_of_groups

REMINDER = "reminder"
BATCH = 50  # reminders queued per transaction


@dataclass(frozen=True)
class _Reader:
    person_id: int
    email: str
    lead: timedelta
    members_of: frozenset[int]  # groups whose series count as followed
    chosen: dict[int, bool]  # series id -> follow (True) / mute (False)

    def follows(self, view: OccurrenceView) -> bool:
        if view.series_id is None:
            return False
        choice = self.chosen.get(view.series_id)
        return choice if choice is not None else view.group_id in self.members_of


def _readers() -> list[_Reader]:
    rows = db.session.execute(
        select(
            Person.id,
            Person.email,
            MailSettings.reminder_minutes,
            MailSettings.follow_member_series,
        )
        .join(MailSettings, MailSettings.person_id == Person.id)
        .where(
            MailSettings.reminders.is_(True),
            Person.email.is_not(None),
            Person.is_active_account.is_(True),
        )
    ).all()
    if not rows:
        return []
    ids = [r[0] for r in rows]
    chosen: dict[int, dict[int, bool]] = defaultdict(dict)
    for pid, sid, following in db.session.execute(
        select(SeriesFollow.person_id, SeriesFollow.series_id, SeriesFollow.following).where(
            SeriesFollow.person_id.in_(ids)
        )
    ):
        chosen[pid][sid] = following
    member: dict[int, set[int]] = defaultdict(set)
    for pid, gid in db.session.execute(
        select(Membership.person_id, Membership.group_id).where(Membership.person_id.in_(ids))
    ):
        member[pid].add(gid)
    return [
        _Reader(
            pid,
            email.lower(),
            timedelta(minutes=minutes),
            frozenset(member[pid]) if by_membership else frozenset(),
            chosen[pid],
        )
        for pid, email, minutes, by_membership in rows
    ]


def _groups_of(readers: list[_Reader]) -> set[int]:
    groups = set().union(*(r.members_of for r in readers))
    followed = {sid for r in readers for sid, on in r.chosen.items() if on}
    if followed:
        groups |= set(
            db.session.scalars(select(MeetingSeries.group_id).where(MeetingSeries.id.in_(followed)))
        )
    return groups


def due_reminders(now: datetime | None = None) -> list[tuple[int, OccurrenceView]]:
    """(person id, occurrence) of every reminder due now and not queued yet."""
    now = now or utcnow()
    readers = _readers()
    groups = _groups_of(readers)
    if not groups:
        return []
    longest = max(r.lead for r in readers)
    views = [
        v
        for v in occurrences_of_groups(
            sorted(groups), now, now + longest + timedelta(seconds=1), _domain()
        )
        if v.status == MeetingStatus.SCHEDULED and v.start > now
    ]
    # Readers by group and by followed series: each occurrence looks at its own only.
    by_group: dict[int, list[_Reader]] = defaultdict(list)
    by_series: dict[int | None, list[_Reader]] = defaultdict(list)
    for r in readers:
        for gid in r.members_of:
            by_group[gid].append(r)
        for sid, on in r.chosen.items():
            if on:
                by_series[sid].append(r)
    due = []
    for v in views:
        near = {r.person_id: r for r in (*by_group[v.group_id], *by_series[v.series_id])}
        due += [(r, v) for r in near.values() if v.start <= now + r.lead and r.follows(v)]
    if not due:
        return []
    queued = set(
        tuple(row)
        for row in db.session.execute(
            select(OutboxMail.ref, OutboxMail.recipient).where(
                OutboxMail.kind == REMINDER,
                OutboxMail.ref.in_({occurrence_ref(v) for _, v in due}),
            )
        )
    )
    return sorted(
        ((r.person_id, v) for r, v in due if (occurrence_ref(v), r.email) not in queued),
        key=lambda pv: (pv[1].start, pv[0]),
    )


def _domain() -> str:
    return current_app.config["MEETBOT_UID_DOMAIN"]


def queue_due_reminders(now: datetime | None = None) -> int:
    """Queue every reminder due now (the worker calls it each round), BATCH a commit:
    a row conflicting with another worker's is skipped by the insert, not an error."""
    found = due_reminders(now)
    queued = 0
    for first in range(0, len(found), BATCH):
        with unit_of_work():
            for person_id, view in found[first : first + BATCH]:
                person = db.session.get(Person, person_id)
                if person is not None:
                    queued += queue_reminder(person, view)
    return queued


def local_time(view: OccurrenceView, zone: str) -> str:
    start, end = view.start.astimezone(ZoneInfo(zone)), view.end.astimezone(ZoneInfo(zone))
    return f"{start:%A %d %B %Y, %H:%M}–{end:%H:%M} {start:%Z} ({zone})"


def queue_reminder(person: Person, view: OccurrenceView) -> int:
    """Queue one reminder (no commit). Not the group's list mail: no group on the row."""
    group = db.session.get(Group, view.group_id)
    zone = person.timezone or view.timezone or "UTC"
    base = current_app.config["MEETBOT_BASE_URL"].rstrip("/")
    local = view.start.astimezone(ZoneInfo(zone))
    context = {
        "person": person,
        "group": group,
        "view": view,
        "when": local_time(view, zone),
        "utc": f"{view.start:%A %d %B %Y, %H:%M} UTC",
        "join": view.location if view.location.startswith(("https://", "http://")) else "",
        "location": view.location,
        "series_page": f"{base}/series/{view.series_id}",
        "settings_page": f"{base}/settings#mail",
        "unsubscribe": prefs.unsubscribe_url(person, prefs.REMINDERS),
    }
    return int(
        outbox.enqueue(
            kind=REMINDER,
            ref=occurrence_ref(view),
            to=prefs.recipient(person),
            subject=f"Reminder: {view.title}, {local:%a %d %b %H:%M %Z}",
            text=render_template("mail/reminder.txt", **context),
            html=render_template("mail/reminder.html", **context),
            headers=prefs.personal_headers(context["unsubscribe"]),
            expires=view.start,
        )
    )
