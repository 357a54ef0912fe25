"""Memory the C library's allocator keeps after a request, handed back to the OS (issue 19).

glibc's ``free`` returns memory to the system only from the top of its heap; pages
freed in the middle (a cold render's transients, a big page's strings) stay in the
process as free space, counted in its RSS, until they are reused. ``malloc_trim(0)``
gives those free pages back (``madvise``): nothing live is touched, the next
allocation simply gets fresh pages. It costs ~0.1 ms (up to ~0.7 ms after a cold
render) on a bench-scale worker, so a gunicorn worker does it after a request
(gunicorn.conf.py ``post_request``) only once the process has spent
``MEETBOT_HEAP_TRIM_CPU_SECONDS`` of CPU time since the last trim: right after any
heavy request (a cold render, a big page's first view: what leaves freed memory
behind), and after every few hundred cheap ones (a warm feed answer costs ~0.5 ms),
so it never costs more than ~1 % of the CPU time (0.2 % typically).

What it cannot return: Python's own small-object arenas (1 MiB each, freed only
when empty) and memory that is still live (the caches). On a C library without
``malloc_trim`` (musl, macOS, Windows) it is a no-op.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
import threading
import time
from collections.abc import Callable

# CPU seconds a process spends between two trims (MEETBOT_HEAP_TRIM_CPU_SECONDS; 0: after
# every request, negative: never).
DEFAULT_CPU_SECONDS = 0.05


@functools.cache
def malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none. ``ctypes`` is
    imported on the first call, in the worker: imported by gunicorn.conf.py it would
    add ~1.5 MiB to every fresh worker (issue 19 compares the grown worker with it)."""
    if not sys.platform.startswith("linux"):
        return None
    ctypes = importlib.import_module("ctypes")
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library the interpreter itself uses
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_FIND = object()  # HeapTrimmer's default: malloc_trim(), looked up at the first trim


def cpu_seconds_from_env(default: float = DEFAULT_CPU_SECONDS) -> float:
    """``MEETBOT_HEAP_TRIM_CPU_SECONDS`` as a number (gunicorn.conf.py reads it there, before
    any app exists), ``default`` when unset; a bad value raises with the variable's
    name."""
    raw = os.environ.get("MEETBOT_HEAP_TRIM_CPU_SECONDS", "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        message = f"MEETBOT_HEAP_TRIM_CPU_SECONDS must be a number of seconds, not {raw!r}"
        raise ValueError(message) from None


class HeapTrimmer:
    """``maybe_trim()`` after each request: ``malloc_trim(0)`` once ``cpu_seconds`` of
    ``clock`` (the process's CPU time) have passed since this trimmer last trimmed (or
    was made)."""

    def __init__(
        self,
        cpu_seconds: float = DEFAULT_CPU_SECONDS,
        *,
        clock: Callable[[], float] = time.process_time,
        trim: Callable[[int], int] | None | object = _FIND,
    ) -> None:
        self.cpu_seconds = cpu_seconds
        self._clock = clock
        self._trim = trim
        self._last = clock()
        self._lock = threading.Lock()
        self.trims = 0  # how many times it trimmed (for tests and logs)

    @property
    def available(self) -> bool:
        """Whether this C library can trim at all."""
        if self._trim is _FIND:
            self._trim = malloc_trim()
        return self._trim is not None

    def maybe_trim(self) -> bool:
        """Trim if enough CPU time was spent since the last trim (True when it did)."""
        if self.cpu_seconds < 0 or not self.available:
            return False
        now = self._clock()
        with self._lock:
            if now < self._last:  # a forked worker's CPU time starts again from 0
                self._last = now
            if now - self._last < self.cpu_seconds:
                return False
            self._trim(0)
            # From after the trim: its own cost does not count towards the next one.
            self._last = self._clock()
        self.trims += 1
        return True
