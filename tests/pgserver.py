"""A throwaway PostgreSQL cluster on a loopback port, for tests and benchmarks.

It uses the server binaries of the machine (/usr/lib/postgresql/<version>/bin). The
server refuses to run as root, so as root the cluster is owned by and run as the
``postgres`` system user. Everything lives in a temporary folder removed on stop.

Under pytest-xdist every worker starts its own cluster (own folder, own port): a
cluster takes about a second to start, and nothing is shared that could collide.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


def find_bindir() -> Path | None:
    """The newest PostgreSQL server bin folder on this machine, or None."""
    override = os.environ.get("MEETBOT_PG_BINDIR")
    if override:
        return Path(override)
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    for path in reversed(candidates):
        if (Path(path) / "initdb").exists() and (Path(path) / "pg_ctl").exists():
            return Path(path)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _new_root() -> Path:
    # The xdist worker id (gw0, gw1...) in the name tells the clusters of a run apart.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return Path(tempfile.mkdtemp(prefix=f"meetbot-pg-{worker}{'-' if worker else ''}"))


# A free port can be taken by another process between _free_port() and the server's
# bind (other test workers and other people's runs pick ports too): start again on a
# new port this many times.
START_ATTEMPTS = 5


@dataclass
class PostgresServer:
    bindir: Path
    port: int = field(default_factory=_free_port)
    root: Path = field(default_factory=_new_root)
    user: str | None = None  # system user the server runs as (None: the current user)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(a) for a in args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> PostgresServer:
        """initdb and start the server; on failure nothing is left behind."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        if os.geteuid() == 0:
            self.user = "postgres"
            pw = pwd.getpwnam(self.user)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self._run(
            self.bindir / "initdb",
            "-D",
            self.datadir,
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        )
        for attempt in range(START_ATTEMPTS):
            self.log_path.unlink(missing_ok=True)
            try:
                self._pg_ctl_start()
                return
            except subprocess.CalledProcessError as exc:
                log = self.log_text()
                if "already in use" not in log or attempt == START_ATTEMPTS - 1:
                    raise RuntimeError(
                        f"PostgreSQL did not start on port {self.port}: {exc.stderr}\n{log}"
                    ) from exc
                self.port = _free_port()

    def _pg_ctl_start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c full_page_writes=off -c synchronous_commit=off -c max_connections=200"
        )
        self._run(
            self.bindir / "pg_ctl",
            "-D",
            self.datadir,
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "-l",
            self.log_path,
            "start",
        )

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    def log_text(self) -> str:
        """The server's log (empty if it has not written one)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(self.bindir / "pg_ctl", "-D", self.datadir, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create a database and return its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
