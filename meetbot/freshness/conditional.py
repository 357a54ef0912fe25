"""The one rule for conditional GETs (RFC 9110 section 13), used by the feed views and
by the fast path in front of them, so both always answer alike."""

from __future__ import annotations

from datetime import datetime

from werkzeug.http import parse_date, parse_etags


def not_modified(
    etag: str,
    last_modified: datetime | None,
    if_none_match: str | None,
    if_modified_since: str | None,
) -> bool:
    """True when a request with these raw header values gets a 304.

    If-None-Match (weak comparison, ``*`` matches) overrides If-Modified-Since; a date
    answers 304 when the resource is not newer than it. ``etag`` is unquoted."""
    if if_none_match:
        if if_none_match == f'"{etag}"':  # what clients send back: no parsing
            return True
        etags = parse_etags(if_none_match)
        if etags:
            return etags.contains_weak(etag) or bool(etags.star_tag)
    if not if_modified_since or last_modified is None:
        return False
    since = parse_date(if_modified_since)
    return since is not None and last_modified <= since
