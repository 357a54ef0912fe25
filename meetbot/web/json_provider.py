"""The app's JSON provider: Flask's, with a bounded nesting depth when parsing.

``request.get_json()`` (used by Flask-WTF for JSON form posts, and by anything else
that reads a JSON body) then answers a too-deep body with Flask's 400 instead of
letting ``RecursionError`` become a 500.
"""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider

from meetbot.domain import safe_json


class SafeJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return safe_json.loads(s)
