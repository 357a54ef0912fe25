"""Groups, members and work streams."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import available_timezones

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from meetbot.domain.text import single_line
from meetbot.extensions import db
from meetbot.models import (
    Group,
    MeetingSeries,
    Membership,
    Person,
    Role,
    WorkStream,
    WorkStreamStatus,
)
from meetbot.services import audit
from meetbot.services.db import unit_of_work
from meetbot.services.errors import Conflict, Forbidden, NotFound, field_error

MAX_ATTENDANCE_WINDOW = 1000  # meetings an attendance rate is computed over
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def check_slug(slug: str) -> str:
    """Return a valid slug or raise a field error explaining the format."""
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug):
        raise field_error(
            "slug", "Use 1-64 lower-case letters, digits and hyphens (not at either end)."
        )
    return slug


def check_timezone(name: str, field: str = "timezone") -> str:
    """Return an IANA zone name or raise a field error naming ``field``."""
    name = (name or "").strip()
    if name not in _zones():
        raise field_error(
            field, f"Unknown time zone {name!r}; use an IANA name like Europe/Berlin."
        )
    return name


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def all_timezones() -> list[str]:
    """Every IANA zone name, sorted (for pickers)."""
    return sorted(_zones())


def check_website(url: str | None) -> str | None:
    """An http(s) URL or None: the group page links to it, so no other scheme."""
    url = (url or "").strip()
    if not url:
        return None
    if not url.lower().startswith(("http://", "https://")) or any(c.isspace() for c in url):
        raise field_error("website", "Use an http:// or https:// address.")
    return url


def get_group(slug: str) -> Group:
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    if group is None:
        raise NotFound(f"No group {slug!r}.")
    return group


def get_group_with_streams(slug: str) -> Group:
    """Like get_group(), with work streams and their leads loaded in two more queries
    (the group page lists them all; lazy loads would cost one query per stream)."""
    group = db.session.scalar(
        select(Group)
        .where(Group.slug == slug)
        .options(selectinload(Group.work_streams).selectinload(WorkStream.leads))
    )
    if group is None:
        raise NotFound(f"No group {slug!r}.")
    return group


def get_work_stream(group: Group, slug: str) -> WorkStream:
    stream = db.session.scalar(
        select(WorkStream).where(WorkStream.group_id == group.id, WorkStream.slug == slug)
    )
    if stream is None:
        raise NotFound(f"No work stream {slug!r} in {group.name}.")
    return stream


def list_groups() -> list[Group]:
    """Every group, by name."""
    return list(db.session.scalars(select(Group).order_by(Group.name)))


@dataclass(frozen=True)
class GroupSummary:
    """A group with the counts the groups index shows."""

    group: Group
    work_stream_count: int
    series_count: int


def list_group_summaries() -> list[GroupSummary]:
    """Every group by name with its numbers of work streams and meeting series, in one
    statement (counting through the relationships would load every stream and series
    of every group)."""
    streams = (
        select(func.count())
        .select_from(WorkStream)
        .where(WorkStream.group_id == Group.id)
        .correlate(Group)
        .scalar_subquery()
    )
    series = (
        select(func.count())
        .select_from(MeetingSeries)
        .where(MeetingSeries.group_id == Group.id)
        .correlate(Group)
        .scalar_subquery()
    )
    rows = db.session.execute(select(Group, streams, series).order_by(Group.name, Group.id))
    return [GroupSummary(group, n_streams, n_series) for group, n_streams, n_series in rows]


def create_group(
    actor: Person | None,
    *,
    slug: str,
    name: str,
    description: str = "",
    mailing_list: str | None = None,
    website: str | None = None,
    timezone: str = "UTC",
    quorum: int | None = None,
) -> Group:
    """Create a group; its creator becomes its first organizer."""
    slug = check_slug(slug)
    name = single_line(name)
    if not name:
        raise field_error("name", "A name is required.")
    timezone = check_timezone(timezone)
    website = check_website(website)
    with unit_of_work():
        if db.session.scalar(select(Group.id).where(Group.slug == slug)) is not None:
            raise field_error("slug", f"The slug {slug!r} is already taken.")
        group = Group(
            slug=slug,
            name=name,
            description=description or "",
            mailing_list=(mailing_list or None),
            website=(website or None),
            timezone=timezone,
            quorum=quorum,
        )
        db.session.add(group)
        if actor is not None:
            db.session.add(Membership(group=group, person=actor, role=Role.ORGANIZER.value))
        try:
            db.session.flush()
        except IntegrityError:  # a concurrent create won the race for the slug
            raise field_error("slug", f"The slug {slug!r} is already taken.") from None
        audit.record(actor, group, "group", group.id, "created", slug=slug)
    return group


def update_group(actor: Person | None, group: Group, **fields: object) -> Group:
    """Change a group's settings. Accepts name, description, mailing_list, website,
    timezone, quorum, attendance_threshold, attendance_window, and the list mail
    settings mail_tag, mail_agenda, mail_minutes, mail_changes, mail_agenda_hours."""
    allowed = {
        "mail_tag",
        "mail_agenda",
        "mail_minutes",
        "mail_changes",
        "mail_agenda_hours",
        "name",
        "description",
        "mailing_list",
        "website",
        "timezone",
        "quorum",
        "attendance_threshold",
        "attendance_window",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise field_error(sorted(unknown)[0], "This field cannot be changed here.")
    if "name" in fields:
        fields["name"] = single_line(str(fields["name"] or ""))
        if not fields["name"]:
            raise field_error("name", "A name is required.")
    if "timezone" in fields:
        fields["timezone"] = check_timezone(str(fields["timezone"]))
    if "website" in fields:
        fields["website"] = check_website(fields["website"])  # type: ignore[arg-type]
    threshold = fields.get("attendance_threshold")
    if threshold is not None and not 0 <= int(threshold) <= 100:
        raise field_error("attendance_threshold", "Use a percentage from 0 to 100.")
    window = fields.get("attendance_window")
    if window is not None and not 1 <= int(window) <= MAX_ATTENDANCE_WINDOW:
        # The attendance statistics list this many meetings (API and report).
        raise field_error("attendance_window", f"Use 1 to {MAX_ATTENDANCE_WINDOW} meetings.")
    _check_mail_settings(fields)
    with unit_of_work():
        changed = {}
        for key, value in fields.items():
            if isinstance(value, str):
                value = value.strip() if key in {"name", "timezone"} else value
                if key in {"mailing_list", "website"}:
                    value = value.strip() or None
            if getattr(group, key) != value:
                changed[key] = value
                setattr(group, key, value)
        if changed:
            audit.record(actor, group, "group", group.id, "updated", fields=sorted(changed))
    return group


MAX_MAIL_TAG = 40
AGENDA_HOURS = (1, 168)


def _check_mail_settings(fields: dict[str, object]) -> None:
    """The list mail settings: a one-line tag of at most 40 characters, 1..168 hours."""
    if "mail_tag" in fields:
        tag = " ".join(str(fields["mail_tag"] or "").split())
        if len(tag) > MAX_MAIL_TAG or any(ord(c) < 32 or ord(c) == 127 for c in tag):
            raise field_error("mail_tag", f"Use at most {MAX_MAIL_TAG} printable characters.")
        fields["mail_tag"] = tag
    hours = fields.get("mail_agenda_hours")
    if hours is not None and not AGENDA_HOURS[0] <= int(hours) <= AGENDA_HOURS[1]:  # type: ignore[call-overload]
        raise field_error("mail_agenda_hours", "Send the agenda 1 to 168 hours (a week) before.")
    for name in ("mail_agenda", "mail_minutes", "mail_changes"):
        if name in fields:
            fields[name] = bool(fields[name])


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
        db.session.add(Membership(group=group, person=person, role=role.value))
    else:
        membership.role = role.value
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
            .where(Membership.group_id == group.id, Membership.role == Role.ORGANIZER.value)
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
        created = False
        if person_id is not None:
            person = db.session.get(Person, person_id)
            if person is None:
                raise field_error("person_id", "There is no such person.")
            field = "person_id"
        else:
            from meetbot.services.accounts import find_person_by_email, normalize_email

            address = normalize_email(email or "")
            # The name is asked for whether or not the address is known, so the answer
            # never tells whose address it is (nor that it is anyone's).
            if not name:
                raise field_error("name", "Give their name too when adding by e-mail address.")
            person = find_person_by_email(address)
            field = "email"
            if person is None:
                person = Person(display_name=name, email=address, organization=organization)
                db.session.add(person)
                created = True
        _lock_group(group)
        existing = _membership(group, person) if not created else None
        if existing is not None:
            who = person.display_name if field == "person_id" else "The person with this address"
            message = f"{who} is already a member ({existing.role}); change their role instead."
            raise Conflict(message, {field: message})
        db.session.add(Membership(group=group, person=person, role=role.value))
        try:
            db.session.flush()
        except IntegrityError:  # a concurrent add of the same person or e-mail won
            raise Conflict(
                "Someone added this person at the same moment; reload the members list.",
                {field: "Added at the same moment by someone else."},
            ) from None
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
            audit.record(actor, group, "membership", person.id, "role_set", role=role.value)
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
        db.session.add(Membership(group=group, person=person, role=Role.MEMBER.value))
        try:
            db.session.flush()
        except IntegrityError:  # the same person joined twice at the same moment
            raise Conflict("You joined this group at the same moment in another window.") from None
        audit.record(person, group, "membership", person.id, "joined", role=Role.MEMBER.value)
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
    """How many people belong to the group."""
    return (
        db.session.scalar(
            select(func.count()).select_from(Membership).where(Membership.group_id == group.id)
        )
        or 0
    )


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
            .where(Membership.group_id == group.id, Membership.role == role.value)
            .order_by(Person.display_name)
        )
    )


def _check_stream_fields(name: str, status: str) -> tuple[str, str]:
    name = single_line(name)
    if not name:
        raise field_error("name", "A name is required.")
    if status not in {s.value for s in WorkStreamStatus}:
        raise field_error("status", f"Unknown status {status!r}.")
    return name, status


def _leads(lead_ids: Iterable[int]) -> list[Person]:
    ids = sorted(set(lead_ids))
    if not ids:
        return []
    people = list(db.session.scalars(select(Person).where(Person.id.in_(ids))))
    if len(people) != len(ids):
        raise field_error("leads", "A lead is not a known person.")
    return people


def create_work_stream(
    actor: Person | None,
    group: Group,
    *,
    slug: str,
    name: str,
    description: str = "",
    status: str = WorkStreamStatus.ACTIVE.value,
    lead_ids: Iterable[int] = (),
) -> WorkStream:
    """Add a work stream to a group."""
    slug = check_slug(slug)
    name, status = _check_stream_fields(name, status)
    with unit_of_work():
        exists = db.session.scalar(
            select(WorkStream.id).where(WorkStream.group_id == group.id, WorkStream.slug == slug)
        )
        if exists is not None:
            raise field_error("slug", f"{group.name} already has a work stream {slug!r}.")
        leads = _leads(lead_ids)
        stream = WorkStream(
            group=group,
            slug=slug,
            name=name,
            description=description or "",
            status=status,
            leads=leads,
        )
        db.session.add(stream)
        try:
            db.session.flush()
        except IntegrityError:
            raise field_error("slug", f"{group.name} already has a work stream {slug!r}.") from None
        audit.record(actor, group, "work_stream", stream.id, "created", slug=slug)
    return stream


def update_work_stream(
    actor: Person | None,
    stream: WorkStream,
    *,
    name: str,
    description: str = "",
    status: str = WorkStreamStatus.ACTIVE.value,
    lead_ids: Iterable[int] = (),
) -> WorkStream:
    """Change a work stream's name, description, status and leads."""
    name, status = _check_stream_fields(name, status)
    with unit_of_work():
        stream.name = name
        stream.description = description or ""
        stream.status = status
        stream.leads = _leads(lead_ids)
        audit.record(actor, stream.group, "work_stream", stream.id, "updated")
    return stream
