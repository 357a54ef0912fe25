"""Errors that services raise; the web layer turns them into form errors or JSON."""

from __future__ import annotations

from datetime import date

from meetbot.domain.bounds import YEAR_MESSAGE, year_ok


class ServiceError(Exception):
    """Base class. ``fields`` maps a field name to what is wrong with it."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationError(ServiceError):
    status = 422
    code = "validation_error"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


def field_error(field: str, message: str) -> ValidationError:
    """A validation error about one field, with the message shown beside it."""
    return ValidationError(message, {field: message})


def check_year(value: date | None, field: str) -> None:
    """Refuse a date (or date-time) outside the years every entry path accepts
    (domain.bounds), naming ``field``."""
    if not year_ok(value):
        raise field_error(field, YEAR_MESSAGE)
