"""A group's chat settings: the networks the bot connects to for it and the channels
mapped to the group (optionally to one of its series). Organizers change them on the
group's chat page and the API; the operator maps channels with ``chat-bot --channel``.

Every entry path goes through here, so the rules hold everywhere: server URLs,
channel names and nicks by ``domain.irc_names``; one group per channel per network
(compared case-insensitively, as IRC does); a series of the same group; at most
``MAX_NETWORKS`` networks and ``MAX_CHANNELS`` channels per group. A password is
stored as given and never returned (pages show only whether one is set).
"""

from __future__ import annotations

from sqlalchemy import delete, func, select

from meetbot.domain.irc_names import check_channel, check_nick, network_url
from meetbot.extensions import db
from meetbot.models import ChatAuth, ChatChannel, ChatNetwork, Group, MeetingSeries, Person
from meetbot.services import audit
from meetbot.services.db import unit_of_work
from meetbot.services.errors import NotFound, ValidationError, field_error

__all__ = [
    "MAX_CHANNELS",
    "MAX_NETWORKS",
    "MAX_PASSWORD",
    "add_network",
    "channels_on",
    "map_channel",
    "map_channel_by_slug",
    "map_channel_on",
    "mappings",
    "network_for",
    "networks",
    "remove_network",
    "series_choices",
    "unmap_channel",
    "update_network",
]

MAX_NETWORKS = 5  # per group
MAX_CHANNELS = 20  # per group
MAX_PASSWORD = 200


# ------------------------------------------------------------------ reads


def networks(group: Group) -> list[ChatNetwork]:
    return list(
        db.session.scalars(
            select(ChatNetwork).where(ChatNetwork.group_id == group.id).order_by(ChatNetwork.id)
        )
    )


def mappings(group: Group) -> list[ChatChannel]:
    return list(
        db.session.scalars(
            select(ChatChannel)
            .where(ChatChannel.group_id == group.id)
            .order_by(ChatChannel.network, ChatChannel.channel)
        )
    )


def series_choices(group: Group) -> list[tuple[int, str]]:
    """(id, title) of the group's series, for the channel form."""
    rows = db.session.execute(
        select(MeetingSeries.id, MeetingSeries.title)
        .where(MeetingSeries.group_id == group.id)
        .order_by(MeetingSeries.title, MeetingSeries.id)
    )
    return [(sid, title) for sid, title in rows]


def channels_on(network: str) -> dict[str, int]:
    """Channel name -> mapping id of every channel mapped on ``network`` (the bot
    re-reads this on a timer, so a mapping made on the page is joined without a
    restart)."""
    with unit_of_work():  # ends the read: the bot's thread holds no transaction open
        rows = db.session.execute(
            select(ChatChannel.channel, ChatChannel.id).where(ChatChannel.network == network)
        )
        return {name: cid for name, cid in rows}


def network_for(server: str) -> ChatNetwork | None:
    """The first network organizers configured with this server URL (nick and
    credentials for ``chat-bot --server``), if any."""
    return db.session.scalar(
        select(ChatNetwork).where(ChatNetwork.server == server).order_by(ChatNetwork.id).limit(1)
    )


# ------------------------------------------------------------------ checks


def _checked(field: str, check, value: str) -> str:
    try:
        return check(value)
    except ValueError as exc:
        raise field_error(field, f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None


def _auth(auth: str, password: str | None, had_password: bool) -> ChatAuth:
    if auth not in {a.value for a in ChatAuth}:
        raise field_error("auth", "Choose none, sasl or nickserv.")
    if password is not None and len(password) > MAX_PASSWORD:
        raise field_error("password", f"At most {MAX_PASSWORD} characters.")
    if auth != ChatAuth.NONE and not (password or had_password):
        raise field_error("password", "SASL and NickServ need the nick's password.")
    return ChatAuth(auth)


def _series(group: Group, series_id: int | None) -> MeetingSeries | None:
    if series_id is None:
        return None
    series = db.session.get(MeetingSeries, series_id)
    if series is None or series.group_id != group.id:
        raise field_error("series_id", "Choose one of this group's series.")
    return series


# ------------------------------------------------------------------ networks


def add_network(
    actor: Person | None,
    group: Group,
    *,
    server: str,
    nick: str,
    auth: str = "none",
    password: str | None = None,
) -> ChatNetwork:
    """Configure a network for the group (ValidationError naming the field)."""
    server = _checked("server", network_url, server)
    nick = _checked("nick", check_nick, nick)
    kind = _auth(auth, password or None, False)
    with unit_of_work():
        if len(networks(group)) >= MAX_NETWORKS:
            raise field_error("server", f"A group has at most {MAX_NETWORKS} chat networks.")
        if any(n.server == server for n in networks(group)):
            raise field_error("server", f"{server} is already one of this group's networks.")
        row = ChatNetwork(
            group=group, server=server, nick=nick, auth=kind, password=password or None
        )
        db.session.add(row)
        db.session.flush()
        audit.record(actor, group, "chat_network", row.id, "created", server=server, nick=nick)
    return row


def _network(group: Group, network_id: int) -> ChatNetwork:
    row = db.session.get(ChatNetwork, network_id)
    if row is None or row.group_id != group.id:
        raise NotFound(f"No chat network {network_id} in this group.")
    return row


def update_network(
    actor: Person | None,
    group: Group,
    network_id: int,
    *,
    nick: str,
    auth: str,
    password: str | None = None,
) -> ChatNetwork:
    """Change the nick or the credentials; an empty ``password`` keeps the stored
    one, ``auth=none`` forgets it. The server stays (remove the network instead)."""
    with unit_of_work():
        row = _network(group, network_id)
        row.nick = _checked("nick", check_nick, nick)
        row.auth = _auth(auth, password or None, row.password is not None)
        if row.auth == ChatAuth.NONE:
            row.password = None
        elif password:
            row.password = password
        audit.record(
            actor, group, "chat_network", row.id, "updated",
            nick=row.nick, auth=row.auth.value, password_replaced=bool(password),
        )  # fmt: skip
    return row


def remove_network(actor: Person | None, group: Group, network_id: int) -> None:
    """Forget a network and the group's channels on it (refused while a meeting runs
    in one of them)."""
    with unit_of_work():
        row = _network(group, network_id)
        channels = [m for m in mappings(group) if m.network == row.server]
        _refuse_live(channels)
        for channel in channels:
            db.session.delete(channel)
        db.session.delete(row)
        audit.record(actor, group, "chat_network", network_id, "deleted", server=row.server)


# ------------------------------------------------------------------ channels


def _refuse_live(channels: list[ChatChannel]) -> None:
    live = [c.channel for c in channels if c.live_meeting_id is not None]
    if live:
        raise ValidationError(
            f"A meeting is running in {live[0]}: end it (#endmeeting) first.",
            {"channel": "a meeting is running there"},
        )


def _place(network: str, channel: str, group: Group, series: MeetingSeries | None) -> ChatChannel:
    """Make or re-point the mapping of ``channel`` on ``network`` (caller's transaction)."""
    row = db.session.scalar(
        select(ChatChannel).where(
            ChatChannel.network == network,
            func.lower(ChatChannel.channel) == channel.lower(),
        )
    )
    if row is None:
        count = db.session.scalar(
            select(func.count(ChatChannel.id)).where(ChatChannel.group_id == group.id)
        )
        if (count or 0) >= MAX_CHANNELS:
            raise field_error("channel", f"A group has at most {MAX_CHANNELS} chat channels.")
        row = ChatChannel(network=network, channel=channel, group=group, series=series)
        db.session.add(row)
    else:
        if row.group_id != group.id and row.live_meeting_id is not None:
            _refuse_live([row])
        row.group, row.series = group, series
    db.session.flush()
    return row


def map_channel(
    actor: Person | None,
    group: Group,
    *,
    network_id: int,
    channel: str,
    series_id: int | None = None,
) -> ChatChannel:
    """Map a channel of one of the group's networks to the group (or to one of its
    series). A channel another group has on that network is refused."""
    channel = _checked("channel", check_channel, channel)
    with unit_of_work():
        network = _network(group, network_id)
        series = _series(group, series_id)
        taken = db.session.scalar(
            select(ChatChannel).where(
                ChatChannel.network == network.server,
                func.lower(ChatChannel.channel) == channel.lower(),
                ChatChannel.group_id != group.id,
            )
        )
        if taken is not None:
            raise field_error(
                "channel", f"{taken.channel} on {network.server} is mapped to another group."
            )
        row = _place(network.server, channel, group, series)
        audit.record(
            actor, group, "chat_channel", row.id, "mapped",
            network=network.server, channel=channel, series=series_id,
        )  # fmt: skip
    return row


def map_channel_on(
    actor: Person | None,
    group: Group,
    *,
    server: str,
    channel: str,
    series_id: int | None = None,
) -> ChatChannel:
    """``map_channel`` naming the network by its server URL (the API)."""
    try:
        key = network_url(server)
    except ValueError:
        key = None
    found = next((n for n in networks(group) if n.server == key), None)
    if found is None:
        raise field_error(
            "network", "Not one of this group's networks: add it on the group's chat page."
        )
    return map_channel(actor, group, network_id=found.id, channel=channel, series_id=series_id)


def map_channel_by_slug(
    network: str, channel: str, group_slug: str, series_id: int | None = None
) -> int:
    """The operator's mapping (``chat-bot --channel '#c=group[/series id]'``): made
    or re-pointed to that group, whichever group had it. Returns the mapping's id.
    Raises ValidationError (bad name, not the group's series) or NotFound."""
    network = _checked("server", network_url, network)
    channel = _checked("channel", check_channel, channel)
    with unit_of_work():
        group = db.session.scalar(select(Group).where(Group.slug == group_slug))
        if group is None:
            raise NotFound(f"No group {group_slug!r}.")
        row = _place(network, channel, group, _series(group, series_id))
        audit.record(
            None, group, "chat_channel", row.id, "mapped", network=network, channel=channel
        )
        return row.id


def unmap_channel(actor: Person | None, group: Group, mapping_id: int) -> None:
    """Remove a mapping (the bot leaves the channel at its next re-read)."""
    with unit_of_work():
        row = db.session.get(ChatChannel, mapping_id)
        if row is None or row.group_id != group.id:
            raise NotFound(f"No chat channel {mapping_id} in this group.")
        _refuse_live([row])
        db.session.execute(delete(ChatChannel).where(ChatChannel.id == row.id))
        audit.record(
            actor, group, "chat_channel", mapping_id, "unmapped",
            network=row.network, channel=row.channel,
        )  # fmt: skip
