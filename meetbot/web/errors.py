"""Error pages, and JSON errors for the API: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from flask import Flask, abort, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from meetbot.services.errors import ServiceError


def wants_json() -> bool:
    """API paths, and clients that ask for JSON, get JSON errors."""
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def json_error(status: int, code: str, message: str, fields: dict[str, str] | None = None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    return response


# Headers an HTTP error carries that belong on every answer to it, JSON or HTML: RFC 9110
# requires ``Allow`` on a 405; ``Retry-After`` tells a throttled client when to come back.
_KEPT_HEADERS = ("Allow", "Retry-After")


def with_error_headers(response, exc: HTTPException):
    """``response`` (a Response or a ``(body, status)`` tuple) with ``exc``'s own headers."""
    kept = [(k, v) for k, v in exc.get_headers() if k in _KEPT_HEADERS]
    if not kept:
        return response
    if isinstance(response, tuple):
        return (*response, kept)
    for key, value in kept:
        response.headers[key] = value
    return response


# Longest query string the app reads, in bytes. gunicorn's own request-line limit
# (gunicorn.conf.py: limit_request_line) is set above this, so a longer query gets the
# app's 414 (JSON under /api/, a page elsewhere) rather than gunicorn's bare HTML one.
MAX_QUERY_STRING = 4096

_MESSAGES = {
    400: "The request could not be understood.",
    401: "Please log in to do that.",
    403: "You are not allowed to do that.",
    404: "There is nothing here.",
    405: "That method is not allowed here.",
    413: "What you sent is too large.",
    414: f"The address is too long (at most {MAX_QUERY_STRING} bytes after the '?').",
    429: "Too many attempts. Please wait a moment and try again.",
}


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on the app, and the query-string limit."""

    @app.before_request
    def limit_query_string() -> None:
        if len(request.query_string) > MAX_QUERY_STRING:
            abort(414, description=_MESSAGES[414])

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = "The form expired or was not sent from this site; reload the page and retry."
        if wants_json():
            return json_error(400, "csrf_failed", message)
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        if wants_json():
            return json_error(exc.status, exc.code, exc.message, exc.fields)
        return render_template("errors/error.html", status=exc.status, message=exc.message), (
            exc.status
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = _MESSAGES.get(status, exc.description or "Something went wrong.")
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            if limit:
                message = f"What you sent is too large (the limit is {limit // (1024 * 1024)} MB)."
        rate_limit = getattr(exc, "limit", None)  # Flask-Limiter's RateLimitExceeded
        if status == 429 and rate_limit is not None and rate_limit.error_message:
            message = exc.description  # the route's own wording, e.g. about log-ins
        if (
            status in (400, 404, 403)
            and exc.description
            and exc.description != type(exc).description
        ):
            message = exc.description
        if wants_json():
            code = (exc.name or "error").lower().replace(" ", "_")
            response = json_error(status, code, message)
        else:
            response = render_template("errors/error.html", status=status, message=message), status
        return with_error_headers(response, exc)
