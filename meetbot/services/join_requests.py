"""Joining a group whose organizers approve new members.

``join_or_request`` is what every "join" button and the join-after-sign-up paths
call: it joins at once, or (when ``Group.join_needs_approval``) records a request and
mails the organizers. An organizer approves (the person becomes a member) or declines
(the request goes). Invitations skip this: an organizer chose the person.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from meetbot.extensions import db
from meetbot.mail import outbox
from meetbot.models import Group, JoinRequest, Membership, Person, Role
from meetbot.services import account_tokens, audit
from meetbot.services import members as member_service
from meetbot.services.db import unit_of_work
from meetbot.services.errors import Forbidden, NotFound
from meetbot.services.permissions import Permission, may

JOINED, ALREADY, REQUESTED = "joined", "already", "requested"


def join_or_request(person: Person, group: Group) -> str:
    """joined, already (a member, or asked before) or requested."""
    if not group.join_needs_approval or _is_member(group, person):
        _, joined = member_service.join_group(person, group, approved=False)
        return JOINED if joined else ALREADY
    if pending_for(group, person) is not None:
        return ALREADY
    try:
        with unit_of_work():
            row = JoinRequest(group=group, person=person)
            db.session.add(row)
            db.session.flush()
            audit.record(person, group, "join_request", row.id, "join_requested")
            _mail_organizers(group, person, row)
    except IntegrityError:  # asked twice at the same moment
        return ALREADY
    return REQUESTED


def _is_member(group: Group, person: Person) -> bool:
    return (
        db.session.scalar(
            select(Membership.id).where(
                Membership.group_id == group.id, Membership.person_id == person.id
            )
        )
        is not None
    )


def _mail_organizers(group: Group, person: Person, row: JoinRequest) -> None:
    organizers = db.session.scalars(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.group_id == group.id, Membership.role == Role.ORGANIZER)
    )
    for organizer in organizers:
        if not organizer.email:
            continue
        outbox.enqueue(
            kind="join_request",
            ref=f"request:{row.id}",
            to=organizer.email,
            subject=f"{person.display_name} asks to join {group.name}",
            text=(
                f"{person.display_name} asks to join {group.name}. Approve or decline at\n\n"
                f"{account_tokens.link(f'/groups/{group.slug}/invitations')}\n"
            ),
            group=group,
        )


def pending_for(group: Group, person: Person) -> JoinRequest | None:
    return db.session.scalar(
        select(JoinRequest).where(
            JoinRequest.group_id == group.id, JoinRequest.person_id == person.id
        )
    )


def pending(group: Group) -> list[JoinRequest]:
    return list(
        db.session.scalars(
            select(JoinRequest).where(JoinRequest.group_id == group.id).order_by(JoinRequest.id)
        )
    )


def decide(actor: Person, group: Group, request_id: int, *, approve: bool) -> Person:
    """Approve (membership) or decline a request; the request is gone either way."""
    if not may(actor, Permission.EDIT_GROUP, group):
        raise Forbidden("Only the group's organizers decide on requests to join.")
    row = db.session.get(JoinRequest, request_id)
    if row is None or row.group_id != group.id:
        raise NotFound("No such request.")
    person = row.person
    if approve:
        member_service.join_group(person, group, approved=True)
    with unit_of_work():
        audit.record(
            actor,
            group,
            "join_request",
            row.id,
            "join_approved" if approve else "join_declined",
            person=person.display_name,
        )
        db.session.delete(row)
    return person


def set_approval(actor: Person, group: Group, needed: bool) -> None:
    if not may(actor, Permission.EDIT_GROUP, group):
        raise Forbidden("Only the group's organizers change who may join.")
    with unit_of_work():
        group.join_needs_approval = needed
        audit.record(actor, group, "group", group.id, "join_approval_set", needed=needed)
