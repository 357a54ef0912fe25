"""Meeting attendance through the API: marks, pasted lists and call CSVs (dry run = the
preview). Each: no token 401, member 403 (nothing changed), 422 with fields, the happy path."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import (
    Attendance,
    Meeting,
    MeetingStatus,
    Person,
)
from tests.api.conftest import (
    CSV,
    assert_error,
    count_rows,
    saved_state,
)


def test_put_and_delete_attendance_are_idempotent(api, call):
    m, ann = call["meeting"], call["ann"]
    path = f"/meetings/{m.id}/attendance/{ann.id}"
    first = api.put(path, json={}, token=call["chair"])
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["person"] == {"id": ann.id, "display_name": "Ann Lee"}
    again = api.put(path, json={"kind": "present"}, token=call["chair"])
    assert again.status_code == 200
    assert count_rows(Attendance) == 1
    body = api.get(f"/meetings/{m.id}").get_json()
    assert [a["person"]["id"] for a in body["attendees"]] == [ann.id]
    # Presence after the start holds the meeting; while it runs the API says so.
    assert body["status"] == "in_progress"
    db.session.expire_all()
    assert db.session.get(Meeting, m.id).status == MeetingStatus.HELD

    regrets = api.put(
        f"/meetings/{m.id}/attendance/{call['bob'].id}",
        json={"kind": "regrets"},
        token=call["chair"],
    )
    assert regrets.status_code == 200
    body = api.get(f"/meetings/{m.id}").get_json()
    assert [a["person"]["id"] for a in body["regrets"]] == [call["bob"].id]

    assert api.delete(path, token=call["chair"]).status_code == 204
    assert api.delete(path, token=call["chair"]).status_code == 204
    assert [a["person"]["id"] for a in api.get(f"/meetings/{m.id}/attendance").get_json()] == [
        call["bob"].id
    ]


def test_attendance_needs_a_chair(api, call):
    path = f"/meetings/{call['meeting'].id}/attendance/{call['ann'].id}"
    assert_error(api.put(path, json={}, token=call["member"]), 403)
    assert_error(api.put(path, json={}), 401)
    assert_error(api.put(path, json={}, token="mbt_nope"), 401)
    assert count_rows(Attendance) == 0
    assert_error(
        api.put(f"/meetings/{call['meeting'].id}/attendance/999999", json={}, token=call["chair"]),
        404,
    )


def test_import_by_names_emails_and_handles(api, call):
    m = call["meeting"]
    text = "Ann Lee\nbob@example.org, @annl\nZed Newcomer <zed@example.org>"
    response = api.post(
        f"/meetings/{m.id}/attendance/import", json={"text": text}, token=call["chair"]
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    statuses = [(line["status"], line["person_id"]) for line in body["lines"]]
    assert statuses[:3] == [
        ("matched", call["ann"].id),
        ("matched", call["bob"].id),
        ("matched", call["ann"].id),
    ]
    assert statuses[3][0] == "new"
    zed = db.session.scalar(select(Person).where(Person.email == "zed@example.org"))
    assert body["created_people"] == [zed.id]
    present = sorted(a["person"]["id"] for a in body["meeting"]["attendees"])
    assert present == sorted([call["ann"].id, call["bob"].id, zed.id])
    # Again: nothing new.
    again = api.post(
        f"/meetings/{m.id}/attendance/import", json={"text": text}, token=call["chair"]
    ).get_json()
    assert again["added"] == [] and again["created_people"] == []
    assert count_rows(Attendance) == 3


def test_import_without_creating_people(api, call):
    m = call["meeting"]
    response = api.post(
        f"/meetings/{m.id}/attendance/import",
        json={"text": "Nobody Known", "create_new": False},
        token=call["chair"],
    ).get_json()
    assert response["created_people"] == [] and response["added"] == []
    assert count_rows(Attendance) == 0


def test_import_too_large_is_422(api, call):
    text = "\n".join(f"Person {i}" for i in range(3000))
    response = api.post(
        f"/meetings/{call['meeting'].id}/attendance/import",
        json={"text": text},
        token=call["chair"],
    )
    assert "text" in assert_error(response, 422)["fields"]
    assert count_rows(Attendance) == 0


def test_csv_dry_run_then_confirm_by_multipart(api, edge) -> None:
    m = edge["meeting"]
    before = saved_state()
    path = f"/meetings/{m.id}/attendance/csv"
    r = api.post(
        path + "?dry_run=true",
        data={"file": (io.BytesIO(CSV), "zoom.csv")},
        token=edge["chair"],
        content_type="multipart/form-data",
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["dry_run"] is True and body["added"] == []
    assert [
        (ln["label"], ln["status"], ln["person_id"], ln["duration_minutes"]) for ln in body["lines"]
    ] == [
        ("Ann Lee", "matched", edge["ann"].id, 40),
        ("Zed Newcomer", "new", None, 20),
    ]
    assert saved_state() == before

    r = api.post(
        path,
        data={"file": (io.BytesIO(CSV), "zoom.csv")},
        token=edge["chair"],
        content_type="multipart/form-data",
    )
    body = r.get_json()
    assert r.status_code == 200 and body["dry_run"] is False
    assert len(body["added"]) == 2 and len(body["created_people"]) == 1
    attendees = {
        (a["person"]["display_name"], a["source"], a["duration_minutes"])
        for a in body["meeting"]["attendees"]
    }
    assert attendees == {("Ann Lee", "csv", 40), ("Zed Newcomer", "csv", 20)}
    # Idempotent: the same file again adds nothing.
    again = api.post(path, data=CSV, token=edge["chair"], content_type="text/csv").get_json()
    assert again["added"] == [] and again["created_people"] == []


def test_csv_raw_body_without_creating_people(api, edge) -> None:
    m = edge["meeting"]
    r = api.post(
        f"/meetings/{m.id}/attendance/csv?create_new=false",
        data=CSV,
        token=edge["chair"],
        content_type="text/csv",
    )
    body = r.get_json()
    assert r.status_code == 200
    assert body["added"] == [edge["ann"].id] and body["created_people"] == []
    assert len(body["skipped"]) == 1 and "Zed Newcomer" in body["skipped"][0]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (lambda: b"", "text/csv"),
        (lambda: b"Join Time,Duration\n10:00,5\n", "text/csv"),
        (lambda: {"other": (io.BytesIO(CSV), "x.csv")}, "multipart/form-data"),
    ],
)
def test_bad_csv_is_422_on_file(api, edge, data, content_type) -> None:
    before = saved_state()
    r = api.post(
        f"/meetings/{edge['meeting'].id}/attendance/csv",
        data=data(),  # a fresh body per run (an upload's file is closed after use)
        token=edge["chair"],
        content_type=content_type,
    )
    assert "file" in assert_error(r, 422)["fields"]
    assert saved_state() == before


@pytest.mark.parametrize(("token", "status"), [(None, 401), ("member", 403)])
def test_csv_needs_a_chair(api, edge, token, status) -> None:
    before = saved_state()
    r = api.post(
        f"/meetings/{edge['meeting'].id}/attendance/csv",
        data=CSV,
        token=edge.get(token),
        content_type="text/csv",
    )
    assert_error(r, status)
    assert saved_state() == before
