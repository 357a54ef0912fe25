"""The layers: domain/ is pure, models/ never reaches up into web/, services never
see the request, and no meetbot module imports itself back through others."""

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
    "meetbot.freshness.feed_claims",
    "meetbot.freshness.feed_fragments",
    "meetbot.freshness.feed_memory",
    "meetbot.freshness.fastpath",
    "meetbot.freshness.feed_store",
    "meetbot.freshness.group_fingerprints",
    "meetbot.freshness.notify",
    "meetbot.freshness.pg_watcher",
    "meetbot.freshness.request",
    "meetbot.freshness.sizing",
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


# ---------------------------------------------------------------- services and request

#: What only exists while a request is served: services get the actor and the values
#: they need as arguments, so the CLI, imports and tests call them the same way.
REQUEST_OBJECTS = {
    "flask": {
        "request",
        "session",
        "g",
        "has_request_context",
        "url_for",
        "redirect",
        "abort",
        "flash",
        "make_response",
    },
    "flask_login": None,  # current_user, login_user ...: all of it
    "flask_wtf": None,
    "flask_smorest": None,
}


def _request_imports(path: Path) -> list[str]:
    bad = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            root = node.module.split(".")[0]
            if root in REQUEST_OBJECTS:
                names = REQUEST_OBJECTS[root]
                hits = [a.name for a in node.names if names is None or a.name in names]
                bad.extend(f"{node.module}.{name}" for name in hits)
        elif isinstance(node, ast.Import):
            bad.extend(
                a.name
                for a in node.names
                if a.name.split(".")[0] in REQUEST_OBJECTS and REQUEST_OBJECTS[a.name] is None
            )
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in REQUEST_OBJECTS
            and node.attr in (REQUEST_OBJECTS[node.value.id] or ())
        ):
            bad.append(f"{node.value.id}.{node.attr}")
    return bad


def test_services_do_not_import_request_objects() -> None:
    bad = []
    for path in sorted((PACKAGE / "services").rglob("*.py")):
        bad.extend(f"{path.relative_to(PACKAGE)}: {name}" for name in _request_imports(path))
    assert bad == []


@pytest.mark.parametrize(
    "source",
    [
        "from flask import current_app, request",
        "from flask_login import current_user",
        "import flask\nflask.session.get('x')",
        "from flask import g as ctx",
    ],
)
def test_request_checker_catches_a_violation(tmp_path: Path, source: str) -> None:
    path = tmp_path / "m.py"
    path.write_text(source + "\n")
    assert _request_imports(path) != []


def test_request_checker_allows_the_app_config(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("from flask import current_app, has_app_context\n")
    assert _request_imports(path) == []


# ---------------------------------------------------------------- import cycles


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, function-local ones included, except those under
    ``if TYPE_CHECKING:`` (annotations only: they never run)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            visit(child)

    visit(tree)
    return found


def _import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (``from pkg import mod``
    counts as importing ``pkg.mod`` when that is a module)."""
    modules = {_module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for node in _runtime_imports(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                edges.update(a.name for a in node.names if a.name in modules)
            elif node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    if full in modules:
                        edges.add(full)
                    elif node.module in modules:
                        edges.add(node.module)
        edges.discard(name)
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_between_meetbot_modules() -> None:
    """A cycle hidden behind a function-local import is still a cycle: every import
    counts (only ``if TYPE_CHECKING:`` ones do not)."""
    assert _cycles(_import_graph(PACKAGE)) == []


def test_cycle_checker_finds_a_cycle_behind_a_local_import(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "services").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "services" / "__init__.py").write_text("")
    (root / "services" / "a.py").write_text("from pkg.services import b\n")
    (root / "services" / "b.py").write_text("def f():\n    from pkg.services.a import x\n")
    (root / "services" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.services import a\n"
    )
    assert _cycles(_import_graph(root)) == [["pkg.services.a", "pkg.services.b"]]


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


# --- web/ is thin: no session, no SQLAlchemy (issue 13, point 5) ----------------------


def _session_uses(path: Path) -> list[str]:
    """What in ``path`` reaches the database itself: imports of SQLAlchemy, of the
    session (``meetbot.extensions.db``, ``meetbot.services.db``), or ``db.session``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for name in _imports(path):
        if (
            name.split(".")[0] in {"sqlalchemy", "flask_sqlalchemy"}
            or name == "meetbot.services.db"
        ):
            found.append(f"imports {name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "meetbot.extensions":
            found.extend(
                f"imports {alias.name} from meetbot.extensions"
                for alias in node.names
                if alias.name == "db"
            )
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "session"
            and isinstance(node.value, ast.Name)
            and node.value.id == "db"
        ):
            found.append(f"line {node.lineno}: db.session")
    return found


def test_web_does_not_query() -> None:
    """Views and forms read through services: no session, no SQLAlchemy in web/ or forms/."""
    bad = []
    for folder in ("web", "forms"):
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            rel = str(path.relative_to(PACKAGE))
            bad.extend(f"{rel}: {use}" for use in _session_uses(path))
    assert bad == []


@pytest.mark.parametrize(
    "source",
    [
        "from sqlalchemy import select",
        "import sqlalchemy.orm",
        "from meetbot.extensions import db, limiter",
        "from meetbot.services.db import unit_of_work",
        "def f(db):\n    return db.session.get(1, 2)",
    ],
)
def test_web_query_checker_catches_a_violation(tmp_path: Path, source: str) -> None:
    path = tmp_path / "m.py"
    path.write_text(source + "\n")
    assert _session_uses(path) != []


def test_web_query_checker_passes_a_service_call(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("from meetbot.extensions import limiter\nfrom meetbot.services import x\n")
    assert _session_uses(path) == []
