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
    result = runner.invoke(args=["chat-bot", "--server", "irc://127.0.0.1:1", "--channel", "edge"])
    assert result.exit_code == 2
    assert "write it as '#channel=group-slug' or '#channel=group-slug/<series id>'" in (
        " ".join(result.output.split())
    )


def test_a_bad_channel_name_is_refused_and_nothing_is_mapped(runner, create_group) -> None:
    create_group(slug="edge")
    result = runner.invoke(
        args=["chat-bot", "--server", "irc://127.0.0.1:1", "--channel", "edge room=edge"]
    )
    assert result.exit_code == 2
    assert "'edge room' is not a channel name: start with # (or &)" in (
        " ".join(result.output.split())
    )
    assert db.session.scalar(select(func.count(ChatChannel.id))) == 0


def test_a_series_of_another_group_is_refused(runner, create_group, create_series) -> None:
    create_group(slug="edge")
    other = create_series(create_group(slug="other"))
    result = runner.invoke(
        args=["chat-bot", "--server", "irc://127.0.0.1:1", "--channel", f"#edge=edge/{other.id}"]
    )
    assert result.exit_code == 2
    assert "Choose one of this group's series." in result.output
    assert db.session.scalar(select(func.count(ChatChannel.id))) == 0


def test_an_unknown_group_is_refused_and_nothing_is_mapped(runner) -> None:
    result = runner.invoke(
        args=["chat-bot", "--server", "irc://127.0.0.1:1", "--channel", "#edge=nope"]
    )
    assert result.exit_code == 2
    assert "No group 'nope'" in result.output
    assert db.session.scalar(select(func.count(ChatChannel.id))) == 0
