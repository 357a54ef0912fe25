"""Render user-written Markdown to safe HTML.

Two layers: markdown-it-py in CommonMark mode with raw HTML *disabled* (a
``<script>`` in the input is printed as text, never passed through), then
nh3 (ammonia) with an allow-list of tags, attributes and URL schemes, so even
a bug in the first layer cannot let active markup through.  Links get
``rel="nofollow noopener"``.  Images are not allowed (no remote loads from
user text); their alt text is kept.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import nh3

from meetbot.lazy import first_use

__all__ = ["ALLOWED_ATTRIBUTES", "ALLOWED_TAGS", "MAX_MARKDOWN_CHARS", "render_markdown"]

MAX_MARKDOWN_CHARS = 200_000

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a",
        "p",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "del",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "ol": {"start"},
}
_URL_SCHEMES = {"http", "https", "mailto"}


@cache
def _parser() -> Any:
    """The parser, built at the first render: importing markdown-it and building its
    rules is ~45 ms that create_app() no longer pays (issue 19). Two threads may both
    build one; either is kept."""
    markdown_it = first_use("markdown_it")
    parser = markdown_it.MarkdownIt(
        "commonmark", {"html": False, "linkify": False, "typographer": False}
    ).enable(["table", "strikethrough"])
    parser.add_render_rule("image", _alt_text_only)
    return parser


def _alt_text_only(renderer, tokens, idx, options, env) -> str:  # type: ignore[no-untyped-def]
    # Images become their (escaped) alt text: no remote image loads.
    token = tokens[idx]
    utils = first_use("markdown_it.common.utils")
    return utils.escapeHtml(renderer.renderInlineAsText(token.children or [], options, env))


def render_markdown(text: str) -> str:
    """Markdown to sanitised HTML (safe to insert into a page unescaped).

    Input longer than ``MAX_MARKDOWN_CHARS`` raises ``ValueError``; callers
    should limit form fields before that.
    """
    if len(text) > MAX_MARKDOWN_CHARS:
        raise ValueError(f"text too long ({len(text)} characters; limit {MAX_MARKDOWN_CHARS})")
    # Lone surrogates (e.g. from a JSON "\ud800" escape) cannot be encoded for the
    # sanitizer; they are not text anyway, so they become U+FFFD.
    text = text.encode("utf-8", "replace").decode("utf-8")
    rendered = _parser().render(text)
    return nh3.clean(
        rendered,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(_URL_SCHEMES),
        link_rel="nofollow noopener",
        strip_comments=True,
    )
