"""Numeric settings from the environment: a bad value stops the app with the variable's
name and what it must be, instead of Python's bare ``invalid literal for int()``."""

from __future__ import annotations

import re

import pytest

from meetbot.config import load_config


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        (
            "MEETBOT_WARM_UP_FEED_BYTES",
            "8MB",
            "MEETBOT_WARM_UP_FEED_BYTES must be a whole number, not '8MB'",
        ),
        (
            "MEETBOT_DERIVED_CACHE_BYTES",
            "-1",
            "MEETBOT_DERIVED_CACHE_BYTES must be at least 0, not -1",
        ),
        ("MEETBOT_MAX_CONTENT_LENGTH", "0", "MEETBOT_MAX_CONTENT_LENGTH must be at least 1, not 0"),
        (
            "MEETBOT_FEED_REFRESH_MINUTES",
            "1.5",
            "MEETBOT_FEED_REFRESH_MINUTES must be a whole number, not '1.5'",
        ),
        (
            "MEETBOT_SQL_CACHE_SIZE",
            "many",
            "MEETBOT_SQL_CACHE_SIZE must be a whole number, not 'many'",
        ),
        (
            "MEETBOT_MAX_MEMBERS_PER_GROUP",
            "0",
            "MEETBOT_MAX_MEMBERS_PER_GROUP must be at least 1, not 0",
        ),
    ],
)
def test_a_bad_number_names_the_variable(monkeypatch, tmp_path, name, raw, message) -> None:
    monkeypatch.setenv(name, raw)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        load_config(tmp_path)


def test_numbers_are_read_with_underscores_and_default_when_empty(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MEETBOT_WARM_UP_FEED_BYTES", "4_194_304")
    monkeypatch.setenv("MEETBOT_TRUSTED_PROXIES", " 1 ")
    monkeypatch.setenv("MEETBOT_FEED_REFRESH_MINUTES", "")
    config = load_config(tmp_path)
    assert config["MEETBOT_WARM_UP_FEED_BYTES"] == 4 * 1024 * 1024
    assert config["MEETBOT_TRUSTED_PROXIES"] == 1
    assert config["MEETBOT_FEED_REFRESH_MINUTES"] == 60
