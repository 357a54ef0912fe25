"""The API's OpenAPI document is built on its first read, not in create_app(), and is
the same document flask-smorest's Api builds eagerly."""

from __future__ import annotations

import json

import pytest

from meetbot import create_app
from meetbot.web.api import MeetbotApi


def _config(tmp_path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'spec.sqlite'}",
        "SECRET_KEY": "x",
    }


def _document(app) -> dict:
    return json.loads(app.test_client().get("/api/v1/openapi.json").get_data())


def test_create_app_leaves_the_document_for_its_first_read(tmp_path) -> None:
    app = create_app(_config(tmp_path))
    api = app.extensions["meetbot-api"]
    assert len(api._pending_docs) > 10 and api._spec.to_dict()["paths"] == {}
    paths = _document(app)["paths"]
    assert api._pending_docs == []
    api_rules = {
        r.rule
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/v1/") and "/docs" not in r.rule and "openapi" not in r.rule
    }
    documented = {p.replace("{", "<").replace("}", ">") for p in paths}
    assert len(documented) == len(api_rules) > 50
    assert _document(app)["paths"] == paths  # read twice: written once


def test_the_lazy_document_is_the_eager_one(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    lazy = _document(create_app(_config(tmp_path)))
    monkeypatch.setattr(MeetbotApi, "LAZY_DOCS", False)
    eager_app = create_app(_config(tmp_path))
    assert eager_app.extensions["meetbot-api"]._pending_docs == []
    assert lazy == _document(eager_app)
