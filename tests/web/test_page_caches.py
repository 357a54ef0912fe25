"""Pages keep their rows and viewer-independent panels under the change token (issue
19): a later view shows every change, and one viewer's HTML is never served to
another kind of viewer (a chair's buttons carry their CSRF token)."""

from __future__ import annotations

from datetime import UTC, datetime

from meetbot.models import Role
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
