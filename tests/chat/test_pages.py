"""The live meeting on the meeting page: badge, items after an id, the full log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from meetbot.chat.store import ChatStore, map_channel

AT = datetime(2024, 5, 7, 14, 0, tzinfo=UTC)


def _meeting(create_group):
    create_group(slug="edge")
    channel_id = map_channel("irc://127.0.0.1:6667", "#edge", "edge")
    store = ChatStore("meetbot", "https://meetbot.test")
    started = store.record(channel_id, "alice", "#startmeeting Edge", said=AT)
    return store, channel_id, started.meeting_id


def test_live_json_gives_items_after_an_id_then_says_the_meeting_ended(
    client, create_group
) -> None:
    store, channel_id, meeting_id = _meeting(create_group)
    store.record(channel_id, "bob", "#info <b>first</b>", said=AT + timedelta(seconds=1))
    first = client.get(f"/meetings/{meeting_id}/live.json?after=0").get_json()
    assert first["live"] is True
    assert [(i["kind"], i["text"], i["nick"]) for i in first["items"]] == [
        ("info", "<b>first</b>", "bob")
    ]
    store.record(channel_id, "bob", "#idea second", said=AT + timedelta(seconds=2))
    after = first["items"][-1]["id"]
    second = client.get(f"/meetings/{meeting_id}/live.json?after={after}").get_json()
    assert [i["text"] for i in second["items"]] == ["second"]
    store.record(channel_id, "alice", "#endmeeting", said=AT + timedelta(seconds=3))
    assert client.get(f"/meetings/{meeting_id}/live.json?after=0").get_json()["live"] is False


def test_live_json_refuses_a_bad_after(client, create_group) -> None:
    _store, _channel_id, meeting_id = _meeting(create_group)
    response = client.get(f"/meetings/{meeting_id}/live.json?after=-1")
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"after": "a whole number"}


def test_meeting_page_shows_the_live_badge_and_the_log(client, create_group) -> None:
    store, channel_id, meeting_id = _meeting(create_group)
    store.record(channel_id, "bob", "#info <script>x</script>", said=AT + timedelta(seconds=1))
    page = client.get(f"/meetings/{meeting_id}/").get_data(as_text=True)
    assert 'id="chat-live-badge">live</span>' in page
    assert "/static/js/chat-live.js" in page
    assert "<script>x</script>" not in page
    log = client.get(f"/meetings/{meeting_id}/chat-log").get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in log and "<script>x" not in log
    text = client.get(f"/meetings/{meeting_id}/chat-log.txt")
    assert text.mimetype == "text/plain"
    assert text.get_data(as_text=True) == (
        "2024-05-07T14:00:00Z <alice> #startmeeting Edge\n"
        "2024-05-07T14:00:01Z <bob> #info <script>x</script>\n"
    )
