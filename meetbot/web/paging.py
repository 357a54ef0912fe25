"""Page numbers of paged lists, read from the query string."""

from __future__ import annotations

from flask import request


def page_from_args(total: int, per_page: int, name: str = "page") -> tuple[int, int]:
    """(page, pages) for ``total`` items ``per_page`` a page: the number in the query
    string ``name``, clamped to 1..pages (nonsense or out of range gives the nearest
    page, never an error); ``pages`` is at least 1."""
    pages = max(1, -(-total // per_page))
    raw = request.args.get(name, "1")
    page = min(int(raw), pages) if raw.isdigit() and int(raw) > 0 else 1
    return page, pages
