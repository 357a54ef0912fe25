"""Anyone can join (issue 15), in the browser, with mail through a real SMTP server
(aiosmtpd on loopback): a newcomer signs up from the group page and ends up a member
with the group's meetings in their calendar feed; an invitation is accepted; a
forgotten password is reset."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tests.browser.conftest import (
    MEMBER,
    ORGANIZER,
    LiveServer,
    expect,
    log_in,
    start_live_server,
)
from tests.mail.smtp_server import SmtpServer

GROUP = "/groups/edge-computing/"
PASSWORD = "lantern otter quietly 42"


@pytest.fixture(scope="module")
def smtp(tmp_path_factory) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path_factory.mktemp("smtp"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, smtp: SmtpServer) -> Iterator[LiveServer]:
    """The demo site, its mail going to the loopback SMTP server."""
    config = {"MEETBOT_MAIL_URL": smtp.url, "MEETBOT_MAIL_FROM": "meetbot <meetbot@meetbot.test>"}
    server = start_live_server(tmp_path_factory.mktemp("live") / "meetbot.sqlite", config)
    yield server
    server.stop()
    with server.app.app_context():
        from meetbot.extensions import db

        db.engine.dispose()


def delivered_link(live_server: LiveServer, smtp: SmtpServer, to: str) -> str:
    """Run the send-mail worker once, then the link in the newest mail to ``to``."""
    from meetbot.mail import outbox

    with live_server.app_context():
        outbox.send_due()
    mails = [m for m in smtp.received if to in str(m["To"]).lower()]
    assert mails, f"no mail to {to}"
    text = mails[-1].get_body(preferencelist=("plain",)).get_content()
    match = re.search(re.escape(live_server.base_url) + r"/\S+", text)
    assert match, text
    return match.group(0)


def test_newcomer_signs_up_from_the_group_page_and_gets_its_calendar(
    new_page, live_server: LiveServer, smtp: SmtpServer
) -> None:
    page = new_page()
    page.goto(GROUP)
    page.get_by_role("link", name="Sign up").click()
    expect(
        page.get_by_text("Make an account to join OpenStack Edge Computing Group")
    ).to_be_visible()
    page.get_by_label("Your name").fill("Nora Newcomer")
    page.get_by_label("E-mail").fill("nora@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()

    page.goto(delivered_link(live_server, smtp, "nora@example.org"))
    page.get_by_role("button", name="Confirm and make my account").click()
    expect(page.get_by_text("you are a member of OpenStack Edge Computing Group")).to_be_visible()
    assert page.url == live_server.url(GROUP)
    expect(page.get_by_text("You are a member of this group.")).to_be_visible()

    # The personal calendar feed (Settings) now carries the group's meetings.
    page.get_by_role("link", name="Nora Newcomer").click()
    feed_url = page.get_by_label("Your feed URL").input_value()
    feed = page.request.get(feed_url)
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    with live_server.app_context():
        from meetbot.extensions import db
        from meetbot.models import Group, MeetingSeries

        titles = db.session.scalars(
            select(MeetingSeries.title).join(Group).where(Group.slug == "edge-computing")
        ).all()
    ics = feed.text().replace("\r\n ", "")
    assert "BEGIN:VEVENT" in ics
    assert any(f"SUMMARY:{title}" in ics for title in titles), ics[:500]


def test_invited_person_accepts_and_joins_with_the_role(
    new_page, live_server: LiveServer, smtp: SmtpServer
) -> None:
    organizer = new_page()
    log_in(organizer, ORGANIZER)
    organizer.goto(GROUP)
    organizer.get_by_role("link", name="Invite people").click()
    organizer.get_by_label("E-mail addresses, one per line").fill("Ivo Invited <ivo@example.org>")
    organizer.get_by_label("Role").select_option("chair")
    organizer.get_by_role("button", name="Send invitations").click()
    expect(organizer.get_by_text("1 invitation(s) sent.")).to_be_visible()
    expect(organizer.locator('[data-status="pending"]')).to_have_count(1)

    guest = new_page()
    guest.goto(delivered_link(live_server, smtp, "ivo@example.org"))
    expect(guest.get_by_label("Your name")).to_have_value("Ivo Invited")
    guest.get_by_label("Choose a password").fill(PASSWORD)
    guest.get_by_role("button", name="Accept and join").click()
    expect(guest.get_by_text("Welcome to OpenStack Edge Computing Group.")).to_be_visible()
    expect(guest.get_by_text("You are a chair of this group.")).to_be_visible()

    organizer.reload()
    expect(organizer.locator('[data-status="accepted"]')).to_have_count(1)


def test_forgotten_password_is_reset_by_mail(
    new_page, live_server: LiveServer, smtp: SmtpServer
) -> None:
    other_device = new_page()
    log_in(other_device, MEMBER)
    page = new_page()
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill(MEMBER)
    page.get_by_role("button", name="Mail me a link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()

    page.goto(delivered_link(live_server, smtp, MEMBER))
    page.get_by_label("New password", exact=True).fill("quartz meadow lantern 9")
    page.get_by_label("New password again").fill("quartz meadow lantern 9")
    page.get_by_role("button", name="Save my new password").click()
    expect(page.get_by_text("every other login of your account has ended")).to_be_visible()

    other_device.goto("/settings")  # the other login ended
    expect(other_device.get_by_role("heading", name="Log in")).to_be_visible()
    page.context.clear_cookies()
    log_in(page, MEMBER, "quartz meadow lantern 9")
