"""The group detail embeds a bounded first page of its series, with their count and the
link to the paginated list of all of them."""

from __future__ import annotations

import pytest

from meetbot.models import Role
from meetbot.web.api import groups as groups_api


@pytest.fixture
def group(create_group, create_user):
    return create_group("edge", name="Edge", members={create_user("Olga"): Role.ORGANIZER})


def test_group_detail_embeds_the_first_series_with_count_and_link(
    api, group, create_series, monkeypatch
) -> None:
    monkeypatch.setattr(groups_api, "EMBEDDED_SERIES", 3)
    for title in ("Echo", "Alpha", "Delta", "Bravo", "Foxtrot", "Charlie"):
        create_series(group, title=title)

    body = api.get("/groups/edge").get_json()

    assert [s["title"] for s in body["series"]] == ["Alpha", "Bravo", "Charlie"]
    assert body["series_count"] == 6
    assert body["series_url"] == "http://localhost/api/v1/groups/edge/series"
    # The link lists all of them, and its first page is what the detail embeds.
    listed = api.get("/groups/edge/series?per_page=3").get_json()
    assert listed["pagination"]["total"] == 6
    assert [s["id"] for s in listed["items"]] == [s["id"] for s in body["series"]]
    rest = api.get(listed["pagination"]["next"].split("/api/v1", 1)[1]).get_json()
    assert [s["title"] for s in rest["items"]] == ["Delta", "Echo", "Foxtrot"]


def test_small_group_embeds_every_series(api, group, create_series) -> None:
    for n in range(4):
        create_series(group, title=f"Series {n}")
    body = api.get("/groups/edge").get_json()
    assert body["series_count"] == len(body["series"]) == 4
    assert groups_api.EMBEDDED_SERIES >= 4


def test_group_detail_statements_do_not_grow_with_series(
    api, group, create_series, create_work_stream, create_user, count_queries
) -> None:
    from meetbot.extensions import db

    def add_series(n: int) -> None:
        stream = create_work_stream(group, leads=[create_user()])
        create_series(group, chairs=[create_user()], work_streams=[stream])

    add_series(0)
    api.get("/groups/edge")
    db.session.remove()
    with count_queries() as few:
        assert api.get("/groups/edge").status_code == 200
    for n in range(1, 8):
        add_series(n)
    db.session.remove()
    with count_queries() as many:
        body = api.get("/groups/edge").get_json()
    assert body["series_count"] == 8
    assert many.count == few.count
