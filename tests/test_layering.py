"""The layers of DESIGN.md: domain/ is pure, models/ never reaches up into web/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "meetbot"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names.add("." * node.level + (node.module or ""))
    return names


def _offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    files = sorted((PACKAGE / folder).rglob("*.py"))
    assert files, f"no modules found in meetbot/{folder}"
    for path in files:
        for name in _imports(path):
            if name.startswith("."):
                bad.append(f"{path.relative_to(PACKAGE)}: relative import {name}")
            elif any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(PACKAGE)} imports {name}")
    return bad


def test_domain_is_pure() -> None:
    assert (
        _offending(
            "domain",
            (
                "flask",
                "flask_sqlalchemy",
                "flask_login",
                "flask_wtf",
                "sqlalchemy",
                "meetbot.models",
                "meetbot.services",
                "meetbot.web",
                "meetbot.extensions",
            ),
        )
        == []
    )


def test_models_do_not_import_web_or_services() -> None:
    assert _offending("models", ("meetbot.web", "meetbot.services", "meetbot.forms")) == []


def test_mail_building_and_sending_are_pure() -> None:
    """meetbot/mail/message.py and transport.py know nothing of Flask or the database."""
    bad = [
        f"mail/{name}.py imports {imported}"
        for name in ("message", "transport")
        for imported in _imports(PACKAGE / "mail" / f"{name}.py")
        if imported.split(".")[0] in ("flask", "sqlalchemy")
        or imported.startswith(("meetbot.models", "meetbot.services", "meetbot.web"))
    ]
    assert bad == []


def test_services_do_not_import_web() -> None:
    assert _offending("services", ("meetbot.web", "meetbot.forms")) == []


@pytest.mark.parametrize(
    "source",
    [
        "import flask",
        "from sqlalchemy import select",
        "from meetbot.models import Person",
        "from . import x",
    ],
)
def test_checker_catches_a_violation(tmp_path: Path, source: str) -> None:
    path = tmp_path / "m.py"
    path.write_text(source + "\n")
    names = _imports(path)
    forbidden = ("flask", "sqlalchemy", "meetbot.models")
    assert any(
        n.startswith(".") or any(n == f or n.startswith(f + ".") for f in forbidden) for n in names
    )


FRESHNESS_PRIVATE = (
    "meetbot.freshness.cache",
    "meetbot.freshness.conditional",
    "meetbot.freshness.derived",
    "meetbot.freshness.fastpath",
    "meetbot.freshness.feed_store",
    "meetbot.freshness.notify",
    "meetbot.freshness.request",
    "meetbot.freshness.tokens",
    "meetbot.freshness.writes",
)


def test_freshness_modules_are_private_to_the_package() -> None:
    """Only meetbot/freshness/ knows about change tokens, watchers, the fast path and
    the feed cache table: everything else imports ``meetbot.freshness`` itself."""
    modules = {p.stem for p in (PACKAGE / "freshness").glob("*.py")} - {"__init__"}
    assert modules == {name.rsplit(".", 1)[1] for name in FRESHNESS_PRIVATE}
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(PACKAGE / "freshness"):
            continue
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in FRESHNESS_PRIVATE):
                bad.append(f"{path.relative_to(PACKAGE)} imports {name}")
        if not path.is_relative_to(PACKAGE / "models") and "FeedCache" in path.read_text():
            bad.append(f"{path.relative_to(PACKAGE)} reaches the feed cache table")
    assert bad == []


def test_no_module_outside_freshness_reads_change_tokens_or_bumps_revisions() -> None:
    words = ("data_version", "pg_notify", "LISTEN ", "bump_revision", "local_commit")
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(PACKAGE / "freshness"):
            continue
        text = path.read_text()
        bad.extend(f"{path.relative_to(PACKAGE)}: {w!r}" for w in words if w in text)
    assert bad == []
