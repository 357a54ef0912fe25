"""gunicorn settings, read by gunicorn when started from the repository root.

Everything else (workers, bind address) stays on the command line; see README.md
"Deployment".
"""

import gc

from meetbot.heap import HeapTrimmer, cpu_seconds_from_env
from meetbot.services.warm_up import warm_up

# Longest request line (method, path, query, version) gunicorn reads; beyond it gunicorn
# itself answers 414 as bare HTML. 8190 is gunicorn's maximum, set well above the app's
# own query-string limit (meetbot.web.errors.MAX_QUERY_STRING, 4096 bytes), so a long
# query reaches the app and gets its 414 in the API's JSON error shape.
limit_request_line = 8190

# Free memory the C allocator keeps after a request goes back to the OS once a worker
# has spent MEETBOT_HEAP_TRIM_CPU_SECONDS of CPU time since its last trim (meetbot/heap.py;
# README "Configuration"). Made in the master: each worker counts from its fork.
_TRIMMER = HeapTrimmer(cpu_seconds_from_env())


def post_worker_init(worker) -> None:
    """Once the worker has built the app and before it accepts a request: open its
    database connections and compile the feed render's statements
    (meetbot/services/warm_up.py: the first render after a change no longer pays
    them), then put the hundreds of thousands of objects made at start-up (modules,
    SQLAlchemy metadata, templates) out of the cyclic garbage collector's reach: its
    full collections then scan only what requests create, so they stop adding
    100-250 ms pauses to random requests on a busy process. Another app served from
    this directory (the bench's bare Flask floor) gets the same settings but no
    warm-up: it has none of meetbot's database or caches."""
    if getattr(worker.wsgi, "import_name", None) == "meetbot":
        warm_up(worker.wsgi)
    gc.collect()
    gc.freeze()


def post_request(worker, req, environ, resp) -> None:
    """After the response was sent: hand freed heap pages back (rate-limited by CPU time)."""
    _TRIMMER.maybe_trim()
