"""Markdown rendering is CommonMark, and nothing active survives sanitising."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from meetbot.domain.markdown import ALLOWED_TAGS, render_markdown


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)

    handle_startendtag = handle_starttag


def parse(html: str) -> _Collect:
    c = _Collect()
    c.feed(html)
    c.close()
    return c


XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\nscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    "<iframe src=https://evil.example></iframe>",
    '<form action="https://evil.example"><input name=q></form>',
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<object data=x></object><embed src=x>",
    "<!-- <script>alert(1)</script> -->",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "```html\n<script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    '[x](https://ok.example "t\\" onmouseover=\\"alert(1)")',
    "<<script>script>alert(1)<</script>/script>",
]


@pytest.mark.parametrize("payload", XSS)
def test_xss_corpus_renders_inert(payload):
    out = render_markdown(payload)
    found = parse(out)
    assert set(found.tags) <= ALLOWED_TAGS
    for tag, name, value in found.attrs:
        assert not name.startswith("on"), (tag, name)
        assert name in {"href", "title", "rel", "start"}, (tag, name)
        if name == "href":
            assert value is not None
            assert value.lower().startswith(("http://", "https://", "mailto:")), value
    assert "<script" not in out.lower()


def test_commonmark_basics_and_rel():
    out = render_markdown(
        "# Agenda\n\n1. **Roll call**\n2. Review [the pad](https://example.org/pad)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ `code`"
    )
    assert "<h1>Agenda</h1>" in out
    assert "<ol>" in out and "<strong>Roll call</strong>" in out
    assert '<a href="https://example.org/pad" rel="nofollow noopener">the pad</a>' in out
    assert "<table>" in out and "<td>1</td>" in out
    assert "<s>old</s>" in out and "<code>code</code>" in out


def test_raw_html_is_shown_as_text():
    out = render_markdown("hello <b>world</b>")
    assert out == "<p>hello &lt;b&gt;world&lt;/b&gt;</p>\n"


def test_images_become_alt_text():
    out = render_markdown("![diagram <b>](https://example.org/x.png)")
    assert "<img" not in out
    assert "diagram &lt;b&gt;" in out


def test_too_long_is_refused():
    with pytest.raises(ValueError):
        render_markdown("x" * 200_001)


def test_lone_surrogate_is_replaced_not_an_error() -> None:
    html = render_markdown("a\ud800b <script>x</script>")
    assert "a?b" in html  # encoded with errors="replace": the surrogate becomes "?"
    assert "<script" not in html
