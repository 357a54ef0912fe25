"""URL rules whose URL builders are compiled on first use (issue 19, point 5).

Werkzeug's ``Rule.compile()`` does two things when a rule is added: it parses the
rule for matching, and it generates and ``compile()``s two Python functions that
build the rule's URL (with and without unknown arguments as a query string). The
second part was about three quarters of ``create_app()``, for ~225 rules of which a
request builds a handful. ``LazyBuilderRule`` keeps the first part as it is
(matching is identical) and compiles each builder the first time ``url_for`` needs
it: the builder is werkzeug's own, so every URL built is the same
(``tests/test_startup.py`` checks every rule of the app).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.routing import Rule

__all__ = ["LazyBuilderRule", "MeetbotFlask", "builders_compiled"]

_FIRST_BUILD = "_meetbot_first_build"


class LazyBuilderRule(Rule):
    """A werkzeug ``Rule`` that compiles its URL builders when first asked to build."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        attribute = "_build_unknown" if append_unknown else "_build"

        def first_build(rule: Rule, /, **values: Any) -> tuple[str, str]:
            # Two threads may both get here: each compiles the same builder, either wins.
            builder = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, attribute, builder)
            return builder(**values)

        setattr(first_build, _FIRST_BUILD, True)
        return first_build


def builders_compiled(rule: Rule) -> int:
    """How many of ``rule``'s two URL builders are compiled (0, 1 or 2)."""
    builders = (rule._build, rule._build_unknown)
    return sum(not getattr(b.__func__, _FIRST_BUILD, False) for b in builders)


class MeetbotFlask(Flask):
    """The app class: Flask with ``LazyBuilderRule`` for every rule, the static one too."""

    url_rule_class = LazyBuilderRule
