"""The list mail settings in the group settings form."""

from __future__ import annotations

from meetbot.extensions import db
from meetbot.models import Group, Role

FORM = {
    "slug": "edge",
    "name": "Edge",
    "timezone": "UTC",
    "attendance_threshold": "25",
    "attendance_window": "10",
    "mail_tag": "[edge]",
    "mail_agenda": "y",
    "mail_agenda_hours": "12",
    "mail_changes": "y",
}


def test_organizer_sets_the_list_mail(app, client, auth, create_user, create_group) -> None:
    olga = create_user("Olga", email="olga@example.org")
    group = create_group("edge", name="Edge", members={olga: Role.ORGANIZER})
    auth.login("olga@example.org")
    assert "Subject tag of list mail" in client.get("/groups/edge/edit").get_data(as_text=True)
    assert client.post("/groups/edge/edit", data=FORM).status_code == 302
    db.session.expire_all()
    row = db.session.get(Group, group.id)
    assert (row.mail_tag, row.mail_agenda, row.mail_agenda_hours) == ("[edge]", True, 12)
    assert (row.mail_minutes, row.mail_changes) == (False, True)


def test_bad_lead_time_is_shown_beside_the_field(
    app, client, auth, create_user, create_group
) -> None:
    olga = create_user("Olga", email="olga@example.org")
    group = create_group("edge", name="Edge", members={olga: Role.ORGANIZER})
    auth.login("olga@example.org")
    response = client.post("/groups/edge/edit", data={**FORM, "mail_agenda_hours": "500"})
    assert response.status_code == 422
    assert "Number must be between 1 and 168" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Group, group.id).mail_agenda_hours == 24
