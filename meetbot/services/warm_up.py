"""Readying a new worker process before it takes requests (gunicorn's post_worker_init).

SQLAlchemy compiles each statement once per engine, the first time it runs, and a
process opens its database connections on first use. In a new worker both fell on the
first feed render after a change: ~15 ms of its ~100 ms (issue 19), on every restart.
:func:`warm_up` pays them before the worker accepts a request: it opens two pooled
connections (a render's session and its short write transactions) and the change
watcher's, and runs once each statement a feed render reads with, through the same
functions, with keys that match no row, then rehearses the render's writes (claim,
fragment, bytes, release: ``freshness.rehearse_writes``) in transactions rolled back,
so that the first render compiles none of its statements and, on PostgreSQL, finds the
write paths' catalog entries loaded in its connections. On SQLite the rehearsal takes
the write lock for a moment, as any write does.

Then it loads the most recently stored feeds (bytes and decoded layout, up to
``MEETBOT_WARM_UP_FEED_BYTES`` as stored; ``freshness.preload_feeds``), as a worker
that rendered them holds them: the first render of one of them after a change takes
the unchanged series from memory instead of reading and decoding the previous bytes
(~8 ms of ~80 for the largest bench feed on PostgreSQL). Nothing else read is kept.

It also loads what the first page and feed requests of every worker would otherwise
load: the iCal writer's modules (icalendar, dateutil: imported at first use so that
``create_app()`` stays fast for commands and tests, ``meetbot.lazy``), the Markdown
parser of minutes and agendas, and every page and mail template compiled by Jinja.
In a new worker these fell on its first requests (~60-100 ms for the writer and the
parser; ~6 ms per template, so 20-40 ms for a page's first request and ~0.6 s for all
~100 templates); they are the same in every worker, so they are paid before it accepts
a request, like the statements. They also count in a fresh worker's memory (~6 MiB),
which is what a serving worker holds anyway after its first pages.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import UTC, datetime

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from meetbot.domain import ical
from meetbot.domain.markdown import render_markdown
from meetbot.extensions import db
from meetbot.freshness import (
    app_watcher,
    load_fragments,
    load_zones,
    preload_feeds,
    previous_feed,
    rehearse_writes,
)
from meetbot.models import Group, Meeting, MeetingSeries, SeriesStatus
from meetbot.services.errors import NotFound
from meetbot.services.feed_rows import FeedSeries, feed_one_offs, feed_series, rows_by_series
from meetbot.services.feeds import group_feed

log = logging.getLogger(__name__)

# A series that does not exist (ids start at 1): what the row statement is run for.
_NO_SERIES = FeedSeries(0, "", SeriesStatus.ACTIVE, "", "", "", None, "UTC", 0, datetime.now(UTC))


def warm_up(app: Flask) -> None:
    """Ready ``app``'s worker: the iCal writer and templates loaded, the connections
    opened, the feed render's statements compiled, its writes rehearsed and the latest
    stored feeds loaded (module docstring). A database that cannot be reached is
    logged, not raised: the worker starts anyway, and its first request connects as it
    would have."""
    _load_writers()
    _compile_templates(app)
    with app.app_context():
        try:
            _connect()
            _feed_reads()
            rehearse_writes()
            preload_feeds(int(current_app.config["MEETBOT_WARM_UP_FEED_BYTES"]))
        except SQLAlchemyError as exc:
            log.warning("warm-up skipped: %s", exc)
        finally:
            db.session.remove()


def _load_writers() -> None:
    """The iCal writer's modules and the Markdown parser, loaded and built."""
    ical.load_writers()
    render_markdown("*warm-up*")


def _compile_templates(app: Flask) -> None:
    """Every template of ``app`` compiled into its Jinja environment's cache."""
    env = app.jinja_env
    for name in env.list_templates(extensions=("html", "txt")):
        env.get_template(name)


def _connect() -> None:
    app_watcher(current_app).token()  # opens the watcher's connection
    with db.engine.connect(), db.engine.connect():
        pass  # both connections go back to the pool, open


def _feed_reads() -> None:
    with suppress(NotFound):
        group_feed("")  # the group and its cached row: no group has an empty slug
    db.session.get(Group, 0)
    feed_series(MeetingSeries.group_id == 0)
    feed_one_offs(Meeting.group_id == 0)
    rows_by_series([_NO_SERIES])
    load_fragments({0: ""})
    load_zones(["UTC"], (0, 0))
    previous_feed("")
    db.session.rollback()
