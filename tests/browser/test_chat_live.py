"""Issue 17: a meeting held with the chat bot shows "live" and its new items appear on
the meeting page as they are typed, in a real browser (no reload)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from meetbot.chat.store import ChatStore, map_channel
from meetbot.services.demo import DEMO_SLUG
from tests.browser.conftest import TIMEOUT_MS, expect


def test_new_items_appear_live_and_the_badge_says_when_it_ends(page, live_server) -> None:
    at = datetime(2031, 3, 4, 9, 0, tzinfo=UTC)
    with live_server.app_context():
        channel_id = map_channel("irc://127.0.0.1:6667", "#browser-live", DEMO_SLUG)
        store = ChatStore("meetbot", live_server.base_url)
        meeting_id = store.record(channel_id, "alice", "#startmeeting Browser", said=at).meeting_id
    page.goto(live_server.url(f"/meetings/{meeting_id}/"))
    expect(page.locator("#chat-live-badge")).to_have_text("live")
    with live_server.app_context():
        store.record(
            channel_id, "bob", "#info typed in the channel", said=at + timedelta(seconds=5)
        )
    items = page.locator("#chat-live-items li")
    expect(items).to_have_count(1, timeout=TIMEOUT_MS)
    expect(items.first).to_contain_text("typed in the channel")
    expect(items.first).to_contain_text("bob")
    with live_server.app_context():
        store.record(channel_id, "alice", "#endmeeting", said=at + timedelta(seconds=9))
    expect(page.locator("#chat-live-badge")).to_have_text("ended", timeout=TIMEOUT_MS)
    page.goto(live_server.url(f"/meetings/{meeting_id}/chat-log"))
    expect(page.locator("table.chat-log tbody tr")).to_have_count(3)
