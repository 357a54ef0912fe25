"""The admin people page merges duplicates (issue 16, point 1)."""

from __future__ import annotations

from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import Person
from tests.conftest import TEST_PASSWORD


def _login(app, email: str):
    client = app.test_client()
    client.post("/login", data={"email": email, "password": TEST_PASSWORD})
    return client


def test_admin_merges_a_duplicate_from_the_people_page(app, create_user, create_person):
    create_user("Root", email="root@example.org", admin=True)
    keep = create_person("Wei Zhang", email="wei@example.org")
    copy = create_person("Wei", email=None, handles=["wei"])
    admin = _login(app, "root@example.org")
    page = admin.get("/admin/people?q=wei").get_data(as_text=True)
    assert 'form="merge-form"' in page and f'name="drop" value="{copy.id}"' in page
    response = admin.post("/admin/people/merge", data={"keep": keep.id, "drop": [copy.id]})
    assert response.status_code == 302
    assert "Merged 1 person into Wei Zhang" in admin.get("/admin/people").get_data(as_text=True)
    assert db.session.scalars(select(Person.display_name).order_by(Person.id)).all() == [
        "Root",
        "Wei Zhang",
    ]


def test_merge_is_for_admins_only(app, create_user, create_person):
    create_user("Member", email="member@example.org")
    keep = create_person("Wei Zhang", email="wei@example.org")
    copy = create_person("Wei", email=None)
    member = _login(app, "member@example.org")
    response = member.post("/admin/people/merge", data={"keep": keep.id, "drop": [copy.id]})
    assert response.status_code == 403
    assert db.session.get(Person, copy.id) is not None
