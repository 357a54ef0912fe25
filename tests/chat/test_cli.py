"""``flask chat-bot``: bad arguments get a clear message and change nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import ChatChannel


def test_a_bad_server_url_says_how_to_write_it(runner) -> None:
    result = runner.invoke(args=["chat-bot", "--server", "http://irc.example"])
    assert result.exit_code == 2
    assert "give the server as irc://host:6667 or ircs://host:6697" in result.output


def test_a_bad_channel_mapping_says_how_to_write_it(runner) -> None:
    result = runner.invoke(
        args=["chat-bot", "--server", "irc://127.0.0.1:1", "--channel", "edge=edge"]
    )
    assert result.exit_code == 2
    assert "write it as '#channel=group-slug'" in result.output


def test_an_unknown_group_is_refused_and_nothing_is_mapped(runner) -> None:
    result = runner.invoke(
        args=["chat-bot", "--server", "irc://127.0.0.1:1", "--channel", "#edge=nope"]
    )
    assert result.exit_code == 2
    assert "No group 'nope'" in result.output
    assert db.session.scalar(select(func.count(ChatChannel.id))) == 0
