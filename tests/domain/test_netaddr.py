"""The webhook SSRF rule on addresses (meetbot.domain.netaddr), one case per form."""

from __future__ import annotations

import pytest

from meetbot.domain import netaddr


@pytest.mark.parametrize(
    "address",
    [
        "100.100.100.200",  # shared address space 100.64.0.0/10 (cloud metadata)
        "100.64.0.1",
        "169.254.169.254",
        "127.0.0.1",
        "10.0.0.1",
        "192.168.1.1",
        "0.0.0.0",
        "224.0.0.1",  # multicast
        "239.255.255.250",
        "240.0.0.1",  # reserved
        "198.18.0.1",  # benchmarking
        "::1",
        "::",
        "fe80::1",
        "fe80::1%eth0",
        "fec0::1",  # site-local (Python 3.11 calls it global)
        "fc00::1",
        "ff0e::1",  # multicast, global scope
        "ff02::1",
        "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:6464:64c8::",  # 6to4 of 100.100.100.200
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b::6464:64c8",  # NAT64 of 100.100.100.200
        "64:ff9b:1::808:808",  # local-use NAT64, even of a public address
        "::ffff:169.254.169.254",  # IPv4-mapped
        "::ffff:100.100.100.200",
        "::127.0.0.1",  # IPv4-compatible
        "::8.8.8.8",  # IPv4-compatible (deprecated) even of a public address
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "2001:0:4136:e378:8000:63bf:5601:5601",  # Teredo of 169.254.169.254 (inverted)
        "2001:db8::1",  # documentation
    ],
)
def test_refused(address: str) -> None:
    assert netaddr.refusal(address) is not None
    assert not netaddr.is_public(address)


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "2606:4700:4700::1111",
        "2002:808:808::",  # 6to4 of a public address
        "64:ff9b::808:808",  # NAT64 (DNS64) of a public address
        "::ffff:8.8.8.8",  # IPv4-mapped public address
    ],
)
def test_public(address: str) -> None:
    assert netaddr.refusal(address) is None


def test_reason_names_the_embedded_address() -> None:
    assert netaddr.refusal("2002:a9fe:a9fe::") == (
        "a 6to4 form of 169.254.169.254, a link-local address"
    )


def test_not_an_address() -> None:
    with pytest.raises(ValueError):
        netaddr.refusal("example.org")
