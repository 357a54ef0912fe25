"""The live meeting bot: ``flask --app meetbot chat-bot`` (every network organizers
configured, one connection each) or ``chat-bot --server irc://host:6667 ...`` (one
network, the command line's nick and channels)."""

from __future__ import annotations

import os
import signal
import socket
import threading
import uuid

import click
from flask import current_app

from meetbot.chat.bot import ChatBot
from meetbot.chat.fleet import Fleet, MakeBot
from meetbot.chat.irc import IrcTransport
from meetbot.chat.store import ChatStore
from meetbot.domain.irc_names import network_url
from meetbot.models import ChatAuth, ChatNetwork
from meetbot.services import chat_connections, chat_settings
from meetbot.services.chat_connections import Connection
from meetbot.services.errors import NotFound, ValidationError


def _mapping(value: str) -> tuple[str, str, int | None]:
    """'#channel=group-slug' or '#channel=group-slug/<series id>'."""
    channel, sep, target = value.partition("=")
    slug, _slash, series = target.partition("/")
    if not sep or not slug.strip() or (series and not series.strip().isdigit()):
        raise click.BadParameter(
            f"{value!r}: write it as '#channel=group-slug' or '#channel=group-slug/<series id>'",
            param_hint="--channel",
        )
    return channel.strip(), slug.strip(), int(series) if series.strip() else None


def _credentials(
    network: str, nick: str | None, auth: str | None, password_env: str
) -> tuple[str, str | None, bool]:
    """(nick, password, sasl): the command line first, then the network organizers
    configured on the group's chat page, then ``meetbot`` with no password."""
    row: ChatNetwork | None = chat_settings.network_for(network)
    password = os.environ.get(password_env) or (row.password if row is not None else None)
    if auth is None:
        auth = row.auth.value if row is not None else ChatAuth.SASL
    return nick or (row.nick if row is not None else "meetbot"), password, auth == "sasl"


@click.command("chat-bot")
@click.option(
    "--server",
    default=None,
    help="irc://host:6667 or ircs://host:6697. Default: every network organizers configured.",
)
@click.option(
    "--nick", default=None, help="Default: the network's nick set by organizers, or meetbot."
)
@click.option(
    "--channel",
    "channels",
    multiple=True,
    help="'#channel=group-slug' or '#channel=group-slug/<series id>' (repeat); saved.",
)
@click.option(
    "--password-env",
    default="MEETBOT_CHAT_PASSWORD",
    show_default=True,
    help="Environment variable holding the SASL / NickServ password.",
)
@click.option("--auth", type=click.Choice(["sasl", "nickserv", "none"]), default=None)
@click.option("--rate", default=2.0, show_default=True, help="Lines per second sent at most.")
@click.option("--burst", default=5, show_default=True, help="Lines sent at once at most.")
def chat_bot_command(
    server: str | None,
    nick: str | None,
    channels: tuple[str, ...],
    password_env: str,
    auth: str | None,
    rate: float,
    burst: int,
) -> None:
    """Run the meeting bot until stopped: on every network organizers configured on
    the groups' chat pages (one connection per server and nick), or with --server on
    that one network.

    The networks and the channels mapped on them are re-read every 10 seconds: new
    ones are connected or joined, removed ones left, without a restart."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:90]
    if server is None:
        _refuse_without_server(channels, nick, auth)
        runner = Fleet(
            current_app._get_current_object(), _bot_maker(rate, burst), holder, report=click.echo
        )
        click.echo(
            "chat-bot: every network configured on the groups' chat pages (re-read every 10 s)"
        )
    else:
        runner = _one_network(server, nick, channels, password_env, auth, rate, burst, holder)
    stop = threading.Event()  # the arguments are checked: from here on it runs
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    runner.run(stop)


def _refuse_without_server(channels: tuple[str, ...], nick: str | None, auth: str | None) -> None:
    given = [
        name
        for name, value in (("--channel", channels), ("--nick", nick), ("--auth", auth))
        if value
    ]
    if given:
        raise click.UsageError(
            f"{given[0]} needs --server: without it the bot serves every network organizers"
            " configured, each with the nick and password set on the group's chat page."
        )


def _bot_maker(rate: float, burst: int) -> MakeBot:
    base_url = current_app.config["MEETBOT_BASE_URL"]

    def make(connection: Connection, mapped: dict[str, int], holder: str) -> ChatBot:
        transport = IrcTransport(
            connection.server,
            connection.nick,
            password=connection.password if connection.auth != ChatAuth.NONE else None,
            sasl=connection.auth == ChatAuth.SASL,
            rate=rate,
            burst=burst,
        )
        store = ChatStore(connection.nick, base_url)
        reload = lambda: chat_connections.channels_of(connection)  # noqa: E731
        return ChatBot(transport, store, mapped, holder, reload=reload)

    return make


def _one_network(
    server: str,
    nick: str | None,
    channels: tuple[str, ...],
    password_env: str,
    auth: str | None,
    rate: float,
    burst: int,
    holder: str,
) -> ChatBot:
    """``--server``: the bot of one network, the command line's nick and channels."""
    try:
        network = network_url(server)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--server") from None
    for channel, slug, series_id in [_mapping(value) for value in channels]:  # all checked
        try:
            chat_settings.map_channel_by_slug(network, channel, slug, series_id)
        except (NotFound, ValidationError) as exc:
            raise click.BadParameter(exc.message, param_hint="--channel") from None
    mapped = chat_settings.channels_on(network)
    nick, password, sasl = _credentials(network, nick, auth, password_env)
    transport = IrcTransport(network, nick, password=password, sasl=sasl, rate=rate, burst=burst)
    store = ChatStore(nick, current_app.config["MEETBOT_BASE_URL"])
    joined = ", ".join(sorted(mapped)) or "none yet (waiting for a mapping)"
    click.echo(f"chat-bot: {transport.network} as {nick}, channels {joined}")
    return ChatBot(
        transport, store, mapped, holder, reload=lambda: chat_settings.channels_on(network)
    )


COMMANDS = [chat_bot_command]
