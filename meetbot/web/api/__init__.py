"""The JSON API at /api/v1, its OpenAPI document and its interactive documentation.

flask-smorest builds the OpenAPI document from the same marshmallow schemas and
decorators that parse and validate each request, so the spec cannot drift from the
code. One ``Api`` object is made per application (tests build many apps).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import Blueprint, Flask, abort, render_template, send_from_directory, url_for
from flask_smorest import Api

from meetbot.extensions import csrf
from meetbot.lazy import first_use
from meetbot.web.api import (  # noqa: F401  (each module registers its blueprint)
    actions,
    attendance,
    attendance_stats,
    chat,
    groups,
    mail,
    meetings,
    members,
    minute_pages,
    minutes,
    occurrence_changes,
    people,
    polls,
    series,
    slot_finder,
    webhooks,
)
from meetbot.web.api.common import API_PREFIX, all_blueprints
from meetbot.web.api.fields import register_fields

API_VERSION = "1.0.0"

API_DESCRIPTION = """\
The meetbot JSON API: groups, work streams, meeting series, occurrences, meetings,
attendance, minutes, action items, people and webhooks.

* Writes need `Authorization: Bearer <token>` (make one with
  `flask --app meetbot create-token EMAIL` or on your settings page; a token cannot
  make tokens).
  A token acts with its owner's roles. The session cookie is never used here.
* Errors are `{"error": {"code", "message", "fields"}}`.
* Lists are paged: `?page=&per_page=` (at most 100), with `pagination.next`/`prev`
  links and a `Link` header.
* Times are ISO 8601 in UTC with `Z`; wall-clock times (`start_local`) carry their
  zone beside them.
* Every successful GET has an `ETag`; send it back in `If-None-Match` to get a 304.
"""


class MeetbotApi(Api):
    """flask-smorest's Api without its app-wide HTTPException handler, and with the
    OpenAPI document of the blueprints built when it is first read.

    The stock handler would answer every error of the whole site in flask-smorest's
    own JSON shape; meetbot keeps its HTML error pages and its
    ``{"error": {...}}`` shape (meetbot.web.errors and common._http_error).

    Documenting the ~75 operations (schemas resolved, deep copies of every doc) was
    about half of ``create_app()``, paid by every worker and every test app although
    few ever serve the document. The routes are registered at once as before; their
    documentation is queued and written into ``spec`` on its first read (the
    openapi.json view, the docs page, a test), in registration order, so the document
    is the one the stock Api builds (tests/api/test_openapi_lazy.py compares them).
    """

    LAZY_DOCS = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._pending_docs: list[tuple[Any, str, Any]] = []
        self._pending_components: list[Callable[[], None]] = []
        self._docs_lock = threading.Lock()
        self._spec: Any = None
        super().__init__(*args, **kwargs)

    @property
    def spec(self) -> Any:
        """The APISpec, with every registered blueprint's operations in it."""
        if self._pending_docs or self._pending_components:
            with self._docs_lock:
                pending, self._pending_docs = self._pending_docs, []
                components, self._pending_components = self._pending_components, []
                for register in components:
                    register()
                for blp, name, parameters in pending:
                    self._document(blp, name, parameters)
        return self._spec

    @spec.setter
    def spec(self, value: Any) -> None:
        self._spec = value

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        """Register ``blp``'s routes now and its documentation on the spec's first read."""
        if not self.LAZY_DOCS:
            super().register_blueprint(blp, parameters=parameters, **options)
            return
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._pending_docs.append((blp, name, parameters))

    def _document(self, blp: Any, name: str, parameters: Any) -> None:
        # What flask_smorest.Api.register_blueprint does after registering the routes.
        blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
        self._spec.tag({"name": name, "description": blp.description})

    def _register_error_handlers(self) -> None:
        return None

    # The stock components (a response per HTTP status, ~25 % of a warm create_app(),
    # the ETag and pagination headers) are written on the spec's first read too, in
    # the stock order and before the blueprints' operations, as the stock Api does.
    def _register_responses(self) -> None:
        self._register_later(super()._register_responses)

    def _register_etag_headers(self) -> None:
        self._register_later(super()._register_etag_headers)

    def _register_pagination_header(self) -> None:
        self._register_later(super()._register_pagination_header)

    def _register_later(self, register: Callable[[], None]) -> None:
        if self.LAZY_DOCS:
            self._pending_components.append(register)
        else:
            register()


class ErrorBody(ma.Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        required=True,
        metadata={"description": "Field name (dotted for nested fields) -> problem."},
    )


class Error(ma.Schema):
    error = ma.fields.Nested(ErrorBody, required=True)


MeetbotApi.ERROR_SCHEMA = Error

docs_ui = Blueprint("api_docs_ui", __name__, url_prefix=API_PREFIX)

_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"}


@docs_ui.get("/docs")
def docs_page():
    """Swagger UI over /api/v1/openapi.json."""
    return render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))


@docs_ui.get("/docs/assets/<path:filename>")
def asset(filename: str):
    """Swagger UI's files, from the swagger-ui-bundle package (nothing from a CDN)."""
    if filename not in _ASSETS:
        abort(404)
    # Imported at the first request, not at start-up (~35 ms of create_app(), issue 19).
    bundle = first_use("swagger_ui_bundle")
    return send_from_directory(str(bundle.swagger_ui_path), filename, max_age=86400)


def init_api(app: Flask) -> Api:
    """Create the app's Api, register every API blueprint and exempt them from CSRF."""
    app.config.setdefault("API_TITLE", "meetbot")
    app.config.setdefault("API_VERSION", API_VERSION)
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    # Validation errors of the JSON body are 422; webargs' default is 422 too.
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": API_DESCRIPTION},
            "servers": [{"url": "/"}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "An API token: `Authorization: Bearer mbt_...`.",
                    }
                }
            },
        },
    )
    api = MeetbotApi()
    register_fields(api)
    api.init_app(app)
    for blp in all_blueprints():
        api.register_blueprint(blp)
        csrf.exempt(blp)
    app.register_blueprint(docs_ui)
    csrf.exempt(docs_ui)
    app.extensions["meetbot-api"] = api
    return api
