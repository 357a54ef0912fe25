"""A real OpenID Provider for the tests: tests/js/oidc-server.mjs (the certified npm
package ``oidc-provider``) run by node on a free loopback port."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parents[1] / "js" / "oidc-server.mjs"
CLIENT_ID, CLIENT_SECRET = "meetbot-test", "client-secret-for-tests-only"


@dataclass
class OidcProvider:
    issuer: str
    user: dict[str, Any]
    _process: subprocess.Popen = field(repr=False)

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()


def start_provider(redirect_uris: list[str], user: dict[str, Any]) -> OidcProvider:
    """Start the provider; its one client may redirect to ``redirect_uris``."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed (apt-get install nodejs)")
    config = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": redirect_uris,
        "user": user,
    }
    process = subprocess.Popen(
        [node, str(SCRIPT), json.dumps(config)],
        cwd=SCRIPT.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    ready: list[str] = []

    def read_first_line() -> None:
        ready.append(process.stdout.readline())

    reader = threading.Thread(target=read_first_line, daemon=True)
    reader.start()
    reader.join(timeout=20)
    line = ready[0] if ready else ""
    if not line.startswith("READY "):
        process.kill()
        raise RuntimeError(f"the OpenID provider did not start: {line!r}")
    return OidcProvider(issuer=line.split()[1], user=user, _process=process)


def provider_setting(providers: dict[str, tuple[str, OidcProvider]]) -> str:
    """MEETBOT_OIDC_PROVIDERS for the app: ``{name: (title, provider)}``."""
    return json.dumps(
        [
            {
                "name": name,
                "title": title,
                "issuer": provider.issuer,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            }
            for name, (title, provider) in providers.items()
        ]
    )
