"""Bench databases: migrated with Alembic, filled by bench.generate, cached on SQLite.

A SQLite file is kept under bench/out/ (git-ignored) with a JSON sidecar, and reused by
later runs of the same scale and generator version. PostgreSQL data lives in a
throwaway cluster (tests/pgserver.py) and is generated again in each run (COPY is fast).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.generate import GENERATOR_VERSION, Generated, generate

OUT = Path(__file__).resolve().parent / "out"


def make_app(url: str, **extra: object):
    """A meetbot app on ``url`` with the settings the bench uses."""
    from meetbot import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-secret",
            "MEETBOT_BASE_URL": "http://127.0.0.1",
            "MEETBOT_UID_DOMAIN": "meetbot.bench",
            **extra,
        }
    )


def build(url: str, scale: float, seed: int = 8) -> Generated:
    """Create the schema with the migrations and fill it."""
    from flask_migrate import upgrade

    from meetbot.cli.migrations import bind as bind_migrations
    from meetbot.extensions import db
    from meetbot.services.occurrence_marks import mark_all

    app = make_app(url)
    bind_migrations(app)
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            info = generate(conn, scale, seed=seed)
            # The rows are written with Core: their rule marks as the app keeps them.
            mark_all(conn)
        if db.engine.dialect.name == "postgresql":
            # As autovacuum would soon do: the visibility map lets index-only scans
            # skip the heap (freshly COPYed tables have none).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        db.engine.dispose()
    return info


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


def _save_info(path: Path, info: Generated, scale: float) -> None:
    data = {
        "version": GENERATOR_VERSION,
        "scale": scale,
        "counts": info.counts,
        "now": info.now.isoformat(),
        "seconds": info.seconds,
        "big_group_slug": info.big_group_slug,
        "bench_emails": info.bench_emails,
    }
    _sidecar(path).write_text(json.dumps(data, indent=1))


def _load_info(path: Path, scale: float) -> Generated | None:
    side = _sidecar(path)
    if not (path.exists() and side.exists()):
        return None
    data = json.loads(side.read_text())
    if data.get("version") != GENERATOR_VERSION or data.get("scale") != scale:
        return None
    return Generated(
        counts=data["counts"],
        now=datetime.fromisoformat(data["now"]),
        seconds=data["seconds"],
        big_group_slug=data["big_group_slug"],
        bench_emails=data["bench_emails"],
    )


def sqlite_database(scale: float, *, fresh: bool = False) -> tuple[str, Generated, bool]:
    """(url, info, reused) of the cached SQLite file of ``scale``; generated when missing.

    Each run works on a copy, so the cached file stays as generated (load tests write).
    """
    OUT.mkdir(exist_ok=True)
    cached = OUT / f"meetbot-s{scale:g}.sqlite"
    info = None if fresh else _load_info(cached, scale)
    reused = info is not None
    if info is None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{cached}{suffix}").unlink(missing_ok=True)
        info = build(f"sqlite:///{cached}", scale)
        _save_info(cached, info, scale)
    else:
        # A file generated before the latest migrations (e.g. a new index) gets them,
        # as a deployment would with `flask db upgrade`.
        _upgrade(f"sqlite:///{cached}")
    work = OUT / f"run-s{scale:g}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(cached, work)
    return f"sqlite:///{work}", info, reused


def _upgrade(url: str) -> None:
    from alembic.migration import MigrationContext
    from flask_migrate import upgrade

    from meetbot.cli.migrations import bind as bind_migrations
    from meetbot.extensions import db

    app = make_app(url)
    bind_migrations(app)
    with app.app_context():
        with db.engine.connect() as conn:
            before = MigrationContext.configure(conn).get_current_revision()
        upgrade()
        with db.engine.begin() as conn:
            if MigrationContext.configure(conn).get_current_revision() != before:
                conn.execute(text("ANALYZE"))  # statistics for the new indexes
        db.engine.dispose()


def postgres_database(server, scale: float, name: str = "meetbot_bench") -> tuple[str, Generated]:
    """(url, info) of a fresh database on ``server`` (a tests.pgserver.PostgresServer)."""
    url = server.create_database(name)
    return url, build(url, scale)


def run_rows_alone(module: Any, prefix: str) -> int:
    """Measure one bench module's rows (``measure``, ``describe``, ``passes``) on a
    throwaway, freshly migrated SQLite file and print them as RESULTS.md rows; the exit
    status says whether they pass (``python -m bench log-import`` and the like)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        _upgrade(url)
        figures = module.measure(url)
    print("| target | measured | needed | result |")
    print(module.describe(figures))
    return 0 if module.passes(figures) else 1
