"""Servers the bench starts on loopback and always stops: gunicorn (app or floor) and nginx.

Every server is a child process started with a fresh free port on 127.0.0.1, waited
for with a bounded number of probes, and stopped in a ``finally`` (SIGTERM, then
SIGKILL after a few seconds), so a failing run leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# The same gunicorn settings for the app and the floor: one sync worker per core.
GUNICORN_WORKERS = os.cpu_count() or 2
# A cold render of the largest feed takes tens of seconds on a busy machine: a longer
# worker timeout than gunicorn's 30 s default, or the worker is killed mid-render.
GUNICORN_ARGS = (
    "--worker-class",
    "sync",
    "--workers",
    str(GUNICORN_WORKERS),
    "--backlog",
    "512",
    "--timeout",
    "180",
)


@dataclass(frozen=True)
class Server:
    """A started server: where it listens."""

    name: str
    port: int
    pid: int = 0  # the server's (gunicorn master's) process id

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 170):
    """One HTTP GET on loopback: (status, headers dict, body bytes)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _wait_ready(proc: subprocess.Popen, port: int, path: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before it was ready")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _, _ = get(port, path, timeout=5)
            if status < 500:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} not ready after {seconds} s")


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextlib.contextmanager
def gunicorn(
    name: str,
    app_spec: str,
    env: dict[str, str],
    ready_path: str = "/healthz",
    cwd: Path = ROOT,
) -> Iterator[Server]:
    """gunicorn serving ``app_spec`` (e.g. ``meetbot:create_app()``) on a free port,
    importing it from ``cwd`` (the repository; bench/pages.py: a baseline tree)."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)  # noqa: SIM115 - closed in finally
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        *GUNICORN_ARGS,
        "--bind",
        f"{HOST}:{port}",
        "--error-logfile",
        log.name,
        app_spec,
    ]
    proc = subprocess.Popen(
        cmd, cwd=cwd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_ready(proc, port, ready_path)
        yield Server(name, port, proc.pid)
    finally:
        _stop(proc)
        log.close()
        if proc.returncode in (0, -signal.SIGTERM):
            os.unlink(log.name)
        else:
            print(f"  ({name} log kept in {log.name})", file=sys.stderr)


NGINX_CONF = """
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ text/calendar ics; text/html html; application/json json; }}
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    open_file_cache max=100;
    open_file_cache_valid 60s;
{proxy_cache_path}
    server {{
        listen {host}:{port};
        root {root};
        location /static/ {{ }}
{locations}
    }}
}}
"""


@contextlib.contextmanager
def nginx(
    name: str, root: Path, locations: str = "", proxy_cache_path: str = ""
) -> Iterator[Server]:
    """nginx with its own config in a temp dir, serving ``root`` (and ``locations``)."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    os.chmod(tmp, 0o755)
    port = free_port()
    conf = NGINX_CONF.format(
        workers=GUNICORN_WORKERS,
        tmp=tmp,
        host=HOST,
        port=port,
        root=root,
        locations=locations.replace("{tmp}", str(tmp)),
        proxy_cache_path=proxy_cache_path.replace("{tmp}", str(tmp)),
    )
    (tmp / "nginx.conf").write_text(conf)
    if os.geteuid() == 0:  # workers run as nobody: let them read and write the temp dir
        with contextlib.suppress(OSError):
            shutil.chown(tmp, "nobody")
    proc = subprocess.Popen(
        [binary, "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "stderr.log", "w"),  # noqa: SIM115 - closed with the process
    )
    try:
        _wait_ready(proc, port, "/")
        yield Server(name, port)
    finally:
        _stop(proc, signal.SIGQUIT)
        shutil.rmtree(tmp, ignore_errors=True)
