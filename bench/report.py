"""bench/RESULTS.md: the machine, the data, the table of figures and the targets."""

from __future__ import annotations

import os
import platform
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench.run import BackendResult

PAGE_P95_MS = 100.0
RERENDER_MAX = 0.10


def _cmd(*args: str) -> str:
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else ""


def machine() -> list[tuple[str, str]]:
    """What the figures were measured on."""
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = match.group(1).strip() if match else cpu
    mem = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        match = re.search(r"MemTotal:\s*(\d+) kB", meminfo.read_text())
        mem = f"{int(match.group(1)) / 1024 / 1024:.1f} GiB" if match else mem
    from tests.pgserver import find_bindir

    bindir = find_bindir()
    pg = _cmd(str(bindir / "postgres"), "--version") if bindir else "not found"
    import gunicorn

    return [
        ("cores (nproc)", str(os.cpu_count())),
        ("CPU", cpu),
        ("memory", mem),
        ("load average at start", " ".join(f"{x:.2f}" for x in os.getloadavg())),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", pg),
        ("gunicorn", gunicorn.__version__),
        ("nginx", _cmd(shutil.which("nginx") or "nginx", "-v")),
        ("wrk", _cmd(shutil.which("wrk") or "wrk", "--version")),
    ]


def _fig(f) -> tuple[str, str, str]:
    return f"{f.rps:,.0f}", f"{f.p50_ms:.1f}", f"{f.p99_ms:.1f}"


def write(
    path: Path,
    results: list[BackendResult],
    machine_rows: list[tuple[str, str]],
    *,
    seconds: int,
    connections: int,
    total_s: float,
    finder_rows: list[tuple[int, int, float]] | None = None,
) -> tuple[int, int]:
    """Write RESULTS.md; return (targets passed, targets checked)."""
    passed = checked = 0
    lines = [
        "# meetbot bench results",
        "",
        f"Written by `make bench` (`python -m bench`) on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {total_s / 60:.1f} minutes. "
        "What each figure means and how to run it: bench/README.md.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in machine_rows],
        "",
        "The machine is shared (other work may run during the bench): absolute figures",
        "drift between runs, so every target is a ratio of figures taken in the same run",
        "(the feed rows of the app and of the floor, and the deployment and nginx direct,",
        "in turns: three rounds of half the row time, median kept), or a latency.",
        "",
        f"Load: wrk, {connections} connections, 2 threads, {seconds} s per row; the app and",
        "the bare-Flask floor under gunicorn with the same settings "
        "(`--worker-class sync --workers <nproc>`, gunicorn.conf.py), everything on 127.0.0.1.",
        "",
    ]
    for res in results:
        counts = res.info.counts
        lines += [
            f"## {res.backend}",
            "",
            f"Data: scale {res.scale:g} ({res.data_note}): "
            + ", ".join(
                f"{counts.get(t, 0):,} {label}"
                for t, label in [
                    ("groups", "groups"),
                    ("meeting_series", "series"),
                    ("people", "people"),
                    ("meetings", "meetings"),
                    ("attendance", "attendance rows"),
                    ("action_items", "action items"),
                    ("minute_items", "minute items"),
                ]
            )
            + f"; the largest group has {res.info.counts.get('meeting_series', 0) // 2:,} series.",
            "",
            "### Throughput",
            "",
            "| what | requests/s | p50 ms | p99 ms |",
            "|---|---:|---:|---:|",
        ]
        for row in res.rows:
            if row.figures is not None:
                rps, p50, p99 = _fig(row.figures)
                lines.append(f"| {row.what} | {rps} | {p50} | {p99} |")
        lines += [
            "",
            "### Targets",
            "",
            "| target | measured | needed | result |",
            "|---|---:|---:|---|",
        ]
        for what, got, minimum, _ in res.ratios:
            ok = got >= minimum
            passed += ok
            checked += 1
            lines.append(f"| {what} | {got:.0%} | ≥ {minimum:.0%} | {'PASS' if ok else 'FAIL'} |")
        render = res.render
        if "cold_s" in render and "rerender_s" in render:
            share = render["rerender_s"] / render["cold_s"] if render["cold_s"] else 1.0
            ok = share < RERENDER_MAX and render.get("identical") == 1.0
            passed += ok
            checked += 1
            lines.append(
                f"| re-render after one series changed / cold render "
                f"({render['rerender_s'] * 1000:.0f} ms / {render['cold_s'] * 1000:.0f} ms"
                f"{'' if render.get('identical') == 1.0 else '; NOT byte-identical'}) "
                f"| {share:.1%} | < {RERENDER_MAX:.0%} | {'PASS' if ok else 'FAIL'} |"
            )
        if res.log_import:
            from bench import log_import

            ok = log_import.passes(res.log_import)
            passed += ok
            checked += 1
            lines.append(log_import.describe(res.log_import))
        if res.chat_bot:
            from bench import chat_bot

            ok = chat_bot.passes(res.chat_bot)
            passed += ok
            checked += 1
            lines.append(chat_bot.describe(res.chat_bot))
        # A run that completed no request has no percentile: count it as failing.
        worst = max(
            (f.p95_ms if f.requests else float("inf") for _, f in res.page_p95), default=0.0
        )
        ok = bool(res.page_p95) and worst < PAGE_P95_MS
        passed += ok
        checked += 1
        lines.append(
            f"| every page p95 (slowest of {len(res.page_p95)}) | {worst:.1f} ms "
            f"| < {PAGE_P95_MS:.0f} ms | {'PASS' if ok else 'FAIL'} |"
        )
        lines += [
            "",
            "### Feed rendering (largest group)",
            "",
            f"- cold render in process: {render.get('cold_s', 0) * 1000:,.0f} ms "
            f"for {int(render.get('bytes', 0)):,} bytes",
            f"- re-render after one series changed: {render.get('rerender_s', 0) * 1000:,.0f} ms "
            "(byte-identical to a fresh render: "
            f"{'yes' if render.get('identical') == 1.0 else 'NO'})",
            f"- first request through gunicorn after the change: "
            f"{render.get('first_request_s', 0) * 1000:,.0f} ms",
            "",
            "### Page latency (2 connections, one per worker: service time)",
            "",
            "After one uncounted second of the same load (each worker fills its own",
            "caches); *first* is the very first request of the page after start, cold.",
            "",
            "| page | p50 ms | p95 ms | p99 ms | requests/s | first ms |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, f in res.page_p95:
            first = res.page_first.get(name)
            first_ms = f"{first * 1000:,.0f}" if first is not None else ""
            lines.append(
                f"| {name} | {f.p50_ms:.1f} | {f.p95_ms:.1f} | {f.p99_ms:.1f} "
                f"| {f.rps:,.0f} | {first_ms} |"
            )
        ck = res.checkins
        if ck is not None:
            lines += [
                "",
                f"### {ck.sent} concurrent check-ins (one POST each, released together)",
                "",
                f"- p50 {ck.p50_ms:.0f} ms, p99 {ck.p99_ms:.0f} ms, max {ck.max_ms:.0f} ms; "
                f"HTTP statuses {ck.statuses}; recorded {ck.recorded} of {ck.sent} "
                f"({'none lost' if ck.recorded == ck.sent else 'SOME LOST'})",
            ]
        lines += ["", "### Checks", ""]
        for what, ok, detail in res.checks:
            lines.append(f"- {'ok' if ok else 'FAILED'}: {what} ({detail})")
        for error in res.errors:
            lines.append(f"- ERROR: {error}")
        lines += ["", "### Query plans of the hot filters", ""]
        for what, plan, uses_index in res.plans:
            flat = " / ".join(p.strip() for p in plan.splitlines())
            lines.append(f"- {'index' if uses_index else '**NO INDEX**'}: {what}: `{flat}`")
        lines.append("")
    lines += [
        "## Summary",
        "",
        f"{passed} of {checked} targets pass.",
        "",
    ]
    if finder_rows:
        lines += [
            "## Slot finder",
            "",
            "Every weekly slot and every alternating pair over 52 weeks, people aggregated by",
            "zone, window and days (bench/slot_finder.py; median of three; target: within a",
            "page load, < 1 s).",
            "",
            "| people | zone/window groups | ms | result |",
            "|---|---|---|---|",
        ]
        for n, groups, seconds in finder_rows:
            ok = seconds < 1.0
            checked += 1
            passed += ok
            lines.append(
                f"| {n:,} | {groups} | {seconds * 1000:.0f} | {'PASS' if ok else 'FAIL'} |"
            )
        lines.append("")
    path.write_text("\n".join(lines))
    return passed, checked
