"""meetbot.heap: freed C heap memory handed back after requests, rate-limited by CPU time."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from meetbot import create_app, heap
from meetbot.extensions import db


class Clock:
    """A CPU-time clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 10.0

    def __call__(self) -> float:
        return self.now


def test_trims_once_the_cpu_budget_is_spent_and_not_before():
    clock, calls = Clock(), []
    # Binary fractions, so that the sums are exact.
    trimmer = heap.HeapTrimmer(0.5, clock=clock, trim=calls.append)
    assert trimmer.maybe_trim() is False  # nothing spent since it was made
    clock.now += 0.375
    assert trimmer.maybe_trim() is False
    clock.now += 0.125
    assert trimmer.maybe_trim() is True
    assert calls == [0]  # malloc_trim(0): every arena, no padding kept
    clock.now += 0.25  # cheap requests add up to the next trim
    assert trimmer.maybe_trim() is False
    clock.now += 0.25
    assert trimmer.maybe_trim() is True
    assert trimmer.trims == 2


def test_a_forked_worker_counts_from_its_own_cpu_time():
    clock, calls = Clock(), []
    trimmer = heap.HeapTrimmer(0.5, clock=clock, trim=calls.append)
    clock.now = 0.25  # the child's CPU time restarts near 0
    assert trimmer.maybe_trim() is False
    clock.now = 0.75
    assert trimmer.maybe_trim() is True


def test_zero_trims_after_every_request_and_negative_never():
    clock, calls = Clock(), []
    every = heap.HeapTrimmer(0, clock=clock, trim=calls.append)
    assert [every.maybe_trim() for _ in range(3)] == [True, True, True]
    never = heap.HeapTrimmer(-1, clock=clock, trim=calls.append)
    clock.now += 100
    assert never.maybe_trim() is False
    assert len(calls) == 3


def test_without_malloc_trim_it_does_nothing():
    trimmer = heap.HeapTrimmer(0, trim=None)
    assert trimmer.available is False
    assert trimmer.maybe_trim() is False


@pytest.mark.skipif(heap.malloc_trim() is None, reason="the C library has no malloc_trim")
def test_the_real_trim_runs():
    trimmer = heap.HeapTrimmer(0)
    junk = [bytes(2048) for _ in range(4096)]  # 8 MiB of glibc heap, then freed
    del junk
    assert trimmer.maybe_trim() is True


def test_the_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("MEETBOT_HEAP_TRIM_CPU_SECONDS", raising=False)
    assert heap.cpu_seconds_from_env() == heap.DEFAULT_CPU_SECONDS
    monkeypatch.setenv("MEETBOT_HEAP_TRIM_CPU_SECONDS", "0.2")
    assert heap.cpu_seconds_from_env() == 0.2
    monkeypatch.setenv("MEETBOT_HEAP_TRIM_CPU_SECONDS", "soon")
    with pytest.raises(ValueError, match="MEETBOT_HEAP_TRIM_CPU_SECONDS must be a number"):
        heap.cpu_seconds_from_env()


def test_gunicorn_trims_after_requests_through_the_trimmer():
    """gunicorn.conf.py's post_request hook asks its trimmer after every request."""
    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    asked = []

    class Trimmer:
        def maybe_trim(self) -> bool:
            asked.append(True)
            return False

    settings["post_request"].__globals__["_TRIMMER"] = Trimmer()
    settings["post_request"](None, None, {}, None)
    assert asked == [True]


CONFIG = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}


def test_the_compiled_statement_cache_size_is_a_setting(monkeypatch, tmp_path):
    """MEETBOT_SQL_CACHE_SIZE reaches the engine (SQLAlchemy's query_cache_size)."""
    monkeypatch.setenv("MEETBOT_SQL_CACHE_SIZE", "48")
    app = create_app(CONFIG, instance_path=tmp_path)
    with app.app_context():
        assert db.engine._compiled_cache.capacity == 48
    monkeypatch.delenv("MEETBOT_SQL_CACHE_SIZE")
    app = create_app(CONFIG, instance_path=tmp_path)
    with app.app_context():
        assert db.engine._compiled_cache.capacity == 500
