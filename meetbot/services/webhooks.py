"""Outgoing webhooks: subscriptions per group, events queued in the writer's transaction,
delivered by a worker with HMAC signatures and exponential backoff (webhook_delivery.py).

How an event travels:

1. A write service calls ``emit(group, "meeting.cancelled", {...})`` inside its own
   ``unit_of_work``. That adds one WebhookDelivery row per matching webhook, so the
   event is queued if and only if the change commits.
2. ``flask --app meetbot deliver-webhooks`` (``deliver_due``) POSTs each due row's body
   with ``X-Meetbot-Signature: sha256=<hex HMAC-SHA256(secret, body)>``, a
   ``X-Meetbot-Timestamp`` (Unix seconds), ``X-Meetbot-Event`` and ``X-Meetbot-Delivery``.
3. A 2xx answer marks it delivered. Anything else (error status, refused connection,
   timeout) schedules a retry after 1, 2, 4, ... minutes (capped at 6 hours); after
   ``MAX_ATTEMPTS`` it is marked failed. Every row stays as the delivery log.

SSRF: a webhook URL makes this server send requests where an organizer says. URLs
must be http(s), and hosts resolving to any address that is not public unicast
(``meetbot.domain.netaddr``: loopback, private, shared 100.64.0.0/10, link-local (cloud
metadata), site-local, multicast, reserved, and IPv6 forms embedding such an IPv4
address) are refused, both when subscribing and again before
each delivery (the DNS answer may change). ``MEETBOT_WEBHOOK_ALLOWED_HOSTS`` lists
host names or networks (CIDR) allowed anyway, e.g. an internal chat bot. Redirects are
not followed. A residual risk stays: DNS may change between the check and the connect
(rebinding); run the worker where it cannot reach sensitive internal services if that
matters to you.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import socket
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_app_context
from sqlalchemy import select

from meetbot.domain import netaddr, safe_json
from meetbot.extensions import db
from meetbot.models import Group, Person, Webhook, WebhookDelivery, utcnow
from meetbot.services import audit
from meetbot.services.db import unit_of_work
from meetbot.services.errors import NotFound, field_error

EVENTS = (
    "meeting.created",
    "meeting.changed",
    "meeting.cancelled",
    "attendance.recorded",
    "action_item.opened",
    "action_item.closed",
)
PING = "ping"  # sent only by ``ping()``, to test a subscription

MAX_URL_LENGTH = 500

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


# --- URL safety ----------------------------------------------------------------------


def _allowed_hosts() -> list[str]:
    raw: Any = None
    if has_app_context():
        raw = current_app.config.get("MEETBOT_WEBHOOK_ALLOWED_HOSTS")
    if raw is None:
        raw = os.environ.get("MEETBOT_WEBHOOK_ALLOWED_HOSTS", "")
    if isinstance(raw, str):
        raw = raw.split(",")
    return [h.strip().lower() for h in raw if h and h.strip()]


def _is_allowed(host: str, addresses: Iterable[str], allow: list[str]) -> bool:
    if host.lower() in allow:
        return True
    networks = []
    for entry in allow:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    return bool(networks) and all(
        any(ipaddress.ip_address(a) in net for net in networks) for a in addresses
    )


def resolve(host: str, port: int) -> list[str]:
    """The IP addresses ``host`` resolves to (tests replace it to avoid DNS look-ups)."""
    infos = socket.getaddrinfo(host, port)
    return sorted({info[4][0].split("%")[0] for info in infos})


def check_url(url: str) -> str:
    """Return ``url`` if webhooks may be sent there, else raise a field error on ``url``.

    http/https only, no credentials in the URL, and a host that resolves to public
    addresses only (unless allowed by MEETBOT_WEBHOOK_ALLOWED_HOSTS).
    """
    url = (url or "").strip()
    if len(url) > MAX_URL_LENGTH:
        raise field_error("url", f"Use at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise field_error("url", "Not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise field_error("url", "Use an http:// or https:// URL with a host name.")
    if parts.username or parts.password:
        raise field_error("url", "Put no user name or password in the URL; use the secret.")
    host = parts.hostname
    try:
        addresses = resolve(host, port or (443 if parts.scheme == "https" else 80))
    except (UnicodeError, OSError):  # socket.gaierror is an OSError
        raise field_error("url", f"The host {host!r} cannot be resolved.") from None
    if _is_allowed(host, addresses, _allowed_hosts()):
        return url
    for address in addresses:
        reason = netaddr.refusal(address)
        if reason is not None:
            raise field_error(
                "url",
                f"{host} resolves to a private or local address ({address}: {reason}); "
                "webhooks go to public hosts only (an administrator can allow it with "
                "MEETBOT_WEBHOOK_ALLOWED_HOSTS).",
            )
    return url


def _check_events(events: Iterable[str]) -> str:
    names = sorted({e.strip() for e in events if e and e.strip()})
    if not names:
        raise field_error("events", "Choose at least one event (or '*' for all).")
    if "*" in names:
        return "*"
    unknown = [e for e in names if e not in EVENTS]
    if unknown:
        raise field_error(
            "events", f"Unknown event {unknown[0]!r}; use one of {', '.join(EVENTS)} or '*'."
        )
    return " ".join(names)


def event_list(hook: Webhook) -> list[str]:
    """The events a webhook receives (``["*"]`` for all)."""
    return hook.events.split()


# --- subscriptions -------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def subscribe(
    actor: Person | None,
    group: Group,
    *,
    url: str,
    events: Iterable[str] = ("*",),
    secret: str | None = None,
    active: bool = True,
) -> tuple[Webhook, str]:
    """Add a webhook to ``group``; returns it and its signing secret (generated if None)."""
    url = check_url(url)
    event_names = _check_events(events)
    if secret is not None and not 16 <= len(secret) <= 128:
        raise field_error("secret", "Use 16 to 128 characters (or leave it out for a new one).")
    secret = secret or new_secret()
    with unit_of_work():
        hook = Webhook(group=group, url=url, secret=secret, events=event_names, active=active)
        db.session.add(hook)
        db.session.flush()
        audit.record(actor, group, "webhook", hook.id, "created", url=url, events=event_names)
    return hook, secret


def update_webhook(
    actor: Person | None,
    hook: Webhook,
    *,
    url: str | None = None,
    events: Iterable[str] | None = None,
    active: bool | None = None,
    rotate_secret: bool = False,
) -> str | None:
    """Change a webhook; returns the new secret when ``rotate_secret``, else None."""
    changes: dict[str, Any] = {}
    if url is not None:
        changes["url"] = check_url(url)
    if events is not None:
        changes["events"] = _check_events(events)
    if active is not None:
        changes["active"] = active
    secret = new_secret() if rotate_secret else None
    with unit_of_work():
        for key, value in changes.items():
            setattr(hook, key, value)
        if secret is not None:
            hook.secret = secret
        audit.record(
            actor,
            hook.group,
            "webhook",
            hook.id,
            "updated",
            fields=sorted(changes) + (["secret"] if secret else []),
        )
    return secret


def delete_webhook(actor: Person | None, hook: Webhook) -> None:
    """Remove a webhook and its delivery log."""
    with unit_of_work():
        audit.record(actor, hook.group, "webhook", hook.id, "deleted", url=hook.url)
        db.session.delete(hook)


def get_webhook(group: Group, webhook_id: int) -> Webhook:
    hook = db.session.get(Webhook, webhook_id)
    if hook is None or hook.group_id != group.id:
        raise NotFound(f"No webhook {webhook_id} in {group.name}.")
    return hook


# --- events --------------------------------------------------------------------------


def _body(group: Group, event: str, payload: dict[str, Any]) -> str:
    return json.dumps(
        {
            "id": uuid.uuid4().hex,
            "event": event,
            "group": group.slug,
            "created": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "data": payload,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=_json_default,
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def emit(group: Group, event: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """Queue ``event`` for every active webhook of ``group`` that subscribed to it.

    Call it inside the write's own ``unit_of_work`` (no commit here): the deliveries
    exist exactly when the change does. ``payload`` is JSON-serialisable (datetimes
    are sent as UTC ISO 8601). Cheap when the group has no webhooks: one query.
    """
    if event not in EVENTS and event != PING:
        raise ValueError(f"unknown webhook event {event!r}")
    hooks = db.session.scalars(
        select(Webhook).where(Webhook.group_id == group.id, Webhook.active.is_(True))
    )
    rows = []
    now = utcnow()
    for hook in hooks:
        names = event_list(hook)
        if "*" not in names and event not in names:
            continue
        row = WebhookDelivery(
            webhook=hook,
            event=event,
            payload=_body(group, event, payload),
            status=PENDING,
            attempts=0,
            next_attempt_dt=now,
        )
        db.session.add(row)
        rows.append(row)
    return rows


def meeting_payload(meeting: Any, change: str, **extra: Any) -> dict[str, Any]:
    """The ``data`` of a meeting.* event (what changed and the meeting as it is now)."""
    return {
        "change": change,
        "meeting_id": meeting.id,
        "series_id": meeting.series_id,
        "title": meeting.effective_title,
        "start": meeting.start_dt,
        "end": meeting.end_dt,
        "timezone": meeting.timezone,
        "status": meeting.status,
        "location": meeting.effective_location,
        "reason": meeting.change_reason or "",
        **extra,
    }


def emit_meeting(meeting: Any, change: str) -> None:
    """Queue meeting.created/cancelled/changed for a change to one meeting (no commit)."""
    event = {"created": "meeting.created", "cancelled": "meeting.cancelled"}.get(
        change, "meeting.changed"
    )
    emit(meeting.group, event, meeting_payload(meeting, change))


def emit_action(item: Any, kind: str) -> None:
    """Queue action_item.opened/closed for an action item event (no commit).

    ``kind`` is the ActionEventKind value; other kinds (edited, carried over) send
    nothing. The item is flushed first so the event carries its id.
    """
    event = {"opened": "action_item.opened", "done": "action_item.closed"}.get(kind)
    if kind == "dropped":
        event = "action_item.closed"
    if event is None:
        return
    if item.id is None:
        db.session.flush()
    emit(
        item.group,
        event,
        {
            "action_item_id": item.id,
            "text": item.text,
            "status": item.status,
            "owners": [{"id": p.id, "display_name": p.display_name} for p in item.owners],
            "due_date": item.due_date,
            "opened_in": item.opened_in_id,
            "closed_in": item.closed_in_id,
        },
    )


def emit_attendance(meeting: Any, added: list[int], upgraded: list[int]) -> None:
    """Queue attendance.recorded when people were newly recorded present (no commit)."""
    if added or upgraded:
        emit(
            meeting.group,
            "attendance.recorded",
            {"meeting_id": meeting.id, "present_added": sorted(set(added) | set(upgraded))},
        )


def ping(actor: Person | None, hook: Webhook) -> WebhookDelivery:
    """Queue a ``ping`` event to one webhook (to test it); returns the delivery."""
    with unit_of_work():
        row = WebhookDelivery(
            webhook=hook,
            event=PING,
            payload=_body(hook.group, PING, {"webhook_id": hook.id}),
            status=PENDING,
            attempts=0,
            next_attempt_dt=utcnow(),
        )
        db.session.add(row)
        db.session.flush()
        audit.record(actor, hook.group, "webhook", hook.id, "pinged")
    return row


def deliveries_query(hook: Webhook):
    """The delivery log of a webhook, newest first (a query, for paging)."""
    return (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.id.desc())
    )


def parse_payload(row: WebhookDelivery) -> dict[str, Any]:
    """The JSON body a delivery sends."""
    return safe_json.loads(row.payload)
