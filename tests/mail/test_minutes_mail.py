"""The minutes mail: a chair's button and the API, MeetBot's layout, threaded under the
meeting's agenda mail, once per meeting."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from meetbot.extensions import db
from meetbot.mail import group_mail, outbox
from meetbot.models import OutboxMail, Role
from meetbot.services import minutes as minutes_service
from meetbot.services import minutes_export as minutes_export_service
from meetbot.services.meetings import materialize_occurrence
from tests.api.conftest import ApiClient, assert_error
from tests.mail.test_group_mail import FIRST, START_UTC


def _held(series, chair):
    meeting = materialize_occurrence(series, "slot-0", FIRST)
    db.session.commit()
    minutes_service.add_item(
        chair, meeting, kind="topic", text="Gap analysis", version=meeting.lock_version
    )
    minutes_service.add_item(
        chair, meeting, kind="agreed", text="Publish the draft", version=meeting.lock_version
    )
    return meeting


def test_chair_mails_the_minutes_threaded_under_the_agenda(
    app, client, auth, create_user, create_group, create_series, smtp_server, time_machine
) -> None:
    chloe = create_user("Chloe Chair", email="chloe@example.org")
    group = create_group(
        "edge", name="Edge", timezone="Europe/Berlin", mailing_list="edge@lists.example.org",
        mail_tag="[edge]", members={chloe: Role.CHAIR},
    )  # fmt: skip
    series = create_series(group, title="Edge weekly", timezone="Europe/Berlin", start=FIRST)
    time_machine.move_to(START_UTC - timedelta(hours=2), tick=False)
    group_mail.queue_due_agendas()
    outbox.send_due()
    time_machine.move_to(START_UTC + timedelta(hours=2), tick=False)
    meeting = _held(series, chloe)
    auth.login("chloe@example.org")
    page = client.get(f"/meetings/{meeting.id}/").get_data(as_text=True)
    assert "Mail the minutes to edge@lists.example.org" in page
    assert client.post(f"/meetings/{meeting.id}/minutes/mail").status_code == 302
    assert client.post(f"/meetings/{meeting.id}/minutes/mail").status_code == 302  # no-op
    outbox.send_due()
    agenda, minutes = smtp_server.received
    assert minutes["In-Reply-To"] == agenda["Message-ID"]
    assert minutes["References"] == agenda["Message-ID"]
    assert minutes["Subject"] == "[edge] Minutes: Edge weekly, 2026-03-24"
    assert minutes["Auto-Submitted"] is None  # a person sent it
    body = minutes.get_content().replace("\r\n", "\n")
    assert "Gap analysis" in body and "Publish the draft" in body
    assert f"Meeting page: https://meetbot.test/meetings/{meeting.id}" in body
    expected = minutes_export_service.build_email(
        meeting, "summary", url=f"https://meetbot.test/meetings/{meeting.id}/minutes/"
    )
    assert body.startswith(expected.body.rstrip())


def test_api_mails_the_minutes_once_and_explains_refusals(
    app, client, create_user, create_group, create_series, time_machine
) -> None:
    from meetbot.services import accounts

    chloe = create_user("Chloe Chair", email="chloe@example.org")
    group = create_group("edge", name="Edge", members={chloe: Role.CHAIR})
    series = create_series(group, title="Edge weekly", timezone="Europe/Berlin", start=FIRST)
    time_machine.move_to(START_UTC + timedelta(hours=2), tick=False)
    meeting = _held(series, chloe)
    api = ApiClient(client)
    token = accounts.create_api_token(chloe, "t")
    path = f"/meetings/{meeting.id}/minutes/mail"
    error = assert_error(api.post(path, token=token), 422)
    assert "mailing_list" in error["fields"]
    assert db.session.scalar(select(OutboxMail)) is None
    group.mailing_list = "edge@lists.example.org"
    db.session.commit()
    first = api.post(path, token=token)
    assert first.status_code == 202
    assert first.get_json() == {"queued": True, "to": "edge@lists.example.org"}
    assert api.post(path, token=token).get_json()["queued"] is False
    group.mail_minutes = False
    db.session.commit()
    assert "mail_minutes" in assert_error(api.post(path, token=token), 422)["fields"]
