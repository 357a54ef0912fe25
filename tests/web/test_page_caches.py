"""Pages keep their rows and viewer-independent panels under the change token (issue
19): a later view shows every change, and one viewer's HTML is never served to
another kind of viewer (a chair's buttons carry their CSRF token)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from meetbot.extensions import db
from meetbot.models import Attendance, Meeting, MinuteItem, Role
from meetbot.services import actions


def test_meeting_page_shows_changes_and_never_mixes_viewers(
    app, client, auth, create_user, create_group, create_meeting
) -> None:
    chair = create_user("Chair", email="chair@example.org")
    group = create_group(slug="cached", members={chair: Role.CHAIR})
    first = create_meeting(group, start=datetime(2025, 3, 4, 15, 0, tzinfo=UTC))
    second = create_meeting(group, start=datetime(2025, 3, 11, 15, 0, tzinfo=UTC))
    actions.create_action(chair, group, text="Review me", meeting=first)
    page = f"/meetings/{second.id}/"

    auth.login("chair@example.org")
    as_chair = client.get(page).get_data(as_text=True)
    assert 'aria-label="Done: Review me"' in as_chair
    # Another visitor right after (nothing committed since): never the chair's HTML.
    anonymous = app.test_client().get(page).get_data(as_text=True)
    assert "Review me" in anonymous and 'aria-label="Done: Review me"' not in anonymous
    assert 'aria-label="Done: Review me"' in client.get(page).get_data(as_text=True)
    auth.logout()

    # A change (a new item) is shown on the next view: the kept panel is replaced.
    actions.create_action(chair, group, text="Added later", meeting=first)
    assert "Added later" in client.get(page).get_data(as_text=True)


def test_stream_and_group_pages_show_changes(
    app, client, create_user, create_group, create_work_stream
) -> None:
    chair = create_user("Chair", email="chair@example.org")
    group = create_group(slug="streams", members={chair: Role.CHAIR})
    stream = create_work_stream(group, slug="infra", name="Infrastructure")
    stream_page = f"/groups/{group.slug}/streams/{stream.slug}/"
    assert "No open action items in this work stream." in client.get(stream_page).get_data(
        as_text=True
    )
    assert "Infrastructure" in client.get(f"/groups/{group.slug}/").get_data(as_text=True)

    actions.create_action(chair, group, text="Stream task", work_stream_id=stream.id)
    assert "Stream task" in client.get(stream_page).get_data(as_text=True)
    stream.name = "Infra, renamed"
    app.extensions["sqlalchemy"].session.commit()
    assert "Infra, renamed" in client.get(f"/groups/{group.slug}/").get_data(as_text=True)


def _archive_panel(client, page: str) -> str:
    html = client.get(page).get_data(as_text=True)
    return html.split('class="panel archive-panel"', 1)[1].split("</section>", 1)[0]


def test_group_archive_panel_is_kept_and_shows_new_minutes_and_started_meetings(
    client, create_group, create_meeting, count_queries, time_machine
) -> None:
    time_machine.move_to(datetime(2026, 3, 2, 13, 0, tzinfo=UTC), tick=False)
    group = create_group(slug="archived")
    past = create_meeting(group, start=datetime(2026, 3, 1, 15, 0, tzinfo=UTC))
    soon = create_meeting(group, start=datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    db.session.add(MinuteItem(meeting=soon, kind="info", text="Prepared", position=1))
    db.session.commit()
    page = f"/groups/{group.slug}/"
    assert "No minutes yet" in _archive_panel(client, page)
    # Kept while nothing changes: a second view counts no meetings with minutes.
    db.session.remove()
    with count_queries() as counter:
        assert "No minutes yet" in _archive_panel(client, page)
    assert not [s for s in counter.statements if "minute_items" in s]

    # A change (minutes of a past meeting) is shown on the next view.
    db.session.add(MinuteItem(meeting=past, kind="info", text="Said", position=1))
    db.session.commit()
    panel = _archive_panel(client, page)
    assert f'href="/meetings/{past.id}/"' in panel and "(1 item)" in panel
    assert f'href="/meetings/{soon.id}/"' not in panel
    # Time alone: once the meeting with prepared minutes has started, it is listed.
    time_machine.move_to(datetime(2026, 3, 2, 15, 0, tzinfo=UTC), tick=False)
    assert f'href="/meetings/{soon.id}/"' not in _archive_panel(client, page)
    time_machine.move_to(datetime(2026, 3, 2, 15, 1, tzinfo=UTC), tick=False)
    panel = _archive_panel(client, page)
    assert f'href="/meetings/{soon.id}/"' in panel and '2026</a> <span class="muted">(2)' in panel
    assert f'href="/meetings/{soon.id}/"' in _archive_panel(client, page)


def _section(html: str, marker: str) -> str:
    return html.split(marker, 1)[1].split("</section>", 1)[0] if marker in html else ""


def test_group_upcoming_and_conflicts_panels_follow_changes_and_the_clock(
    app, client, create_group, create_series, time_machine
) -> None:
    time_machine.move_to(datetime(2026, 3, 2, 14, 50, tzinfo=UTC), tick=False)
    group = create_group(slug="soon")
    weekly = create_series(group, title="Weekly call", start=datetime(2026, 1, 5, 15, 0))
    page = f"/groups/{group.slug}/"

    def upcoming() -> str:
        return _section(client.get(page).get_data(as_text=True), 'class="panel upcoming-panel"')

    first = upcoming()
    assert "Weekly call" in first and "in progress" not in first
    assert 'class="panel conflicts"' not in client.get(page).get_data(as_text=True)
    # A change: the title is shown on the next view.
    weekly.title = "Weekly sync"
    db.session.commit()
    assert "Weekly sync" in upcoming()
    # The clock alone: in progress from the start, then the next week's first.
    time_machine.move_to(datetime(2026, 3, 2, 15, 0, tzinfo=UTC), tick=False)
    assert "in progress" in upcoming()
    time_machine.move_to(datetime(2026, 3, 2, 16, 0, tzinfo=UTC), tick=False)
    later = upcoming()
    assert "in progress" not in later and 'datetime="2026-03-02T15:00:00Z"' not in later

    # A clash on the same channel appears, with its count, on the next view.
    weekly.location = "#wg"
    db.session.commit()
    create_series(group, title="Overlap", start=datetime(2026, 1, 5, 15, 30), location="#wg")

    def clash() -> str:
        return _section(client.get(page).get_data(as_text=True), 'class="panel conflicts"')

    assert "<code>#wg</code> is used by both" in clash() and "Overlap" in clash()
    assert "12 conflict(s) in the next 90 days" in clash()
    # The clock: a running clash counts until it ends, and a new week comes in view.
    time_machine.move_to(datetime(2026, 3, 9, 15, 45, tzinfo=UTC), tick=False)
    assert "13 conflict(s) in the next 90 days" in clash()
    time_machine.move_to(datetime(2026, 3, 9, 16, 0, tzinfo=UTC), tick=False)
    assert "12 conflict(s) in the next 90 days" in clash()


def test_group_action_items_page_is_kept_and_shows_changes(
    app, client, create_user, create_group, create_action_item, count_queries, time_machine
) -> None:
    time_machine.move_to(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), tick=False)
    ann = create_user("Ann", email="ann@example.org")
    group = create_group(slug="acts", members={ann: Role.CHAIR})
    create_action_item(group, text="First task", owners=[ann], due_date=date(2026, 3, 2))
    page = f"/groups/{group.slug}/actions"
    assert "First task" in client.get(page).get_data(as_text=True)
    assert "overdue" not in client.get(page).get_data(as_text=True)
    time_machine.move_to(datetime(2026, 3, 3, 0, 0, tzinfo=UTC), tick=False)
    assert 'class="overdue-row"' in client.get(page).get_data(as_text=True)
    # Kept while nothing changes: a second view reads no action items.
    db.session.remove()
    with count_queries() as counter:
        assert "First task" in client.get(page).get_data(as_text=True)
    assert not [s for s in counter.statements if "action_item" in s]

    # A change: the new item, its owner in the filter and the new count.
    bea = create_user("Bea", email="bea@example.org")
    create_action_item(group, text="Second task", owners=[bea])
    html = client.get(page).get_data(as_text=True)
    assert "Second task" in html and f'<option value="{bea.id}">Bea</option>' in html
    chosen = client.get(f"{page}?owner={bea.id}").get_data(as_text=True)
    assert f'<option value="{bea.id}" selected>Bea</option>' in chosen
    assert "Second task" in chosen and "First task" not in chosen


def test_stream_and_series_panels_follow_changes_and_the_clock(
    app, client, create_user, create_group, create_work_stream, create_series, time_machine
) -> None:
    time_machine.move_to(datetime(2026, 3, 2, 14, 50, tzinfo=UTC), tick=False)
    ann = create_user("Ann", email="ann@example.org")
    group = create_group(slug="streamed", members={ann: Role.MEMBER})
    stream = create_work_stream(group, slug="infra", name="Infrastructure")
    stream_page = f"/groups/{group.slug}/streams/{stream.slug}/"
    weekly = create_series(group, title="Infra call", start=datetime(2026, 1, 5, 15, 0))
    weekly.work_streams.append(stream)
    db.session.commit()

    def series_panel() -> str:
        html = client.get(stream_page).get_data(as_text=True)
        return _section(html, 'class="panel stream-series"')

    first = series_panel()
    assert 'href="/series/' in first and "Upcoming" in first and "in progress" not in first
    # The clock alone: in progress from the start.
    time_machine.move_to(datetime(2026, 3, 2, 15, 0, tzinfo=UTC), tick=False)
    assert "in progress" in series_panel()
    # A change: the renamed series is listed on the next view.
    weekly.title = "Infra sync"
    db.session.commit()
    assert ">Infra sync</a></li>" in series_panel()

    # A held meeting with attendance: the stream's and the series' panels show it.
    series_page = f"/series/{weekly.id}/"
    assert "No attendance recorded for this series yet." in client.get(series_page).get_data(
        as_text=True
    )
    held = Meeting(
        group=group,
        series=weekly,
        slot=weekly.slots[0],
        original_start_local=datetime(2026, 2, 23, 15, 0),
        timezone="UTC",
        start_dt=datetime(2026, 2, 23, 15, 0, tzinfo=UTC),
        end_dt=datetime(2026, 2, 23, 16, 0, tzinfo=UTC),
        status="held",
    )
    db.session.add_all([held, Attendance(meeting=held, person=ann, source="roster")])
    db.session.commit()
    past = _section(client.get(stream_page).get_data(as_text=True), 'id="stream-meetings-h"')
    assert f'href="/meetings/{held.id}/"' in past and "<span data-present>1</span>" in past
    assert "No attendance recorded" not in client.get(series_page).get_data(as_text=True)
