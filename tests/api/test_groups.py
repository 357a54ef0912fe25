"""Groups and work streams through the API: reads, CRUD, validation, pagination, ETags."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import Group, Membership, Role, WorkStream
from tests.api.conftest import assert_error


@pytest.fixture
def organizer(create_user):
    return create_user("Olga Organizer")


@pytest.fixture
def group(create_group, organizer):
    return create_group("edge", name="Edge", members={organizer: Role.ORGANIZER})


def test_list_groups_is_public_and_paged(api, create_group):
    for name in ("Charlie", "Alpha", "Bravo"):
        create_group(name.lower(), name=name)
    first = api.get("/groups?per_page=2")
    assert first.status_code == 200
    body = first.get_json()
    assert [g["slug"] for g in body["items"]] == ["alpha", "bravo"]
    assert body["pagination"]["total"] == 3
    assert body["pagination"]["prev"] is None
    assert 'rel="next"' in first.headers["Link"]
    second = api.get(body["pagination"]["next"].split("/api/v1", 1)[1])
    page2 = second.get_json()
    assert [g["slug"] for g in page2["items"]] == ["charlie"]
    assert page2["pagination"]["next"] is None
    assert page2["pagination"]["prev"] is not None


def test_bad_page_arguments_are_400(api):
    error = assert_error(api.get("/groups?per_page=1000"), 400, "bad_request")
    assert "per_page" in error["fields"]
    assert "page" in assert_error(api.get("/groups?page=zero"), 400)["fields"]


def test_group_detail_has_streams_and_series_with_slots(
    api, group, create_work_stream, create_series, organizer
):
    create_work_stream(group, "gaps", name="Gap analysis", leads=[organizer])
    create_series(
        group,
        title="Weekly",
        timezone="Europe/Berlin",
        start=datetime(2026, 1, 6, 14, 0),
        interval=2,
        chairs=[organizer],
    )
    body = api.get("/groups/edge").get_json()
    assert body["slug"] == "edge"
    assert body["work_streams"] == [
        {
            "slug": "gaps",
            "name": "Gap analysis",
            "description": "",
            "status": "active",
            "leads": [{"id": organizer.id, "display_name": "Olga Organizer"}],
        }
    ]
    (series,) = body["series"]
    assert series["title"] == "Weekly"
    assert series["chairs"] == [{"id": organizer.id, "display_name": "Olga Organizer"}]
    (slot,) = series["slots"]
    assert slot["start_local"] == "2026-01-06T14:00:00"
    assert slot["timezone"] == "Europe/Berlin"
    # 2026-01-06 is a Tuesday; every second week.
    assert slot["rrule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;WKST=MO"


def test_unknown_group_is_404_json(api):
    assert_error(api.get("/groups/nope"), 404, "not_found")


def test_create_group_201_with_location_and_creator_is_organizer(api, create_user, token_for):
    person = create_user("Founder")
    response = api.post(
        "/groups",
        json={"slug": "new-wg", "name": "New WG", "timezone": "America/Los_Angeles"},
        token=token_for(person),
    )
    assert response.status_code == 201, response.get_json()
    assert response.headers["Location"].endswith("/api/v1/groups/new-wg")
    assert response.get_json()["timezone"] == "America/Los_Angeles"
    fetched = api.get(response.headers["Location"].split("/api/v1", 1)[1])
    assert fetched.status_code == 200
    group = db.session.scalar(select(Group).where(Group.slug == "new-wg"))
    role = db.session.scalar(
        select(Membership.role).where(
            Membership.group_id == group.id, Membership.person_id == person.id
        )
    )
    assert role == Role.ORGANIZER.value


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "No slug"}, "slug"),
        ({"slug": "x"}, "name"),
        ({"slug": "Bad Slug!", "name": "x"}, "slug"),
        ({"slug": "ok", "name": "x", "timezone": "Mars/Olympus"}, "timezone"),
        ({"slug": "ok", "name": "x", "quorum": 0}, "quorum"),
        ({"slug": "ok", "name": "x", "colour": "red"}, "colour"),
        ({"slug": "ok", "name": "x" * 201}, "name"),
    ],
)
def test_create_group_validation_422_names_the_field(api, create_user, token_for, body, field):
    token = token_for(create_user())
    error = assert_error(api.post("/groups", json=body, token=token), 422, "validation_error")
    assert field in error["fields"]
    assert db.session.scalar(select(Group.id)) is None


def test_nul_character_is_refused_naming_the_field(api, create_user, token_for):
    token = token_for(create_user())
    response = api.post("/groups", json={"slug": "ok", "name": "nul\x00byte"}, token=token)
    assert "name" in assert_error(response, 422, "validation_error")["fields"]
    assert db.session.scalar(select(Group.id)) is None


def test_duplicate_slug_is_422(api, group, organizer, token_for):
    response = api.post("/groups", json={"slug": "edge", "name": "x"}, token=token_for(organizer))
    assert "slug" in assert_error(response, 422)["fields"]


def test_invalid_json_body_is_400(api, group, organizer, token_for):
    response = api.request(
        "PATCH",
        "/groups/edge",
        data="{not json",
        content_type="application/json",
        token=token_for(organizer),
    )
    assert_error(response, 400)


def test_patch_group_changes_only_given_fields(api, group, organizer, token_for):
    response = api.patch(
        "/groups/edge", json={"description": "Edge things", "quorum": 5}, token=token_for(organizer)
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["name"], body["description"], body["quorum"]) == ("Edge", "Edge things", 5)
    db.session.expire_all()
    assert db.session.get(Group, group.id).quorum == 5


def test_patch_group_validation(api, group, organizer, token_for):
    token = token_for(organizer)
    for body, field in (
        ({"attendance_threshold": 101}, "attendance_threshold"),
        ({"attendance_window": 0}, "attendance_window"),
        ({"timezone": "Nowhere"}, "timezone"),
        ({"slug": "renamed"}, "slug"),
    ):
        assert (
            field in assert_error(api.patch("/groups/edge", json=body, token=token), 422)["fields"]
        )


def test_work_stream_create_and_patch(api, group, organizer, token_for, create_person):
    token = token_for(organizer)
    lead = create_person("Lena Lead")
    response = api.post(
        "/groups/edge/streams",
        json={"slug": "gaps", "name": "Gap analysis", "leads": [lead.id]},
        token=token,
    )
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/api/v1/groups/edge/streams/gaps")
    assert response.get_json()["leads"] == [{"id": lead.id, "display_name": "Lena Lead"}]

    response = api.patch("/groups/edge/streams/gaps", json={"status": "paused"}, token=token)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["name"], len(body["leads"])) == ("paused", "Gap analysis", 1)
    stream = db.session.scalar(select(WorkStream).where(WorkStream.slug == "gaps"))
    assert stream.status == "paused"

    listed = api.get("/groups/edge/streams").get_json()
    assert [s["slug"] for s in listed["items"]] == ["gaps"]


def test_work_stream_with_unknown_lead_is_422(api, group, organizer, token_for):
    response = api.post(
        "/groups/edge/streams",
        json={"slug": "gaps", "name": "Gaps", "leads": [999999]},
        token=token_for(organizer),
    )
    assert "leads" in assert_error(response, 422)["fields"]
    assert db.session.scalar(select(WorkStream.id)) is None


def test_etag_and_304(api, group, organizer, token_for):
    first = api.get("/groups/edge")
    etag = first.headers["ETag"]
    assert etag
    again = api.get("/groups/edge", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    api.patch("/groups/edge", json={"name": "Edge 2"}, token=token_for(organizer))
    changed = api.get("/groups/edge", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.get_json()["name"] == "Edge 2"


def test_patch_group_mail_settings(api, group, organizer, token_for):
    token = token_for(organizer)
    response = api.patch(
        "/groups/edge",
        json={"mail_tag": "[edge]", "mail_agenda_hours": 48, "mail_minutes": False},
        token=token,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["mail_tag"], body["mail_agenda_hours"], body["mail_minutes"]) == (
        "[edge]",
        48,
        False,
    )
    assert body["mail_agenda"] is True
    for bad, field in (({"mail_agenda_hours": 169}, "mail_agenda_hours"),
                       ({"mail_tag": "x" * 41}, "mail_tag")):  # fmt: skip
        assert (
            field in assert_error(api.patch("/groups/edge", json=bad, token=token), 422)["fields"]
        )
    db.session.expire_all()
    assert db.session.get(Group, group.id).mail_agenda_hours == 48
