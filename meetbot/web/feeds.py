"""Calendar feed URLs (docs/feeds.md): thin wrappers around services.feeds.

Responses are ``text/calendar; charset=utf-8`` with a strong ETag (hash of the
bytes), Last-Modified and Cache-Control (public, or private for the personal feed),
and 304 Not Modified for a matching If-None-Match or, without it, an
If-Modified-Since not older than the feed. A 304 or a cache hit never renders.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from meetbot.extensions import limiter
from meetbot.freshness import FeedSpec, current_feed, mark_cacheable, not_modified
from meetbot.services import feeds

bp = Blueprint("feeds", __name__)
# Feeds are public, cached and polled all day; no limit applies to them, and skipping
# the limiter's per-request bookkeeping keeps a 304 close to the framework's own cost.
limiter.exempt(bp)


@limiter.request_filter
def _unlimited_feed() -> bool:
    """Feeds skip the limiter before it resolves any limit: an exempt blueprint alone
    still costs the limiter's limit resolution on every poll."""
    return request.blueprint == bp.name


@bp.get("/groups/<slug>/calendar.ics")
def group_calendar(slug: str) -> Response:
    return serve(feeds.group_feed(slug))


@bp.get("/groups/<slug>/streams/<stream>/calendar.ics")
def stream_calendar(slug: str, stream: str) -> Response:
    return serve(feeds.stream_feed(slug, stream))


@bp.get("/series/<int:series_id>/calendar.ics")
def series_calendar(series_id: int) -> Response:
    return serve(feeds.series_feed(series_id))


@bp.get("/meetings/<int:meeting_id>/calendar.ics")
def meeting_calendar(meeting_id: int) -> Response:
    return serve(feeds.meeting_feed(meeting_id))


@bp.get("/feeds/<token>/calendar.ics")
def personal_calendar(token: str) -> Response:
    return serve(feeds.personal_feed(token))


def serve(spec: FeedSpec) -> Response:
    """The HTTP response for a feed: 200 with the bytes, or 304."""
    state = current_feed(spec)
    scope = "public" if state.public else "private"
    headers = request.headers
    if not_modified(
        state.etag,
        state.last_modified,
        headers.get("If-None-Match"),
        headers.get("If-Modified-Since"),
    ):
        response = Response(status=304)
    else:
        state = state.with_body()
        response = Response(state.body(), mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Content-Disposition"] = f'inline; filename="{state.filename}"'
    response.set_etag(state.etag)
    response.last_modified = state.last_modified
    if not state.public:
        response.headers["Referrer-Policy"] = "no-referrer"  # the URL is the secret
    if state.stale:
        # The previous bytes while another app server renders the new ones: clients
        # and proxies may use them a little longer but must ask again soon. Not kept
        # by the fast path (the render's store does not move the change token).
        response.headers["Cache-Control"] = (
            f"{scope}, max-age=0, stale-while-revalidate={feeds.STALE_SECONDS}"
        )
        return response
    response.headers["Cache-Control"] = f"{scope}, max-age={feeds.MAX_AGE}"
    # The response depends on the URL and the database only: the fast path may keep it.
    mark_cacheable(request.environ)
    return response
