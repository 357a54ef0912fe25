"""Command line of the bench: ``python -m bench [generate] [options]``.

Without a command it runs everything and writes bench/RESULTS.md: SQLite at full
size (the generated file is cached under bench/out/), then PostgreSQL at full size
too (--pg-scale) in a throwaway cluster on a loopback port (generated each run
with COPY).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the chosen part of the bench."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="SQLite data size (1.0 = full)")
    # Both backends at full size: about 6 minutes on this 2-core machine (PostgreSQL
    # loads its data with COPY in ~20 s each run); make bench may take 10.
    parser.add_argument("--pg-scale", type=float, default=1.0, help="PostgreSQL data size")
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated")
    parser.add_argument("--seconds", type=int, default=5, help="duration of each wrk run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the results")
    sub = parser.add_subparsers(dest="command")
    gen = sub.add_parser("generate", help="only build (or reuse) the SQLite data set")
    gen.add_argument("--scale", type=float, default=1.0, help="1.0 = the full large instance")
    gen.add_argument("--fresh", action="store_true", help="regenerate even if cached")
    sub.add_parser("slot-finder", help="only time the slot finder (2,000 and 20,000 people)")
    sub.add_parser("log-import", help="only the log-import row, on a throwaway SQLite file")
    sub.add_parser("chat-bot", help="only the chat bot rows (ngircd), on a throwaway SQLite file")
    pages = sub.add_parser(
        "pages", help="only the page, worker memory and start-up rows (issue 19), both backends"
    )
    pages.add_argument("--scale", type=float, default=1.0, help="SQLite data size")
    pages.add_argument("--write", action="store_true", help="put them into bench/RESULTS.md")
    sub.add_parser("feed", help="only the feed's cold-path rows (bench/feed.py), both backends")
    args = parser.parse_args(argv)

    if args.command == "slot-finder":
        from bench.slot_finder import measure

        for n, groups, seconds in measure():
            print(f"{n:>6} people ({groups} zone/window groups): {seconds * 1000:.0f} ms")
        return 0
    if args.command == "feed":
        from bench import feed

        backends = [b.strip() for b in args.backends.split(",") if b.strip()]
        return feed.run(args.scale, args.pg_scale, backends)
    if args.command in ("chat-bot", "log-import"):
        from bench import chat_bot, log_import
        from bench.dataset import run_rows_alone

        module = chat_bot if args.command == "chat-bot" else log_import
        return run_rows_alone(module, prefix=f"bench-{args.command}-")

    if args.command == "pages":
        return run_pages(args)
    if args.command == "generate":
        from bench.dataset import sqlite_database

        url, info, reused = sqlite_database(args.scale, fresh=args.fresh)
        how = "reused" if reused else f"generated in {info.seconds:.1f} s"
        print(f"{url}: {how}")
        for table, count in sorted(info.counts.items()):
            print(f"  {table:22} {count:>9,}")
        return 0
    return run_all(args)


def run_all(args: argparse.Namespace) -> int:
    """Every backend, then RESULTS.md."""
    from bench import report
    from bench.dataset import postgres_database, sqlite_database
    from bench.run import run_backend

    started = time.perf_counter()
    machine = report.machine()
    results = []
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if "sqlite" in backends:
        print(f"[sqlite] data set at scale {args.scale:g}", flush=True)
        url, info, reused = sqlite_database(args.scale)
        note = (
            f"cached file from an earlier run, generated in {info.seconds:.0f} s"
            if reused
            else f"generated in this run in {info.seconds:.0f} s"
        )
        results.append(
            run_backend(
                "SQLite",
                url,
                args.scale,
                info,
                note,
                seconds=args.seconds,
                connections=args.connections,
            )
        )
    if "postgres" in backends:
        from tests.pgserver import PostgresServer, find_bindir

        bindir = find_bindir()
        if bindir is None:
            print("PostgreSQL server binaries not found: skipping PostgreSQL")
        else:
            server = PostgresServer(bindir).start()
            try:
                print(f"[postgres] data set at scale {args.pg_scale:g}", flush=True)
                url, info = postgres_database(server, args.pg_scale)
                note = f"generated in this run with COPY in {info.seconds:.0f} s"
                results.append(
                    run_backend(
                        "PostgreSQL",
                        url,
                        args.pg_scale,
                        info,
                        note,
                        seconds=args.seconds,
                        connections=args.connections,
                    )
                )
            finally:
                server.stop()
    from bench.slot_finder import measure

    print("slot finder: 2,000 and 20,000 people", flush=True)
    finder_rows = measure()
    total = time.perf_counter() - started
    passed, checked = report.write(
        args.out,
        results,
        machine,
        seconds=args.seconds,
        connections=args.connections,
        total_s=total,
        finder_rows=finder_rows,
    )
    print(f"{passed} of {checked} targets pass; results in {args.out} ({total / 60:.1f} min)")
    return 0


PAGES_BEGIN = "<!-- python -m bench pages: begin -->"
PAGES_END = "<!-- python -m bench pages: end -->"


def run_pages(args: argparse.Namespace) -> int:
    """The issue 19 page, memory and start-up rows; printed, and with --write kept in
    their own section of RESULTS.md (the rest of the file is left as it is)."""
    from bench import pages

    lines, passed, checked = pages.run(
        args.scale,
        seconds=args.seconds,
        connections=args.connections,
        backends=tuple(b.strip() for b in args.backends.split(",") if b.strip()),
        pg_scale=args.pg_scale,
    )
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    section = [
        PAGES_BEGIN,
        "## Pages, worker memory and start-up (`python -m bench pages`)",
        "",
        f"Written on {stamp}; what each row means: bench/pages.py. {passed} of {checked} pass.",
        "",
        *lines,
        PAGES_END,
    ]
    text = "\n".join(section) + "\n"
    print(text)
    if args.write:
        old = args.out.read_text() if args.out.exists() else ""
        if PAGES_BEGIN in old and PAGES_END in old:
            head, rest = old.split(PAGES_BEGIN, 1)
            old = head + rest.split(PAGES_END, 1)[1].lstrip("\n")
        args.out.write_text(old.rstrip("\n") + "\n\n" + text)
    return 0
