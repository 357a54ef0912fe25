"""The feed's cold paths (issue 19): ``python -m bench feed`` measures them on SQLite and
PostgreSQL, in this process, on the largest group's feed (1,000 series at scale 1).

- **cold worker / in-process re-render**: after one series is renamed, the first
  request of a worker that rendered the feed before (its memory warm) against the first
  request of a new app with empty process caches (as after a restart: the shared
  ``feed_fragments`` table and ``feed_cache`` are all it has), warmed up as gunicorn's
  ``post_worker_init`` readies each new worker before it accepts a request
  (``meetbot.services.warm_up``: connections opened, the render's statements compiled
  and its writes rehearsed, the iCal writer and templates loaded, the most recently
  stored feeds' bytes and layouts loaded: here the feed's, as stored before the change;
  then ``gc.collect()`` and ``gc.freeze()``). Median of 7 of each, alternating, each after its
  own one-series change.
- **20 concurrent requests right after a change**: two app instances on the database,
  20 threads released at once; errors (non-200) and renders (``render_count()``).
- **cold render / icalendar alone**: the feed rendered with nothing cached anywhere
  (process caches and the fragments table emptied) against icalendar building and
  serializing as many plain VEVENTs (UID, DTSTAMP, DTSTART, DTEND, SUMMARY, SEQUENCE);
  the fastest of 3 of each.
- **render memory 1x / 0.25x history**: tracemalloc peak of that cold render, then
  again after three quarters of the group's past meeting rows were deleted (run last:
  it destroys data, on the bench's own copy of the database).
"""

from __future__ import annotations

import gc
import statistics
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.generate import BIG_GROUP_SLUG

ROUNDS = 7
# Cold renders timed (the fastest kept) and icalendar runs (likewise): one sample of
# each swung the ratio by 20 % on a busy machine.
SAMPLES = 3
THREADS = 20
COLD_WORKER_MAX = 1.2
COLD_RENDER_MAX = 1.0
MEMORY_MAX = 1.5


def measure(url: str) -> dict[str, float]:
    """Every figure above (seconds, bytes, counts)."""
    from bench.dataset import make_app
    from meetbot.freshness import render_count
    from meetbot.services.warm_up import warm_up

    app = make_app(url)
    path = f"/groups/{BIG_GROUP_SLUG}/calendar.ics"
    series = _series_ids(app)
    out: dict[str, float] = {}
    _cold_caches(app, shared=True)
    started = time.perf_counter()
    _get(app, path)  # the first render stores every fragment
    out["first_render_s"] = time.perf_counter() - started
    warm, cold = [], []
    for n in range(ROUNDS):
        # The process caches are module-wide: the cold worker's round comes first, and
        # its render warms them for the next round's running worker.
        _rename(app, series[2 * n])
        _cold_caches(app, shared=False)
        fresh = make_app(url)
        # gunicorn.conf.py's post_worker_init, before the first request: the warm-up,
        # then a full collection and gc.freeze() (the new app's objects out of the
        # collector's reach; here the previous rounds' apps too, which only stay).
        warm_up(fresh)
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        _get(fresh, path)
        cold.append(time.perf_counter() - started)
        _dispose(fresh)
        _rename(app, series[2 * n + 1])
        started = time.perf_counter()
        _get(app, path)
        warm.append(time.perf_counter() - started)
    out["rerender_s"] = statistics.median(warm)
    out["cold_worker_s"] = statistics.median(cold)
    _rename(app, series[-1])
    before = render_count()
    out.update(_concurrent(app, make_app(url), path))
    out["renders"] = float(render_count() - before)
    out.update(_cold_render(app))
    out["icalendar_s"], out["icalendar_events"] = _icalendar_alone(out["vevents"])
    out["memory_full"] = _render_peak(app)
    out["history_full"], out["history_kept"] = _drop_history(app, keep=0.25)
    out["memory_quarter"] = _render_peak(app)
    _dispose(app)
    return out


def _series_ids(app) -> list[int]:
    from sqlalchemy import select

    from meetbot.extensions import db
    from meetbot.models import Group, MeetingSeries

    with app.app_context():
        ids = list(
            db.session.scalars(
                select(MeetingSeries.id)
                .join(Group)
                .where(Group.slug == BIG_GROUP_SLUG, MeetingSeries.status == "active")
                .order_by(MeetingSeries.id)
                .limit(2 * ROUNDS + 1)
            )
        )
        db.session.remove()
    return ids


def _get(app, path: str, expect: int = 200):
    response = app.test_client().get(path)
    if response.status_code != expect:
        raise RuntimeError(f"GET {path} -> {response.status_code}")
    return response


def _rename(app, series_id: int) -> None:
    from meetbot.extensions import db
    from meetbot.models import MeetingSeries

    with app.app_context():
        series = db.session.get(MeetingSeries, series_id)
        series.title = f"{series.title} *"
        db.session.commit()
        db.session.remove()


def _cold_caches(app, *, shared: bool) -> None:
    """Empty this process's render caches (as in a new worker); ``shared``: the
    fragments table too (nothing rendered anywhere yet)."""
    from meetbot.domain.ical import vtimezone
    from meetbot.extensions import db
    from meetbot.freshness import clear_feed_fragments
    from meetbot.services.feed_render import clear_render_cache

    clear_render_cache()
    vtimezone._vtimezone_bytes.cache_clear()
    if shared:
        with app.app_context():
            clear_feed_fragments()
            db.session.remove()


def _dispose(app) -> None:
    from meetbot.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _concurrent(first, second, path: str) -> dict[str, float]:
    servers = [first, second]
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, bool]] = []

    def one(n: int) -> None:
        client = servers[n % 2].test_client()
        barrier.wait(30)
        try:
            response = client.get(path)
            stale = "stale-while-revalidate" in response.headers.get("Cache-Control", "")
            results.append((response.status_code, stale))
        except Exception:  # an error is what this row counts
            results.append((0, False))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    _dispose(second)
    errors = sum(1 for status, _ in results if status != 200) + THREADS - len(results)
    return {"errors": float(errors), "stale": float(sum(1 for _, s in results if s))}


def _cold_render(app) -> dict[str, float]:
    """The fastest of :data:`SAMPLES` renders with nothing cached anywhere."""
    from meetbot.extensions import db
    from meetbot.services import feeds

    best = float("inf")
    for _ in range(SAMPLES):
        _cold_caches(app, shared=True)
        with app.test_request_context():
            spec = feeds.group_feed(BIG_GROUP_SLUG)
            started = time.perf_counter()
            body = spec.render(None).body
            best = min(best, time.perf_counter() - started)
            db.session.remove()
    return {
        "cold_s": best,
        "bytes": float(len(body)),
        "vevents": float(body.count(b"BEGIN:VEVENT")),
    }


def _icalendar_alone(count: float) -> tuple[float, float]:
    """Seconds icalendar takes to build and serialize ``count`` plain VEVENTs (the
    fastest of :data:`SAMPLES`)."""
    from icalendar import Calendar, Event

    start = datetime(2024, 1, 1, 15, tzinfo=UTC)
    best = float("inf")
    for _ in range(SAMPLES):
        began = time.perf_counter()
        cal = Calendar()
        cal.add("prodid", "-//bench//EN")
        cal.add("version", "2.0")
        for n in range(int(count)):
            event = Event()
            event.add("uid", f"event-{n}@meetbot.bench")
            event.add("dtstamp", start)
            event.add("dtstart", start + timedelta(hours=n))
            event.add("dtend", start + timedelta(hours=n, minutes=60))
            event.add("summary", f"Plain event {n}")
            event.add("sequence", 1)
            cal.add_component(event)
        cal.to_ical()
        best = min(best, time.perf_counter() - began)
    return best, count


def _render_peak(app) -> float:
    """tracemalloc peak (bytes) of a render with nothing cached."""
    from meetbot.extensions import db
    from meetbot.services import feeds

    _cold_caches(app, shared=True)
    with app.test_request_context():
        spec = feeds.group_feed(BIG_GROUP_SLUG)
        tracemalloc.start()
        try:
            spec.render(None)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        db.session.remove()
    return float(peak)


def _drop_history(app, keep: float) -> tuple[float, float]:
    """Delete the oldest past meeting rows of the big group's series but ``keep`` of them."""
    from sqlalchemy import delete, func, select

    from meetbot.extensions import db
    from meetbot.models import Group, Meeting

    with app.app_context():
        group_id = db.session.scalar(select(Group.id).where(Group.slug == BIG_GROUP_SLUG))
        past = (Meeting.group_id == group_id, Meeting.series_id.is_not(None))
        now = datetime.now(UTC)
        total = db.session.scalar(select(func.count()).where(*past, Meeting.start_dt < now))
        cut = int(total * (1 - keep))
        cutoff = db.session.scalar(
            select(Meeting.start_dt)
            .where(*past, Meeting.start_dt < now)
            .order_by(Meeting.start_dt)
            .offset(cut)
            .limit(1)
        )
        db.session.execute(delete(Meeting).where(*past, Meeting.start_dt < cutoff))
        db.session.commit()
        kept = db.session.scalar(select(func.count()).where(*past, Meeting.start_dt < now))
        db.session.remove()
    return float(total), float(kept)


def passes(figures: dict[str, float]) -> dict[str, bool]:
    """Each target's verdict."""
    return {
        "cold_worker": _ratio(figures, "cold_worker_s", "rerender_s") <= COLD_WORKER_MAX,
        "concurrent": figures["errors"] == 0 and figures["renders"] == 1,
        "cold_render": _ratio(figures, "cold_s", "icalendar_s") <= COLD_RENDER_MAX,
        "memory": _ratio(figures, "memory_full", "memory_quarter") <= MEMORY_MAX,
    }


def _ratio(figures: dict[str, float], top: str, bottom: str) -> float:
    return figures[top] / figures[bottom] if figures[bottom] else float("inf")


def describe(figures: dict[str, float]) -> str:
    """The four target rows of RESULTS.md (same columns as the others)."""
    ok = {k: "PASS" if v else "FAIL" for k, v in passes(figures).items()}
    ms = {k: figures[k] * 1000 for k in ("cold_worker_s", "rerender_s", "cold_s", "icalendar_s")}
    mib = {k: figures[k] / 2**20 for k in ("memory_full", "memory_quarter")}
    return "\n".join(
        [
            f"| first request after a one-series change, cold worker / in-process re-render"
            f" ({ms['cold_worker_s']:,.0f} ms / {ms['rerender_s']:,.0f} ms, median of {ROUNDS})"
            f" | {_ratio(figures, 'cold_worker_s', 'rerender_s'):.2f}x | ≤ {COLD_WORKER_MAX}x"
            f" | {ok['cold_worker']} |",
            f"| {THREADS} concurrent requests right after a change, two app instances"
            f" ({figures['stale']:.0f} answered with the previous bytes)"
            f" | {figures['errors']:.0f} errors, {figures['renders']:.0f} render(s)"
            f" | 0 errors, 1 render | {ok['concurrent']} |",
            f"| cold render of the largest group's feed ({figures['bytes'] / 1e6:.1f} MB,"
            f" {figures['vevents']:,.0f} VEVENTs, nothing cached) / icalendar building and"
            f" serializing as many plain VEVENTs ({ms['cold_s']:,.0f} ms /"
            f" {ms['icalendar_s']:,.0f} ms, fastest of {SAMPLES} each)"
            f" | {_ratio(figures, 'cold_s', 'icalendar_s'):.2f}x"
            f" | ≤ {COLD_RENDER_MAX}x | {ok['cold_render']} |",
            f"| render memory peak (tracemalloc), full history / a quarter of it"
            f" ({mib['memory_full']:.1f} MiB at {figures['history_full']:,.0f} past rows /"
            f" {mib['memory_quarter']:.1f} MiB at {figures['history_kept']:,.0f})"
            f" | {_ratio(figures, 'memory_full', 'memory_quarter'):.2f}x | ≤ {MEMORY_MAX}x"
            f" | {ok['memory']} |",
        ]
    )


def run(scale: float, pg_scale: float, backends: list[str]) -> int:
    """``python -m bench feed``: the rows on each backend, printed as RESULTS.md rows."""
    from bench.dataset import postgres_database, sqlite_database

    failed = False
    found: list[tuple[str, dict[str, Any]]] = []
    if "sqlite" in backends:
        url, _info, _reused = sqlite_database(scale)
        print(f"[sqlite] feed rows at scale {scale:g}", flush=True)
        found.append((f"SQLite, scale {scale:g}", measure(url)))
    if "postgres" in backends:
        from tests.pgserver import PostgresServer, find_bindir

        bindir = find_bindir()
        if bindir is None:
            print("PostgreSQL server binaries not found: skipping PostgreSQL")
        else:
            server = PostgresServer(bindir).start()
            try:
                print(f"[postgres] feed rows at scale {pg_scale:g}", flush=True)
                url, _info = postgres_database(server, pg_scale, name="meetbot_bench_feed")
                found.append((f"PostgreSQL, scale {pg_scale:g}", measure(url)))
            finally:
                server.stop()
    for backend, figures in found:
        print(f"\n{backend}\n\n| target | measured | needed | result |\n|---|---:|---:|---|")
        print(describe(figures))
        failed = failed or not all(passes(figures).values())
    return 1 if failed else 0
