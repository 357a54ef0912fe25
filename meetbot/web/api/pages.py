"""Paged lists of the API and the ``Link`` header (sent by common's after-request hook).

Two kinds, each with one helper here:

* ``?page=&per_page=`` lists answer the ``{"items", "pagination"}`` envelope
  (``paginate``): groups, series, meetings, members, people, actions, webhooks, ...
* lists whose body is a plain JSON array are paged by a cursor (``cursor_page``):
  ``?limit=`` (1-2,000, default 500) and, when more follow, ``Link: <...&cursor=...>;
  rel="next"``. The occurrences, a meeting's attendance and the members part of the
  attendance statistics.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

import marshmallow as ma
from flask import request

from meetbot.services.errors import ServiceError
from meetbot.services.paging import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Key,
    Query,
    fetch_page,
    is_query,
    page_of,
)

T = TypeVar("T")

# Where a view leaves its Link header for the after-request hook.
LINK_KEY = "meetbot.api_link"


# --- pagination --------------------------------------------------------------------


class PageArgs(ma.Schema):
    """``?page=&per_page=`` of every list."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=100))


class PaginationSchema(ma.Schema):
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    next = ma.fields.String(required=True, allow_none=True, metadata={"format": "uri"})
    prev = ma.fields.String(required=True, allow_none=True, metadata={"format": "uri"})


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A ``{"items": [...], "pagination": {...}}`` envelope schema for ``item_schema``."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "pagination": ma.fields.Nested(PaginationSchema, required=True),
        },
        name=name,
    )


def _page_url(page: int, per_page: int) -> str:
    args = {k: v for k, v in request.args.items() if k not in {"page", "per_page"}}
    args.update(page=page, per_page=per_page)
    return f"{request.base_url}?{urlencode(args)}"


def paginate(query: Query | Sequence[Any], args: dict[str, int]) -> dict[str, Any]:
    """One page of a query (or an already loaded list) in the envelope, with links.

    Sets a ``Link`` header (rel next/prev) too, for clients that follow those.
    """
    page, per_page = args["page"], args["per_page"]
    if is_query(query):
        items, total = fetch_page(query, page, per_page)
    else:
        total = len(query)
        items = list(query[(page - 1) * per_page : page * per_page])
    next_url = _page_url(page + 1, per_page) if page * per_page < (total or 0) else None
    prev_url = _page_url(page - 1, per_page) if page > 1 else None
    links = [f'<{u}>; rel="{rel}"' for u, rel in ((next_url, "next"), (prev_url, "prev")) if u]
    if links:
        request.environ[LINK_KEY] = ", ".join(links)
    return {
        "items": items,
        "pagination": {
            "page": page,
            "per_page": per_page,
            "total": total or 0,
            "next": next_url,
            "prev": prev_url,
        },
    }


def next_link(**changes: str) -> str:
    """The URL of this request with ``changes`` to its query, sent as the response's
    ``Link: <...>; rel="next"`` header (for lists paged by a cursor)."""
    args = {k: v for k, v in request.args.items() if k not in changes}
    args.update(changes)
    url = f"{request.base_url}?{urlencode(args)}"
    request.environ[LINK_KEY] = f'<{url}>; rel="next"'
    return url


# --- cursor pages --------------------------------------------------------------------

CURSOR_MAX = 600
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"  # base64url, as encode_cursor writes it
UNKNOWN_CURSOR = "Unknown cursor: use the next link as given."
# The response header of a cursor-paged list, for the OpenAPI document.
LINK_HEADER = {
    "Link": {
        "description": 'When more follow: `<URL of the next page>; rel="next"`.',
        "schema": {"type": "string"},
    }
}


def limit_field(what: str) -> ma.fields.Integer:
    """``?limit=``: entries per page (default 500, at most 2,000)."""
    return ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"{what} per page (the rest: the `Link` rel=next URL)."},
    )


def cursor_field() -> ma.fields.String:
    """``?cursor=``: where the page before ended (from its next link)."""
    return ma.fields.String(
        # base64url: ASCII only, so the longest cursor is CURSOR_MAX bytes of the URL
        validate=[
            ma.validate.Length(min=1, max=CURSOR_MAX),
            ma.validate.Regexp(CURSOR_PATTERN, error=UNKNOWN_CURSOR),
        ],
        metadata={"description": "Opaque: where the page before ended (from its next link)."},
    )


class CursorArgs(ma.Schema):
    """``?limit=&cursor=`` of a cursor-paged list."""

    limit = limit_field("Entries")
    cursor = cursor_field()


def encode_cursor(key: Key) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(text: str, size: int, check: Callable[[Key], object] | None = None) -> Key:
    """The key of ``size`` strings a next link's cursor holds (``check`` raises
    ValueError for a key that cannot be one); 400 naming ``cursor`` for anything else."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        key = json.loads(raw)
        if not (
            isinstance(key, list) and len(key) == size and all(isinstance(k, str) for k in key)
        ):
            raise ValueError("not a key")
        if check is not None:
            check(tuple(key))
    except ValueError:
        # ServiceError is the API's 400 bad_request.
        raise ServiceError("Some parameters are not valid.", {"cursor": UNKNOWN_CURSOR}) from None
    return tuple(key)


def cursor_after(args: dict[str, Any], size: int, check: Callable[[Key], object] | None = None):
    """The key the request's ``cursor`` holds, or None on the first page."""
    return decode_cursor(args["cursor"], size, check) if "cursor" in args else None


def send_next(last: Key | None) -> None:
    """When more follow (``last`` is the page's last key): the next link."""
    if last is not None:
        next_link(cursor=encode_cursor(last))


def cursor_page(entries: Sequence[tuple[Key, T]], args: dict[str, Any], *, size: int) -> list[T]:
    """The page ``args`` (``limit``, ``cursor``) asks for of ``entries`` (sorted by
    their keys of ``size`` strings), with the next link when more follow."""
    items, last = page_of(entries, cursor_after(args, size), args["limit"])
    send_next(last)
    return items
