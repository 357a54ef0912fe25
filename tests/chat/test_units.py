"""The token bucket, the channel lease, the backoff and the server URL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from meetbot.chat import lease
from meetbot.chat.bot import Backoff
from meetbot.chat.flood import TokenBucket
from meetbot.chat.irc import parse_server
from meetbot.chat.store import map_channel


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.take() for _ in range(3)] == [0, 0, 0]
    assert bucket.take() == pytest.approx(0.5)  # nothing taken: wait half a second
    clock.now += 0.5
    assert bucket.take() == 0
    clock.now += 10  # a long pause refills to the burst, no more
    assert [bucket.take() == 0 for _ in range(4)] == [True, True, True, False]


def test_backoff_doubles_up_to_the_most_and_resets() -> None:
    backoff = Backoff(first=1, most=5)
    assert [backoff.next() for _ in range(5)] == [1, 2, 4, 5, 5]
    backoff.reset()
    assert backoff.next() == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("irc://irc.example:6667", ("irc.example", 6667, False)),
        ("ircs://irc.example", ("irc.example", 6697, True)),
        ("irc://irc.example", ("irc.example", 6667, False)),
    ],
)
def test_server_urls(url, expected) -> None:
    assert parse_server(url) == expected


@pytest.mark.parametrize("url", ["http://irc.example", "irc://", "irc://h:99999"])
def test_bad_server_urls_say_how_to_write_them(url) -> None:
    with pytest.raises(ValueError, match="irc://host:6667|port"):
        parse_server(url)


def test_one_holder_until_the_lease_expires(app, create_group) -> None:
    create_group(slug="edge")
    channel_id = map_channel("irc://127.0.0.1:6667", "#edge", "edge")
    t0 = datetime(2024, 5, 7, 14, 0, tzinfo=UTC)
    ttl = timedelta(seconds=30)
    assert lease.hold(channel_id, "a", ttl, now=t0)
    assert not lease.hold(channel_id, "b", ttl, now=t0 + timedelta(seconds=29))
    assert lease.hold(channel_id, "a", ttl, now=t0 + timedelta(seconds=20))  # renewed
    assert not lease.hold(channel_id, "b", ttl, now=t0 + timedelta(seconds=49))
    assert lease.hold(channel_id, "b", ttl, now=t0 + timedelta(seconds=51))  # a went silent
    assert not lease.hold(channel_id, "a", ttl, now=t0 + timedelta(seconds=52))
    lease.release(channel_id, "b")
    assert lease.hold(channel_id, "a", ttl, now=t0 + timedelta(seconds=53))
