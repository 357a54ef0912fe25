"""The live meeting bot: ``flask --app meetbot chat-bot --server irc://host:6667 ...``."""

from __future__ import annotations

import os
import signal
import socket
import threading
import uuid

import click
from flask import current_app
from sqlalchemy import select

from meetbot.chat.bot import ChatBot
from meetbot.chat.irc import IrcTransport, parse_server
from meetbot.chat.store import ChatStore, map_channel
from meetbot.extensions import db
from meetbot.models import ChatChannel
from meetbot.services.errors import NotFound


def _mapping(value: str) -> tuple[str, str]:
    channel, sep, slug = value.partition("=")
    if not sep or not channel.startswith(("#", "&")) or not slug.strip():
        raise click.BadParameter(f"{value!r}: write it as '#channel=group-slug'")
    return channel.strip(), slug.strip()


@click.command("chat-bot")
@click.option("--server", required=True, help="irc://host:6667 or ircs://host:6697")
@click.option("--nick", default="meetbot", show_default=True)
@click.option(
    "--channel",
    "channels",
    multiple=True,
    help="'#channel=group-slug' (repeat); saved, so later runs may omit it.",
)
@click.option(
    "--password-env",
    default="MEETBOT_CHAT_PASSWORD",
    show_default=True,
    help="Environment variable holding the SASL / NickServ password.",
)
@click.option("--auth", type=click.Choice(["sasl", "nickserv"]), default="sasl", show_default=True)
@click.option("--rate", default=2.0, show_default=True, help="Lines per second sent at most.")
@click.option("--burst", default=5, show_default=True, help="Lines sent at once at most.")
def chat_bot_command(
    server: str,
    nick: str,
    channels: tuple[str, ...],
    password_env: str,
    auth: str,
    rate: float,
    burst: int,
) -> None:
    """Run the meeting bot in the mapped channels of one network, until stopped."""
    try:
        host, port, tls = parse_server(server)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--server") from None
    network = f"{'ircs' if tls else 'irc'}://{host}:{port}"
    for channel, slug in [_mapping(value) for value in channels]:  # all checked first
        try:
            map_channel(network, channel, slug)
        except NotFound as exc:
            raise click.BadParameter(str(exc), param_hint="--channel") from None
    mapped = {
        row.channel: row.id
        for row in db.session.scalars(select(ChatChannel).where(ChatChannel.network == network))
    }
    if not mapped:
        raise click.UsageError(f"no channel is mapped on {network}: give --channel")
    transport = IrcTransport(
        server,
        nick,
        password=os.environ.get(password_env) or None,
        sasl=auth == "sasl",
        rate=rate,
        burst=burst,
    )
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:100]
    store = ChatStore(nick, current_app.config["MEETBOT_BASE_URL"])
    bot = ChatBot(transport, store, mapped, holder)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"chat-bot: {transport.network} as {nick}, channels {', '.join(sorted(mapped))}")
    bot.run(stop)


COMMANDS = [chat_bot_command]
