"""Real app servers for the concurrency and crash tests: gunicorn as a child process
on 127.0.0.1 with a free port, plus what a browser does (signed session cookie, CSRF
token from the page, form POSTs) with the standard library's HTTP client.

Every server runs in its own process group, so ``kill9`` takes the master and all
its workers down at once, the way a crashed machine would.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
SECRET_KEY = "concurrency-test-secret"


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: str

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def cookie(self, name: str = "session") -> str | None:
        for key, value in self.headers:
            if key.lower() == "set-cookie" and value.startswith(f"{name}="):
                return value.split(";", 1)[0].split("=", 1)[1]
        return None


def send(
    port: int,
    method: str,
    path: str,
    *,
    form: dict[str, Any] | None = None,
    cookie: str | None = None,
    timeout: float = 60,
) -> Response:
    """One request on a fresh connection (like 50 different browsers)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    headers = {}
    body = None
    if cookie:
        headers["Cookie"] = f"session={cookie}"
    if form is not None:
        body = urlencode(form, doseq=True)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return Response(
            response.status, response.getheaders(), response.read().decode("utf-8", "replace")
        )
    finally:
        conn.close()


@dataclass
class AppServer:
    """A running gunicorn (master and workers in one process group) on a listening
    socket this process owns, so a restarted server answers on the same port."""

    proc: subprocess.Popen
    sock: socket.socket
    database_url: str
    workers: int
    log: Path

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def kill9(self) -> None:
        """SIGKILL to the whole group: no shutdown code runs anywhere."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def restart(self) -> None:
        """A new gunicorn on the same socket (after ``kill9``)."""
        self.proc = _spawn(self.sock, self.database_url, self.workers, self.log)
        _wait_ready(self)

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill9()
        self.sock.close()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _spawn(sock: socket.socket, database_url: str, workers: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "MEETBOT_DATABASE_URL": database_url,
        "MEETBOT_SECRET_KEY": SECRET_KEY,
        "MEETBOT_BASE_URL": f"http://{HOST}:{sock.getsockname()[1]}",
    }
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--preload",
        "--timeout",
        "60",
        "--bind",
        f"fd://{sock.fileno()}",
        "--error-logfile",
        str(log),
        "meetbot:create_app()",
    ]
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=[sock.fileno()],
        start_new_session=True,  # its own process group, for kill9
    )


def _wait_ready(server: AppServer) -> None:
    # The socket listens already: this request waits in its backlog until a worker
    # takes it, so readiness needs no polling loop.
    try:
        response = send(server.port, "GET", "/healthz", timeout=90)
    except OSError as exc:
        server.kill9()
        raise RuntimeError(f"gunicorn did not answer ({exc}):\n{server.log_text()}") from None
    if response.status != 200:
        raise RuntimeError(f"gunicorn answered {response.status}:\n{server.log_text()}")


def start_server(database_url: str, *, workers: int = 4) -> AppServer:
    """gunicorn with ``workers`` sync workers serving meetbot on ``database_url``.

    The app runs with its production settings (CSRF on, limiter on); it is loaded
    once in the master (``--preload``) so the workers start quickly.
    """
    sock = socket.socket()
    sock.bind((HOST, 0))
    sock.listen(256)
    sock.set_inheritable(True)
    fd, log_name = tempfile.mkstemp(prefix="meetbot-gunicorn-", suffix=".log")
    os.close(fd)
    log = Path(log_name)
    server = AppServer(_spawn(sock, database_url, workers, log), sock, database_url, workers, log)
    _wait_ready(server)
    return server


@contextlib.contextmanager
def running(database_url: str, **kwargs: Any) -> Iterator[AppServer]:
    server = start_server(database_url, **kwargs)
    try:
        yield server
    finally:
        server.stop()
        log = server.log_text()
        server.log.unlink(missing_ok=True)
        if "Traceback" in log:
            print(log[-4000:], file=sys.stderr)


# ----------------------------------------------------------------- a browser's session


def session_cookie(app: Flask, person_id_token: str) -> str:
    """A session cookie of a logged-in person, signed like the server signs them
    (logging 50 people in through /login would hit its rate limit, rightly)."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"_user_id": person_id_token, "_fresh": True})


def read_session(app: Flask, cookie: str) -> dict[str, Any]:
    return app.session_interface.get_signing_serializer(app).loads(cookie)


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def open_form(port: int, path: str, cookie: str) -> tuple[str, str, str]:
    """GET a page as a logged-in person: (the session cookie it set, its CSRF token,
    the page)."""
    page = send(port, "GET", path, cookie=cookie)
    assert page.status == 200, (path, page.status, page.body[:500])
    match = _CSRF.search(page.body)
    assert match, f"no CSRF token on {path}"
    return page.cookie() or cookie, match.group(1), page.body


def p99(values: list[float]) -> float:
    """The 99th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(0.99 * len(ordered)) - 1, 0)]
