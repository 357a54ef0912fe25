"""Reads of people, their API tokens and their attendance entries."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from meetbot.extensions import db
from meetbot.models import ApiToken, Attendance, Person, PersonHandle
from meetbot.services.errors import NotFound
from meetbot.services.paging import Query


def people_query(q: str) -> Query:
    """People by name; a non-empty ``q`` keeps those whose name or a handle contains it."""
    query = (
        select(Person)
        .options(selectinload(Person.handles))
        .order_by(Person.display_name, Person.id)
    )
    q = q.strip().lower()
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        handle_match = select(PersonHandle.person_id).where(
            PersonHandle.handle.like(like, escape="\\")
        )
        query = query.where(
            or_(Person.display_name.ilike(like, escape="\\"), Person.id.in_(handle_match))
        )
    return query


def find_person(person_id: int) -> Person | None:
    """The person with this id, or None."""
    return db.session.get(Person, person_id)


def get_person(person_id: int) -> Person:
    """The person with this id (NotFound "No person N." if none)."""
    person = find_person(person_id)
    if person is None:
        raise NotFound(f"No person {person_id}.")
    return person


def tokens_query(person: Person) -> Query:
    """The person's API tokens, oldest first."""
    return select(ApiToken).where(ApiToken.person_id == person.id).order_by(ApiToken.id)


def own_token(person: Person, token_id: int) -> ApiToken:
    """The person's token ``token_id``; someone else's is NotFound too (ids reveal nothing)."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.person_id != person.id:
        raise NotFound(f"No token {token_id}.")
    return row


def attendance_entry(meeting_id: int, person_id: int) -> Attendance | None:
    """The person's attendance entry at the meeting, or None."""
    return db.session.scalar(
        select(Attendance).where(
            Attendance.meeting_id == meeting_id, Attendance.person_id == person_id
        )
    )
