"""The group audit log page (/groups/<slug>/audit): organizers only, paginated."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from meetbot.extensions import db
from meetbot.models import AuditEntry, Role
from meetbot.services import audit
from meetbot.services import groups as group_service
from meetbot.services import members as member_service


@pytest.fixture
def people(create_user):
    return {
        "organizer": create_user("Olga Organizer", email="olga@example.org"),
        "chair": create_user("Chen Chair", email="chen@example.org"),
        "member": create_user("Mia Member", email="mia@example.org"),
        "outsider": create_user("Otto", email="otto@example.org"),
    }


@pytest.fixture
def group(people):
    group = group_service.create_group(people["organizer"], slug="edge", name="Edge")
    member_service.set_role(people["organizer"], group, people["chair"], Role.CHAIR)
    member_service.set_role(people["organizer"], group, people["member"], Role.MEMBER)
    group_service.create_work_stream(people["organizer"], group, slug="gap", name="Gap analysis")
    return group


@pytest.mark.parametrize(
    ("who", "status"),
    [("organizer", 200), ("chair", 403), ("member", 403), ("outsider", 403), (None, 302)],
)
def test_only_organizers_see_the_audit_log(client, auth, people, group, who, status) -> None:
    if who:
        auth.login(people[who].email)
    response = client.get("/groups/edge/audit")
    assert response.status_code == status
    page = client.get("/groups/edge/").get_data(as_text=True)
    assert ('href="/groups/edge/audit"' in page) is (status == 200)


def test_entries_show_who_what_when(client, auth, people, group) -> None:
    auth.login("olga@example.org")
    html = client.get("/groups/edge/audit").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td>(.*?)</tr>", html, re.DOTALL)
    # Group created, two roles set, one work stream: four entries, newest first.
    assert len(rows) == 4
    assert "work stream created" in rows[0] and "Olga Organizer" in rows[0]
    assert "group created" in rows[-1]
    assert "<time datetime=" in rows[0]
    assert "4 changes" in html


def test_pagination_and_other_groups_kept_apart(client, auth, people, group) -> None:
    other = group_service.create_group(people["outsider"], slug="other", name="Other")
    start = datetime(2090, 1, 1, tzinfo=UTC)  # after the set-up entries made "now"
    for i in range(60):
        entry = audit.record(people["organizer"], group, "series", i, "updated", n=i)
        entry.created_dt = start + timedelta(minutes=i)
        audit.record(people["outsider"], other, "series", i, "secret_change")
    db.session.commit()
    auth.login("olga@example.org")
    first = client.get("/groups/edge/audit").get_data(as_text=True)
    second = client.get("/groups/edge/audit?page=2").get_data(as_text=True)
    assert "64 changes" in first and "Page 1 of 2" in first
    assert first.count("series updated") == 50
    assert second.count("series updated") == 10 and "group created" in second
    assert "secret" not in first + second
    assert db.session.query(AuditEntry).count() > 120


def test_details_are_escaped(client, auth, people, group) -> None:
    audit.record(people["organizer"], group, "meeting", 1, "renamed", title="<script>x()</script>")
    db.session.commit()
    auth.login("olga@example.org")
    html = client.get("/groups/edge/audit").get_data(as_text=True)
    assert "<script>x()" not in html and "&lt;script&gt;x()" in html
