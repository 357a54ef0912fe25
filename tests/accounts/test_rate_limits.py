"""Every step of joining is rate limited per client address (issue 15, point 7)."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True}


@pytest.mark.parametrize(
    ("path", "data", "status"),
    [  # a too-short password (422) counts as much as a good request
        ("/signup", {"email": "x@example.org", "display_name": "X", "password": "short"}, 422),
        ("/password-reset", {"email": "x@example.org"}, 200),
    ],
)
def test_mail_sending_steps_allow_five_a_minute(client, path, data, status) -> None:
    for _ in range(5):
        assert client.post(path, data=data).status_code == status
    refused = client.post(path, data=data)
    assert refused.status_code == 429
    assert b"Too many attempts" in refused.data


def test_mailed_links_allow_ten_tries_a_minute(client) -> None:
    for _ in range(10):
        assert client.post("/signup/verify/guess").status_code == 400
    assert client.post("/signup/verify/guess").status_code == 429
