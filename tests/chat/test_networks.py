"""Issue 17: ``chat-bot`` without ``--server`` serves every network organizers
configured, one connection per server and nick, each in its own thread; networks
added or removed on the page are connected or disconnected without a restart."""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from loopback.irc_participant import Participant
from loopback.ircd import Ngircd, find_ngircd, wait_until
from meetbot.chat.bot import Backoff, ChatBot
from meetbot.chat.fleet import Fleet
from meetbot.chat.irc import IrcTransport
from meetbot.chat.store import ChatStore
from meetbot.models import ChatAuth, ChatChannel, MinuteItem, Role
from meetbot.services import chat_connections, chat_settings
from meetbot.services.chat_connections import Connection
from tests.chat.test_live_meeting import _read


@pytest.fixture(scope="module")
def second_ircd(tmp_path_factory):
    """A second IRC network (a module-scoped ngircd: cheap, started once)."""
    binary = find_ngircd()
    if binary is None:
        pytest.skip("ngircd IRC server not found")
    server = Ngircd(binary, tmp_path_factory.mktemp("ircd2"))
    server.start()
    yield server
    server.stop()


class RunningFleet:
    def __init__(self, app, holder: str) -> None:
        self.app = app
        self.fleet = Fleet(app, self._make_bot, holder, every=0.3)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _make_bot(self, connection: Connection, mapped: dict[str, int], holder: str) -> ChatBot:
        transport = IrcTransport(connection.server, connection.nick)
        return ChatBot(
            transport,
            ChatStore(connection.nick, self.app.config["MEETBOT_BASE_URL"]),
            mapped,
            holder,
            lease_ttl=timedelta(seconds=1.5),
            backoff=Backoff(first=0.1, most=0.5),
            reload=lambda: chat_connections.channels_of(connection),
        )

    def _run(self) -> None:
        with self.app.app_context():
            self.fleet.run(self.stop)

    def bot(self, server: str, nick: str) -> ChatBot | None:
        found = [r.bot for c, r in list(self.fleet.bots.items()) if c.key == (server, nick)]
        return found[0] if found else None

    def wait_joined(self, server: str, nick: str, channel: str) -> ChatBot:
        def joined() -> bool:
            bot = self.bot(server, nick)
            return bot is not None and channel in bot.joined

        wait_until(joined, 20, f"{nick} to join {channel} on {server}")
        return self.bot(server, nick)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


@pytest.fixture
def fleets(app):
    running: list[RunningFleet] = []
    people: list[Participant] = []

    def start(holder: str = "fleet") -> RunningFleet:
        running.append(RunningFleet(app, holder))
        return running[-1]

    def person(url: str, nick: str, channel: str) -> Participant:
        people.append(Participant(url, nick))
        people[-1].join(channel)
        return people[-1]

    start.person = person
    yield start
    for p in people:
        p.close()
    for r in running:
        r.close()


def _organizer_group(create_group, create_user, slug: str):
    olga = create_user(f"Olga {slug}")
    return olga, create_group(slug=slug, members={olga: Role.ORGANIZER})


def _short_meeting(person: Participant, channel: str, word: str) -> None:
    person.say(channel, f"#startmeeting {word}")
    person.wait_to_hear("Meeting started")
    person.say(channel, f"#info {word} said")
    person.say(channel, "#endmeeting")
    person.wait_to_hear("chat-log.txt")


def _meeting_items(text: str) -> list[tuple[str, str]]:
    meeting_id = _read(select(MinuteItem.meeting_id).where(MinuteItem.text == text))[0][0]
    rows = _read(
        select(MinuteItem.kind, MinuteItem.text).where(MinuteItem.meeting_id == meeting_id)
    )
    return [tuple(r) for r in rows]


def test_without_server_the_bot_serves_every_configured_network(
    create_group, create_user, ircd, second_ircd, fleets
) -> None:
    olga, edge = _organizer_group(create_group, create_user, "edge")
    otto, ops = _organizer_group(create_group, create_user, "ops")
    # two groups on one server with different nicks: two connections
    net = chat_settings.add_network(olga, edge, server=ircd.url, nick="edgebot")
    chat_settings.map_channel(olga, edge, network_id=net.id, channel="#edge")
    net = chat_settings.add_network(otto, ops, server=ircd.url, nick="opsbot")
    chat_settings.map_channel(otto, ops, network_id=net.id, channel="#ops")
    running = fleets()
    running.wait_joined(ircd.url, "edgebot", "#edge")
    running.wait_joined(ircd.url, "opsbot", "#ops")
    alice = fleets.person(ircd.url, "alice", "#edge")
    bob = fleets.person(ircd.url, "bob", "#ops")
    _short_meeting(alice, "#edge", "edge")
    _short_meeting(bob, "#ops", "ops")
    assert {n for n, t in alice.heard if "Meeting started" in t} == {"edgebot"}
    assert {n for n, t in bob.heard if "Meeting started" in t} == {"opsbot"}
    assert _meeting_items("edge said") == [("info", "edge said")]
    assert _meeting_items("ops said") == [("info", "ops said")]

    # a network added on the page is connected, its channel joined; removed: left
    # (another group: a second #startmeeting of "ops" now would attach to its meeting)
    ida, infra = _organizer_group(create_group, create_user, "infra")
    net = chat_settings.add_network(ida, infra, server=second_ircd.url, nick="opsbot")
    chat_settings.map_channel(ida, infra, network_id=net.id, channel="#ops2")
    bot = running.wait_joined(second_ircd.url, "opsbot", "#ops2")
    carol = fleets.person(second_ircd.url, "carol", "#ops2")
    _short_meeting(carol, "#ops2", "second")
    assert _meeting_items("second said") == [("info", "second said")]
    chat_settings.remove_network(ida, infra, net.id)
    wait_until(lambda: running.bot(second_ircd.url, "opsbot") is None, 20, "the bot to go")
    wait_until(lambda: not bot.transport.conn.is_connected(), 20, "the connection to close")
    assert running.bot(ircd.url, "opsbot") is not None  # the other network stays


def test_one_connection_per_server_and_nick(create_group, create_user) -> None:
    olga, edge = _organizer_group(create_group, create_user, "edge")
    otto, ops = _organizer_group(create_group, create_user, "ops")
    ida, infra = _organizer_group(create_group, create_user, "infra")
    server = "irc://irc.example.org:6667"
    a = chat_settings.add_network(olga, edge, server=server, nick="meetbot")
    chat_settings.map_channel(olga, edge, network_id=a.id, channel="#edge")
    b = chat_settings.add_network(
        otto, ops, server=server, nick="MeetBot", auth="sasl", password="s3cret"
    )
    chat_settings.map_channel(otto, ops, network_id=b.id, channel="#ops")
    c = chat_settings.add_network(ida, infra, server=server, nick="infrabot")
    chat_settings.map_channel(ida, infra, network_id=c.id, channel="#infra")
    create_group(slug="misc")  # no network of its own: the server's first network serves it
    chat_settings.map_channel_by_slug(server, "#misc", "misc")
    chat_settings.map_channel_by_slug("irc://other.example.org:6667", "#lost", "infra")

    plan = chat_connections.plan()

    shared = Connection(server, "MeetBot", ChatAuth.SASL, "s3cret")  # the one with a password
    assert plan == {
        shared: {
            "#edge": a_channel("#edge"),
            "#ops": a_channel("#ops"),
            "#misc": a_channel("#misc"),
        },
        Connection(server, "infrabot"): {"#infra": a_channel("#infra")},
    }
    assert "s3cret" not in repr(shared)


def a_channel(name: str) -> int:
    return _read(select(ChatChannel.id).where(ChatChannel.channel == name))[0][0]


def test_nick_without_server_is_refused(runner) -> None:
    result = runner.invoke(args=["chat-bot", "--nick", "edgebot"])
    assert result.exit_code == 2
    assert "--nick needs --server" in result.output


def test_two_processes_with_several_networks_never_both_answer(
    create_group, create_user, ircd, second_ircd, fleets
) -> None:
    olga, edge = _organizer_group(create_group, create_user, "edge")
    ida, infra = _organizer_group(create_group, create_user, "infra")
    net = chat_settings.add_network(olga, edge, server=ircd.url, nick="edgebot")
    chat_settings.map_channel(olga, edge, network_id=net.id, channel="#edge")
    net = chat_settings.add_network(ida, infra, server=second_ircd.url, nick="infrabot")
    chat_settings.map_channel(ida, infra, network_id=net.id, channel="#infra")
    first, second = fleets("first"), fleets("second")
    where = [(ircd.url, "edgebot", "#edge"), (second_ircd.url, "infrabot", "#infra")]
    for running in (first, second):
        for server, nick, channel in where:
            running.wait_joined(server, nick, channel)
    for server, nick, channel in where:
        channel_id = a_channel(channel)
        holding = [r for r in (first, second) if channel_id in r.bot(server, nick).held]
        assert len(holding) == 1  # one lease holder per channel, across both processes
        person = fleets.person(server, f"p{nick}", channel)
        person.say(channel, "#startmeeting check")
        person.wait_to_hear("Meeting started")
        person.say(channel, "#commands")
        person.wait_to_hear("Available commands")
        assert {n for n, _t in person.heard} == {holding[0].bot(server, nick).nick}


class _FailsOnce:
    """Stands in for a bot whose thread dies (a database error it did not expect)."""

    def __init__(self, runs: list[int]) -> None:
        self.runs = runs
        self.transport = SimpleNamespace(network="irc://127.0.0.1:1")

    def run(self, stop: threading.Event) -> None:
        self.runs.append(1)
        if len(self.runs) == 1:
            raise RuntimeError("boom")
        stop.wait()


def test_a_bot_whose_thread_died_is_started_again(app, create_group, create_user) -> None:
    olga, edge = _organizer_group(create_group, create_user, "edge")
    chat_settings.add_network(olga, edge, server="irc://127.0.0.1:1", nick="edgebot")
    runs: list[int] = []
    fleet = Fleet(app, lambda *_: _FailsOnce(runs), "holder", every=0)
    fleet.sync()
    (running,) = fleet.bots.values()
    running.thread.join(timeout=5)
    fleet.sync()
    assert len(runs) == 2
    assert [r.alive() for r in fleet.bots.values()] == [True]
    fleet.stop_all()
    assert fleet.bots == {}
