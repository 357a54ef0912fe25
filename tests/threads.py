"""Two (or more) workers at the same instant: the races the services must survive."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from meetbot.extensions import db


def at_once(app, work: Callable[[], Any], n: int = 2) -> tuple[list[Any], list[BaseException]]:
    """Run ``work()`` in ``n`` threads released together by a barrier, each in its own
    app context (so its own session). Returns what the calls returned and what they
    raised; the caller's session is closed first so it holds no lock."""
    db.session.remove()
    barrier = threading.Barrier(n)
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                try:
                    barrier.wait()
                    results.append(work())
                finally:
                    db.session.remove()
        except BaseException as exc:  # reported to the caller
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors
