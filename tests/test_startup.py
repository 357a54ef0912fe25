"""Start-up: nothing expensive at import or in create_app() (issue 19, point 5)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import url_for
from werkzeug.routing import AnyConverter, IntegerConverter, PathConverter, Rule

from meetbot import create_app
from meetbot.cli import COMMAND_MODULES, LazyCommands
from meetbot.domain import ical
from meetbot.web.url_rules import builders_compiled

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import gc, json, sys
from meetbot import create_app
config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}
create_app(config)
names = (
    "alembic", "authlib", "dateutil", "email_validator", "flask_migrate", "icalendar", "irc",
    "mailbox", "markdown_it", "numpy", "psycopg", "sqlalchemy.dialects.postgresql",
    "swagger_ui_bundle", "zxcvbn",
)
from meetbot.extensions import db
configured = sorted(m.class_.__name__ for m in db.Model.registry.mappers if m.configured)
first = gc.get_freeze_count()
create_app(config)
print(json.dumps({
    "heavy": sorted(m for m in names if m in sys.modules),
    "frozen": [first, gc.get_freeze_count()],
    "collector": gc.isenabled(),
    "configured": configured,
}))
"""


@pytest.fixture(scope="module")
def fresh_process() -> dict:
    """What ``import meetbot; create_app()`` (twice) leaves in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_create_app_imports_nothing_expensive(fresh_process: dict) -> None:
    """Alembic, numpy, psycopg and SQLAlchemy's PostgreSQL dialect (on SQLite), Authlib
    (without SSO), the IRC client, and what only some requests use (icalendar and
    dateutil, zxcvbn, markdown-it, email-validator, mailbox, the Swagger UI files):
    none is imported by ``import meetbot; create_app()`` in a fresh process."""
    assert fresh_process["heavy"] == []


def test_ical_names_loaded_at_first_use_are_the_modules_own() -> None:
    """``domain.ical``'s writer names, resolved on first access, are the objects their
    modules define; a name it does not have is an AttributeError as before."""
    for name in ical.__all__:
        home = ical._AT_FIRST_USE.get(name, "items")
        module = importlib.import_module(f"meetbot.domain.ical.{home}")
        assert getattr(ical, name) is getattr(module, name), name
    with pytest.raises(AttributeError, match="no attribute 'build_calender'"):
        ical.build_calender  # noqa: B018


def test_create_app_leaves_the_mappers_to_the_first_query(fresh_process: dict) -> None:
    """Configuring the ORM's mappers (~65 ms) is SQLAlchemy's work for the first query;
    a module-level ``aliased()`` did it at import."""
    assert fresh_process["configured"] == []


def test_first_app_freezes_what_it_imported_and_later_apps_do_not(fresh_process: dict) -> None:
    first, second = fresh_process["frozen"]
    assert first > 100_000  # the modules' objects: never traversed by the collector again
    # A second app (a test's) is not frozen: freezing it would add its objects
    # (~13,000; a handful move in as the interpreter re-tracks frozen containers).
    assert second - first < 1_000
    assert fresh_process["collector"] is True


def test_every_command_module_is_named_with_its_commands() -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert isinstance(app.cli, LazyCommands)
    found = {}
    for path in sorted((ROOT / "meetbot" / "cli").glob("*.py")):
        if path.stem != "__init__":
            module = importlib.import_module(f"meetbot.cli.{path.stem}")
            found.update({command.name: path.stem for command in module.COMMANDS})
    assert found == COMMAND_MODULES


def test_db_command_is_found_and_bound_lazily() -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert "migrate" not in app.extensions
    result = CliRunner().invoke(app.cli, ["db", "--help"])
    assert result.exit_code == 0, result.output
    assert "upgrade" in result.output
    assert "migrate" in app.extensions


def _sample_values(rule: Rule) -> dict[str, object]:
    """A value for each of ``rule``'s arguments that its converter accepts."""
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = 42
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, PathConverter):
            values[name] = "a b/ü+%"
        else:
            values[name] = "a b/ü+%"
    return values


def test_create_app_compiles_no_url_builder() -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 200
    assert [r.rule for r in rules if builders_compiled(r)] == []


def test_every_rule_builds_the_urls_werkzeug_builds() -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    extra = {"next": "/a b?c=d", "n": [1, 2]}
    for rule in app.url_map.iter_rules():
        values = _sample_values(rule)
        eager = {
            unknown: Rule._compile_builder(rule, unknown).__get__(rule, None)
            for unknown in (False, True)
        }
        want = (eager[False](**values), eager[True](**values, **extra))
        for _ in range(2):  # the first build compiles, the second uses the compiled builder
            got = (rule.build(values, append_unknown=False), rule.build({**values, **extra}))
            assert got == want, rule.rule
        assert builders_compiled(rule) == 2
    with app.test_request_context():
        assert url_for("static", filename="css/app.css") == "/static/css/app.css"
        assert url_for("groups.view", slug="wg x", tab=2) == "/groups/wg%20x/?tab=2"


def test_stock_api_responses_are_written_on_the_documents_first_read() -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    api = app.extensions["meetbot-api"]
    assert len(api._pending_components) == 3  # responses, ETag and pagination headers
    components = app.test_client().get("/api/v1/openapi.json").json["components"]
    assert api._pending_components == []
    assert "UNPROCESSABLE_ENTITY" in components["responses"]
