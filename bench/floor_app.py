"""The framework floor: a bare Flask view that returns the same bytes as the app.

``gunicorn 'bench.floor_app:create_app()'`` with BENCH_FLOOR_DIR set to a folder of
files captured from the app (``<name>`` plus ``<name>.type`` holding its content type
and ``<name>.etag`` its ETag). Each file is read once at start; a request is answered
from memory, with a 304 when If-None-Match matches, exactly as cheaply as Flask can:
no database, no extensions, no hooks. The app's figures are compared with this.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, abort, request


def create_app() -> Flask:
    """The floor app over the files in BENCH_FLOOR_DIR."""
    folder = Path(os.environ["BENCH_FLOOR_DIR"])
    files: dict[str, tuple[bytes, str, str]] = {}
    for path in folder.iterdir():
        if path.suffix in {".type", ".etag"}:
            continue
        ctype = Path(f"{path}.type").read_text().strip()
        etag = Path(f"{path}.etag").read_text().strip()
        files[path.name] = (path.read_bytes(), ctype, etag)

    app = Flask(__name__)

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @app.get("/f/<name>")
    def serve(name: str) -> Response:
        try:
            body, ctype, etag = files[name]
        except KeyError:
            abort(404)
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type=ctype, headers={"ETag": etag})

    return app
