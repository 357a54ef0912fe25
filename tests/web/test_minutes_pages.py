"""Minutes pages: chair editing, permissions, stale edits, exports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import MinuteItem, Role
from meetbot.services import minutes
from meetbot.web.panels import render_panels


@pytest.fixture
def meeting_world(create_user, create_group, create_meeting, create_series):
    chair = create_user("Chair", email="chair@example.org")
    member = create_user("Member", email="member@example.org")
    other_chair = create_user("Other", email="other@example.org")
    group = create_group(
        name="Edge Computing Group", members={chair: Role.CHAIR, member: Role.MEMBER}
    )
    create_group(members={other_chair: Role.CHAIR})
    meeting = create_meeting(group, start=datetime(2017, 11, 7, 15, 0, tzinfo=UTC), title="Weekly")
    return chair, meeting


def _count() -> int:
    return db.session.scalar(select(func.count(MinuteItem.id)))


def test_chair_quick_entry_edit_move_delete(client, auth, meeting_world) -> None:
    chair, meeting = meeting_world
    auth.login("chair@example.org")
    url = f"/meetings/{meeting.id}/minutes/items"
    r = client.post(
        url,
        data={
            "quick-kind": "info",
            "quick-text": "#topic Roll call",
            "quick-version": meeting.lock_version,
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    r = client.post(
        url,
        data={
            "quick-kind": "info",
            "quick-text": "first line\nsecond line",
            "quick-version": meeting.lock_version,
        },
    )
    assert r.status_code == 302
    db.session.expire_all()
    items = minutes.list_items(meeting)
    assert [(i.kind, i.text) for i in items] == [
        ("topic", "Roll call"),
        ("info", "first line\nsecond line"),
    ]
    page = client.get(f"/meetings/{meeting.id}/minutes/").get_data(as_text=True)
    assert "first line\nsecond line" in page  # kept, shown with pre-wrap
    assert "Add item" in page

    r = client.post(
        f"/meetings/{meeting.id}/minutes/items/{items[1].id}/edit",
        data={
            "kind": "agreed",
            "text": "Ship it",
            "work_stream_id": "",
            "version": meeting.lock_version,
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    r = client.post(
        f"/meetings/{meeting.id}/minutes/items/{items[1].id}/move/up",
        data={"version": meeting.lock_version},
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert [i.text for i in minutes.list_items(meeting)] == ["Ship it", "Roll call"]
    r = client.post(
        f"/meetings/{meeting.id}/minutes/reorder",
        data={"version": meeting.lock_version, "order": f"{items[0].id},{items[1].id}"},
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert [i.text for i in minutes.list_items(meeting)] == ["Roll call", "Ship it"]
    r = client.post(
        f"/meetings/{meeting.id}/minutes/items/{items[0].id}/delete",
        data={"version": meeting.lock_version},
    )
    assert r.status_code == 302
    assert _count() == 1


def test_stale_edit_is_refused_with_a_clear_message(client, auth, meeting_world) -> None:
    chair, meeting = meeting_world
    item = minutes.add_item(
        chair, meeting, kind="info", text="original", version=meeting.lock_version
    )
    stale = meeting.lock_version
    minutes.update_item(chair, item, kind="info", text="their change", version=stale)
    auth.login("chair@example.org")
    r = client.post(
        f"/meetings/{meeting.id}/minutes/items/{item.id}/edit",
        data={"kind": "info", "text": "my change", "work_stream_id": "", "version": stale},
    )
    assert r.status_code == 409
    body = r.get_data(as_text=True)
    assert "Someone else changed" in body and "NOT saved" in body
    assert "their change" in body and "my change" in body  # both shown, nothing lost
    db.session.expire_all()
    assert db.session.get(MinuteItem, item.id).text == "their change"
    # quick entry and delete with a stale version are refused too
    r = client.post(
        f"/meetings/{meeting.id}/minutes/items",
        data={"quick-kind": "info", "quick-text": "late", "quick-version": stale},
    )
    assert r.status_code == 409 and "late" in r.get_data(as_text=True)
    r = client.post(
        f"/meetings/{meeting.id}/minutes/items/{item.id}/delete", data={"version": stale}
    )
    assert r.status_code == 409
    assert _count() == 1


@pytest.mark.parametrize("who", ["member@example.org", "other@example.org"])
def test_member_and_other_groups_chair_get_403(client, auth, meeting_world, who) -> None:
    chair, meeting = meeting_world
    item = minutes.add_item(chair, meeting, kind="info", text="x", version=meeting.lock_version)
    auth.login(who)
    v = meeting.lock_version
    for url, data in [
        (
            f"/meetings/{meeting.id}/minutes/items",
            {"quick-kind": "info", "quick-text": "y", "quick-version": v},
        ),
        (
            f"/meetings/{meeting.id}/minutes/items/{item.id}/edit",
            {"kind": "info", "text": "y", "version": v},
        ),
        (f"/meetings/{meeting.id}/minutes/items/{item.id}/delete", {"version": v}),
        (f"/meetings/{meeting.id}/minutes/reorder", {"version": v, "order": str(item.id)}),
        (f"/meetings/{meeting.id}/minutes/import", {"version": v, "log": "x"}),
    ]:
        assert client.post(url, data=data).status_code == 403, url
    page = client.get(f"/meetings/{meeting.id}/minutes/").get_data(as_text=True)
    assert "Add item" not in page and "x" in page  # read-only
    assert _count() == 1


def test_anonymous_is_sent_to_login_or_401(client, meeting_world) -> None:
    chair, meeting = meeting_world
    r = client.post(
        f"/meetings/{meeting.id}/minutes/items",
        data={"quick-kind": "info", "quick-text": "y", "quick-version": 1},
    )
    assert r.status_code == 401
    r = client.get(f"/meetings/{meeting.id}/minutes/import")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert _count() == 0


def test_panels_render_for_the_meeting_page(app, meeting_world) -> None:
    chair, meeting = meeting_world
    minutes.add_item(
        chair, meeting, kind="agreed", text="<b>bold</b> move", version=meeting.lock_version
    )
    with app.test_request_context("/"):
        main = str(render_panels("meeting_main", meeting=meeting))
        side = str(render_panels("meeting_side", meeting=meeting))
    assert 'id="minutes"' in main and "&lt;b&gt;bold&lt;/b&gt; move" in main
    assert "<b>bold</b>" not in main
    assert "Open action items to review" in main
    assert f"/meetings/{meeting.id}/minutes.txt" in side


def test_exports_content_types_and_escaping(client, meeting_world) -> None:
    chair, meeting = meeting_world
    v = meeting.lock_version
    minutes.add_item(chair, meeting, kind="topic", text="Roll <script>alert(1)</script>", version=v)
    minutes.add_item(
        chair, meeting, kind="link", text="https://example.org/x", version=meeting.lock_version
    )
    txt = client.get(f"/meetings/{meeting.id}/minutes.txt")
    assert txt.content_type == "text/plain; charset=utf-8"
    assert txt.headers["X-Content-Type-Options"] == "nosniff"
    body = txt.get_data(as_text=True)
    assert "Meeting summary\n---------------" in body
    assert "* Roll <script>alert(1)</script>  (Chair, " in body  # plain text, as written
    md = client.get(f"/meetings/{meeting.id}/minutes.md")
    assert md.content_type == "text/markdown; charset=utf-8"
    assert "\\<script\\>" in md.get_data(as_text=True)
    html = client.get(f"/meetings/{meeting.id}/minutes.html")
    assert html.mimetype == "text/html"
    page = html.get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert '<a href="https://example.org/x" rel="nofollow noopener">' in page
    for kind, marker in (("agenda", "Agenda: "), ("summary", "Minutes: ")):
        mail = client.get(f"/meetings/{meeting.id}/email.txt?kind={kind}")
        assert mail.mimetype == "text/plain"
        assert mail.get_data(as_text=True).startswith(f"Subject: [Edge Computing Group] {marker}")
    assert client.get(f"/meetings/{meeting.id}/email.txt?kind=bogus").status_code == 422
    assert client.get("/meetings/999/minutes.txt").status_code == 404


def test_agenda_email_lists_open_items_from_earlier_meetings(
    client, meeting_world, create_meeting
) -> None:
    chair, meeting = meeting_world
    from meetbot.services import actions

    actions.create_action(chair, meeting.group, text="Review the gap doc", meeting=meeting)
    nxt = create_meeting(meeting.group, start=datetime(2017, 11, 14, 15, 0, tzinfo=UTC))
    nxt.agenda = "- Roll call\n- Gap analysis"
    db.session.commit()
    body = client.get(f"/meetings/{nxt.id}/email.txt?kind=agenda").get_data(as_text=True)
    assert "1. Roll call\n2. Gap analysis" in body
    assert "* Review the gap doc (unassigned)" in body


LOG = """\
[09:00] <JDoe> #startmeeting edge
[09:01] <JDoe> #topic Charter
[09:02] <JDoe> #action jdoe to draft the charter
[09:03] <mk> #action nobody in particular
[09:04] <JDoe> #endmeeting
"""


def test_log_import_preview_then_confirm(client, auth, meeting_world, create_person) -> None:
    chair, meeting = meeting_world
    jane = create_person("Jane Doe", handles=["jdoe"])
    auth.login("chair@example.org")
    url = f"/meetings/{meeting.id}/minutes/import"
    assert client.get(url).status_code == 200
    r = client.post(url, data={"log": LOG, "version": meeting.lock_version, "step": "preview"})
    assert r.status_code == 200, r.get_data(as_text=True)
    page = r.get_data(as_text=True)
    assert "Preview" in page and "jdoe to draft the charter" in page
    assert "no owner found" in page and "new person" in page
    assert f'<option value="p:{jane.id}" selected>' in page
    assert _count() == 0  # a preview saves nothing
    # The chair gives the unowned action to Jane and confirms.
    r = client.post(
        url,
        data={
            "log": LOG,
            "version": meeting.lock_version,
            "step": "confirm",
            "owners-0": [f"p:{jane.id}"],
            "owners-1": [f"p:{jane.id}", "n:mk"],
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    from meetbot.models import ActionItem

    items = {a.text: a for a in db.session.scalars(select(ActionItem))}
    assert sorted(p.display_name for p in items["nobody in particular"].owners) == [
        "Jane Doe",
        "mk",
    ]
    assert _count() == 3
    flashes = client.get(f"/meetings/{meeting.id}/minutes/").get_data(as_text=True)
    assert "New people created for: mk" in flashes


def test_log_import_form_errors(client, auth, meeting_world) -> None:
    chair, meeting = meeting_world
    auth.login("chair@example.org")
    url = f"/meetings/{meeting.id}/minutes/import"
    r = client.post(url, data={"log": "hello\n", "version": meeting.lock_version})
    assert r.status_code == 422 and "no #startmeeting" in r.get_data(as_text=True)
    r = client.post(url, data={"log": "", "version": meeting.lock_version})
    assert r.status_code == 422 and "Paste a log" in r.get_data(as_text=True)
    assert _count() == 0


def test_log_import_form_shows_a_cap_with_its_line(client, auth, meeting_world, monkeypatch):
    # issue 12, finding 1: every entry path shows the parser's cap, with the line.
    from meetbot.domain import meetbot_log

    monkeypatch.setattr(meetbot_log, "MAX_ACTIONS", 1)
    chair, meeting = meeting_world
    auth.login("chair@example.org")
    r = client.post(
        f"/meetings/{meeting.id}/minutes/import",
        data={"log": LOG, "version": meeting.lock_version, "step": "preview"},
    )
    assert r.status_code == 422
    assert "line 4: more than 1 #action items in one meeting" in r.get_data(as_text=True)
    assert _count() == 0


def test_log_import_form_asks_before_replacing_another_log(client, auth, meeting_world):
    # issue 12, finding 12: the form refuses a different log beside the choice field,
    # and imports it when the chair chooses to replace.
    chair, meeting = meeting_world
    auth.login("chair@example.org")
    url = f"/meetings/{meeting.id}/minutes/import"
    r = client.post(url, data={"log": LOG, "version": meeting.lock_version, "step": "confirm"})
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.refresh(meeting)
    other = LOG.replace("#topic Charter", "#topic Charter, second draft")
    data = {"log": other, "version": meeting.lock_version, "step": "preview"}
    r = client.post(url, data=data)
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'id="existing-err"' in page
    assert "the meeting has minutes from a different log: choose replace or append" in page
    assert _count() == 3
    r = client.post(url, data={**data, "step": "confirm", "existing": "replace"})
    assert r.status_code == 302, r.get_data(as_text=True)
    texts = set(db.session.scalars(select(MinuteItem.text)))
    assert "Charter, second draft" in texts and "Charter" not in texts


def test_quick_entry_past_the_cap_shows_the_error_beside_the_text(
    app, client, auth, meeting_world
) -> None:
    app.config["MEETBOT_MAX_MINUTE_ITEMS_PER_MEETING"] = 1
    chair, meeting = meeting_world
    minutes.add_item(chair, meeting, kind="info", text="one", version=meeting.lock_version)
    auth.login("chair@example.org")
    r = client.post(
        f"/meetings/{meeting.id}/minutes/items",
        data={"quick-kind": "info", "quick-text": "two", "quick-version": meeting.lock_version},
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "A meeting&#39;s minutes can have at most 1 items; nothing was added." in html
    assert _count() == 1
