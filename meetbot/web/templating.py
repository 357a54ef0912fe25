"""Template filters and globals: times shown in the viewer's zone, Markdown, roles."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_login import current_user
from markupsafe import Markup, escape

from meetbot.domain.markdown import render_markdown
from meetbot.domain.meeting_status import join_url
from meetbot.domain.meeting_status import live_status as _live_status
from meetbot.freshness import BoundedCache
from meetbot.models import utcnow
from meetbot.services.permissions import Permission, may
from meetbot.web.panels import render_panels

_DATE_DIRECTIVES = ("%a", "%A", "%d", "%b", "%B", "%m", "%y", "%Y", "%e", "%j", "%x", "%c")
_TIME_DIRECTIVES = ("%H", "%I", "%M", "%X", "%c", "%p")


def _utc_iso(value: datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_time(
    value: datetime | None,
    zone: str = "UTC",
    fmt: str = "%a %d %b %Y, %H:%M",
    end: datetime | None = None,
) -> Markup:
    """A <time> element for an instant.

    The server renders it in ``zone`` (the series' zone) and says which zone that is;
    static/js/meetbot.js rewrites it into the viewer's zone and keeps the original in
    the title, so no page shows a bare time without its zone. Upcoming times get an
    "in 2 hours" badge; with ``end`` (a meeting's end) a running meeting shows "now".
    """
    if value is None:
        return Markup("")
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    local = aware.astimezone(ZoneInfo(zone))
    text = f"{local.strftime(fmt)} ({zone})"
    extra = f' data-end="{_utc_iso(end)}"' if end is not None else ""
    if not any(d in fmt for d in _DATE_DIRECTIVES):
        # e.g. the end of "15:00 – 16:00": the browser shows the time of day only.
        extra += ' data-style="time"'
    elif not any(d in fmt for d in _TIME_DIRECTIVES):
        extra += ' data-style="date"'  # e.g. "opened 05 Dec 2017": the day only
    return Markup(
        f'<time datetime="{_utc_iso(aware)}" data-local-time data-zone="{escape(zone)}"'
        f"{extra}>{escape(text)}</time>"
    )


# Rendered Markdown by its source text: descriptions, agendas and minutes are shown on
# every view of their pages and change rarely (rendering and sanitizing is ~1 ms each).
# Bounded by bytes (the HTML counted twice, for its source kept as the key).
_MARKDOWN = BoundedCache(8 * 1024 * 1024, size_of=lambda html: 2 * len(html) + 64)


def markdown_filter(text: str | None) -> Markup:
    """Markdown rendered and then sanitized (see meetbot.domain.markdown)."""
    source = text or ""
    html = _MARKDOWN.get(source)
    if html is None:
        html = Markup(render_markdown(source))
        _MARKDOWN.put(source, html)
    return html


def live_status(status: str, start: datetime, end: datetime) -> str:
    """The status people see now: ``in_progress`` from the start until the end."""
    return _live_status(status, start, end, utcnow())


def register_template_helpers(app: Flask) -> None:
    """Install filters and globals on the Jinja environment."""
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["markdown"] = markdown_filter
    app.jinja_env.filters["join_url"] = join_url
    app.jinja_env.globals["live_status"] = live_status
    app.jinja_env.globals["Permission"] = Permission
    app.jinja_env.globals["render_panels"] = render_panels

    @app.context_processor
    def _inject() -> dict:
        def can(permission: Permission, group, **kwargs) -> bool:
            return may(current_user, permission, group, **kwargs)

        return {"can": can}
