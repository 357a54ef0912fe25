"""Browser security: response headers every page and feed carries.

The Content Security Policy allows scripts, styles and images from this site only
(plus ``data:`` images), so an injected ``<script>``, inline event handler or
``javascript:`` URL does not run even if something slipped past escaping. Pages
therefore keep their JavaScript in ``static/js/*.js`` and never use inline scripts,
``style=""`` attributes or ``on*=""`` handlers.
"""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# One year; browsers remember to use https only once they have seen it over https.
HSTS_MAX_AGE = 31_536_000


def security_headers(base_url: str) -> dict[str, str]:
    """The headers added to every response for a site served at ``base_url``."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if base_url.lower().startswith("https://"):
        headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE}"
    return headers


def _add_headers(response: Response) -> Response:
    for name, value in security_headers(current_app.config["MEETBOT_BASE_URL"]).items():
        # A view that sets its own value (e.g. a looser policy for one page) keeps it.
        response.headers.setdefault(name, value)
    return response


def _refuse_oversized() -> None:
    # Werkzeug refuses a too-large body only when a view reads it; checking the declared
    # length first gives every path (API included) the same clear 413 before any work.
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length is not None and request.content_length > limit:
        abort(413)


NUL_MESSAGE = "Text must not contain NUL characters (\\0)."


def _all(multidict) -> list:  # every value, not only the first of each key
    return [value for values in multidict.listvalues() for value in values]


def _has_nul(values: list) -> bool:
    return any("\x00" in value for value in values if isinstance(value, str))


def _refuse_nul() -> None:
    # PostgreSQL cannot store NUL in text, and no person types one: refuse it with a
    # clear 400 at the door instead of a database error (a 500) deep inside a write.
    # Uploaded files are left alone (a UTF-16 CSV is full of NULs); parsers decode them.
    if "\x00" in request.path or _has_nul(_all(request.args)):
        abort(400, description=NUL_MESSAGE)
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    # JSON bodies are left to the API, which names the offending field in a 422.
    form_types = {"application/x-www-form-urlencoded", "multipart/form-data"}
    if request.mimetype in form_types and _has_nul(_all(request.form)):
        abort(400, description=NUL_MESSAGE)


def init_security(app: Flask) -> None:
    """Install the request checks (size, NUL characters) and the security headers."""
    app.before_request(_refuse_oversized)
    app.before_request(_refuse_nul)
    app.after_request(_add_headers)
