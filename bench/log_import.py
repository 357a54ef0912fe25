"""MeetBot log import at two sizes: a 100 x 100 log (100 ``#action`` lines by 100
nicks) and a 1,000 x 1,000 log. Work linear in the log makes the big one ~10 times
slower; one regex per nick per action (issue 12, finding 1) made it ~100 times
(25 s for the big log). The target is a ratio of the CPU time of this process
(``time.process_time``), which other work on a shared machine moves much less than
wall-clock time; the wall-clock times are shown too.

Each log is imported for real (``services.log_import.import_log_for_group``: parse,
owners, new people, minutes, action items, attendance, one transaction) into a
one-off meeting of its own in a group made for the bench; new nicks each time, so
both sizes create their people. ``python -m bench log-import`` runs only this, on a
throwaway SQLite file (a few seconds).
"""

from __future__ import annotations

import time
from datetime import date

RATIO_MAX = 20.0
SIZES = (100, 1_000)


def square_log(n: int, prefix: str) -> str:
    """n nicks who each speak once, then n ``#action`` lines each naming one of them."""
    lines = [f"[10:00] <{prefix}chair> #startmeeting bench log import"]
    lines += [f"[10:01] <{prefix}{i:04d}> here" for i in range(n)]
    lines += [f"[10:02] <{prefix}chair> #action {prefix}{i:04d} to do task {i}" for i in range(n)]
    lines.append(f"[10:03] <{prefix}chair> #endmeeting")
    return "\n".join(lines) + "\n"


def measure(url: str) -> dict[str, float]:
    """CPU seconds to import each size (``"s100"``, ``"s1000"``), wall-clock seconds
    (``"wall100"``, ...), and the ratio of the CPU seconds."""
    from bench.dataset import make_app
    from meetbot.extensions import db
    from meetbot.services import groups, log_import

    app = make_app(url)
    out: dict[str, float] = {}
    with app.app_context():
        group = groups.create_group(None, slug="bench-log-import", name="Bench log import")
        # A small warm-up import first (imports, SQL compilation), not counted.
        log_import.import_log_for_group(None, group, date(2020, 1, 1), square_log(5, "w"))
        for day, n in enumerate(SIZES, start=2):
            text = square_log(n, f"b{n}n")
            wall, cpu = time.perf_counter(), time.process_time()
            result = log_import.import_log_for_group(None, group, date(2020, 1, day), text)
            out[f"s{n}"] = time.process_time() - cpu
            out[f"wall{n}"] = time.perf_counter() - wall
            out[f"actions{n}"] = float(result.actions_added)
        db.session.remove()
        db.engine.dispose()
    small, big = (out[f"s{n}"] for n in SIZES)
    out["ratio"] = big / small if small else float("inf")
    return out


def passes(figures: dict[str, float]) -> bool:
    """The target: the 10x log costs at most RATIO_MAX times the small one, and every
    action was imported."""
    return figures["ratio"] <= RATIO_MAX and all(
        figures.get(f"actions{n}") == float(n) for n in SIZES
    )


def describe(figures: dict[str, float]) -> str:
    """The target row of RESULTS.md (same columns as the others)."""
    small, big = (figures[f"s{n}"] for n in SIZES)
    wall_small, wall_big = (figures[f"wall{n}"] for n in SIZES)
    return (
        f"| log import 1,000 x 1,000 / 100 x 100, CPU time ({big * 1000:,.0f} ms / "
        f"{small * 1000:,.0f} ms; wall {wall_big * 1000:,.0f} ms / {wall_small * 1000:,.0f} ms)"
        f" | {figures['ratio']:.1f}x | ≤ {RATIO_MAX:.0f}x"
        f" | {'PASS' if passes(figures) else 'FAIL'} |"
    )
