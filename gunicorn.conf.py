"""gunicorn settings, read by gunicorn when started from the repository root.

Everything else (workers, bind address) stays on the command line; see README.md
"Deployment".
"""

import gc


def post_worker_init(worker) -> None:
    """Once the worker has built the app, put the hundreds of thousands of objects made
    at start-up (modules, SQLAlchemy metadata, templates) out of the cyclic garbage
    collector's reach: its full collections then scan only what requests create, so
    they stop adding 100-250 ms pauses to random requests on a busy process."""
    gc.collect()
    gc.freeze()
