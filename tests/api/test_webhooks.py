"""Webhooks: subscription through the API, events queued with the write, delivery to a
local receiver with a verified signature, retries with backoff on a frozen clock."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import Role, WebhookDelivery
from meetbot.services import webhook_delivery, webhooks
from meetbot.services.db import unit_of_work
from meetbot.services.errors import ValidationError
from meetbot.services.members import set_role
from tests.api.conftest import assert_error

T0 = datetime(2026, 2, 3, 10, 0, tzinfo=UTC)


class Receiver:
    """An HTTP server on 127.0.0.1 that records requests and answers scripted statuses."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "MEETBOT_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"}


@pytest.fixture
def setup(create_user, create_group, token_for):
    organizer = create_user("Olga Organizer")
    member = create_user("Max Member")
    group = create_group("wg", members={organizer: Role.ORGANIZER, member: Role.MEMBER})
    return group, token_for(organizer), token_for(member)


def _subscribe(api, token: str, url: str, events: list[str]) -> dict[str, Any]:
    response = api.post("/groups/wg/webhooks", json={"url": url, "events": events}, token=token)
    assert response.status_code == 201, response.get_json()
    return response.get_json() | {"location": response.headers["Location"]}


def _emit(group, event: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    with unit_of_work():
        return webhooks.emit(group, event, payload)


def test_delivered_signed_and_retried_after_a_failure(api, setup, receiver, time_machine):
    group, token, _ = setup
    time_machine.move_to(T0, tick=False)
    hook = _subscribe(api, token, receiver.url, ["meeting.cancelled"])
    assert hook["secret"].startswith("whsec_")
    assert hook["location"].endswith(f"/api/v1/groups/wg/webhooks/{hook['id']}")
    assert "secret" not in api.get(f"/groups/wg/webhooks/{hook['id']}", token=token).get_json()

    assert _emit(group, "attendance.recorded", {"meeting_id": 1}) == []  # not subscribed
    (queued,) = _emit(group, "meeting.cancelled", {"meeting_id": 7, "reason": "Holiday"})

    receiver.statuses = [500]
    report = webhook_delivery.deliver_due()
    assert (report.delivered, report.retrying) == ([], [queued.id])
    row = db.session.get(WebhookDelivery, queued.id)
    assert (row.status, row.attempts, row.response_code) == ("pending", 1, 500)
    assert row.next_attempt_dt == T0 + timedelta(minutes=1)

    time_machine.move_to(T0 + timedelta(seconds=30), tick=False)
    assert webhook_delivery.deliver_due().attempted == 0  # not due yet
    assert len(receiver.requests) == 1

    time_machine.move_to(T0 + timedelta(minutes=1, seconds=1), tick=False)
    assert webhook_delivery.deliver_due().delivered == [queued.id]
    assert len(receiver.requests) == 2

    first, second = receiver.requests
    assert first["body"] == second["body"]  # the retry sends the same event
    headers, body = second["headers"], second["body"]
    expected = hmac.new(hook["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Meetbot-Signature"] == f"sha256={expected}"
    assert headers["X-Meetbot-Timestamp"] == str(int((T0 + timedelta(seconds=61)).timestamp()))
    assert headers["X-Meetbot-Event"] == "meeting.cancelled"
    assert headers["Content-Type"] == "application/json"
    event = json.loads(body)
    assert event["event"] == "meeting.cancelled" and event["group"] == "wg"
    assert event["data"] == {"meeting_id": 7, "reason": "Holiday"}

    log = api.get(f"/groups/wg/webhooks/{hook['id']}/deliveries", token=token).get_json()
    (entry,) = log["items"]
    assert (entry["status"], entry["attempts"], entry["response_code"]) == ("delivered", 2, 200)
    assert entry["delivered_at"] == "2026-02-03T10:01:01Z"
    assert entry["payload"] == event


def test_gives_up_after_max_attempts_with_growing_waits(app, setup, receiver, time_machine):
    group, _, _ = setup
    hook, _ = webhooks.subscribe(None, group, url=receiver.url)
    time_machine.move_to(T0, tick=False)
    (queued,) = _emit(group, "action_item.opened", {"id": 1})
    receiver.statuses = [503] * webhook_delivery.MAX_ATTEMPTS
    now, waits = T0, []
    for _ in range(webhook_delivery.MAX_ATTEMPTS):
        time_machine.move_to(now, tick=False)
        assert webhook_delivery.deliver_due().attempted == 1
        row = db.session.get(WebhookDelivery, queued.id)
        if row.next_attempt_dt is not None:
            waits.append(row.next_attempt_dt - now)
            now = row.next_attempt_dt
    assert row.status == "failed" and row.attempts == webhook_delivery.MAX_ATTEMPTS
    assert waits == [timedelta(minutes=2**i) for i in range(webhook_delivery.MAX_ATTEMPTS - 1)]
    time_machine.move_to(now + timedelta(days=1), tick=False)
    assert webhook_delivery.deliver_due().attempted == 0


def test_refused_connection_is_retried(app, setup, time_machine):
    group, _, _ = setup
    with Receiver() as gone:
        url = gone.url
    hook, _ = webhooks.subscribe(None, group, url=url)
    time_machine.move_to(T0, tick=False)
    (queued,) = _emit(group, "meeting.created", {"id": 3})
    assert webhook_delivery.deliver_due().retrying == [queued.id]
    row = db.session.get(WebhookDelivery, queued.id)
    assert row.response_code is None and row.last_error


def test_ping_through_the_api(api, setup, receiver, time_machine):
    _, token, _ = setup
    hook = _subscribe(api, token, receiver.url, ["*"])
    response = api.post(f"/groups/wg/webhooks/{hook['id']}/ping", token=token)
    assert response.status_code == 202
    assert response.get_json()["event"] == "ping"
    webhook_delivery.deliver_due()
    assert json.loads(receiver.requests[0]["body"])["event"] == "ping"


def test_patch_rotate_and_delete(api, setup, receiver):
    _, token, _ = setup
    hook = _subscribe(api, token, receiver.url, ["meeting.created"])
    path = f"/groups/wg/webhooks/{hook['id']}"
    changed = api.patch(
        path,
        json={"events": ["meeting.created", "action_item.closed"], "active": False},
        token=token,
    ).get_json()
    assert changed["events"] == ["action_item.closed", "meeting.created"]
    assert changed["active"] is False and "secret" not in changed
    rotated = api.patch(path, json={"rotate_secret": True}, token=token).get_json()
    assert rotated["secret"] != hook["secret"]
    assert api.delete(path, token=token).status_code == 204
    assert api.delete(path, token=token).status_code == 204  # idempotent
    assert_error(api.get(path, token=token), 404)


def test_organizers_only(api, setup, receiver):
    group, _, member_token = setup
    assert_error(api.get("/groups/wg/webhooks"), 401)
    assert_error(api.get("/groups/wg/webhooks", token=member_token), 403)
    response = api.post("/groups/wg/webhooks", json={"url": receiver.url}, token=member_token)
    assert_error(response, 403)
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://127.0.0.1/x"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "http://u:p@127.0.0.1/x"}, "url"),
        ({"url": "http://10.1.2.3/x"}, "url"),  # private, not in the allow-list
        ({"url": "http://169.254.169.254/latest/meta-data"}, "url"),  # cloud metadata
        ({"url": "http://127.0.0.1/x", "events": ["meeting.exploded"]}, "events.0"),
        ({"url": "http://127.0.0.1/x", "secret": "short"}, "secret"),
    ],
)
def test_subscription_validation(api, setup, body, field):
    _, token, _ = setup
    error = assert_error(api.post("/groups/wg/webhooks", json=body, token=token), 422)
    assert field in error["fields"]


def test_private_addresses_refused_without_allow_list(app, setup, receiver, time_machine):
    group, _, _ = setup
    hook, _ = webhooks.subscribe(None, group, url=receiver.url)  # allowed by the config
    app.config["MEETBOT_WEBHOOK_ALLOWED_HOSTS"] = ""
    with pytest.raises(ValidationError) as exc:
        webhooks.check_url(receiver.url)
    assert "private or local" in exc.value.fields["url"]
    # Checked again at delivery: nothing is sent once the host is no longer allowed.
    time_machine.move_to(T0, tick=False)
    (queued,) = _emit(group, "meeting.created", {})
    webhook_delivery.deliver_due()
    assert receiver.requests == []
    assert "private or local" in db.session.get(WebhookDelivery, queued.id).last_error
    # A network in the allow-list (CIDR) allows it again; a public address needs nothing.
    app.config["MEETBOT_WEBHOOK_ALLOWED_HOSTS"] = "127.0.0.0/8"
    assert webhooks.check_url(receiver.url) == receiver.url
    app.config["MEETBOT_WEBHOOK_ALLOWED_HOSTS"] = ""
    assert webhooks.check_url("https://93.184.216.34/hook") == "https://93.184.216.34/hook"


def test_worker_command_once(app, runner, setup, receiver, time_machine):
    group, _, _ = setup
    webhooks.subscribe(None, group, url=receiver.url)
    time_machine.move_to(T0, tick=False)
    _emit(group, "attendance.recorded", {"meeting_id": 1, "people": [1, 2]})
    result = runner.invoke(args=["deliver-webhooks", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 delivered" in result.output
    assert len(receiver.requests) == 1


def test_services_emit_their_events(api, setup, receiver, create_person, time_machine):
    """Cancelling a meeting, recording attendance and opening/closing an action item
    through the API each queue their event, in the same transaction as the change."""
    group, token, _ = setup
    time_machine.move_to(T0, tick=False)
    _subscribe(api, token, receiver.url, ["*"])
    ann = create_person("Ann")
    set_role(None, group, ann, Role.MEMBER)
    meeting = api.post(
        "/groups/wg/meetings",
        json={
            "title": "Call",
            "timezone": "UTC",
            "start_local": "2026-02-03T11:00:00",
            "duration_minutes": 60,
        },
        token=token,
    ).get_json()
    api.put(f"/meetings/{meeting['id']}/attendance/{ann.id}", json={}, token=token)
    api.put(f"/meetings/{meeting['id']}/attendance/{ann.id}", json={}, token=token)  # no-op
    action = api.post(
        "/groups/wg/actions", json={"text": "Do it", "owners": [ann.id]}, token=token
    ).get_json()
    api.post(f"/actions/{action['id']}/close", json={"status": "done"}, token=token)
    api.post(f"/meetings/{meeting['id']}/cancel", json={"reason": "Sick"}, token=token)
    # A refused write queues nothing.
    api.post(f"/actions/{action['id']}/close", json={"status": "bogus"}, token=token)

    rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert [r.event for r in rows] == [
        "meeting.created",
        "attendance.recorded",
        "action_item.opened",
        "action_item.closed",
        "meeting.cancelled",
    ]
    webhook_delivery.deliver_due()
    bodies = [json.loads(r["body"]) for r in receiver.requests]
    assert bodies[1]["data"] == {"meeting_id": meeting["id"], "present_added": [ann.id]}
    assert bodies[3]["data"]["status"] == "done"
    assert bodies[3]["data"]["owners"] == [{"id": ann.id, "display_name": "Ann"}]
    assert bodies[4]["data"]["reason"] == "Sick" and bodies[4]["data"]["status"] == "cancelled"
    assert bodies[4]["data"]["start"] == "2026-02-03T11:00:00Z"
