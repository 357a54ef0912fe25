"""What every API blueprint shares: bearer-token auth, JSON errors, pagination, ETags.

The API never looks at the session cookie: only ``Authorization: Bearer <token>``
authenticates, so a browser visiting another site cannot make API writes with the
visitor's login (no CSRF exposure), and the blueprints are exempt from CSRF checks.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import marshmallow as ma
from flask import Response, abort, request, url_for
from flask_smorest import Blueprint as SmorestBlueprint
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException

from meetbot.domain import safe_json
from meetbot.models import Group, Meeting, MeetingSeries, Person
from meetbot.services import accounts
from meetbot.services import groups as group_service
from meetbot.services import meetings as meeting_service
from meetbot.services.actions import get_action
from meetbot.services.errors import ServiceError, field_error
from meetbot.services.permissions import Permission, may
from meetbot.services.series_reads import find_series
from meetbot.web.api.pages import LINK_KEY
from meetbot.web.errors import json_error, with_error_headers

API_PREFIX = "/api/v1"
# Parameter locations whose validation errors mean "the request itself is malformed"
# (400); errors in the JSON body are 422 (understood, but not acceptable).
_REQUEST_LOCATIONS = {"query", "querystring", "headers", "view_args", "path", "cookies"}

_PERSON_KEY = "meetbot.api_person"

BEARER = [{"bearerAuth": []}]
OPTIONAL_BEARER = [{}, {"bearerAuth": []}]

F = TypeVar("F", bound=Callable[..., Any])


class _Parser(FlaskParser):
    """webargs' parser with a JSON loader that answers a too-deep body as invalid JSON.

    The stock loader lets ``RecursionError`` through (``[`` x 5000 was a 500); this one
    raises ``json.JSONDecodeError``, which webargs answers with a 400 "Invalid JSON".
    """

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return webargs_core.missing
        data = req.get_data(cache=True)
        if not data:
            return webargs_core.missing
        return safe_json.loads(data)


class Blueprint(SmorestBlueprint):
    """flask-smorest's blueprint with meetbot's argument parser."""

    ARGUMENTS_PARSER = _Parser()


_blueprints: list[Blueprint] = []


_BODY_LOCATIONS = {"json", "form", "files"}


def _has_required_field(schema: type[ma.Schema] | ma.Schema) -> bool:
    instance = schema() if isinstance(schema, type) else schema
    return any(field.required for field in instance.fields.values())


class ApiBlueprint(Blueprint):
    """flask-smorest's Blueprint with one body convention: a request body is required
    (``requestBody.required`` in the spec) exactly when its schema has a required field.

    A body whose fields are all optional may be left out (the server reads it as ``{}``),
    and the spec says so; a body with a required field refused when missing (422 naming
    that field), as the spec says too.
    """

    def arguments(self, schema: Any, *, location: str = "json", **kwargs: Any) -> Any:
        if location in _BODY_LOCATIONS and "required" not in kwargs:
            kwargs["required"] = _has_required_field(schema)
        return super().arguments(schema, location=location, **kwargs)


def make_blueprint(name: str, description: str, *, anonymous_writes: bool = False) -> Blueprint:
    """A flask-smorest blueprint under /api/v1 with the API's error handling attached.

    ``anonymous_writes``: its POSTs need no token (stateless computations such as the
    slot finder); a token that is sent must still be valid.
    """
    blp = ApiBlueprint(name, __name__, url_prefix=API_PREFIX, description=description)
    blp.register_error_handler(HTTPException, _http_error)
    blp.before_request(_check_token if anonymous_writes else _authenticate)
    blp.after_request(_add_etag)
    _blueprints.append(blp)
    return blp


def all_blueprints() -> list[Blueprint]:
    """Every API blueprint created so far (modules register theirs on import)."""
    return list(_blueprints)


# --- errors ------------------------------------------------------------------------


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested error messages as ``{"a.b.0.c": "first message"}``."""
    out: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_messages(value, name))
    elif isinstance(messages, list | tuple):
        if messages and all(isinstance(m, str) for m in messages):
            out[prefix or "_schema"] = " ".join(messages)
        else:
            for index, value in enumerate(messages):
                out.update(flatten_messages(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "_schema"] = str(messages)
    return out


def _http_error(exc: HTTPException):
    """Errors raised inside API views, including webargs' validation aborts."""
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    status = exc.code or 500
    if messages and status in (400, 422):
        locations = set(messages) if isinstance(messages, dict) else set()
        fields: dict[str, str] = {}
        for location in locations or {""}:
            part = messages[location] if location else messages
            fields.update(flatten_messages(part))
        if locations and locations <= _REQUEST_LOCATIONS:
            return json_error(400, "bad_request", "Some parameters are not valid.", fields)
        if status == 400:
            return json_error(400, "bad_request", "The request body is not valid JSON.", fields)
        return json_error(422, "validation_error", "Some fields are not valid.", fields)
    message = data.get("message") or exc.description or "Something went wrong."
    rate_limit = getattr(exc, "limit", None)  # Flask-Limiter's RateLimitExceeded
    if status == 429 and rate_limit is not None and not rate_limit.error_message:
        message = f"Too many requests (at most {exc.description}); wait and try again."
    code = data.get("code") or (exc.name or "error").lower().replace(" ", "_")
    response = json_error(status, code, message, data.get("fields"))
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="meetbot"'
    return with_error_headers(response, exc)


def api_abort(status: int, code: str, message: str, fields: dict[str, str] | None = None):
    """Stop with a JSON error of the API's shape."""
    try:
        abort(status)
    except HTTPException as exc:
        exc.data = {"code": code, "message": message, "fields": fields or {}}  # type: ignore[attr-defined]
        raise


_FORM_FIELD = re.compile(r"^([a-z_]+)-(\d+)-([a-z_]+)$")


@contextmanager
def api_fields(**renames: str) -> Iterator[None]:
    """Re-raise a service's ValidationError/Conflict with the API's field names.

    Services name fields as their forms do (``slots-0-timezone``, ``version``); the API
    says ``slots.0.timezone`` and ``lock_version``. ``renames`` maps more names.
    """
    try:
        yield
    except ServiceError as exc:
        fields = {}
        for name, message in exc.fields.items():
            match = _FORM_FIELD.match(name)
            if match:
                name = ".".join(match.groups())
            fields[renames.get(name, name)] = message
        exc.fields = fields
        raise


# --- auth --------------------------------------------------------------------------


def api_person() -> Person | None:
    """The owner of the request's bearer token, None without one; 401 for a bad one.

    A token that is present but unknown or revoked is an error even on public reads:
    a client should learn at once that its token stopped working.
    """
    # Cached on the request (not on ``g``: an app context may outlive one request).
    if _PERSON_KEY in request.environ:
        return request.environ[_PERSON_KEY]
    header = request.headers.get("Authorization", "")
    person = None
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            api_abort(401, "unauthorized", "Use the header 'Authorization: Bearer <token>'.")
        person = accounts.person_for_api_token(token.strip())
        if person is None:
            api_abort(401, "invalid_token", "The API token is unknown, revoked or disabled.")
    request.environ[_PERSON_KEY] = person
    return person


def _check_token() -> None:
    """Before a view that anyone may call: only a bad token is refused (401)."""
    api_person()


def _authenticate() -> None:
    """Before any API view: a bad token is 401 everywhere, and every write needs one,
    so an anonymous write is refused before its body is even parsed."""
    person = api_person()
    if person is None and request.method not in ("GET", "HEAD", "OPTIONS"):
        require_person()


def guard(permission: Permission) -> Callable[[F], F]:
    """Check ``permission`` before the body is parsed (404, then 401/403, then 422).

    The group (and series or meeting, for chairing) comes from the path: ``group``
    (slug), ``series_id``, ``meeting_id`` or ``action_id``. Place it right under ``@blp.route``.
    """

    def decorator(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            group, series, meeting = resolve_context(kwargs)
            require_permission(permission, group, series=series, meeting=meeting)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def resolve_context(
    view_args: dict[str, Any],
) -> tuple[Group, MeetingSeries | None, Meeting | None]:
    """The group, series and meeting a path names (404 for any that does not exist)."""
    if "action_id" in view_args:
        return get_action(view_args["action_id"]).group, None, None
    if "meeting_id" in view_args:
        meeting = meeting_service.get_meeting(view_args["meeting_id"])
        return meeting.group, meeting.series, meeting
    if "series_id" in view_args:
        series = find_series(view_args["series_id"])
        return series.group, series, None
    return group_service.get_group(view_args["group"]), None, None


def require_person() -> Person:
    """The token's owner; 401 when the request carries no token."""
    person = api_person()
    if person is None:
        api_abort(401, "unauthorized", "This needs an API token: 'Authorization: Bearer <token>'.")
    return person  # type: ignore[return-value]


def require_permission(
    permission: Permission,
    group: Group,
    *,
    series: MeetingSeries | None = None,
    meeting: Meeting | None = None,
) -> Person:
    """The token's owner if they hold ``permission`` on ``group``; else 401/403."""
    person = require_person()
    if not may(person, permission, group, series=series, meeting=meeting):
        api_abort(403, "forbidden", "Your role in this group does not allow this.")
    return person


# --- work streams named in a body ---------------------------------------------------


def stream_id(group: Group, slug: str | None) -> int | None:
    """The id of the group's work stream ``slug`` (None for none); a 422 on
    ``work_stream`` if the group has no such stream."""
    if not slug:
        return None
    stream = next((s for s in group.work_streams if s.slug == slug), None)
    if stream is None:
        raise field_error("work_stream", f"{group.name} has no work stream {slug!r}.")
    return stream.id


def stream_ids(group: Group, slugs: list[str]) -> list[int]:
    """The ids of the group's work streams ``slugs``; a 422 on ``work_streams`` for
    the first the group does not have."""
    ids = []
    for slug in slugs:
        stream = next((s for s in group.work_streams if s.slug == slug), None)
        if stream is None:
            raise field_error("work_streams", f"{group.name} has no work stream {slug!r}.")
        ids.append(stream.id)
    return ids


# --- ETags -------------------------------------------------------------------------


def _add_etag(response: Response) -> Response:
    """Strong ETag on every successful GET; 304 when If-None-Match matches."""
    link = request.environ.get(LINK_KEY)
    if link:
        response.headers["Link"] = link
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        body = response.get_data()
        response.set_etag(hashlib.sha256(body).hexdigest()[:32])
        response.headers.setdefault("Cache-Control", "no-cache")
        response.vary.add("Authorization")
        response.make_conditional(request)
    return response


def location(endpoint: str, **values: Any) -> dict[str, str]:
    """The ``Location`` header of a 201 response."""
    return {"Location": url_for(endpoint, _external=True, **values)}


def read_docs(
    blp: Blueprint, *, not_found: bool = True, token_required: bool = False
) -> Callable[[F], F]:
    """Document what every GET may answer besides 200: 304, 400, 401 (bad token), 404;
    with ``token_required`` (reads for organizers only) also 403, and a token is needed."""

    def decorator(func: F) -> F:
        func = blp.alt_response(304, description="Not modified (If-None-Match matched)")(func)
        func = blp.alt_response(400, response="BAD_REQUEST")(func)
        func = blp.alt_response(401, response="UNAUTHORIZED")(func)
        if token_required:
            func = blp.alt_response(403, response="FORBIDDEN")(func)
        if not_found:
            func = blp.alt_response(404, response="NOT_FOUND")(func)
        return blp.doc(security=BEARER if token_required else OPTIONAL_BEARER)(func)

    return decorator


def write_docs(
    blp: Blueprint, *, not_found: bool = True, conflict: bool = False
) -> Callable[[F], F]:
    """Document a token-protected write: 400, 401, 403, 404, 409, 413, 422."""

    def decorator(func: F) -> F:
        for status, name in (
            (400, "BAD_REQUEST"),
            (401, "UNAUTHORIZED"),
            (403, "FORBIDDEN"),
            (413, "REQUEST_ENTITY_TOO_LARGE"),
            (422, "UNPROCESSABLE_ENTITY"),
        ):
            func = blp.alt_response(status, response=name)(func)
        if not_found:
            func = blp.alt_response(404, response="NOT_FOUND")(func)
        if conflict:
            func = blp.alt_response(409, response="CONFLICT")(func)
        return blp.doc(security=BEARER)(func)

    return decorator
