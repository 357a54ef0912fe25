"""People matching a chair can trust (issue 16, point 1): unsure lines wait for a
choice, never default to "create"; phones, rooms and bots are left out with a reason;
overlapping joins count once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import Attendance, Membership, Person, Role
from meetbot.services import attendance_import, attendance_links
from meetbot.services.demo import PEOPLE
from meetbot.services.errors import ValidationError

START = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
DURING = START + timedelta(minutes=20)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def edge(create_user, create_person, create_group, create_meeting):
    """44 of the Edge group's people, members with e-mails and IRC nicks."""
    chair = create_user("Chair Person")
    group = create_group(members={chair: Role.CHAIR})
    people = {}
    for name, org, nick in PEOPLE[:44]:
        email = name.lower().replace("'", "").replace(" ", ".") + "@example.org"
        person = create_person(name, email=email, handles=[nick], organization=org)
        db.session.add(Membership(group=group, person=person, role=Role.MEMBER.value))
        people[name] = person
    db.session.commit()
    return {"chair": chair, "meeting": create_meeting(group, start=START), "people": people}


def _pasted(edge) -> str:
    names = [n for n in edge["people"] if n not in {"Adrien Lebre", "Wei Zhang", "Elena Petrova"}]
    return "\n".join([*names, "Adrien", "Wei", "Elena P."])


def test_first_names_and_first_l_wait_for_a_choice_and_nothing_is_created(edge):
    identities = attendance_import.parse_paste(_pasted(edge))
    lines = attendance_import.preview(edge["meeting"], identities)
    unsure = {ln.label: ln for ln in lines if ln.status != "matched"}
    assert {k: (v.status, [c.display_name for c in v.candidates]) for k, v in unsure.items()} == {
        "Adrien": ("suggested", ["Adrien Lebre"]),
        "Wei": ("suggested", ["Wei Zhang"]),
        "Elena P.": ("suggested", ["Elena Petrova"]),
    }
    people_before = count(Person)
    with pytest.raises(ValidationError) as exc:
        attendance_import.confirm_import(
            edge["chair"], edge["meeting"], identities, {}, source="paste", ask=True, now=DURING
        )
    assert sorted(exc.value.fields) == sorted(f"choice-{ln.index}" for ln in unsure.values())
    assert (count(Attendance), count(Person)) == (0, people_before)

    choices = {ln.index: f"person:{ln.candidates[0].id}" for ln in unsure.values()}
    changes = attendance_import.confirm_import(
        edge["chair"], edge["meeting"], identities, choices, source="paste", ask=True, now=DURING
    )
    assert (len(changes.added), changes.created_people) == (44, [])
    assert (count(Attendance), count(Person)) == (44, people_before)


def test_unsure_lines_are_skipped_not_created_without_ask(edge):
    identities = attendance_import.parse_paste("Adrien\nNobody Close")
    changes = attendance_import.confirm_import(
        edge["chair"], edge["meeting"], identities, {}, source="paste", now=DURING
    )
    assert (changes.added, changes.created_people) == ([], [])
    assert changes.skipped == [
        "line 1 (Adrien): no sure match; not chosen",
        "line 2 (Nobody Close): no sure match; not chosen",
    ]


ZOOM = (
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
    "Beth Morgan,beth.morgan@example.org,03/03/2026 03:00:00 PM,03/03/2026 04:00:00 PM,60,No\n"
    "Wei Zhang,wei.zhang@example.org,03/03/2026 03:00:00 PM,03/03/2026 04:00:00 PM,60,No\n"
    "Wei Zhang,wei.zhang@example.org,03/03/2026 03:19:00 PM,03/03/2026 04:00:00 PM,41,No\n"
    "iPhone,,03/03/2026 03:02:00 PM,03/03/2026 03:40:00 PM,38,Yes\n"
    "Edge WG Otter.ai,,03/03/2026 03:00:00 PM,03/03/2026 04:00:00 PM,60,Yes\n"
    "Kenji Sato (NTT),,03/03/2026 03:05:00 PM,03/03/2026 04:00:00 PM,55,Yes\n"
)


def test_zoom_export_leaves_out_bots_and_phones_and_merges_overlapping_joins(edge):
    participants = attendance_import.parse_csv(ZOOM.encode())
    lines = attendance_import.preview(edge["meeting"], participants)
    assert [(ln.label, ln.status, ln.reason) for ln in lines] == [
        ("Beth Morgan", "matched", None),
        ("Wei Zhang", "matched", None),
        ("iPhone", "not_person", "a phone or device, not a person"),
        ("Edge WG Otter.ai", "not_person", "note-taking or recording bot"),
        ("Kenji Sato", "matched", None),
    ]
    people_before = count(Person)
    changes = attendance_import.confirm_import(
        edge["chair"], edge["meeting"], participants, {}, source="csv", ask=True, now=DURING
    )
    assert len(changes.added) == 3 and count(Person) == people_before
    assert changes.skipped == [
        "line 5 (iPhone): left out, a phone or device, not a person",
        "line 6 (Edge WG Otter.ai): left out, note-taking or recording bot",
    ]
    wei = edge["people"]["Wei Zhang"]
    minutes = db.session.scalar(
        select(Attendance.duration_minutes).where(Attendance.person_id == wei.id)
    )
    assert minutes == 60


def test_a_chair_may_say_a_not_person_line_is_a_person(edge):
    identities = attendance_import.parse_paste("Conference Room B")
    changes = attendance_import.confirm_import(
        edge["chair"], edge["meeting"], identities, {0: "new"}, source="paste", now=DURING
    )
    assert len(changes.created_people) == 1


def test_the_site_extends_the_not_people_list(edge, app):
    app.config["MEETBOT_NOT_PEOPLE"] = ("Lab Speaker",)
    (line,) = attendance_import.preview(
        edge["meeting"], attendance_import.parse_paste("Edge lab speaker")
    )
    assert (line.status, line.reason) == ("not_person", "on this site's not-a-person list")


def test_checkin_link_asks_for_the_full_name_instead_of_creating_a_near_duplicate(edge):
    token = attendance_links.open_checkin_link(edge["chair"], edge["meeting"], now=START)
    people_before = count(Person)
    with pytest.raises(ValidationError) as exc:
        attendance_links.check_in_with_link(edge["meeting"], token, name="Adrien", now=DURING)
    assert "full name" in exc.value.fields["name"]
    assert (count(Person), count(Attendance)) == (people_before, 0)
    person, _ = attendance_links.check_in_with_link(
        edge["meeting"], token, name="Adrien Lebre", now=DURING
    )
    assert person.id == edge["people"]["Adrien Lebre"].id
