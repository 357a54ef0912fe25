"""``python -m bench pages``: issue 19's page, memory and start-up rows, alone.

Three figures, each a ratio of figures taken in the same run:

- **pages**: the meeting, work stream and group pages through gunicorn (-c8), this
  tree's app, the *baseline* app (the tree of ``BASELINE_COMMIT``, extracted with
  ``git archive`` into bench/out/) and the bare-Flask floor serving this app's bytes,
  in turns (three rounds, median). The share of the floor is app / floor; the target
  is this tree's share >= 2x the baseline's (equivalently app / baseline >= 2).
- **memory**: the largest worker RSS after every page and feed of the bench was
  requested, then 30 changes (one series renamed each, every page and feed requested
  again after each), over the largest worker RSS of the fresh app (started, nothing
  requested): <= 1.5.
- **start-up**: CPU time of ``import meetbot; create_app()`` in a fresh process, this
  tree over the baseline tree (alternately, median of seven each, after one untimed
  start of each that writes its bytecode to bench/out/pycache/, as a deployment has
  its .pyc files): <= 0.5.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import servers, wrk
from bench.dataset import OUT, make_app, postgres_database, sqlite_database
from bench.run import _drain, _env, _ids, _pages

ROOT = Path(__file__).resolve().parent.parent
# The tree before issue 19's page, cache and start-up work (main at the time).
BASELINE_COMMIT = "675502d3b8e4d6ddb083dd4b86e4b6a5b1c91b69"
# The shares bench/RESULTS.md reported for that tree (SQLite / PostgreSQL, scale 1).
RESULTS_SHARES = {"meeting page": "1.5-1.8 %", "work stream page": "~1.6 %", "group page": "3.6 %"}
CHANGES = 30
PAGES_TARGET, RSS_TARGET, STARTUP_TARGET = 2.0, 1.5, 0.5
_PROBE = (
    "import time\nt = time.process_time()\nfrom meetbot import create_app\n"
    "create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 'x'})\n"
    "print(time.process_time() - t)\n"
)


@dataclass
class PageFigures:
    name: str
    app: wrk.Figures
    baseline: wrk.Figures
    floor: wrk.Figures
    same_bytes: bool

    @property
    def gain(self) -> float:
        return self.app.rps / self.baseline.rps if self.baseline.rps else 0.0


@dataclass
class PagesResult:
    pages: list[PageFigures] = field(default_factory=list)
    rss_fresh_mib: float = 0.0
    rss_after_mib: float = 0.0
    startup_ms: float = 0.0
    baseline_startup_ms: float = 0.0


def baseline_tree() -> Path:
    """The baseline commit's app files, extracted once into bench/out/."""
    tree = OUT / f"baseline-{BASELINE_COMMIT[:12]}"
    if not (tree / "meetbot" / "__init__.py").exists():
        tree.mkdir(parents=True, exist_ok=True)
        parts = ["meetbot", "templates", "static", "migrations", "gunicorn.conf.py"]
        archive = subprocess.run(
            ["git", "archive", BASELINE_COMMIT, *parts], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def _probe_env(tree: Path) -> dict[str, str]:
    """The probe's environment: bytecode written to and read from one cache under
    bench/out/ (as a deployment has its .pyc files; with PYTHONDONTWRITEBYTECODE every
    start would time the compiler on the tree's source instead of the start-up)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONPYCACHEPREFIX": str(OUT / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def startup_ms(tree: Path) -> float:
    """CPU milliseconds of importing meetbot and building the app, in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=tree,
        env=_probe_env(tree),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1]) * 1000


def measure_startup(result: PagesResult, runs: int = 7) -> None:
    base = baseline_tree()
    for tree in (ROOT, base):
        startup_ms(tree)  # untimed: writes the tree's bytecode once
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(startup_ms(ROOT))
        theirs.append(startup_ms(base))
    result.startup_ms = statistics.median(ours)
    result.baseline_startup_ms = statistics.median(theirs)


def page_paths(ids: dict[str, Any]) -> list[tuple[str, str]]:
    slug = ids["slug"]
    return [
        ("meeting page", f"/meetings/{ids['meeting']}/"),
        ("work stream page", f"/groups/{slug}/streams/{ids['stream']}/"),
        ("group page", f"/groups/{slug}/"),
    ]


def measure_pages(
    result: PagesResult, url: str, ids: dict[str, Any], env: dict[str, str], **run: int
) -> None:
    """Each page: this app, the baseline app and the floor (this app's bytes), in turns."""
    static = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    os.chmod(static, 0o755)
    try:
        with (
            servers.gunicorn("app", "meetbot:create_app()", env) as app,
            servers.gunicorn("baseline", "meetbot:create_app()", env, cwd=baseline_tree()) as base,
        ):
            captured = []
            for n, (name, path) in enumerate(page_paths(ids)):
                status, hdrs, body = servers.get(app.port, path)
                _, _, base_body = servers.get(base.port, path)
                if status != 200:
                    raise RuntimeError(f"GET {path} -> {status}")
                (static / f"p{n}").write_bytes(body)
                (static / f"p{n}.type").write_text(hdrs["Content-Type"])
                (static / f"p{n}.etag").write_text('"page"')
                captured.append((name, path, body == base_body))
            for child in static.iterdir():
                os.chmod(child, 0o644)
            with servers.gunicorn(
                "floor", "bench.floor_app:create_app()", {"BENCH_FLOOR_DIR": str(static)}
            ) as floor:
                for n, (name, path, same) in enumerate(captured):
                    print(f"  {name}: app, baseline, floor in turns", flush=True)
                    mine, theirs, bare = _in_turns(
                        [app.base + path, base.base + path, floor.base + f"/f/p{n}"],
                        [app.port, base.port, None],
                        **run,
                    )
                    result.pages.append(PageFigures(name, mine, theirs, bare, same))
                    print(
                        f"    {mine.rps:.0f} / {theirs.rps:.0f} / {bare.rps:.0f} req/s", flush=True
                    )
    finally:
        for child in static.iterdir():
            child.unlink()
        static.rmdir()


def _in_turns(urls: list[str], ports: list, *, seconds: int, connections: int) -> list:
    runs: list[list[wrk.Figures]] = [[] for _ in urls]
    for _ in range(3):
        for figures, target, port in zip(runs, urls, ports, strict=True):
            figures.append(wrk.run(target, seconds=seconds, connections=connections))
            if port is not None:
                _drain(port)
    return [sorted(f, key=lambda x: x.rps)[1] for f in runs]


def measure_rss(
    result: PagesResult, url: str, ids: dict[str, Any], env: dict[str, str], cwd: Path = ROOT
) -> None:
    """Largest worker RSS fresh, and after every page and feed plus 30 changes (of the
    app in ``cwd``: this tree, or ``baseline_tree()`` for comparison)."""
    paths = [path for _, path in _pages(ids)] + [f"/groups/{ids['slug']}/calendar.ics"]
    with servers.gunicorn("app", "meetbot:create_app()", env, cwd=cwd) as app:
        result.rss_fresh_mib = max(worker_rss_mib(app.pid))
        _request_all(app.port, paths)
        series_ids = _series_to_change(url, ids)
        for n in range(CHANGES):
            _rename(url, series_ids[n % len(series_ids)], n)
            _request_all(app.port, paths)
            print(f"  change {n + 1}/{CHANGES}: {max(worker_rss_mib(app.pid)):.0f} MiB", flush=True)
        result.rss_after_mib = max(worker_rss_mib(app.pid))


def _request_all(port: int, paths: list[str]) -> None:
    """Every path, as many at once as there are workers (so that each worker serves it)."""
    for path in paths:
        threads = [
            threading.Thread(target=servers.get, args=(port, path))
            for _ in range(servers.GUNICORN_WORKERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def worker_rss_mib(master_pid: int) -> list[float]:
    """VmRSS of each worker (child) of a gunicorn master, in MiB."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def _series_to_change(url: str, ids: dict[str, Any]) -> list[int]:
    from sqlalchemy import select

    from meetbot.extensions import db
    from meetbot.models import MeetingSeries

    app = make_app(url)
    with app.app_context():
        found = list(
            db.session.scalars(
                select(MeetingSeries.id)
                .where(MeetingSeries.group_id == ids["group"])
                .order_by(MeetingSeries.id)
                .limit(CHANGES)
            )
        )
        db.session.remove()
        db.engine.dispose()
    return found


def _rename(url: str, series_id: int, n: int) -> None:
    """One series renamed (its revisions move by themselves), committed."""
    from meetbot.extensions import db
    from meetbot.models import MeetingSeries, utcnow

    app = make_app(url)
    with app.app_context():
        series = db.session.get(MeetingSeries, series_id)
        series.title = f"{series.title.split(' (change')[0]} (change {n})"
        series.updated_dt = utcnow()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def report(result: PagesResult, backend: str, note: str) -> tuple[list[str], int, int]:
    """Markdown lines of the result, with (passed, checked)."""
    lines = [f"### {backend}", "", note, ""]
    lines += [
        "| page | app req/s | baseline req/s | floor req/s | share now | share baseline"
        " (RESULTS.md) | now / baseline | same bytes | result |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    passed = checked = 0
    for p in result.pages:
        ok = p.gain >= PAGES_TARGET
        passed, checked = passed + ok, checked + 1
        lines.append(
            f"| {p.name} | {p.app.rps:,.0f} | {p.baseline.rps:,.0f} | {p.floor.rps:,.0f} | "
            f"{p.app.rps / p.floor.rps:.1%} | {p.baseline.rps / p.floor.rps:.1%}"
            f" ({RESULTS_SHARES[p.name]}) | {p.gain:.2f}x (>= {PAGES_TARGET:g}x) | "
            f"{'yes' if p.same_bytes else 'no'} | {'PASS' if ok else 'FAIL'} |"
        )
    rss = result.rss_after_mib / result.rss_fresh_mib if result.rss_fresh_mib else 0.0
    startup = result.startup_ms / result.baseline_startup_ms if result.baseline_startup_ms else 0.0
    rows = [
        (
            f"worker RSS after every feed and page plus {CHANGES} changes / fresh worker"
            f" ({result.rss_after_mib:.0f} MiB / {result.rss_fresh_mib:.0f} MiB)",
            rss,
            rss <= RSS_TARGET,
            f"<= {RSS_TARGET:g}",
        ),
        (
            f"create_app() CPU time / baseline's ({result.startup_ms:.0f} ms /"
            f" {result.baseline_startup_ms:.0f} ms, median of 7 each)",
            startup,
            startup <= STARTUP_TARGET,
            f"<= {STARTUP_TARGET:g}",
        ),
    ]
    lines += ["", "| target | measured | needed | result |", "|---|---:|---:|---|"]
    for what, value, ok, needed in rows:
        passed, checked = passed + ok, checked + 1
        lines.append(f"| {what} | {value:.2f} | {needed} | {'PASS' if ok else 'FAIL'} |")
    return lines, passed, checked


def run(
    scale: float,
    *,
    seconds: int,
    connections: int,
    backends: tuple[str, ...] = ("sqlite", "postgres"),
    pg_scale: float = 1.0,
) -> tuple[list[str], int, int]:
    """Every row on each backend's data set (start-up, which reads no data, once)."""
    started = time.perf_counter()
    startup = PagesResult()
    print("[pages] create_app() time, this tree and the baseline", flush=True)
    measure_startup(startup)
    print(
        f"  {startup.startup_ms:.0f} ms, baseline {startup.baseline_startup_ms:.0f} ms", flush=True
    )
    lines: list[str] = []
    passed = checked = 0
    for backend in backends:
        began = time.perf_counter()
        result = PagesResult(
            startup_ms=startup.startup_ms, baseline_startup_ms=startup.baseline_startup_ms
        )
        if backend == "sqlite":
            url, info, _ = sqlite_database(scale)
            _measure(result, url, info, seconds=seconds, connections=connections)
            name = f"SQLite, scale {scale:g}"
        elif backend == "postgres":
            from tests.pgserver import PostgresServer, find_bindir

            bindir = find_bindir()
            if bindir is None:
                print("PostgreSQL server binaries not found: skipping PostgreSQL", flush=True)
                continue
            server = PostgresServer(bindir).start()
            try:
                print(f"[pages] PostgreSQL data set at scale {pg_scale:g}", flush=True)
                url, info = postgres_database(server, pg_scale, name="meetbot_bench_pages")
                _measure(result, url, info, seconds=seconds, connections=connections)
            finally:
                server.stop()
            name = f"PostgreSQL, scale {pg_scale:g}"
        else:
            raise ValueError(f"unknown backend {backend!r}")
        note = (
            f"{name}; wrk {connections} connections, {seconds} s a run, three rounds in"
            f" turns (median); baseline = {BASELINE_COMMIT[:7]} on the same data; start-up"
            f" (no data read) measured once for both; "
            f"{(time.perf_counter() - began) / 60:.1f} minutes."
        )
        got, ok, count = report(result, name.split(",")[0], note)
        lines += [*got, ""]
        passed, checked = passed + ok, checked + count
    print(f"[pages] {(time.perf_counter() - started) / 60:.1f} minutes in all", flush=True)
    return lines, passed, checked


def _measure(result: PagesResult, url: str, info: Any, **run: int) -> None:
    """The page and worker-memory rows on one database."""
    ids = _ids(url, info)
    env = _env(url)
    print("[pages] meeting, work stream and group pages", flush=True)
    measure_pages(result, url, ids, env, **run)
    print(f"[pages] worker RSS: every page and feed, then {CHANGES} changes", flush=True)
    measure_rss(result, url, ids, env)
