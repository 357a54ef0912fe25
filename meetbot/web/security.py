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


def init_security(app: Flask) -> None:
    """Install the request size check and the security headers on ``app``."""
    app.before_request(_refuse_oversized)
    app.after_request(_add_headers)
