"""Issue 17: organizers map channels on the group's chat page: networks (the password
stored, never shown back), channels validated, one group per channel per network."""

from __future__ import annotations

from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import ChatAuth, ChatChannel, ChatNetwork, Role
from meetbot.services import accounts, chat_settings
from tests.api.conftest import ApiClient, assert_error

SECRET = "correct-horse-battery"


def _setup(create_user, create_group, create_series):
    olga = create_user("Olga Organizer", email="olga@example.org")
    edge = create_group(slug="edge", members={olga: Role.ORGANIZER})
    series = create_series(edge, title="Edge weekly")
    return olga, edge, series


def test_a_network_and_a_channel_mapped_to_a_series(
    client, auth, create_user, create_group, create_series
) -> None:
    _olga, _edge, series = _setup(create_user, create_group, create_series)
    auth.login("olga@example.org")
    response = client.post(
        "/groups/edge/chat/networks",
        data={
            "network-server": "ircs://irc.example.org",
            "network-nick": "edgebot",
            "network-auth": "sasl",
            "network-password": SECRET,
        },
    )
    assert response.status_code == 302
    network = db.session.scalar(select(ChatNetwork))
    assert (network.server, network.nick, network.auth, network.password) == (
        "ircs://irc.example.org:6697", "edgebot", ChatAuth.SASL, SECRET
    )  # fmt: skip
    page = client.get("/groups/edge/chat/").get_data(as_text=True)
    assert SECRET not in page
    assert "Password: <strong>set</strong>" in page
    # Saving with the password left empty keeps it; "none" forgets it.
    prefix = f"net{network.id}"
    form = {f"{prefix}-nick": "edgebot2", f"{prefix}-auth": "sasl", f"{prefix}-password": ""}
    assert client.post(f"/groups/edge/chat/networks/{network.id}", data=form).status_code == 302
    db.session.expire_all()
    assert (network.nick, network.password) == ("edgebot2", SECRET)

    response = client.post(
        "/groups/edge/chat/channels",
        data={
            "channel-network_id": str(network.id),
            "channel-channel": "#edge-computing",
            "channel-series_id": str(series.id),
        },
    )
    assert response.status_code == 302
    mapping = db.session.scalar(select(ChatChannel))
    assert (mapping.network, mapping.channel, mapping.series_id) == (
        "ircs://irc.example.org:6697", "#edge-computing", series.id
    )  # fmt: skip
    page = client.get("/groups/edge/chat/").get_data(as_text=True)
    assert 'data-channel="#edge-computing"' in page and "Edge weekly" in page


def test_bad_input_is_shown_beside_the_field_and_changes_nothing(
    client, auth, create_user, create_group, create_series
) -> None:
    _olga, edge, _series = _setup(create_user, create_group, create_series)
    auth.login("olga@example.org")
    form = {"network-nick": "bot", "network-auth": "none"}
    bad_server = client.post(
        "/groups/edge/chat/networks", data={**form, "network-server": "http://irc.example.org"}
    )
    assert bad_server.status_code == 422
    assert "give the server as irc://host:6667 or ircs://host:6697" in bad_server.get_data(
        as_text=True
    )
    no_password = client.post(
        "/groups/edge/chat/networks",
        data={**form, "network-auth": "sasl", "network-server": "irc://irc.example.org"},
    )
    assert no_password.status_code == 422
    assert "SASL and NickServ need the nick&#39;s password." in no_password.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ChatNetwork.id))) == 0

    other = create_group(slug="other")
    network = chat_settings.add_network(None, edge, server="irc://irc.example.org", nick="bot")
    theirs = chat_settings.add_network(None, other, server="irc://irc.example.org", nick="bot")
    chat_settings.map_channel(None, other, network_id=theirs.id, channel="#Edge")
    for channel, message in [
        ("edge room", "is not a channel name: start with # (or &amp;)"),
        ("#edge", "#Edge on irc://irc.example.org:6667 is mapped to another group."),
    ]:
        response = client.post(
            "/groups/edge/chat/channels",
            data={"channel-network_id": str(network.id), "channel-channel": channel},
        )
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ChatChannel.id))) == 1


def test_the_api_maps_a_channel_on_one_of_the_groups_networks(
    client, create_user, create_group, create_series
) -> None:
    olga, edge, _series = _setup(create_user, create_group, create_series)
    token = accounts.create_api_token(olga, "t")
    api = ApiClient(client)
    chat_settings.add_network(olga, edge, server="ircs://irc.example.org", nick="bot")
    created = api.post(
        "/groups/edge/chat-channels",
        token=token,
        json={"network": "ircs://irc.example.org:6697", "channel": "#edge"},
    )
    assert created.status_code == 201
    body = created.get_json()
    assert (body["network"], body["channel"], body["series_id"]) == (
        "ircs://irc.example.org:6697", "#edge", None
    )  # fmt: skip
    error = assert_error(
        api.post(
            "/groups/edge/chat-channels",
            token=token,
            json={"network": "irc://elsewhere.example", "channel": "#edge"},
        ),
        422,
    )
    assert error["fields"] == {
        "network": "Not one of this group's networks: add it on the group's chat page."
    }
    listed = api.get("/groups/edge/chat-channels", token=token).get_json()
    assert [m["channel"] for m in listed["items"]] == ["#edge"]
    assert api.delete(f"/groups/edge/chat-channels/{body['id']}", token=token).status_code == 204
    assert api.delete(f"/groups/edge/chat-channels/{body['id']}", token=token).status_code == 204
    assert db.session.scalar(select(func.count(ChatChannel.id))) == 0
