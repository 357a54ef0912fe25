"""Exports of the minutes: the small defects of issue 16 (point 7)."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from meetbot.domain.minutes_format import ActionEntry, AttendeeEntry, MinutesDoc

START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def _doc(**kwargs) -> MinutesDoc:
    return MinutesDoc(title="Weekly", group="Edge", start=START, **kwargs)


def test_due_date_is_set_apart_in_every_format_without_stray_backslashes():
    doc = _doc(actions=(ActionEntry("Collect use cases", ("Wei Zhang",), date(2026, 12, 15)),))
    assert "- Collect use cases (due 2026-12-15) — Wei Zhang" in doc.to_markdown()
    assert "<li>Collect use cases (due 2026-12-15) <span" in doc.to_html()
    assert "* Wei Zhang: Collect use cases (due 2026-12-15)" in doc.to_text()


def test_unassigned_actions_keep_their_due_date_and_status_in_markdown():
    doc = _doc(
        actions=(
            ActionEntry("Owned", ("Wei Zhang",)),
            ActionEntry("Nobody's", (), date(2026, 12, 15), "dropped"),
        )
    )
    assert "    - Nobody's (due 2026-12-15; dropped)" in doc.to_markdown()


def test_people_present_says_lines_said_only_with_counts():
    roster = _doc(attendees=(AttendeeEntry("Wei Zhang"), AttendeeEntry("Kenji Sato")))
    for out in (roster.to_text(), roster.to_markdown(), roster.to_html()):
        assert "People present" in out and "lines said" not in out
    log = _doc(attendees=(AttendeeEntry("Wei Zhang", 12), AttendeeEntry("Kenji Sato")))
    assert "## People present (lines said)\n\n- Wei Zhang (12)\n- Kenji Sato" in log.to_markdown()


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1))
def test_markdown_shows_any_action_text_literally(text):
    doc = _doc(actions=(ActionEntry(text),))
    rendered = MarkdownIt("commonmark").render(doc.to_markdown())
    one_line = " ".join(text.split())
    if one_line:
        assert f"<li>{html.escape(one_line, quote=False)}</li>" in rendered.replace("&quot;", '"')
