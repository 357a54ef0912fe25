"""A real SMTP server on loopback for the mail tests: aiosmtpd with AUTH and STARTTLS.

The certificate is a throwaway one made by ``openssl`` for 127.0.0.1; the client is
told to trust it (``?cafile=`` in MEETBOT_MAIL_URL), so TLS is verified as in
production. Every accepted message is parsed with ``email`` and kept in ``received``.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "meetbot", "s3cret/p@ss"  # %-encoded in the URL


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate and key for 127.0.0.1 (valid one day)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    """Accepts mail; ``answers`` maps a recipient to an SMTP answer to give instead;
    ``drop_after`` closes the connection in the middle of the Nth message's DATA."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget what was received and every special answer (a new test begins)."""
        self.received: list[EmailMessage] = []
        self.answers: dict[str, str] = {}
        self.drop_after: int | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.answers.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop_after is not None and len(self.received) >= self.drop_after:
            server.transport.close()  # the server dies before it accepted the message
            return "421 gone"
        self.received.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK: queued"

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.received]


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


class SmtpServer:
    """aiosmtpd on 127.0.0.1, STARTTLS and AUTH required; ``stop()`` / ``start()``
    kill and bring back the server on the same port."""

    def __init__(self, folder: Path, *, implicit_tls: bool = False) -> None:
        self.cert, key = make_certificate(folder)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(self.cert, key)
        self.implicit_tls = implicit_tls
        self.handler = Handler()
        self.port = free_port()
        self.controller: Controller | None = None

    def _controller(self) -> Controller:
        common = {
            "hostname": "127.0.0.1",
            "port": self.port,
            "authenticator": _authenticator,
            "auth_required": True,
        }
        if self.implicit_tls:
            # TLS from the first byte; aiosmtpd only counts STARTTLS as TLS for AUTH.
            return Controller(
                self.handler, ssl_context=self.context, auth_require_tls=False, **common
            )
        return Controller(
            self.handler,
            tls_context=self.context,
            require_starttls=True,
            auth_require_tls=True,
            server_hostname="127.0.0.1",
            **common,
        )

    def start(self) -> None:
        self.controller = self._controller()
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def url(self) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"{scheme}://{USER}:s3cret%2Fp%40ss@127.0.0.1:{self.port}?cafile={self.cert}"

    @property
    def received(self) -> list[EmailMessage]:
        return self.handler.received
