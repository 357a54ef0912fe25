"""Sending a built message: SMTP (STARTTLS or implicit TLS) or a local Maildir.

``MEETBOT_MAIL_URL`` chooses the transport:

* ``smtp://user:password@host:587`` - SMTP with STARTTLS (required: a server that does
  not offer it is a temporary failure, never a plain-text login). User and password are
  optional and %-encoded in the URL. ``?starttls=off`` is for a local test server only.
* ``smtps://user:password@host:465`` - SMTP over TLS from the first byte.
* ``maildir:///absolute/path`` - each message is written to a Maildir (``mailbox``);
  the default is ``instance/mail/`` so a fresh install needs no mail server.

Every transport raises :class:`TemporaryFailure` (try again later: a 4xx answer, a
refused or dropped connection, a timeout) or :class:`PermanentFailure` (a 5xx answer:
retrying will not help) with the server's answer as the message.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from meetbot.lazy import first_use

TIMEOUT_SECONDS = 30


class MailError(Exception):
    """A message was not accepted; ``answer`` is what the server said (or the error).

    ``code`` is the SMTP reply code when the server refused this message, and None
    when there was no usable server (connection, TLS or login failed).
    """

    def __init__(self, answer: str, code: int | None = None) -> None:
        super().__init__(answer)
        self.answer = answer
        self.code = code


class TemporaryFailure(MailError):
    """Try again later (4xx, connection refused or lost, timeout)."""


class PermanentFailure(MailError):
    """Retrying will not help (5xx)."""


class Sender(Protocol):
    def send(self, message: EmailMessage) -> str:
        """Deliver one message; returns the server's answer (e.g. ``250 OK``)."""
        ...


class ConfigError(ValueError):
    """``MEETBOT_MAIL_URL`` cannot be used."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None
    # For tests against a throwaway certificate: the CA file to trust.
    cafile: str | None = None


@dataclass(frozen=True)
class MaildirSettings:
    path: Path


Settings = SmtpSettings | MaildirSettings


def parse_url(url: str | None, default_maildir: Path) -> Settings:
    """The transport settings of ``MEETBOT_MAIL_URL`` (None or "": the default Maildir)."""
    if not url:
        return MaildirSettings(default_maildir)
    parts = urlsplit(url)
    if parts.scheme == "maildir":
        path = unquote(parts.path)
        if not path.startswith("/"):
            raise ConfigError("MEETBOT_MAIL_URL: use maildir:///absolute/path")
        return MaildirSettings(Path(path))
    if parts.scheme not in ("smtp", "smtps"):
        raise ConfigError("MEETBOT_MAIL_URL: use smtp://, smtps:// or maildir:///path")
    if not parts.hostname:
        raise ConfigError("MEETBOT_MAIL_URL: name the SMTP host, e.g. smtp://mail.example.org")
    query = parse_qs(parts.query)
    implicit = parts.scheme == "smtps"
    starttls = not implicit and query.get("starttls", ["on"])[0].lower() not in ("off", "0")
    try:
        port = parts.port or (465 if implicit else 587)
    except ValueError:
        raise ConfigError("MEETBOT_MAIL_URL: the port is not a number") from None
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        implicit_tls=implicit,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        cafile=query.get("cafile", [None])[0],
    )


def describe(settings: Settings, *, public: bool = False) -> str:
    """Where mail goes, without the password (``public``: no file path, for web pages)."""
    if isinstance(settings, MaildirSettings):
        return "the server's Maildir" if public else f"Maildir {settings.path}"
    scheme = "smtps" if settings.implicit_tls else "smtp"
    user = f"{settings.username}@" if settings.username else ""
    return f"{scheme}://{user}{settings.host}:{settings.port}"


class MaildirSender:
    """Writes each message into a Maildir (``new/``), readable by any mail client."""

    def __init__(self, settings: MaildirSettings) -> None:
        self.path = settings.path

    def send(self, message: EmailMessage) -> str:
        try:
            # Imported here, not at start-up (~30 ms of create_app(), issue 19).
            mailbox = first_use("mailbox")
            key = mailbox.Maildir(self.path, create=True).add(message)
        except OSError as exc:
            raise TemporaryFailure(f"Maildir: {exc}") from exc
        return f"stored as {key}"


def _answer(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def _failure(code: int, text: bytes | str) -> MailError:
    cls = PermanentFailure if 500 <= code < 600 else TemporaryFailure
    return cls(_answer(code, text), code)


class SmtpSender:
    """One SMTP connection, opened on the first message and reused for the rest."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.cafile)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.implicit_tls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=TIMEOUT_SECONDS, context=self._context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS)
                smtp.ehlo()
                if s.starttls:
                    if not smtp.has_extn("starttls"):
                        smtp.close()
                        raise TemporaryFailure(f"{s.host} does not offer STARTTLS")
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except smtplib.SMTPResponseException as exc:
            # A refused login or greeting is the site's problem, not the message's:
            # keep every message queued (code None: the worker stops the round).
            raise TemporaryFailure(_answer(exc.smtp_code, exc.smtp_error)) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
        return smtp

    def send(self, message: EmailMessage) -> str:
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            refused = self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise _failure(code, text) from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code in (421,):  # the server closes the connection
                self.close()
            raise _failure(exc.smtp_code, exc.smtp_error) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc  # code None
        if refused:  # one recipient per message: refused means none was accepted
            code, text = next(iter(refused.values()))
            raise _failure(code, text)
        return "250 accepted"

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


@contextmanager
def connect(settings: Settings) -> Iterator[Sender]:
    """A sender for one round of deliveries (one SMTP connection, closed at the end)."""
    if isinstance(settings, MaildirSettings):
        yield MaildirSender(settings)
        return
    sender = SmtpSender(settings)
    try:
        yield sender
    finally:
        sender.close()
