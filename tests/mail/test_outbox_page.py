"""The group's outbox page: organizers see queued, sent and failed mail, and retry."""

from __future__ import annotations

from sqlalchemy import select

from meetbot.extensions import db
from meetbot.mail import outbox
from meetbot.models import OutboxMail, Role
from meetbot.services.db import unit_of_work


def test_organizer_sees_the_servers_answer_and_retries(
    app, client, auth, create_user, create_group, smtp_server
) -> None:
    olga = create_user("Olga", email="olga@example.org")
    group = create_group("edge", members={olga: Role.ORGANIZER})
    smtp_server.handler.answers["gone@example.org"] = "550 5.1.1 <gone@example.org> unknown"
    with unit_of_work():
        outbox.enqueue(kind="t", ref="1", to="gone@example.org", subject="Agenda", text="x",
                       group=group)  # fmt: skip
        outbox.enqueue(kind="t", ref="2", to="ok@example.org", subject="Minutes", text="x",
                       group=group)  # fmt: skip
    outbox.send_due()
    auth.login("olga@example.org")
    assert "Mail outbox" in client.get("/groups/edge/").get_data(as_text=True)
    page = client.get("/groups/edge/outbox").get_data(as_text=True)
    assert "0 queued, 1 sent, 1 failed, 0 dropped" in page
    assert "550 5.1.1 &lt;gone@example.org&gt; unknown" in page
    failed = db.session.scalar(select(OutboxMail).where(OutboxMail.status == outbox.FAILED))
    response = client.post(f"/groups/edge/outbox/{failed.id}/retry")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxMail, failed.id).status == outbox.QUEUED


def test_the_page_shows_no_file_path(app, client, auth, create_user, create_group) -> None:
    olga = create_user("Olga", email="olga@example.org")
    create_group("edge", members={olga: Role.ORGANIZER})
    app.config["MEETBOT_MAIL_URL"] = "maildir:///srv/secret/place"
    auth.login("olga@example.org")
    page = client.get("/groups/edge/outbox").get_data(as_text=True)
    assert "the server&#39;s Maildir" in page and "/srv/secret" not in page
