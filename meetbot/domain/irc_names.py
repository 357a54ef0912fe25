"""IRC names: a server URL, a channel name, a nick (RFC 2812, as servers apply it).

Each ``check_*`` returns the value to store or raises ValueError with a sentence
saying how to write it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["check_channel", "check_nick", "network_url", "parse_server"]

MAX_CHANNEL = 50  # RFC 2812's limit, which most networks keep
MAX_NICK = 30
# A letter or one of []\`_^{|} first, then those, digits and '-' (RFC 2812 2.3.1).
_NICK_RE = re.compile(r"[A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]*")
# Anything but NUL, BELL, CR, LF, space, comma and colon (RFC 2812 2.3.1), and no
# other control character either.
_CHANNEL_RE = re.compile(r"[#&][^\x00-\x20\x7f,:]+")


def parse_server(url: str) -> tuple[str, int, bool]:
    """(host, port, tls) of ``irc://host[:6667]`` or ``ircs://host[:6697]``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("irc", "ircs") or not parts.hostname:
        raise ValueError(f"{url!r}: give the server as irc://host:6667 or ircs://host:6697")
    if parts.username or parts.password or parts.path not in ("", "/") or parts.query:
        raise ValueError(f"{url!r}: give only irc(s)://host:port, no password, path or query")
    tls = parts.scheme == "ircs"
    try:
        port = parts.port or (6697 if tls else 6667)
    except ValueError:
        raise ValueError(f"{url!r}: the port must be a number from 1 to 65535") from None
    return parts.hostname, port, tls


def network_url(url: str) -> str:
    """The network's key: ``irc(s)://host:port`` with the port written out."""
    host, port, tls = parse_server(url)
    return f"{'ircs' if tls else 'irc'}://{host}:{port}"


def check_channel(name: str) -> str:
    name = (name or "").strip()
    if not _CHANNEL_RE.fullmatch(name) or len(name) > MAX_CHANNEL:
        raise ValueError(
            f"{name!r} is not a channel name: start with # (or &), at most {MAX_CHANNEL} "
            "characters, no spaces, commas or colons"
        )
    return name


def check_nick(nick: str) -> str:
    nick = (nick or "").strip()
    if not _NICK_RE.fullmatch(nick) or len(nick) > MAX_NICK:
        raise ValueError(
            f"{nick!r} is not a nick: a letter first, then letters, digits, - or "
            f"[]\\`_^{{|}}, at most {MAX_NICK} characters"
        )
    return nick
