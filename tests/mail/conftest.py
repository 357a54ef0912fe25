"""Fixtures of the mail tests: a real SMTP server on loopback and an app that uses it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.mail.smtp_server import SmtpServer


@pytest.fixture(scope="session")
def smtp_server_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpServer]:
    """One server (and throwaway certificate, an RSA key made by openssl) per worker:
    its URL stays the same, so the mail tests share one pooled app too."""
    server = SmtpServer(tmp_path_factory.mktemp("smtp"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(smtp_server_once: SmtpServer) -> SmtpServer:
    """The worker's server, running (a test may have stopped it) and with nothing
    received and no special answers."""
    server = smtp_server_once
    server.handler.reset()
    if server.controller is None:
        server.start()
    return server


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp_server: SmtpServer) -> dict[str, Any]:
    return {
        **app_config,
        "MEETBOT_MAIL_URL": smtp_server.url,
        "MEETBOT_MAIL_FROM": "Meetbot <meetbot@meetbot.test>",
    }
