"""Members of a group: add, change roles, remove, join and leave, and the member lists.

Every change keeps a group from losing its last organizer (``_set_role`` checks under a
lock of the group row), runs in one transaction and writes an audit entry.
"""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from meetbot import freshness
from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.models import Group, Membership, Person, Role
from meetbot.services import audit
from meetbot.services.accounts import find_person_by_email, normalize_email
from meetbot.services.db import unit_of_work
from meetbot.services.errors import Conflict, Forbidden, NotFound, field_error
from meetbot.services.list_caps import check_member_room


def set_role(actor: Person | None, group: Group, person: Person, role: Role | None) -> None:
    """Give ``person`` a role in ``group`` (None removes the membership).

    The low-level change for set-up code (demo, imports, scripts): it does not guard
    the last organizer. What people do on the pages and through the API goes through
    ``change_role``, ``remove_member`` and ``leave_group``, which do. Setting the role
    a person already has changes nothing and records nothing."""
    with unit_of_work():
        old = _set_role(group, person, role, keep_an_organizer=False)
        if old != role:
            audit.record(
                actor, group, "membership", person.id, "role_set", role=role.value if role else None
            )


def _lock_group(group: Group) -> None:
    """Serialise membership changes of one group (PostgreSQL: the group row is locked
    until commit, so two organizers demoting each other cannot both pass the
    last-organizer check; SQLite has a single writer anyway)."""
    db.session.execute(select(Group.id).where(Group.id == group.id).with_for_update())


def _membership(group: Group, person: Person) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.person_id == person.id)
    )


def _set_role(
    group: Group, person: Person, role: Role | None, *, keep_an_organizer: bool = True
) -> Role | None:
    """Change the membership in the current transaction; returns the previous role.

    With ``keep_an_organizer``, a change that leaves the group without an organizer
    raises Conflict (the caller's unit of work rolls it back)."""
    _lock_group(group)
    membership = _membership(group, person)
    old = Role(membership.role) if membership is not None else None
    if old == role:
        return old
    if role is None:
        db.session.delete(membership)
    elif membership is None:
        check_member_room(group.id)
        db.session.add(Membership(group=group, person=person, role=role))
    else:
        membership.role = role
    if old is Role.ORGANIZER and keep_an_organizer:
        # Checked after the write (and under the group lock) so a concurrent change
        # is seen; raising rolls the whole unit of work back.
        db.session.flush()
        if _organizer_count(group) == 0:
            raise Conflict(
                f"{person.display_name} is the last organizer of {group.name}: make someone "
                "else an organizer first, so the group is never left without one.",
                {"role": "The last organizer cannot be demoted or removed."},
            )
    return old


def _organizer_count(group: Group) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.group_id == group.id, Membership.role == Role.ORGANIZER)
        )
        or 0
    )


def check_role(value: Role | str | None, field: str = "role") -> Role:
    """A Role from its name, or a field error listing the roles."""
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise field_error(field, f"Choose one of the roles: {names}.") from None


def add_member(
    actor: Person | None,
    group: Group,
    *,
    person_id: int | None = None,
    email: str | None = None,
    name: str | None = None,
    organization: str | None = None,
    role: Role | str = Role.MEMBER,
) -> tuple[Person, bool]:
    """Add a person to ``group`` with ``role``: an existing person by id, or by e-mail
    (the person with that address, or a new person with ``name`` and ``organization``).

    Returns (person, created) where ``created`` says a new Person was made. Someone
    who is already a member is refused (Conflict naming their role: change it
    instead). By e-mail, ``name`` is required even when the address is known, and no
    message names the account it belongs to. One transaction and one audit entry."""
    role = check_role(role)
    name = " ".join(single_line(name).split())
    organization = " ".join(single_line(organization).split()) or None
    if len(name) > 200:
        raise field_error("name", "At most 200 characters.")
    if organization is not None and len(organization) > 200:
        raise field_error("organization", "At most 200 characters.")
    if person_id is None and not (email or "").strip():
        raise field_error("email", "Give an e-mail address, or choose an existing person.")
    with unit_of_work():
        if person_id is not None:
            person, created, field = _person_by_id(person_id), False, "person_id"
        else:
            person, created = _person_by_email(email or "", name, organization)
            field = "email"
        _add_membership(group, person, role, field, check_existing=not created)
        audit.record(
            actor,
            group,
            "membership",
            person.id,
            "member_added",
            role=role.value,
            person=person.display_name,
            created_person=created,
        )
    return person, created


def _person_by_id(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise field_error("person_id", "There is no such person.")
    return person


def _person_by_email(email: str, name: str, organization: str | None) -> tuple[Person, bool]:
    """The person with this address, or a new one; (person, created)."""
    address = normalize_email(email)
    # The name is asked for whether or not the address is known, so the answer
    # never tells whose address it is (nor that it is anyone's).
    if not name:
        raise field_error("name", "Give their name too when adding by e-mail address.")
    person = find_person_by_email(address)
    if person is not None:
        return person, False
    person = Person(display_name=name, email=address, organization=organization)
    db.session.add(person)
    return person, True


def _add_membership(
    group: Group, person: Person, role: Role, field: str, *, check_existing: bool
) -> None:
    """Add the membership under the group lock; Conflict if they already are a member."""
    _lock_group(group)
    existing = _membership(group, person) if check_existing else None
    if existing is not None:
        who = person.display_name if field == "person_id" else "The person with this address"
        message = f"{who} is already a member ({existing.role}); change their role instead."
        raise Conflict(message, {field: message})
    check_member_room(group.id, field=field)
    db.session.add(Membership(group=group, person=person, role=role))
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent add of the same person or e-mail won
        raise Conflict(
            "Someone added this person at the same moment; reload the members list.",
            {field: "Added at the same moment by someone else."},
        ) from None


def get_member(group: Group, person_id: int) -> tuple[Person, Role]:
    """A member of the group and their role (NotFound for anyone else)."""
    row = db.session.execute(
        select(Person, Membership.role)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.group_id == group.id, Person.id == person_id)
    ).first()
    if row is None:
        raise NotFound(f"Person {person_id} is not a member of {group.name}.")
    return row[0], Role(row[1])


def get_membership(group: Group, person_id: int) -> Membership:
    """The membership of a person in the group, with the person loaded (NotFound for
    someone who is not a member)."""
    membership = db.session.scalar(
        members_query(group).where(Membership.person_id == person_id).limit(1)
    )
    if membership is None:
        raise NotFound(f"Person {person_id} is not a member of {group.name}.")
    return membership


def change_role(actor: Person | None, group: Group, person_id: int, role: Role | str) -> Role:
    """Change a member's role (NotFound for a non-member); returns the new role."""
    role = check_role(role)
    person, _ = get_member(group, person_id)
    with unit_of_work():
        old = _set_role(group, person, role)
        if old != role:
            audit.record(actor, group, "membership", person.id, "role_set", role=role)
    return role


def remove_member(actor: Person | None, group: Group, person_id: int) -> bool:
    """Remove a person from the group; False if they were not a member (nothing
    changes). Refused (Conflict) for the last organizer."""
    person = db.session.get(Person, person_id)
    if person is None:
        return False
    with unit_of_work():
        old = _set_role(group, person, None)
        if old is None:
            return False
        audit.record(
            actor,
            group,
            "membership",
            person.id,
            "member_removed" if actor is None or actor.id != person.id else "left",
            role=old.value,
            person=person.display_name,
        )
    return True


def join_group(person: Person, group: Group, *, approved: bool = False) -> tuple[Role, bool]:
    """The person joins as a member; (their role, True if they just joined). Someone
    who is already in the group keeps their role. A group whose organizers approve new
    members refuses (Forbidden) unless ``approved`` (services/join_requests.py)."""
    with unit_of_work():
        _lock_group(group)
        existing = _membership(group, person)
        if existing is not None:
            return Role(existing.role), False
        if group.join_needs_approval and not approved:
            raise Forbidden(
                f"{group.name}'s organizers approve new members: ask to join on its page."
            )
        check_member_room(group.id)
        db.session.add(Membership(group=group, person=person, role=Role.MEMBER))
        try:
            db.session.flush()
        except IntegrityError:  # the same person joined twice at the same moment
            raise Conflict("You joined this group at the same moment in another window.") from None
        audit.record(person, group, "membership", person.id, "joined", role=Role.MEMBER)
    return Role.MEMBER, True


def leave_group(person: Person, group: Group) -> bool:
    """The person leaves the group (False if they were not in it). The last organizer
    cannot leave (Conflict): they name another organizer first."""
    return remove_member(person, group, person.id)


def members(
    group: Group, *, limit: int | None = None, offset: int = 0
) -> list[tuple[Person, Role]]:
    """The group's members with their roles, by name; with ``limit``, the ``limit``
    members from position ``offset`` (a page of them)."""
    query = (
        select(Person, Membership.role)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.group_id == group.id)
        .order_by(Person.display_name, Person.id)
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [(person, Role(role)) for person, role in db.session.execute(query)]


def count_members(group: Group) -> int:
    """How many people belong to the group."""
    return db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.group_id == group.id)
    )


def members_query(group: Group) -> Select:
    """Memberships of the group with their people, by name (for paged lists)."""
    return (
        select(Membership)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.group_id == group.id)
        .options(contains_eager(Membership.person))
        .order_by(Person.display_name, Person.id)
    )


def member_count(group: Group) -> int:
    """How many people belong to the group (counted once per database change)."""

    def count() -> int:
        query = select(func.count()).select_from(Membership).where(Membership.group_id == group.id)
        return db.session.scalar(query) or 0

    return freshness.while_unchanged(("member_count", group.id), count)


def find_people_to_add(group: Group, query: str, *, limit: int = 20) -> list[Person]:
    """People who are not members of ``group`` whose name or organization contains
    ``query``. E-mail addresses are never matched, not even exactly: typing an address
    must not tell an organizer whose it is (add by e-mail for that)."""
    query = " ".join((query or "").split()).lower()
    if not query:
        return []
    like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    members_of_group = select(Membership.person_id).where(Membership.group_id == group.id)
    return list(
        db.session.scalars(
            select(Person)
            .where(
                or_(
                    func.lower(Person.display_name).like(like, escape="\\"),
                    func.lower(Person.organization).like(like, escape="\\"),
                ),
                Person.id.not_in(members_of_group),
            )
            .order_by(Person.display_name, Person.id)
            .limit(limit)
        )
    )


def people_with_role(group: Group, role: Role) -> list[Person]:
    """The group's members with exactly ``role``, by name (filtered in SQL: a group
    can have thousands of members and the page shows a handful of chairs)."""
    return list(
        db.session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.group_id == group.id, Membership.role == role)
            .order_by(Person.display_name)
        )
    )
