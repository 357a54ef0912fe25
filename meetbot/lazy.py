"""Modules imported at their first use rather than at start-up (issue 19, point 5).

``import meetbot; create_app()`` should only pay for what serving a request needs in
every process. A library that only some requests (or commands) use is reached through
:func:`first_use` instead of a module-level import; docs/architecture.md lists them and
why. ruff's PLC0415 forbids function-local ``import`` statements, so this is the one
way to defer an import.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType


@cache
def first_use(name: str) -> ModuleType:
    """The module ``name``, imported on the first call (later calls: a dict lookup)."""
    return importlib.import_module(name)
