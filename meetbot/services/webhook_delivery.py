"""Delivering queued webhook events: POST each due delivery with its HMAC signature,
record the answer, retry with exponential backoff (see webhooks.py for the whole
journey of an event and the SSRF rules, checked again before every POST)."""

from __future__ import annotations

import hashlib
import hmac
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from meetbot.extensions import db
from meetbot.models import Webhook, WebhookDelivery, utcnow
from meetbot.services.db import unit_of_work
from meetbot.services.errors import ValidationError
from meetbot.services.webhooks import DELIVERED, FAILED, PENDING, check_url

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
# A worker claims a delivery for this long; a crashed worker's claim simply expires.
CLAIM_LEASE = timedelta(minutes=5)
TIMEOUT_SECONDS = 10


def sign(secret: str, body: bytes) -> str:
    """The X-Meetbot-Signature value: ``sha256=`` + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed attempt: 1, 2, 4, ... minutes, at most 6 h."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is answered as the 3xx it is: a failed attempt


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def _post(hook: Webhook, row: WebhookDelivery, now: datetime) -> tuple[int | None, str]:
    """POST one delivery; returns (HTTP status or None, error text or "")."""
    body = row.payload.encode()
    try:
        check_url(hook.url)  # DNS may have changed since the subscription
    except ValidationError as exc:
        return None, exc.message
    request = urllib.request.Request(
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "meetbot-webhooks/1",
            "X-Meetbot-Event": row.event,
            "X-Meetbot-Delivery": str(row.id),
            "X-Meetbot-Timestamp": str(int(now.timestamp())),
            "X-Meetbot-Signature": sign(hook.secret, body),
        },
    )
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(65536)
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:500]


@dataclass
class DeliveryReport:
    delivered: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return len(self.delivered) + len(self.retrying) + len(self.failed)


def _claim(row_id: int, seen_next: datetime | None, now: datetime) -> bool:
    """Take a delivery for this worker (another worker that read it too gets False)."""
    with unit_of_work():
        result = db.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == row_id,
                WebhookDelivery.status == PENDING,
                WebhookDelivery.next_attempt_dt == seen_next,
            )
            .values(next_attempt_dt=now + CLAIM_LEASE)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1


def attempt(row: WebhookDelivery, now: datetime | None = None) -> str:
    """Send one delivery now and record the outcome; returns its new status."""
    now = now or utcnow()
    hook = row.webhook
    status_code, error = _post(hook, row, now)
    with unit_of_work():
        row.attempts += 1
        row.response_code = status_code
        if status_code is not None and 200 <= status_code < 300:
            row.status = DELIVERED
            row.delivered_dt = now
            row.next_attempt_dt = None
            row.last_error = ""
        elif row.attempts >= MAX_ATTEMPTS:
            row.status = FAILED
            row.next_attempt_dt = None
            row.last_error = error or f"HTTP {status_code}"
        else:
            row.next_attempt_dt = now + backoff(row.attempts)
            row.last_error = error or f"HTTP {status_code}"
    return row.status


def deliver_due(now: datetime | None = None, *, limit: int = 100) -> DeliveryReport:
    """Attempt every pending delivery whose time has come (oldest first)."""
    now = now or utcnow()
    report = DeliveryReport()
    due = list(
        db.session.execute(
            select(WebhookDelivery.id, WebhookDelivery.next_attempt_dt)
            .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_dt <= now)
            .order_by(WebhookDelivery.next_attempt_dt, WebhookDelivery.id)
            .limit(limit)
        )
    )
    for row_id, seen_next in due:
        if not _claim(row_id, seen_next, now):
            continue
        row = db.session.get(WebhookDelivery, row_id)
        if row is None or not row.webhook.active:
            continue
        status = attempt(row, now)
        {DELIVERED: report.delivered, FAILED: report.failed}.get(status, report.retrying).append(
            row_id
        )
    return report
