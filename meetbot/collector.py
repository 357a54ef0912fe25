"""Python's cyclic garbage collector paused around work that allocates many objects
which are long-lived or freed by reference counting (issue 19): building the app,
rendering a feed. Their allocations otherwise trigger full collections that traverse
the whole process and find almost nothing to free."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside; afterwards the collector runs again as before (it
    stays off if it was off, e.g. while another thread renders)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
