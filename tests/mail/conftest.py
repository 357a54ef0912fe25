"""Fixtures of the mail tests: a real SMTP server on loopback and an app that uses it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.mail.smtp_server import SmtpServer


@pytest.fixture
def smtp_server(tmp_path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp_server: SmtpServer) -> dict[str, Any]:
    return {
        **app_config,
        "MEETBOT_MAIL_URL": smtp_server.url,
        "MEETBOT_MAIL_FROM": "Meetbot <meetbot@meetbot.test>",
    }
