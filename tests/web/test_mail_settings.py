"""The Settings page's mail section and the series page's follow button."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from meetbot.extensions import db
from meetbot.mail import prefs
from meetbot.models import MailSettings, OutboxMail, Role, SeriesFollow
from meetbot.services import occurrence_changes as changes
from meetbot.services import series as series_service


def _login(client, auth, create_user):
    ada = create_user("Ada Lovelace", email="ada@example.org")
    assert auth.login("ada@example.org").status_code == 302
    return ada


def _field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{field_id}-err">(.*?)</p>', html, re.DOTALL)
    return match.group(1) if match else ""


def test_defaults_and_saving(client, auth, create_user) -> None:
    ada = _login(client, auth, create_user)
    page = client.get("/settings").get_data(as_text=True)
    assert 'id="mail"' in page and 'name="reminders"' in page
    assert re.search(r"<input[^>]*name=\"reminder_minutes\"[^>]*value=\"60\"", page)
    saved = client.post(
        "/settings/mail",
        data={"reminders": "y", "reminder_minutes": "15", "actions": "digest"},
    )
    assert saved.status_code == 302
    row = db.session.get(MailSettings, ada.id)
    assert (row.reminders, row.reminder_minutes, row.follow_member_series, row.actions) == (
        True, 15, False, "digest",
    )  # fmt: skip


def test_a_bad_lead_time_is_refused_beside_the_field(client, auth, create_user) -> None:
    ada = _login(client, auth, create_user)
    for value, message in (("3000", "Pick 5 to 2880"), ("", "A number of minutes.")):
        response = client.post(
            "/settings/mail", data={"reminders": "y", "reminder_minutes": value, "actions": "each"}
        )
        assert response.status_code == 422
        assert message in _field_error(response.get_data(as_text=True), "reminder_minutes")
    assert db.session.get(MailSettings, ada.id) is None  # nothing saved


def test_follow_button(client, auth, create_user, create_group, create_series) -> None:
    ada = _login(client, auth, create_user)
    group = create_group("edge")
    series = create_series(group, title="Weekly")
    page = client.get(f"/series/{series.id}/").get_data(as_text=True)
    assert ">Follow</button>" in page
    assert client.post(f"/series/{series.id}/follow", data={"follow": "1"}).status_code == 302
    assert db.session.get(SeriesFollow, (ada.id, series.id)).following is True
    page = client.get(f"/series/{series.id}/").get_data(as_text=True)
    assert ">Unfollow</button>" in page and "switch reminders on" in page
    client.post(f"/series/{series.id}/follow", data={"follow": "0"})
    db.session.expire_all()
    assert prefs.is_following(ada, series) is False
    assert client.get(f"/series/{series.id}/").status_code == 200


def test_anonymous_sees_no_follow_button(client, create_group, create_series) -> None:
    series = create_series(create_group("edge"), title="Weekly")
    assert b">Follow</button>" not in client.get(f"/series/{series.id}/").data


def test_ending_a_series_mails_the_cancellation_of_its_changed_meetings(
    app, create_person, create_group, create_series, time_machine
) -> None:
    time_machine.move_to(datetime(2026, 3, 2, 9, 0), tick=False)
    org = create_person("Org")
    group = create_group(
        "edge", mailing_list="edge@lists.example.org", members={org: Role.ORGANIZER}
    )
    series = create_series(group, title="Weekly", start=datetime(2026, 3, 3, 15, 0))
    later = datetime(2026, 3, 17, 15, 0)
    changes.move_occurrence(org, series, "slot-0", later, later + timedelta(hours=1))
    series_service.end_series(org, series, date(2026, 3, 10))
    rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    assert [r.kind for r in rows] == ["moved", "cancelled"]
    assert rows[1].recipient == "edge@lists.example.org"
    assert "Cancelled: Weekly" in rows[1].subject
    assert "The series has ended." in rows[1].message
