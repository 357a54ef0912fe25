"""Minutes rendering: MeetBot's text layout, Markdown, escaped HTML, e-mails."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest

from meetbot.domain.markdown import render_markdown
from meetbot.domain.minutes_format import (
    ActionEntry,
    AttendeeEntry,
    MinutesDoc,
    MinutesEntry,
)


def at(h: int, m: int, s: int = 0) -> datetime:
    return datetime(2024, 5, 7, h, m, s, tzinfo=UTC)


@pytest.fixture
def doc() -> MinutesDoc:
    return MinutesDoc(
        title="Weekly call",
        group="Edge Computing Group",
        start=at(14, 0, 2),
        end=at(15, 0, 0),
        timezone="Europe/Berlin",
        chairs=("alice",),
        items=(
            MinutesEntry("topic", "Roll call", "alice", at(14, 0, 5)),
            MinutesEntry("topic", "Gap analysis", "alice", at(14, 1, 0)),
            MinutesEntry("info", "draft is at 60%", "bob", at(14, 1, 30)),
            MinutesEntry("agreed", "publish next week", "alice", at(14, 2, 30)),
            MinutesEntry("link", "https://example.org/pad the pad", "dave", at(14, 3, 20)),
        ),
        actions=(
            ActionEntry("bob and carol review the draft", ("bob", "carol"), date(2024, 5, 14)),
            ActionEntry("book the room"),
            ActionEntry("ask the TC", ("Alice",), None, "done"),
        ),
        attendees=(
            AttendeeEntry("carol", 5),
            AttendeeEntry("alice", 7),
            AttendeeEntry("erin", None),
            AttendeeEntry("bob", 5),
        ),
        regrets=("frank",),
    )


def test_text_layout_matches_meetbot(doc):
    expected = """\
=================================
Edge Computing Group: Weekly call
=================================


Meeting started at 2024-05-07 14:00 UTC (16:00 Europe/Berlin).  Chairs:
alice.



Meeting summary
---------------

* Roll call  (alice, 14:00:05)

* Gap analysis  (alice, 14:01:00)
  * draft is at 60%  (bob, 14:01:30)
  * AGREED: publish next week  (alice, 14:02:30)
  * LINK: https://example.org/pad the pad  (dave, 14:03:20)



Meeting ended at 2024-05-07 15:00 UTC (17:00 Europe/Berlin).



Action items
------------

* bob and carol review the draft (due 2024-05-14)
* book the room
* Alice: ask the TC (done)



Action items, by person
-----------------------

* Alice
  * ask the TC (done)
* bob
  * bob and carol review the draft (due 2024-05-14)
* carol
  * bob and carol review the draft (due 2024-05-14)
* **UNASSIGNED**
  * book the room



People present (lines said)
---------------------------

* alice (7)
* bob (5)
* carol (5)
* erin



Regrets
-------

* frank
"""
    assert doc.to_text() == expected


def test_text_wraps_long_items_at_72_with_hanging_indent():
    long = " ".join(["word"] * 30)
    d = MinutesDoc(
        "t",
        None,
        at(14, 0),
        items=(MinutesEntry("topic", "T", "a", at(14, 0)), MinutesEntry("idea", long, "a")),
    )
    lines = d.to_text().splitlines()
    start = lines.index("  * IDEA: " + " ".join(["word"] * 12))
    assert all(len(ln) <= 72 for ln in lines)
    assert lines[start + 1].startswith("    word")


def test_no_by_person_section_without_owners():
    d = MinutesDoc("t", None, at(14, 0), actions=(ActionEntry("x"),))
    assert "Action items, by person" not in d.to_text()
    assert "* (none)" in MinutesDoc("t", None, at(14, 0)).to_text()


EVIL = '<script>alert(1)</script> & "quotes" <img src=x onerror=alert(2)>'


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


def test_html_escapes_everything():
    d = MinutesDoc(
        title=EVIL,
        group=EVIL,
        start=at(14, 0),
        chairs=(EVIL,),
        items=(
            MinutesEntry("topic", EVIL, EVIL, at(14, 0)),
            MinutesEntry("link", 'https://x.org/"onmouseover=alert(1) ' + EVIL, EVIL),
            MinutesEntry("info", "javascript:alert(1)", EVIL),
        ),
        actions=(ActionEntry(EVIL, (EVIL,)),),
        attendees=(AttendeeEntry(EVIL, 3),),
        regrets=(EVIL,),
    )
    out = d.to_html()
    parser = _Collect()
    parser.feed(out)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert not any(name.startswith("on") for name, _ in parser.attrs)
    hrefs = [v for name, v in parser.attrs if name == "href"]
    assert hrefs == ["https://x.org/"]
    assert "&lt;script&gt;" in out


def test_markdown_output_is_literal_after_rendering():
    d = MinutesDoc(
        title="*not bold* [x](javascript:alert(1))",
        group=None,
        start=at(14, 0),
        items=(MinutesEntry("info", "<b>raw</b> _under_ `code`", "a_b"),),
        actions=(ActionEntry("# heading?", ("bob",)),),
    )
    md = d.to_markdown()
    html = render_markdown(md)
    assert "<em>" not in html and "<code>" not in html and "<b>" not in html
    assert "<a " not in html  # the [x](javascript:...) in the title stays text
    assert "*not bold*" in html
    assert "<h1>" in html and html.count("<h1>") == 1  # only the document title


def test_agenda_email(doc):
    mail = doc.to_email("agenda")
    assert mail.subject == (
        "[Edge Computing Group] Agenda: Weekly call, 2024-05-07 14:00 UTC (16:00 Europe/Berlin)"
    )
    body = mail.body
    assert "1. Roll call\n2. Gap analysis" in body
    assert "* bob and carol review the draft (bob, carol), due 2024-05-14" in body
    assert "* book the room (unassigned)" in body
    assert "ask the TC" not in body  # done items are not open


def test_summary_email_and_header_injection(doc):
    mail = doc.to_email("summary")
    assert mail.subject == "[Edge Computing Group] Minutes: Weekly call, 2024-05-07"
    assert mail.body == doc.to_text()
    evil = MinutesDoc("Hi\r\nBcc: x@evil", "G\nX", at(14, 0))
    for kind in ("agenda", "summary"):
        subject = evil.to_email(kind).subject
        assert "\n" not in subject and "\r" not in subject
    with pytest.raises(ValueError):
        doc.to_email("other")  # type: ignore[arg-type]


def test_local_date_shown_when_it_differs():
    d = MinutesDoc("t", None, datetime(2024, 5, 7, 23, 30, tzinfo=UTC), timezone="Asia/Tokyo")
    assert "2024-05-07 23:30 UTC (2024-05-08 08:30 Asia/Tokyo)" in d.to_text()
