"""Paged lists of the API: ``?page=&per_page=``, the ``{"items", "pagination"}``
envelope and the ``Link`` header (sent by common's after-request hook)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import request

from meetbot.services.paging import Query, fetch_page, is_query

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
