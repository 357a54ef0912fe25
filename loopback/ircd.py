"""A real IRC server for the tests: Debian's ngircd on a loopback port, in a temp dir.

``Ngircd(binary, folder).start()`` writes its configuration and starts it in the
foreground; ``restart()`` stops it and starts it again on the same port (a server
restart in the middle of a meeting). Waiting is on conditions, with a bounded timeout.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

CANDIDATES = ("ngircd", "/usr/sbin/ngircd")
SKIP_PHRASE = "ngircd IRC server not found"


def find_ngircd() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait for ``predicate`` (checked every 20 ms) at most ``timeout`` seconds."""
    pause = threading.Event()
    for _ in range(int(timeout / 0.02) + 1):
        if predicate():
            return
        pause.wait(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CONFIG = """[Global]
Name = irc.meetbot.test
Info = meetbot test server
Listen = 127.0.0.1
Ports = {port}
MotdPhrase = test server
PidFile = {folder}/ngircd.pid

[Limits]
MaxNickLength = 30
PingTimeout = 120
PongTimeout = 20
MaxConnectionsIP = 0
# The participants flood on purpose; the bot keeps its own limit (its token bucket).
MaxPenaltyTime = 0

[Options]
PAM = no
DNS = no
Ident = no
"""


class Ngircd:
    def __init__(self, binary: str, folder: Path) -> None:
        self.binary, self.folder = binary, folder
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"irc://127.0.0.1:{self.port}"

    def _accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def start(self) -> None:
        conf = self.folder / "ngircd.conf"
        conf.write_text(CONFIG.format(port=self.port, folder=self.folder))
        self.process = subprocess.Popen(
            [self.binary, "--nodaemon", "--config", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._accepts, 10, "ngircd to listen")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()
