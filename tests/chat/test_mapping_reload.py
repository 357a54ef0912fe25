"""Issue 17: the bot reads its channels from the database and picks changes up
without a restart (re-read with each lease renewal: every second here)."""

from __future__ import annotations

from sqlalchemy import func, select

from loopback.ircd import wait_until
from meetbot.models import ChatLine, Role
from meetbot.services import chat_settings
from tests.chat.test_live_meeting import _read


def test_a_channel_mapped_on_the_page_is_joined_and_one_removed_is_left(
    create_group, create_user, start_bot
) -> None:
    olga = create_user("Olga Organizer")
    edge = create_group(slug="edge", members={olga: Role.ORGANIZER})
    running = start_bot({"#edge": "edge"}, lease_ttl=3)
    network = chat_settings.add_network(
        olga, edge, server=running.transport.network, nick="meetbot"
    )
    mapping = chat_settings.map_channel(olga, edge, network_id=network.id, channel="#edge-ops")
    wait_until(lambda: "#edge-ops" in running.bot.joined, 20, "the bot to join #edge-ops")
    ops = start_bot.person("alice", "#edge-ops")
    ops.say("#edge-ops", "hello ops")
    stored = select(func.count(ChatLine.id)).where(ChatLine.text == "hello ops")
    wait_until(lambda: _read(stored)[0][0] == 1, 20, "the line in #edge-ops to be stored")
    chat_settings.unmap_channel(olga, edge, mapping.id)
    wait_until(lambda: "#edge-ops" not in running.bot.joined, 20, "the bot to leave #edge-ops")
    wait_until(lambda: ("meetbot", "#edge-ops") in ops.parted, 20, "alice to see the bot leave")
