"""Webhook SSRF filter (issue 12, finding 5): addresses that are not public unicast are
refused when subscribing, on PATCH and again before each delivery; the allow-list
(MEETBOT_WEBHOOK_ALLOWED_HOSTS) still lets a loopback receiver in.

URLs use IP literals, so no DNS look-up happens and nothing leaves the machine when the
filter works (on the old code the delivery test tried to connect, and failed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import Role, Webhook, WebhookDelivery
from meetbot.services import webhook_delivery, webhooks
from meetbot.services.db import unit_of_work
from tests.api.conftest import assert_error

T0 = datetime(2026, 2, 3, 10, 0, tzinfo=UTC)

REFUSED = [
    "http://100.100.100.200/latest/meta-data",  # shared 100.64.0.0/10 (cloud metadata)
    "http://[fec0::1]/hook",  # IPv6 site-local
    "http://[2002:a9fe:a9fe::]/hook",  # 6to4 of 169.254.169.254
    "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
    "http://[64:ff9b:1::a00:1]/hook",  # local-use NAT64 of 10.0.0.1
    "http://[::ffff:100.100.100.200]/hook",  # IPv4-mapped
    "http://[::a9fe:a9fe]/hook",  # IPv4-compatible
    "http://[2001:0:4136:e378:8000:63bf:5601:5601]/hook",  # Teredo
    "http://224.0.0.251/hook",  # multicast
    "http://[ff0e::1]/hook",  # IPv6 multicast, global scope
]


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "MEETBOT_WEBHOOK_ALLOWED_HOSTS": ""}


@pytest.fixture
def setup(create_user, create_group, token_for):
    organizer = create_user("Olga Organizer")
    group = create_group("wg", members={organizer: Role.ORGANIZER})
    return group, token_for(organizer)


@pytest.mark.parametrize("url", REFUSED)
def test_refused_at_creation(api, setup, url):
    _, token = setup
    response = api.post("/groups/wg/webhooks", json={"url": url}, token=token)
    error = assert_error(response, 422)
    assert "private or local" in error["fields"]["url"]
    assert db.session.scalar(select(func.count()).select_from(Webhook)) == 0


@pytest.mark.parametrize("url", REFUSED[:4])
def test_refused_on_patch(app, api, setup, url):
    group, token = setup
    app.config["MEETBOT_WEBHOOK_ALLOWED_HOSTS"] = "127.0.0.1"
    hook, _ = webhooks.subscribe(None, group, url="http://127.0.0.1:9/hook")
    app.config["MEETBOT_WEBHOOK_ALLOWED_HOSTS"] = ""
    response = api.patch(f"/groups/wg/webhooks/{hook.id}", json={"url": url}, token=token)
    error = assert_error(response, 422)
    assert "private or local" in error["fields"]["url"]
    db.session.expire_all()
    assert db.session.get(Webhook, hook.id).url == "http://127.0.0.1:9/hook"


@pytest.mark.parametrize("url", REFUSED[:3])
def test_refused_at_delivery(app, setup, url, time_machine, monkeypatch):
    """A subscription stored before the rule (or by a restore) is checked again."""
    group, _ = setup
    monkeypatch.setattr(webhook_delivery, "TIMEOUT_SECONDS", 1)  # bounds the old code's attempt
    with unit_of_work():
        hook = Webhook(group=group, url=url, secret="s" * 32, events="*", active=True)
        db.session.add(hook)
    time_machine.move_to(T0, tick=False)
    with unit_of_work():
        (queued,) = webhooks.emit(group, "meeting.created", {})
    report = webhook_delivery.deliver_due()
    assert report.retrying == [queued.id]
    row = db.session.get(WebhookDelivery, queued.id)
    assert row.response_code is None
    assert "private or local" in row.last_error


def test_allow_list_still_lets_a_loopback_receiver_in(app, setup):
    group, _ = setup
    app.config["MEETBOT_WEBHOOK_ALLOWED_HOSTS"] = "127.0.0.0/8"
    assert webhooks.check_url("http://127.0.0.1:9/hook") == "http://127.0.0.1:9/hook"
    app.config["MEETBOT_WEBHOOK_ALLOWED_HOSTS"] = "100.64.0.0/10"
    url = "http://100.100.100.200/hook"
    assert webhooks.check_url(url) == url
    app.config["MEETBOT_WEBHOOK_ALLOWED_HOSTS"] = ""
    assert webhooks.check_url("https://[2606:4700:4700::1111]/h") == (
        "https://[2606:4700:4700::1111]/h"
    )
