"""Every template must work under the strict CSP: no inline script, style or handler.

The policy (meetbot.web.security) blocks them in the browser; this test finds them
in the source so a page does not silently lose its behaviour or looks.

E-mail bodies (an HTML template with a ``.txt`` twin, the text alternative) are read
by mail clients, never served under the CSP, and need inline styles (clients drop
style sheets): for them only scripts, handlers and javascript: URLs are refused.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def is_mail_body(path: Path) -> bool:
    return path.with_suffix(".txt").exists()


class _InlineFinder(HTMLParser):
    def __init__(self, *, styles_allowed: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False
        self._styles_allowed = styles_allowed

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value or "" for name, value in attrs}
        line = self.getpos()[0]
        if tag == "script":
            if "src" not in names:
                self.problems.append(f"line {line}: inline <script>")
            self._in_script = True
        if tag == "style" and not self._styles_allowed:
            self.problems.append(f"line {line}: inline <style>")
        for name, value in names.items():
            if name.startswith("on"):
                self.problems.append(f"line {line}: event handler {name}=")
            if name == "style" and not self._styles_allowed:
                self.problems.append(f"line {line}: style= attribute")
            if value.strip().lower().startswith("javascript:"):
                self.problems.append(f"line {line}: javascript: URL in {name}=")


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_there_are_templates_to_check() -> None:
    assert len(_templates()) >= 5


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_inline_script_style_or_handler(path: Path) -> None:
    # Jinja expressions are replaced by a neutral word so the HTML parser sees markup only.
    source = _JINJA.sub("x", path.read_text())
    finder = _InlineFinder(styles_allowed=is_mail_body(path))
    finder.feed(source)
    finder.close()
    assert finder.problems == [], f"{path.name}: {finder.problems}"


def test_mail_bodies_may_style_but_not_script() -> None:
    assert is_mail_body(TEMPLATES / "mail" / "agenda.html")
    assert not is_mail_body(TEMPLATES / "mail" / "outbox.html")
    finder = _InlineFinder(styles_allowed=True)
    finder.feed('<p style="color:red" onclick="x()"></p><script>alert(1)</script>')
    finder.close()
    assert len(finder.problems) == 2


def test_checker_finds_inline_code() -> None:
    finder = _InlineFinder()
    finder.feed(
        '<script>alert(1)</script><a href="javascript:x()" onclick="y()">a</a>'
        '<p style="color:red"></p><script src="/static/js/a.js"></script>'
    )
    assert len(finder.problems) == 4
