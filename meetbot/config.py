"""Configuration: defaults that work with nothing set, overridden by MEETBOT_* variables.

| variable | default | meaning |
|---|---|---|
| MEETBOT_DATABASE_URL | instance/meetbot.sqlite | SQLAlchemy URL, e.g. postgresql+psycopg:// |
| MEETBOT_SECRET_KEY | kept in instance/secret_key | signs sessions, CSRF and feed URLs |
| MEETBOT_BASE_URL | http://127.0.0.1:5000 | absolute links in feeds, e-mails and the API |
| MEETBOT_UID_DOMAIN | host of MEETBOT_BASE_URL | right-hand side of iCal UIDs; never change it |
| MEETBOT_RATELIMIT_STORAGE_URL | memory:// | Flask-Limiter storage (e.g. redis://) |
| MEETBOT_API_OCCURRENCES_RATE | 60 per minute; 600 per hour | API occurrence list, per address |
| MEETBOT_MAX_CONTENT_LENGTH | 5242880 | largest accepted request body in bytes |
| MEETBOT_MAX_MEMBERS_PER_GROUP | 5000 | members one group may have (every way in) |
| MEETBOT_MAX_ATTENDANCE_PER_MEETING | 2000 | attendance entries (present, regrets) a meeting |
| MEETBOT_MAX_MINUTE_ITEMS_PER_MEETING | 2000 | minute items of one meeting (every way in) |
| MEETBOT_SESSION_COOKIE_SECURE | on when BASE_URL is https | Secure flag (session, remember) |
| MEETBOT_TRUSTED_PROXIES | 0 | proxies in front whose X-Forwarded-* headers to trust |
| MEETBOT_MAIL_URL | Maildir instance/mail/ | smtp://u:p@host:587, smtps://...:465, maildir:///p |
| MEETBOT_MAIL_FROM | meetbot <meetbot@UID_DOMAIN> | the From of every mail |
| MEETBOT_SIGNUP | open | who may make an account: open, approval (an admin enables it), invite |
| MEETBOT_OIDC_PROVIDERS | (none) | JSON list of OpenID providers (docs/accounts.md) |
| MEETBOT_PASSWORD_LOGIN | 1 | 0: only single sign-on logs in (no passwords, sign-up or reset) |
| MEETBOT_DERIVED_CACHE_BYTES | 33554432 | derived cache budget per process (estimated bytes) |
| MEETBOT_TOKEN_MEMO_BYTES | 4194304 | token memo budget per process (estimated bytes) |
| MEETBOT_FAST_PATH_BYTES | 33554432 | feed fast path budget per process (bodies, headers) |
| MEETBOT_FEED_SPAN_BYTES | 2097152 | per-series event year spans kept per process (bytes) |
| MEETBOT_FEED_COMPONENT_BYTES | 4194304 | one-off meetings' and to-dos' components per process |
| MEETBOT_FEED_BODY_BYTES | 33554432 | rendered feed bytes kept per process (bytes) |
| MEETBOT_FEED_LAYOUT_BYTES | 8388608 | feed layouts kept per process (bytes) |
| MEETBOT_WARM_UP_FEED_BYTES | 8388608 | stored feeds a new worker loads before serving |
| MEETBOT_SQLITE_STATEMENTS | 32 | prepared statements each SQLite connection keeps |
| MEETBOT_SQLITE_CACHE_KIB | 512 | KiB of database pages each SQLite connection caches |
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from meetbot.db_setup import DEFAULT_SQLITE_CACHE_KIB, DEFAULT_SQLITE_STATEMENTS

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def _secret_key(instance_path: Path) -> str:
    """Return MEETBOT_SECRET_KEY, or a key generated once and kept in the instance folder.

    Keeping it on disk means sessions and feed URLs survive a restart without any set-up.
    """
    env = os.environ.get("MEETBOT_SECRET_KEY")
    if env:
        return env
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    # O_EXCL: two workers starting at once must not write different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _whole(name: str, default: int, minimum: int = 0) -> int:
    """The environment variable ``name`` as a whole number of at least ``minimum``
    (``default`` when unset or empty); a bad value raises with the variable's name, so
    a worker that cannot start says which setting to fix."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    return value


def load_config(instance_path: Path) -> dict[str, Any]:
    """Build the configuration mapping from defaults and the environment."""
    instance_path.mkdir(parents=True, exist_ok=True)
    base_url = os.environ.get("MEETBOT_BASE_URL", DEFAULT_BASE_URL).rstrip("/")
    db_url = os.environ.get(
        "MEETBOT_DATABASE_URL", f"sqlite:///{(instance_path / 'meetbot.sqlite').as_posix()}"
    )
    secure = os.environ.get("MEETBOT_SESSION_COOKIE_SECURE")
    cookie_secure = _bool(secure) if secure else base_url.startswith("https://")
    uid_domain = os.environ.get("MEETBOT_UID_DOMAIN") or (
        urlsplit(base_url).hostname or "meetbot.invalid"
    )
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(),
        "MEETBOT_BASE_URL": base_url,
        "MEETBOT_UID_DOMAIN": uid_domain,
        # Mail (meetbot/mail): where it goes (empty: the Maildir instance/mail/) and From.
        "MEETBOT_MAIL_URL": os.environ.get("MEETBOT_MAIL_URL", ""),
        # Who may make an account (services/signup.py): open | approval | invite.
        "MEETBOT_SIGNUP": os.environ.get("MEETBOT_SIGNUP", "open"),
        # Single sign-on (services/oidc.py): a JSON list of {name, title, issuer,
        # client_id, client_secret}; and whether passwords log in at all.
        "MEETBOT_OIDC_PROVIDERS": os.environ.get("MEETBOT_OIDC_PROVIDERS", ""),
        "MEETBOT_PASSWORD_LOGIN": _bool(os.environ.get("MEETBOT_PASSWORD_LOGIN", "1")),
        "MEETBOT_MAIL_FROM": os.environ.get("MEETBOT_MAIL_FROM")
        or f"meetbot <meetbot@{uid_domain}>",
        "MAX_CONTENT_LENGTH": _whole("MEETBOT_MAX_CONTENT_LENGTH", 5 * 1024 * 1024, 1),
        **_list_caps(),
        "RATELIMIT_STORAGE_URI": os.environ.get("MEETBOT_RATELIMIT_STORAGE_URL", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "MEETBOT_API_OCCURRENCES_RATE": os.environ.get(
            "MEETBOT_API_OCCURRENCES_RATE", "60 per minute; 600 per hour"
        ),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": cookie_secure,
        # The remember-me cookie has the session cookie's flags and lives as long as
        # a server-side login (services.logins.LIFETIME).
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": cookie_secure,
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead of a clock
        # Behind nginx: how many proxies' X-Forwarded-For/-Proto/-Host to trust
        # (werkzeug's ProxyFix), so rate limits see the client and URLs say https.
        "MEETBOT_TRUSTED_PROXIES": _whole("MEETBOT_TRUSTED_PROXIES", 0),
        # Feeds tell clients how often to poll (REFRESH-INTERVAL / X-PUBLISHED-TTL).
        "MEETBOT_FEED_REFRESH_MINUTES": _whole("MEETBOT_FEED_REFRESH_MINUTES", 60, 1),
        # Answer repeated feed requests from process memory while the database has not
        # changed (meetbot/freshness/fastpath.py); off only to rule it out when debugging.
        "MEETBOT_FEED_FAST_PATH": _bool(os.environ.get("MEETBOT_FEED_FAST_PATH", "1")),
        **_cache_budgets(),
        # Extra call participants that are not people (comma-separated phrases, e.g.
        # "Lab speaker, Edge demo kiosk"), added to domain/not_people.py's defaults.
        "MEETBOT_NOT_PEOPLE": tuple(
            p.strip() for p in os.environ.get("MEETBOT_NOT_PEOPLE", "").split(",") if p.strip()
        ),
    }


def _engine_options() -> dict[str, object]:
    """query_cache_size: SQLAlchemy's cache of compiled statements, per process, by count
    (it prunes back to the size at 1.5x it). A big statement's entry is tens of kB: every
    page and feed of the bench compiles 147 statements, 5.7 MiB (issue 19). The default
    stays SQLAlchemy's 500: compiling is a new worker's largest first-request cost, and
    a cap below the working set would compile again on every page of mixed traffic."""
    return {
        "pool_pre_ping": True,
        "query_cache_size": _whole("MEETBOT_SQL_CACHE_SIZE", 500),
    }


def _cache_budgets() -> dict[str, int]:
    """Memory budgets of each process's caches, in bytes (docs/architecture.md); the feed
    render's are applied by meetbot/freshness/feed_memory.py."""
    defaults = {
        "MEETBOT_DERIVED_CACHE_BYTES": 32 << 20,
        "MEETBOT_TOKEN_MEMO_BYTES": 4 << 20,
        "MEETBOT_FAST_PATH_BYTES": 32 << 20,
        "MEETBOT_FEED_SPAN_BYTES": 2 << 20,
        "MEETBOT_FEED_COMPONENT_BYTES": 4 << 20,
        "MEETBOT_FEED_BODY_BYTES": 32 << 20,
        "MEETBOT_FEED_LAYOUT_BYTES": 8 << 20,
        "MEETBOT_WARM_UP_FEED_BYTES": 8 << 20,
        "MEETBOT_SQLITE_STATEMENTS": DEFAULT_SQLITE_STATEMENTS,
        "MEETBOT_SQLITE_CACHE_KIB": DEFAULT_SQLITE_CACHE_KIB,
    }
    return {key: _whole(key, default) for key, default in defaults.items()}


def _list_caps() -> dict[str, int]:
    """Caps on the lists that grow with membership (services/list_caps.py)."""
    return {
        "MEETBOT_MAX_MEMBERS_PER_GROUP": _whole("MEETBOT_MAX_MEMBERS_PER_GROUP", 5000, 1),
        "MEETBOT_MAX_ATTENDANCE_PER_MEETING": _whole("MEETBOT_MAX_ATTENDANCE_PER_MEETING", 2000, 1),
        "MEETBOT_MAX_MINUTE_ITEMS_PER_MEETING": _whole(
            "MEETBOT_MAX_MINUTE_ITEMS_PER_MEETING", 2000, 1
        ),
    }
