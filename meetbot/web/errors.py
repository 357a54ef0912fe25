"""Error pages, and JSON errors for the API: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
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


_MESSAGES = {
    400: "The request could not be understood.",
    401: "Please log in to do that.",
    403: "You are not allowed to do that.",
    404: "There is nothing here.",
    405: "That method is not allowed here.",
    413: "What you sent is too large.",
    429: "Too many attempts. Please wait a moment and try again.",
}


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on the app."""

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
        return response
