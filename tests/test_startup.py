"""Start-up: nothing expensive at import or in create_app() (issue 19, point 5)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from meetbot import create_app
from meetbot.cli import COMMAND_MODULES, LazyCommands

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import sys
from meetbot import create_app
create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
names = ("alembic", "authlib", "flask_migrate", "irc", "psycopg")
heavy = sorted(m for m in names if m in sys.modules)
print(",".join(heavy))
"""


def test_create_app_on_sqlite_without_sso_imports_no_optional_backend() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


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
