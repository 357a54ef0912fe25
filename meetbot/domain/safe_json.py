"""JSON parsing with a bound on nesting depth (pure).

``json.loads('[' * 5000)`` raises RecursionError (not a ValueError), which callers that
expect ``json.JSONDecodeError`` for bad input turn into a 500 or a traceback. ``loads``
here turns both a too-deep document and Python's recursion limit into a
``json.JSONDecodeError``, so every JSON entry point answers "not valid JSON" instead.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64  # no meetbot document (API body, backup, webhook payload) nests beyond ~6


def _too_deep(doc: str, depth: int) -> json.JSONDecodeError:
    return json.JSONDecodeError(f"nested deeper than {depth} levels", doc, 0)


def depth(value: Any) -> int:
    """How deeply ``value`` nests lists and dicts (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        stack.extend((child, level + 1) for child in children)
    return deepest


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses documents nested deeper than ``max_depth``.

    Raises ``json.JSONDecodeError`` (a ValueError) for every kind of bad input,
    including UTF-8 errors in ``bytes``.
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            doc = bytes(text).decode("utf-8", "replace")
            raise json.JSONDecodeError(f"not UTF-8 ({exc.reason})", doc, exc.start) from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise _too_deep(text, max_depth) from None
    if depth(value) > max_depth:
        raise _too_deep(text, max_depth)
    return value
