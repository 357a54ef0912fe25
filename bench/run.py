"""One bench run on one backend: plans, feed render times, and the load runs.

Everything the run starts (gunicorn for the app and the floor, nginx twice, the
PostgreSQL cluster) listens on 127.0.0.1 and is stopped by a ``with`` block, also
when something fails. Each wrk run is bounded by ``--seconds`` and ``--connections``.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import servers, wrk
from bench.dataset import make_app
from bench.generate import Generated

SECRET = "bench-secret"


@dataclass
class Row:
    """One line of the results table."""

    what: str
    figures: wrk.Figures | None = None
    value: str = ""  # for non-wrk figures
    note: str = ""


@dataclass
class BackendResult:
    backend: str
    scale: float
    info: Generated
    data_note: str
    rows: list[Row] = field(default_factory=list)
    ratios: list[tuple[str, float, float, str]] = field(default_factory=list)  # what, got, min
    checks: list[tuple[str, bool, str]] = field(default_factory=list)  # what, ok, detail
    plans: list[tuple[str, str, bool]] = field(default_factory=list)
    page_p95: list[tuple[str, wrk.Figures]] = field(default_factory=list)
    page_first: dict[str, float] = field(default_factory=dict)  # seconds, cold request
    render: dict[str, float] = field(default_factory=dict)
    checkins: Any = None
    log_import: dict[str, float] = field(default_factory=dict)  # bench/log_import.py
    chat_bot: dict[str, float] = field(default_factory=dict)  # bench/chat_bot.py
    errors: list[str] = field(default_factory=list)


def _env(url: str) -> dict[str, str]:
    return {
        "MEETBOT_DATABASE_URL": url,
        "MEETBOT_SECRET_KEY": SECRET,
        "MEETBOT_BASE_URL": "http://127.0.0.1",
        "MEETBOT_UID_DOMAIN": "meetbot.bench",
    }


def _ids(url: str, info: Generated) -> dict[str, Any]:
    """Ids the URLs and plans need: the big group, one of its streams, series, meetings."""
    from sqlalchemy import func, select

    from meetbot.extensions import db
    from meetbot.models import Group, Meeting, MeetingSeries, WorkStream

    app = make_app(url)
    with app.app_context():
        group = db.session.scalar(select(Group).where(Group.slug == info.big_group_slug))
        stream = db.session.scalar(select(WorkStream).where(WorkStream.group_id == group.id))
        series = db.session.scalar(
            select(MeetingSeries)
            .where(MeetingSeries.group_id == group.id, MeetingSeries.status == "active")
            .order_by(MeetingSeries.id)
        )
        meeting = db.session.scalar(
            select(Meeting)
            .where(Meeting.series_id == series.id, Meeting.status == "held")
            .order_by(Meeting.start_dt.desc())
        )
        top = db.session.execute(
            select(Meeting.series_id, func.count())
            .where(Meeting.group_id == group.id)
            .group_by(Meeting.series_id)
            .order_by(func.count().desc())
        ).first()
        ids = {
            "group": group.id,
            "slug": group.slug,
            "stream": stream.slug,
            "series": series.id,
            "meeting": meeting.id,
            "slot": meeting.slot_id,
            "local": meeting.original_start_local,
            "p": 1,
            "hi": meeting.end_dt,
            "lo": meeting.start_dt,
            "item": 1,
            "key": f"group:{group.id}",
            "hash": "0" * 64,
            "busiest_series": top[0] if top else series.id,
        }
        db.session.remove()
        db.engine.dispose()
    return ids


def _plans(url: str, ids: dict[str, Any]) -> list[tuple[str, str, bool]]:
    from sqlalchemy import text

    from bench.plans import explain
    from meetbot.extensions import db

    app = make_app(url)
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # Small tables (tokens, cache) are scanned whatever the indexes: ask the
            # planner whether an index *can* serve each filter.
            conn.execute(text("SET enable_seqscan = off"))
        result = explain(conn, ids)
    with app.app_context():
        db.engine.dispose()
    return result


def _render_times(url: str, ids: dict[str, Any]) -> dict[str, float]:
    """Cold render of the big group's feed, and the re-render after one series changed."""
    from meetbot.domain import ical
    from meetbot.extensions import db
    from meetbot.models import MeetingSeries, utcnow
    from meetbot.services import feeds

    app = make_app(url)
    out: dict[str, float] = {}
    with app.test_request_context():
        _clear_render_caches(feeds)
        spec = feeds.group_feed(ids["slug"])
        started = time.perf_counter()
        first = spec.render(None)
        out["cold_s"] = time.perf_counter() - started
        body = first.body
        out["bytes"] = len(body)
        db.session.remove()
        # One series changes (its revisions move by themselves, meetbot.freshness), then
        # the feed is rendered again in the same process (its caches warm and the
        # previous bytes and layout at hand, as on a running server).
        series = db.session.get(MeetingSeries, ids["series"])
        series.title = f"{series.title} (renamed)"
        series.updated_dt = utcnow()
        db.session.commit()
        db.session.remove()
        spec = feeds.group_feed(ids["slug"])
        started = time.perf_counter()
        again = spec.render(ical.PreviousFeed(body, first.layout)).body
        out["rerender_s"] = time.perf_counter() - started
        out["rerender_changed"] = float(again != body)
        db.session.remove()
        # What a fresh process renders must be byte-identical to the cached re-render.
        _clear_render_caches(feeds)
        out["identical"] = float(feeds.group_feed(ids["slug"]).render(None).body == again)
        db.session.remove()
    with app.app_context():
        db.engine.dispose()
    return out


def _clear_render_caches(feeds_module: Any) -> None:
    try:
        from meetbot.services.feed_render import clear_render_cache
    except ImportError:  # a tree from before services/feeds.py was split
        clear_render_cache = getattr(feeds_module, "clear_render_cache", None)
    if clear_render_cache is not None:
        clear_render_cache()
    try:  # the shared per-series fragments too: a render from nothing
        from meetbot.freshness import clear_feed_fragments
    except ImportError:  # a tree from before the fragments table
        return
    clear_feed_fragments()


def _capture(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[bytes, dict]:
    status, hdrs, body = servers.get(port, path, headers)
    if status != 200:
        raise RuntimeError(f"GET {path} -> {status}")
    return body, hdrs


def _write_static(folder: Path, name: str, body: bytes, ctype: str, etag: str) -> None:
    (folder / name).write_bytes(body)
    (folder / f"{name}.type").write_text(ctype)
    (folder / f"{name}.etag").write_text(etag)
    for suffix in ("", ".type", ".etag"):
        os.chmod(folder / f"{name}{suffix}", 0o644)


PROXY_CACHE_PATH = (
    "    proxy_cache_path {tmp}/cache levels=1:2 keys_zone=feeds:10m max_size=1g inactive=7d"
    " use_temp_path=off;"
)
# The recommended deployment for feeds (docs in bench/README.md): nginx caches the
# app's feed responses for as long as the app's Cache-Control allows and then
# revalidates them with a conditional request, which the app answers with a cheap 304.
PROXY_LOCATION = """
        location ~ \\.ics$ {{
            proxy_pass http://127.0.0.1:{port};
            proxy_set_header Host $host;
            proxy_cache feeds;
            proxy_cache_revalidate on;
            proxy_cache_lock on;
            proxy_cache_use_stale updating error timeout;
            proxy_cache_background_update on;
            add_header X-Cache-Status $upstream_cache_status;
        }}
"""


def run_backend(
    backend: str,
    url: str,
    scale: float,
    info: Generated,
    data_note: str,
    *,
    seconds: int,
    connections: int,
) -> BackendResult:
    """Everything measured on one backend."""
    result = BackendResult(backend, scale, info, data_note)
    ids = _ids(url, info)
    print(f"[{backend}] query plans", flush=True)
    result.plans = _plans(url, ids)
    print(f"[{backend}] feed render times", flush=True)
    result.render = _render_times(url, ids)

    from bench import checkins

    print(f"[{backend}] check-in sessions", flush=True)
    checkin_meeting, sessions = checkins.prepare(url, ids["slug"], info.bench_emails, SECRET)

    slug = ids["slug"]
    feed = f"/groups/{slug}/calendar.ics"
    group_page = f"/groups/{slug}/"
    api_list = "/api/v1/groups"
    run = dict(seconds=seconds, connections=connections)
    static = Path(tempfile.mkdtemp(prefix="bench-static-"))
    os.chmod(static, 0o755)
    try:
        with servers.gunicorn("app", "meetbot:create_app()", _env(url)) as app:
            print(f"[{backend}] app under gunicorn on port {app.port}", flush=True)
            started = time.perf_counter()
            feed_body, feed_headers = _capture(app.port, feed)  # renders: cache was bumped
            result.render["first_request_s"] = time.perf_counter() - started
            etag = feed_headers["ETag"]
            page_body, page_headers = _capture(app.port, group_page)
            _write_static(static, "feed.ics", feed_body, feed_headers["Content-Type"], etag)
            _write_static(static, "page.html", page_body, page_headers["Content-Type"], '"page"')
            status, _, _ = servers.get(app.port, feed, {"If-None-Match": etag})
            result.checks.append(("app answers 304 to its ETag", status == 304, str(status)))

            # The app and the bare-Flask floor serve the same bytes side by side and
            # run in turns, three rounds of half the row time, each keeping its median
            # run: a neighbour's burst on the shared cores then hits both, not one.
            with servers.gunicorn(
                "floor", "bench.floor_app:create_app()", {"BENCH_FLOOR_DIR": str(static)}
            ) as floor:
                print(f"[{backend}] floor (bare Flask) on port {floor.port}", flush=True)
                inm = {"If-None-Match": etag}
                app_feed, floor_feed, app_304, floor_304 = _in_turns(
                    [
                        (app.base + feed, None, app.port),
                        (floor.base + "/f/feed.ics", None, floor.port),
                        (app.base + feed, inm, app.port),
                        (floor.base + "/f/feed.ics", inm, floor.port),
                    ],
                    seconds=max(2, seconds // 2),
                    connections=connections,
                )
                floor_page = wrk.run(floor.base + "/f/page.html", **run)
            # Fast rows first; after each run wait until the workers have finished the
            # requests still queued (a slow page would otherwise eat the next run).
            result.rows.append(Row("warm group feed (app)", app_feed))
            result.rows.append(Row("group feed 304 (app)", app_304))
            result.rows.append(
                Row("API list /api/v1/groups (app)", wrk.run(app.base + api_list, **run))
            )
            _drain(app.port)

            print(f"[{backend}] page latency (p95, 2 connections)", flush=True)
            for name, path in _pages(ids):
                try:
                    started = time.perf_counter()
                    status, _, _ = servers.get(app.port, path)  # cold: caches fill
                    result.page_first[name] = time.perf_counter() - started
                    started = time.perf_counter()
                    servers.get(app.port, path)
                    once = time.perf_counter() - started
                except OSError as exc:
                    result.errors.append(f"{name}: GET {path} failed: {exc!r}")
                    result.page_p95.append((name, _slow(999.0)))
                    continue
                if status != 200:
                    result.errors.append(f"{name}: GET {path} -> {status}")
                    continue
                if once > 1.0:
                    # Too slow for a timed wrk run to finish requests: time a few in turn.
                    times = sorted([once] + [_timed(app.port, path) for _ in range(2)])
                    result.page_p95.append((name, _slow(*times)))
                    continue
                # Each worker fills its own per-process caches on its first requests:
                # one second of the same load first, not counted, so that the figures
                # are the steady state (the cold first request is reported beside).
                wrk.run(app.base + path, seconds=1, connections=2, threads=1)
                _drain(app.port)
                figures = wrk.run(
                    app.base + path, seconds=max(2, seconds // 2), connections=2, threads=1
                )
                result.page_p95.append((name, figures))
                _drain(app.port)

            result.rows.append(Row("group page (app)", wrk.run(app.base + group_page, **run)))
            _drain(app.port)

            print(f"[{backend}] {len(sessions)} concurrent check-ins", flush=True)
            result.checkins = checkins.run(app.port, url, checkin_meeting, sessions, SECRET)
            result.checks.append(
                (
                    f"{len(sessions)} concurrent check-ins all recorded",
                    result.checkins.recorded == len(sessions),
                    f"{result.checkins.recorded} recorded, statuses {result.checkins.statuses}",
                )
            )

            with servers.nginx(
                "proxy",
                static,
                locations=PROXY_LOCATION.format(port=app.port),
                proxy_cache_path=PROXY_CACHE_PATH,
            ) as proxy:
                servers.get(proxy.port, feed)  # fill nginx's cache
                status, hdrs, body = servers.get(proxy.port, feed)
                result.checks.append(
                    (
                        "nginx cache serves the app's bytes",
                        status == 200 and body == feed_body and hdrs.get("X-Cache-Status") == "HIT",
                        f"{status} {hdrs.get('X-Cache-Status')}",
                    )
                )
                status, _, _ = servers.get(proxy.port, feed, {"If-None-Match": etag})
                result.checks.append(("nginx cache answers 304", status == 304, str(status)))
                # Both nginx figures are tens of thousands of requests/s, where a
                # busy neighbour on the shared cores moves one 5 s run by 30%: the
                # deployment and nginx serving the file directly run in turns, three
                # rounds, and each keeps its median run.
                with servers.nginx("static", static) as nginx:
                    print(f"[{backend}] nginx static on port {nginx.port}", flush=True)
                    _, hdrs, _ = servers.get(nginx.port, "/feed.ics")
                    nginx_etag = hdrs["ETag"]
                    nginx_feed, proxy_feed, nginx_304, proxy_304 = _in_turns(
                        [
                            (nginx.base + "/feed.ics", None, None),
                            (proxy.base + feed, None, None),
                            (nginx.base + "/feed.ics", {"If-None-Match": nginx_etag}, None),
                            (proxy.base + feed, {"If-None-Match": etag}, None),
                        ],
                        seconds=max(2, seconds // 2),
                        connections=connections,
                    )
            result.rows.append(
                Row("group feed, recommended deployment (nginx cache -> app)", proxy_feed)
            )
            result.rows.append(Row("group feed 304, recommended deployment", proxy_304))

        result.rows.append(Row("group feed bytes (bare Flask floor)", floor_feed))
        result.rows.append(Row("group feed 304 (bare Flask floor)", floor_304))
        result.rows.append(Row("group page bytes (bare Flask floor)", floor_page))

        result.rows.append(Row("group feed file (nginx static)", nginx_feed))
        result.rows.append(Row("group feed file 304 (nginx static)", nginx_304))
    finally:
        for path in static.iterdir():
            path.unlink()
        static.rmdir()

    def ratio(what: str, got: wrk.Figures, base: wrk.Figures, minimum: float) -> None:
        result.ratios.append((what, got.rps / base.rps if base.rps else 0.0, minimum, ""))

    ratio("warm group feed / bare Flask floor", app_feed, floor_feed, 0.80)
    ratio("group feed 304 / bare Flask floor", app_304, floor_304, 0.80)
    ratio("recommended deployment / nginx direct (200)", proxy_feed, nginx_feed, 0.70)
    ratio("recommended deployment / nginx direct (304)", proxy_304, nginx_304, 0.70)
    # Last: it adds a group, a few meetings and 1,100 people to the bench data.
    from bench import log_import

    print(f"[{backend}] log import 100 x 100 and 1,000 x 1,000", flush=True)
    result.log_import = log_import.measure(url)

    from bench import mail

    print(f"[{backend}] mail worker: due agenda mail", flush=True)
    mail.check(result, url)  # last: it gives every group a list address

    from bench import chat_bot

    print(f"[{backend}] chat bot: a flood of 500 lines, line-to-page delay", flush=True)
    result.chat_bot = chat_bot.measure(url)
    for row in result.rows:
        if row.figures is not None and (row.figures.errors or row.figures.bad_status):
            result.errors.append(
                f"{row.what}: {row.figures.errors} socket errors, "
                f"{row.figures.bad_status} bad status"
            )
    return result


def _in_turns(
    runs: list[tuple[str, dict[str, str] | None, int | None]],
    *,
    seconds: int,
    connections: int,
    rounds: int = 3,
) -> list[wrk.Figures]:
    """wrk over each (url, headers, port to drain after or None) in turn, ``rounds``
    times; the median run of each, in the given order. Figures compared in a ratio
    then share whatever a busy neighbour does to the machine."""
    runs_of: list[list[wrk.Figures]] = [[] for _ in runs]
    for _ in range(rounds):
        for figures, (url, headers, port) in zip(runs_of, runs, strict=True):
            figures.append(wrk.run(url, headers=headers, seconds=seconds, connections=connections))
            if port is not None:
                _drain(port)
    return [sorted(figures, key=lambda f: f.rps)[rounds // 2] for figures in runs_of]


def _drain(port: int, limit_s: float = 150) -> None:
    """Wait (bounded) until the app answers /healthz promptly: the queue is empty."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            servers.get(port, "/healthz", timeout=limit_s)
        except OSError:
            return
        if time.perf_counter() - started < 0.2:
            return


def _timed(port: int, path: str) -> float:
    started = time.perf_counter()
    servers.get(port, path)
    return time.perf_counter() - started


def _slow(*seconds: float) -> wrk.Figures:
    """Figures of a page too slow for wrk: the slowest of a few sequential requests."""
    ms = sorted(s * 1000 for s in seconds)
    return wrk.Figures(
        rps=len(ms) / (sum(ms) / 1000),
        p50_ms=ms[len(ms) // 2],
        p95_ms=ms[-1],
        p99_ms=ms[-1],
        requests=len(ms),
        errors=0,
        bad_status=0,
    )


def _pages(ids: dict[str, Any]) -> list[tuple[str, str]]:
    """Every page and API read measured for p95, on the big group's data."""
    slug, stream, series, meeting = ids["slug"], ids["stream"], ids["series"], ids["meeting"]
    return [
        ("groups index", "/groups/"),
        ("group page", f"/groups/{slug}/"),
        ("work stream page", f"/groups/{slug}/streams/{stream}/"),
        ("group action items", f"/groups/{slug}/actions"),
        ("group series list", f"/groups/{slug}/series/"),
        ("group upcoming", f"/groups/{slug}/upcoming"),
        ("group attendance report", f"/groups/{slug}/attendance"),
        ("members page", f"/groups/{slug}/members"),
        ("series page", f"/series/{series}/"),
        ("meeting page", f"/meetings/{meeting}/"),
        ("minutes page of a meeting", f"/meetings/{meeting}/minutes/"),
        ("minutes text", f"/meetings/{meeting}/minutes.txt"),
        ("API groups", "/api/v1/groups"),
        ("API group", f"/api/v1/groups/{slug}"),
        ("API series list", f"/api/v1/groups/{slug}/series"),
        ("API meetings list", f"/api/v1/groups/{slug}/meetings"),
        ("API meeting", f"/api/v1/meetings/{meeting}"),
        ("API occurrences (90 days)", f"/api/v1/groups/{slug}/occurrences"),
        ("series feed (warm)", f"/series/{series}/calendar.ics"),
        ("stream feed (warm)", f"/groups/{slug}/streams/{stream}/calendar.ics"),
    ]
