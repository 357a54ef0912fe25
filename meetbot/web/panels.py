"""Page panels: blueprints add sections to pages they do not own.

A page template calls ``render_panels("group_main", group=group)``; any module can
register a function for that area with ``@panel("group_main", order=20)``. The
function gets the same keyword arguments and returns HTML (usually from
``render_template`` of its own partial), or "" to show nothing. This keeps each
area's code and templates in its own module, and page templates small.

Areas in use: group_main, group_side, stream_main, series_main, meeting_main,
meeting_side, settings_main.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from flask import request
from markupsafe import Markup

from meetbot import freshness

PanelFunc = Callable[..., str]

_PANELS: dict[str, list[tuple[int, str, PanelFunc]]] = defaultdict(list)


def panel(area: str, order: int = 50) -> Callable[[PanelFunc], PanelFunc]:
    """Register the decorated function as a panel of ``area`` (lower ``order`` first)."""

    def decorator(func: PanelFunc) -> PanelFunc:
        name = f"{func.__module__}.{func.__qualname__}"
        entries = _PANELS[area]
        if all(existing != name for _, existing, _ in entries):
            entries.append((order, name, func))
            entries.sort(key=lambda e: (e[0], e[1]))
        return func

    return decorator


def render_panels(area: str, **context: object) -> Markup:
    """The HTML of every panel registered for ``area``, in order."""
    return Markup("").join(Markup(func(**context)) for _, _, func in _PANELS[area])


def cached_panel(key: tuple, render: Callable[[], str]) -> Markup:
    """``render()``'s HTML, kept while the database is unchanged
    (``freshness.cached_while_unchanged``, bounded by bytes). Only for HTML that is the
    same for every viewer it is asked for: ``key`` names the panel and everything the
    HTML depends on besides the database (the day, the viewer's kind; never a CSRF
    token). The request's scheme, host and script root are added (URLs in the HTML)."""
    full = ("panel_html", request.url_root, *key)
    return freshness.cached_while_unchanged(full, lambda: Markup(render()))
