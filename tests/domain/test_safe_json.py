"""safe_json.loads: bad input of every kind is a JSONDecodeError, never RecursionError."""

from __future__ import annotations

import json

import pytest

from meetbot.domain import safe_json


@pytest.mark.parametrize(
    "text",
    ["[" * 5000, "[" * 100_000 + "]" * 100_000, '{"a":' * 65 + "1" + "}" * 65, b"\xff[]"],
)
def test_refused(text) -> None:
    with pytest.raises(json.JSONDecodeError):
        safe_json.loads(text)


def test_accepted_up_to_the_limit() -> None:
    text = "[" * safe_json.MAX_DEPTH + "]" * safe_json.MAX_DEPTH
    assert safe_json.depth(safe_json.loads(text)) == safe_json.MAX_DEPTH
    assert safe_json.loads(b'{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
    assert safe_json.depth(3) == 0
