"""Action item mail to each owner: a note when an item is assigned to them, a reminder
the day before it is due and on the day, a note once it is overdue; or, if they chose
``digest``, one list of their open items a week (Monday from 08:00 in their zone).

The note is queued by ``services.actions`` in the transaction of the assignment
(:func:`queue_assigned`); the rest by the worker each round (:func:`queue_due_actions`)
from the open items due in a few days around today only, keyed so each mail is queued
once: ``action-due`` / ``action-overdue`` by (item, due date), ``action-digest`` by
ISO week. An overdue note is sent for items due in the last ``OVERDUE_DAYS`` days only
(switching the feature on does not mail about years-old items).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meetbot.extensions import db
from meetbot.mail import outbox, prefs
from meetbot.models import ActionItem, ActionStatus, MailSettings, OutboxMail, Person, utcnow
from meetbot.models.actions import action_item_owners
from meetbot.services.db import unit_of_work

ASSIGNED, DUE, OVERDUE, DIGEST = "action-assigned", "action-due", "action-overdue", "action-digest"
OVERDUE_DAYS = 7
DIGEST_HOUR = 8
MAX_DIGEST_ITEMS = 100


def _base() -> str:
    return current_app.config["MEETBOT_BASE_URL"].rstrip("/")


def _today(person: Person, now: datetime) -> date:
    return now.astimezone(ZoneInfo(person.timezone or "UTC")).date()


def _wants(person: Person, choice: str) -> bool:
    return (
        bool(person.email)
        and person.is_active_account
        and (prefs.settings_of(person).actions == choice)
    )


def _send(person: Person, kind: str, ref: str, subject: str, template: str, **context) -> bool:
    context = {
        "person": person,
        "base": _base(),
        "settings_page": f"{_base()}/settings#mail",
        "unsubscribe": prefs.unsubscribe_url(person, prefs.ACTIONS),
        **context,
    }
    return outbox.enqueue(
        kind=kind,
        ref=ref,
        to=prefs.recipient(person),
        subject=subject,
        text=render_template(f"mail/{template}.txt", **context),
        html=render_template(f"mail/{template}.html", **context),
        headers=prefs.personal_headers(context["unsubscribe"]),
    )


def queue_assigned(actor: Person | None, item: ActionItem, owners: Iterable[Person]) -> None:
    """Tell each new owner (call it in the assignment's transaction; no commit).
    Nobody is told about an item they assigned to themselves."""
    for person in owners:
        if actor is not None and person.id == actor.id:
            continue
        if _wants(person, "each"):
            _send(
                person, ASSIGNED, f"action:{item.id}",
                f"[{item.group.name}] Action item for you: {item.text}",
                "action_assigned", item=item, actor=actor,
            )  # fmt: skip


def _open_with_owners(*where) -> list[ActionItem]:
    return list(
        db.session.scalars(
            select(ActionItem)
            .where(ActionItem.status == ActionStatus.OPEN, *where)
            .order_by(ActionItem.due_date, ActionItem.id)
            .options(selectinload(ActionItem.owners), selectinload(ActionItem.group))
        )
    )


def due_action_mail(now: datetime) -> list[tuple[Person, ActionItem, str]]:
    """(owner, item, kind) of the due and overdue notes to queue now (not queued yet)."""
    today = now.date()  # UTC; every zone's date is within a day of it
    items = _open_with_owners(
        ActionItem.due_date.between(
            today - timedelta(days=OVERDUE_DAYS + 1), today + timedelta(days=2)
        )
    )
    found = []
    for item in items:
        for person in item.owners:
            if not _wants(person, "each"):
                continue
            local = _today(person, now)
            if local + timedelta(days=1) >= item.due_date >= local:
                found.append((person, item, DUE))
            elif local - timedelta(days=OVERDUE_DAYS) <= item.due_date < local:
                found.append((person, item, OVERDUE))
    if not found:
        return []
    queued = set(
        tuple(row)
        for row in db.session.execute(
            select(OutboxMail.kind, OutboxMail.ref, OutboxMail.recipient).where(
                OutboxMail.kind.in_((DUE, OVERDUE)),
                OutboxMail.ref.in_({_ref(i) for _, i, _ in found}),
            )
        )
    )
    return [(p, i, k) for p, i, k in found if (k, _ref(i), (p.email or "").lower()) not in queued]


def _ref(item: ActionItem) -> str:
    return f"action:{item.id}:{item.due_date.isoformat() if item.due_date else ''}"


def _week(person: Person, now: datetime) -> str | None:
    """The digest's ISO week if one is due now in the person's zone (Monday 08:00 on)."""
    local = now.astimezone(ZoneInfo(person.timezone or "UTC"))
    if local.weekday() == 0 and local.hour < DIGEST_HOUR:
        return None
    year, week, _ = local.isocalendar()
    return f"digest:{year}-W{week:02d}"


def due_digests(now: datetime) -> list[tuple[Person, str]]:
    """(person, week ref) of the weekly digests to queue now."""
    people = list(
        db.session.scalars(
            select(Person)
            .join(MailSettings, MailSettings.person_id == Person.id)
            .where(
                MailSettings.actions == "digest",
                Person.email.is_not(None),
                Person.is_active_account.is_(True),
            )
        )
    )
    weeks = [(p, w) for p in people if (w := _week(p, now)) is not None]
    if not weeks:
        return []
    queued = set(
        tuple(row)
        for row in db.session.execute(
            select(OutboxMail.ref, OutboxMail.recipient).where(
                OutboxMail.kind == DIGEST, OutboxMail.ref.in_({w for _, w in weeks})
            )
        )
    )
    return [(p, w) for p, w in weeks if (w, (p.email or "").lower()) not in queued]


def _open_items_of(person: Person) -> list[ActionItem]:
    owned = select(action_item_owners.c.action_item_id).where(
        action_item_owners.c.person_id == person.id
    )
    return _open_with_owners(ActionItem.id.in_(owned))[:MAX_DIGEST_ITEMS]


def queue_due_actions(now: datetime | None = None) -> int:
    """Queue the due, overdue and digest mails due now (the worker, each round)."""
    now = now or utcnow()
    queued = 0
    for person, item, kind in due_action_mail(now):
        with unit_of_work():
            words = "due soon" if kind == DUE else "overdue"
            queued += _send(
                person, kind, _ref(item), f"[{item.group.name}] Action item {words}: {item.text}",
                "action_due", item=item, overdue=kind == OVERDUE,
            )  # fmt: skip
    for person, week in due_digests(now):
        items = _open_items_of(person)
        if not items:
            continue
        with unit_of_work():
            today = _today(person, now)
            late = [i for i in items if i.due_date is not None and i.due_date < today]
            queued += _send(
                person, DIGEST, week, f"Your open action items: {len(items)}",
                "action_digest", items=items, late=late, today=today,
            )  # fmt: skip
    return queued
