"""Is an IP address a public unicast destination? (the webhook SSRF rule, pure).

An address is public when it is globally reachable (``is_global``), not multicast,
not reserved, and - for IPv6 - not site-local. IPv6 forms that carry an IPv4 address
are judged by that IPv4 address too, because a packet sent there may end up at it:

- IPv4-mapped ``::ffff:a.b.c.d`` and the well-known NAT64 prefix ``64:ff9b::/96``
  (RFC 6052) are translations: they are public exactly when the IPv4 address is;
- the local-use NAT64 prefix ``64:ff9b:1::/48`` (RFC 8215) and IPv4-compatible
  ``::a.b.c.d`` (deprecated) are refused whatever they embed;
- 6to4 ``2002::/16`` and Teredo ``2001::/32`` must embed a public IPv4 address and
  pass the IPv6 test as well.

Python's own ``is_global`` is not enough on its own: in 3.11 it calls ``fec0::1`` and
``2002:a9fe:a9fe::`` (6to4 of 169.254.169.254) global.
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv6Address

_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _refusal(ip: IPv4Address | IPv6Address) -> str | None:
    """Why an address of either family is not public unicast (None when it is)."""
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if isinstance(ip, IPv6Address) and ip.is_site_local:
        return "a site-local address"
    if not ip.is_global or ip.is_private or ip.is_reserved or ip.is_unspecified:
        return "a private or reserved address"
    return None


def _embedded(ip: IPv6Address) -> tuple[str, IPv4Address] | None:
    """(name of the form, IPv4 address) when ``ip`` carries an IPv4 address."""
    if ip.ipv4_mapped is not None:
        return "IPv4-mapped", ip.ipv4_mapped
    if ip in _NAT64_WELL_KNOWN or ip in _NAT64_LOCAL:
        return "NAT64", IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return "6to4", ip.sixtofour
    if ip.teredo is not None:
        return "Teredo", ip.teredo[1]
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:
        return "IPv4-compatible", IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _ipv6_refusal(ip: IPv6Address) -> str | None:
    embedded = _embedded(ip)
    if embedded is not None:
        form, v4 = embedded
        reason = _refusal(v4)
        if reason is not None:
            return f"a {form} form of {v4}, {reason}"
        if ip in _NAT64_LOCAL:
            return "a local-use NAT64 address"
        if form == "IPv4-compatible":
            return "a deprecated IPv4-compatible address"
        if form in ("IPv4-mapped", "NAT64"):
            return None  # a translation: the IPv4 address decides, and it is public
    return _refusal(ip)


def refusal(address: str) -> str | None:
    """Why ``address`` is not a public unicast destination, or None when it is.

    ``address`` is an IPv4 or IPv6 address in text (a zone ``%eth0`` is ignored);
    anything else raises ValueError.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, IPv4Address):
        return _refusal(ip)
    return _ipv6_refusal(ip)


def is_public(address: str) -> bool:
    """True when ``address`` may be reached by an outgoing webhook without an allow-list."""
    return refusal(address) is None
