"""Attendance pages: roster, paste/CSV preview and confirm, check-in, regrets, removal,
permissions, limits, analytics page and CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import Attendance, Membership, Person, Role
from meetbot.services import attendance_links, attendance_roster

START = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
DURING = START + timedelta(minutes=10)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(create_user, create_person, create_group, create_meeting):
    chair = create_user("Carla Chair")
    member = create_user("Mel Member")
    other_chair = create_user("Otto Other")
    group = create_group(members={chair: Role.CHAIR, member: Role.MEMBER})
    create_group(members={other_chair: Role.CHAIR})
    quiet = create_person("Quinn Quiet", handles=["quinn"])
    db.session.add(Membership(group=group, person=quiet, role="member"))
    db.session.commit()
    meeting = create_meeting(group, start=START)
    return {
        "chair": chair,
        "member": member,
        "other": other_chair,
        "quiet": quiet,
        "group": group,
        "meeting": meeting,
    }


def test_roster_page_and_save(client, auth, world, time_machine):
    time_machine.move_to(DURING, tick=False)
    m = world["meeting"]
    auth.login(world["chair"].email)
    html = client.get(f"/meetings/{m.id}/attendance").get_data(as_text=True)
    assert "Quinn Quiet" in html and "Mel Member" in html
    assert 'src="/static/js/attendance.js"' in html
    shown = [world["chair"].id, world["member"].id, world["quiet"].id]
    response = client.post(
        f"/meetings/{m.id}/attendance/roster",
        data={"present": [world["quiet"].id, world["member"].id], "shown": shown},
    )
    assert response.status_code == 302
    assert count(Attendance) == 2
    page = client.get(f"/meetings/{m.id}/").get_data(as_text=True)
    assert 'Present <span class="count">(2)</span>' in page
    # Untick Mel.
    client.post(
        f"/meetings/{m.id}/attendance/roster", data={"present": [world["quiet"].id], "shown": shown}
    )
    assert db.session.scalars(select(Attendance.person_id)).all() == [world["quiet"].id]


def test_member_cannot_record_others(client, auth, world):
    m = world["meeting"]
    auth.login(world["member"].email)
    assert client.get(f"/meetings/{m.id}/attendance").status_code == 403
    for url, data in [
        (f"/meetings/{m.id}/attendance/roster", {"present": [world["quiet"].id]}),
        (f"/meetings/{m.id}/attendance/paste", {"paste-text": "Quinn Quiet"}),
        (f"/meetings/{m.id}/attendance/paste/confirm", {"text": "Quinn Quiet"}),
        (f"/meetings/{m.id}/attendance/regrets", {"regrets-person_id": world["quiet"].id}),
        (f"/meetings/{m.id}/checkin-link", {"link-minutes": 60}),
    ]:
        assert client.post(url, data=data).status_code == 403, url
    assert count(Attendance) == 0


def test_chair_of_another_group_gets_403(client, auth, world):
    m = world["meeting"]
    auth.login(world["other"].email)
    assert client.get(f"/meetings/{m.id}/attendance").status_code == 403
    response = client.post(
        f"/meetings/{m.id}/attendance/paste/confirm", data={"text": "Quinn Quiet"}
    )
    assert response.status_code == 403
    assert count(Attendance) == 0


def test_anonymous_is_sent_to_login(client, world):
    m = world["meeting"]
    response = client.get(f"/meetings/{m.id}/attendance")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(f"/meetings/{m.id}/attendance/roster").status_code == 401
    assert client.post(f"/meetings/{m.id}/checkin").status_code == 401


def test_paste_preview_saves_nothing_then_confirm(client, auth, world, create_person):
    create_person("Sam Jones", email="sam.j@example.org")
    sam_k = create_person("Sam Jones", email="sam.k@example.org")
    m = world["meeting"]
    auth.login(world["chair"].email)
    text = "quinn\nSam Jones\nNora Newcomer <nora@example.org>"
    before = (count(Person), count(Attendance))
    response = client.post(f"/meetings/{m.id}/attendance/paste", data={"paste-text": text})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert (count(Person), count(Attendance)) == before
    statuses = re.findall(r'data-status="(\w+)"', html)
    assert statuses == ["matched", "ambiguous", "new"]
    assert 'data-matched="1"' in html and 'data-new="1"' in html and 'data-ambiguous="1"' in html
    assert "Quinn Quiet" in html
    assert "s…@example.org" in html and "sam.k@example.org" not in html  # masked
    # The text round-trips in the form.
    assert "Nora Newcomer &lt;nora@example.org&gt;" in html
    response = client.post(
        f"/meetings/{m.id}/attendance/paste/confirm",
        data={
            "text": text,
            "choice-0": "match",
            "choice-1": f"person:{sam_k.id}",
            "choice-2": "new",
        },
    )
    assert response.status_code == 302
    recorded = set(db.session.scalars(select(Attendance.person_id)))
    nora = db.session.scalar(select(Person).where(Person.email == "nora@example.org"))
    assert recorded == {world["quiet"].id, sam_k.id, nora.id}


def test_paste_too_many_lines_is_a_clear_error(client, auth, world):
    auth.login(world["chair"].email)
    text = "\n".join(f"Person Number{i}" for i in range(10_000))
    response = client.post(
        f"/meetings/{world['meeting'].id}/attendance/paste", data={"paste-text": text}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="paste-text-err">[^<]*10,000 lines; paste at most 2,000', html)
    assert count(Attendance) == 0 and count(Person) == 4


def _zoom(rows):
    lines = ["Name (Original Name),User Email,Duration (Minutes)"]
    lines += [f"{n},{e},{d}" for n, e, d in rows]
    return ("\n".join(lines) + "\n").encode()


def test_csv_upload_preview_and_confirm(client, auth, world):
    m = world["meeting"]
    auth.login(world["chair"].email)
    data = _zoom(
        [
            ("Quinn Quiet", "", 30),
            ("Nora Newcomer", "nora@example.org", 20),
            ("Nora Newcomer", "nora@example.org", 15),
        ]
    )
    response = client.post(
        f"/meetings/{m.id}/attendance/csv",
        data={"csv-file": (io.BytesIO(data), "zoom.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert count(Attendance) == 0
    assert re.findall(r'data-status="(\w+)"', html) == ["matched", "new"]
    payload = re.search(r'name="payload" value="([^"]+)"', html).group(1)
    # A line that matches nobody waits for the chair's choice: nothing saved, the
    # message beside its select, the preview kept (issue 16).
    waiting = client.post(f"/meetings/{m.id}/attendance/csv/confirm", data={"payload": payload})
    assert waiting.status_code == 422
    assert count(Attendance) == 0 and count(Person) == 4
    assert re.search(r'id="choice-1-error">Choose who this is', waiting.get_data(as_text=True))
    chosen = {"payload": payload, "choice-1": "new"}
    confirm = client.post(f"/meetings/{m.id}/attendance/csv/confirm", data=chosen)
    assert confirm.status_code == 302
    durations = dict(
        db.session.execute(select(Attendance.person_id, Attendance.duration_minutes)).all()
    )
    nora = db.session.scalar(select(Person.id).where(Person.email == "nora@example.org"))
    assert durations == {world["quiet"].id: 30, nora: 35}
    # The same confirm again changes nothing; a tampered payload is refused.
    client.post(f"/meetings/{m.id}/attendance/csv/confirm", data=chosen)
    assert count(Attendance) == 2
    bad = client.post(
        f"/meetings/{m.id}/attendance/csv/confirm", data={"payload": payload[:-3] + "abc"}
    )
    assert bad.status_code == 422
    assert count(Attendance) == 2


def test_csv_without_name_column_errors_beside_field(client, auth, world):
    auth.login(world["chair"].email)
    response = client.post(
        f"/meetings/{world['meeting'].id}/attendance/csv",
        data={"csv-file": (io.BytesIO(b"Join Time,Duration\n10:00,5\n"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="csv-file-err">No name or email column found; columns seen: Join', html)
    assert count(Attendance) == 0


def test_csv_over_the_request_limit_is_413_beside_field(client, auth, world):
    auth.login(world["chair"].email)
    big = b"Name,Email\n" + b"a" * (5 * 1024 * 1024 + 10)
    response = client.post(
        f"/meetings/{world['meeting'].id}/attendance/csv",
        data={"csv-file": (io.BytesIO(big), "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert re.search(r'id="csv-file-err">What you sent is too large \(the limit is 5 MB\)', html)
    assert count(Attendance) == 0


def test_self_checkin_button_and_window(client, auth, world, time_machine):
    m = world["meeting"]
    # Log in after moving the clock: a session cookie signed "in the future" is refused.
    time_machine.move_to(START - timedelta(hours=2), tick=False)
    auth.login(world["member"].email)
    html = client.get(f"/meetings/{m.id}/").get_data(as_text=True)
    assert "I&#39;m here" not in html and "Check-in opens" in html
    response = client.post(f"/meetings/{m.id}/checkin", follow_redirects=True)
    assert "Check-in opens 15 minutes before" in response.get_data(as_text=True)
    assert count(Attendance) == 0
    time_machine.move_to(START - timedelta(minutes=5), tick=False)
    assert "I&#39;m here" in client.get(f"/meetings/{m.id}/").get_data(as_text=True)
    client.post(f"/meetings/{m.id}/checkin")
    entry = db.session.scalar(select(Attendance))
    assert (entry.person_id, entry.source) == (world["member"].id, "self")


def test_non_member_cannot_check_in(client, auth, world, time_machine):
    time_machine.move_to(DURING, tick=False)
    auth.login(world["other"].email)
    assert client.post(f"/meetings/{world['meeting'].id}/checkin").status_code == 403


def test_checkin_link_flow(client, auth, world, time_machine):
    time_machine.move_to(START, tick=False)
    m = world["meeting"]
    auth.login(world["chair"].email)
    html = client.post(f"/meetings/{m.id}/checkin-link", data={"link-minutes": 60}).get_data(
        as_text=True
    )
    link = re.search(r"data-checkin-link>([^<]+)<", html).group(1)
    path = link.replace("https://meetbot.test", "")
    auth.logout()
    assert client.get(path).status_code == 200
    assert client.get(path[:-2] + "zz").status_code == 404
    response = client.post(path, data={"name": "Guest Gina", "email": "gina@example.com"})
    assert response.status_code == 200
    assert "you are recorded as present" in response.get_data(as_text=True)
    gina = db.session.scalar(select(Person).where(Person.email == "gina@example.com"))
    assert (
        db.session.scalar(select(Attendance.source).where(Attendance.person_id == gina.id))
        == "link"
    )
    time_machine.move_to(START + timedelta(minutes=61), tick=False)
    assert client.post(path, data={"name": "Late Larry"}).status_code == 410
    assert count(Attendance) == 1


@pytest.fixture
def limited_client(app_config, db_backend, create_user):
    from meetbot import create_app
    from meetbot.extensions import limiter

    limited = create_app({**app_config, "RATELIMIT_ENABLED": True})
    with limited.app_context():
        limiter.reset()
        yield limited.test_client()
        limiter.reset()


def test_checkin_link_is_rate_limited(limited_client, world, time_machine):
    time_machine.move_to(START, tick=False)
    token = attendance_links.open_checkin_link(world["chair"], world["meeting"], now=START)
    url = f"/checkin/{world['meeting'].id}/{token}"
    codes = [limited_client.post(url, data={"name": "Guest Gina"}).status_code for _ in range(21)]
    assert codes[:20] == [200] * 20
    assert codes[20] == 429


def test_regrets_and_withdrawal(client, auth, world, time_machine):
    time_machine.move_to(START - timedelta(days=1), tick=False)
    m = world["meeting"]
    auth.login(world["member"].email)
    client.post(f"/meetings/{m.id}/regrets")
    entry = db.session.scalar(select(Attendance))
    assert entry.kind == "regrets"
    html = client.get(f"/meetings/{m.id}/").get_data(as_text=True)
    assert "You sent regrets" in html
    client.post(f"/meetings/{m.id}/attendance/{entry.id}/remove")
    assert count(Attendance) == 0


def test_removal_by_chair_only(client, auth, world, time_machine):
    time_machine.move_to(DURING, tick=False)
    m = world["meeting"]
    attendance_roster.save_roster(world["chair"], m, [world["quiet"].id])
    entry_id = db.session.scalar(select(Attendance.id))
    auth.login(world["member"].email)
    assert client.post(f"/meetings/{m.id}/attendance/{entry_id}/remove").status_code == 403
    auth.logout()
    auth.login(world["chair"].email)
    assert client.post(f"/meetings/{m.id}/attendance/{entry_id}/remove").status_code == 302
    assert count(Attendance) == 0
    assert client.post(f"/meetings/{m.id}/attendance/{entry_id}/remove").status_code == 404


# ----------------------------------------------------------------- analytics pages


def test_csv_export_neutralises_formulas_and_needs_a_chair(client, auth, world, create_person):
    evil = create_person('=HYPERLINK("http://x")', organization="+Evil Corp", email="e@x.org")
    db.session.add(Membership(group=world["group"], person=evil, role="member"))
    db.session.commit()
    attendance_roster.save_roster(
        world["chair"], world["meeting"], [evil.id, world["quiet"].id], now=DURING
    )
    url = f"/groups/{world['group'].slug}/attendance.csv"
    auth.login(world["member"].email)
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login(world["chair"].email)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 2
    by_email = {r["email"]: r for r in rows}
    assert by_email["e@x.org"]["name"] == '\'=HYPERLINK("http://x")'
    assert by_email["e@x.org"]["organization"] == "'+Evil Corp"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@"))


def test_report_page_escapes_names_in_chart(client, world, create_person):
    evil = create_person("<script>x</script>")
    db.session.add(Membership(group=world["group"], person=evil, role="member"))
    world["meeting"].title = "Call <b>&"
    db.session.commit()
    attendance_roster.save_roster(world["chair"], world["meeting"], [evil.id], now=DURING)
    html = client.get(f"/groups/{world['group'].slug}/attendance").get_data(as_text=True)
    assert "<script>x" not in html and "&lt;script&gt;x" in html
    assert "Call <b>" not in html
    assert "<svg" in html and "<desc" in html
