"""Mail to a group's mailing list: the agenda before each occurrence, cancellations
and moves when they happen (and the minutes, when a chair sends them).

Agendas are found by the worker (:func:`queue_due_agendas`) from the same occurrence
expansion as the feeds (``services.occurrences``), over the window of the next
``mail_agenda_hours`` only, so the cost follows what is due, not the history. Each
is keyed (kind, occurrence UID + RECURRENCE-ID, list address): queued once however
often or on however many servers the worker runs. An agenda not sent before its
meeting starts is dropped (``expires``), not sent late. Every mail carries an
``.ics`` of the occurrence with the feed's UID / RECURRENCE-ID / SEQUENCE.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meetbot.domain import ical
from meetbot.extensions import db
from meetbot.mail import outbox
from meetbot.mail.message import Attachment
from meetbot.models import (
    ActionItem,
    ActionStatus,
    Group,
    Meeting,
    MeetingStatus,
    Membership,
    OutboxMail,
    Person,
    utcnow,
)
from meetbot.services import audit, feed_occurrence
from meetbot.services import minutes_export as minutes_export_service
from meetbot.services.db import unit_of_work
from meetbot.services.errors import ValidationError
from meetbot.services.occurrences import OccurrenceView, occurrences_of_groups

AGENDA, CANCELLED, MOVED, MINUTES = "agenda", "cancelled", "moved", "minutes"
MAX_ZONES = 3  # besides UTC and the group's own zone
MAX_ACTIONS = 30  # open action items listed in an agenda mail


def occurrence_ref(view: OccurrenceView) -> str:
    """What a mail about one occurrence is keyed by: its UID and RECURRENCE-ID."""
    if view.recurrence_id is None:
        return view.uid
    return f"{view.uid}|{view.recurrence_id:%Y%m%dT%H%M%SZ}"


def _domain() -> str:
    return current_app.config["MEETBOT_UID_DOMAIN"]


def _base() -> str:
    return current_app.config["MEETBOT_BASE_URL"].rstrip("/")


def _listed(*where: object) -> list[Group]:
    return list(
        db.session.scalars(
            select(Group).where(Group.mailing_list.is_not(None), Group.mailing_list != "", *where)
        )
    )


def due_agendas(now: datetime | None = None) -> list[tuple[Group, OccurrenceView]]:
    """The occurrences whose agenda is due now and not queued yet (oldest first)."""
    now = now or utcnow()
    groups = {g.id: g for g in _listed(Group.mail_agenda.is_(True))}
    if not groups:
        return []
    longest = timedelta(hours=max(g.mail_agenda_hours for g in groups.values()))
    # [now, end) is half-open: one more second takes in a start exactly at the lead time.
    views = occurrences_of_groups(
        list(groups), now, now + longest + timedelta(seconds=1), _domain()
    )
    due = [
        (groups[v.group_id], v)
        for v in views
        if v.status == MeetingStatus.SCHEDULED
        and now < v.start <= now + timedelta(hours=groups[v.group_id].mail_agenda_hours)
    ]
    if not due:
        return []
    queued = set(
        db.session.scalars(
            select(OutboxMail.ref).where(
                OutboxMail.kind == AGENDA,
                OutboxMail.ref.in_({occurrence_ref(v) for _, v in due}),
            )
        )
    )
    return sorted(
        ((g, v) for g, v in due if occurrence_ref(v) not in queued), key=lambda gv: gv[1].start
    )


def queue_due_agendas(now: datetime | None = None) -> int:
    """Queue every agenda mail that is due now (the worker calls it each round)."""
    found = due_agendas(now)
    queued = 0
    for group, view in found:
        with unit_of_work():
            queued += queue_agenda(group, view)
    return queued


@dataclass(frozen=True)
class _Times:
    label: str
    text: str


def _zones(group: Group) -> list[str]:
    """The group's zone, then the zones most of its members set (at most MAX_ZONES)."""
    rows = db.session.execute(
        select(Person.timezone)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.group_id == group.id, Person.timezone.is_not(None))
    )
    counts = Counter(zone for (zone,) in rows if zone)
    zones = [group.timezone]
    for zone, _n in counts.most_common():
        if zone not in zones and len(zones) <= MAX_ZONES:
            zones.append(zone)
    return [z for z in zones if z != "UTC"]


def _times(view: OccurrenceView, zones: list[str]) -> list[_Times]:
    out = [_Times("UTC", f"{view.start:%A %d %B %Y, %H:%M}–{view.end:%H:%M} UTC")]
    for zone in zones:
        start, end = view.start.astimezone(ZoneInfo(zone)), view.end.astimezone(ZoneInfo(zone))
        out.append(_Times(zone, f"{start:%A %d %B %Y, %H:%M}–{end:%H:%M} {start:%Z} ({zone})"))
    return out


def _page(view: OccurrenceView) -> str:
    if view.meeting_id is not None:
        return f"{_base()}/meetings/{view.meeting_id}"
    query = urlencode(
        {"slot": view.slot_key, "at": view.original_start_local.isoformat(timespec="minutes")}
    )
    return f"{_base()}/series/{view.series_id}/occurrence?{query}"


def _ics(view: OccurrenceView, method: str) -> Attachment:
    data = ical.build_occurrence(feed_occurrence.occurrence_event(view), method=method)
    return Attachment("meeting.ics", data, "text", "calendar", {"method": method})


def _subject(group: Group, text: str) -> str:
    return f"{group.mail_tag} {text}".strip()


def _open_actions(group: Group) -> list[ActionItem]:
    return list(
        db.session.scalars(
            select(ActionItem)
            .where(ActionItem.group_id == group.id, ActionItem.status == ActionStatus.OPEN)
            .order_by(ActionItem.due_date.is_(None), ActionItem.due_date, ActionItem.id)
            .limit(MAX_ACTIONS)
            .options(selectinload(ActionItem.owners))  # the templates list the owners
        )
    )


def queue_agenda(group: Group, view: OccurrenceView) -> int:
    """Queue the agenda mail of one occurrence to the group's list (no commit)."""
    row = db.session.get(Meeting, view.meeting_id) if view.meeting_id is not None else None
    local = view.start.astimezone(ZoneInfo(group.timezone))
    context = {
        "group": group,
        "view": view,
        "times": _times(view, _zones(group)),
        "join": view.location if view.location.startswith(("https://", "http://")) else "",
        "location": view.location,
        "agenda": row.agenda if row is not None else "",
        "actions": _open_actions(group),
        "page": _page(view),
        "base": _base(),
    }
    return int(
        outbox.enqueue(
            kind=AGENDA,
            ref=occurrence_ref(view),
            to=group.mailing_list or "",
            subject=_subject(group, f"Agenda: {view.title}, {local:%a %d %b %H:%M %Z}"),
            text=render_template("mail/agenda.txt", **context),
            html=render_template("mail/agenda.html", **context),
            group=group,
            attachments=[_ics(view, "PUBLISH")],
            expires=view.start,
        )
    )


def agenda_message_id(view: OccurrenceView) -> str | None:
    """The Message-ID of the agenda mail of an occurrence, if one was queued."""
    return db.session.scalar(
        select(OutboxMail.message_id).where(
            OutboxMail.kind == AGENDA, OutboxMail.ref == occurrence_ref(view)
        )
    )


def queue_change(meeting: Meeting, action: str) -> None:
    """Queue the list mail of a cancelled or moved meeting (call it in that change's
    transaction, after the change is flushed). Other actions send nothing."""
    kind = {"cancelled": CANCELLED, "moved": MOVED}.get(action)
    group = meeting.group
    if kind is None or not group.mail_changes or not group.mailing_list:
        return
    view = _view_of(meeting)
    if view is None or view.end <= utcnow():
        return  # nothing to tell about a meeting that is over
    local = view.start.astimezone(ZoneInfo(group.timezone))
    context = {
        "group": group,
        "view": view,
        "kind": kind,
        "times": _times(view, _zones(group)),
        "reason": meeting.change_reason or "",
        "page": _page(view),
    }
    words = "Cancelled" if kind == CANCELLED else "Moved"
    event = feed_occurrence.occurrence_event(view)
    outbox.enqueue(
        kind=kind,
        ref=f"{occurrence_ref(view)}|seq{event.sequence}",
        to=group.mailing_list,
        subject=_subject(group, f"{words}: {view.title}, {local:%a %d %b %H:%M %Z}"),
        text=render_template("mail/change.txt", **context),
        html=render_template("mail/change.html", **context),
        group=group,
        attachments=[_ics(view, "CANCEL" if kind == CANCELLED else "PUBLISH")],
        in_reply_to=agenda_message_id(view),
    )


def _view_of(meeting: Meeting) -> OccurrenceView | None:
    """The meeting as the occurrence expansion shows it (the feeds' UID and times)."""
    start = min(meeting.start_dt, meeting.end_dt) - timedelta(days=2)
    end = max(meeting.start_dt, meeting.end_dt) + timedelta(days=2)
    for view in occurrences_of_groups([meeting.group_id], start, end, _domain()):
        if view.meeting_id == meeting.id:
            return view
    return None


def queue_minutes(actor: Person | None, meeting: Meeting) -> bool:
    """Queue the minutes of a meeting to its group's list (a chair's "send" button).

    MeetBot's text layout (``minutes_format``, as the email.txt export) plus links,
    threaded under the meeting's agenda mail. Sending again is a no-op: False.
    Not marked Auto-Submitted: a person sent it.
    """
    group = meeting.group
    if not group.mailing_list:
        raise ValidationError(
            "The group has no mailing list address: set it in the group's settings.",
            {"mailing_list": "missing"},
        )
    if not group.mail_minutes:
        raise ValidationError(
            "Minutes mail is switched off in the group's settings.", {"mail_minutes": "off"}
        )
    with unit_of_work():
        return queue_minutes_in_session(actor, meeting)


def minutes_mail_wanted(group: Group) -> bool:
    """The group has a list and sends minutes to it (the chat bot's ``#endmeeting``)."""
    return bool(group.mailing_list) and group.mail_minutes


def queue_minutes_in_session(actor: Person | None, meeting: Meeting) -> bool:
    """``queue_minutes`` INSIDE the caller's transaction, for a group whose
    ``minutes_mail_wanted``: the mail row commits with the caller's change. Keyed by
    the meeting and the list, so queueing again (a repeated ``#endmeeting``, a
    restarted bot, the chair's button) adds nothing: False."""
    group = meeting.group
    page = f"{_base()}/meetings/{meeting.id}"
    email = minutes_export_service.build_email(meeting, "summary", url=f"{page}/minutes/")
    view = _view_of(meeting)
    parent = agenda_message_id(view) if view is not None else None
    subject = email.subject  # "[Group name] Minutes: ..."; the list's tag replaces that
    if group.mail_tag and subject.startswith(f"[{group.name}] "):
        subject = subject[len(group.name) + 3 :]
    added = outbox.enqueue(
        kind=MINUTES,
        ref=f"meeting:{meeting.id}",
        to=group.mailing_list or "",
        subject=_subject(group, subject),
        text=f"{email.body.rstrip()}\n\nMinutes: {page}/minutes/\nMeeting page: {page}\n",
        group=group,
        in_reply_to=parent,
        automatic=False,
    )
    if added:
        audit.record(actor, group, "meeting", meeting.id, "minutes_mailed")
    return added
