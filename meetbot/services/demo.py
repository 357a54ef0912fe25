"""The Edge Computing Group demo, as the group stood in December 2017.

Three work streams, a weekly call alternating between an Americas/Europe-friendly and
an APAC-friendly slot (both in UTC), its first meeting already held with 45 people
from 22 organizations, and the decisions and action items of that call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from meetbot.extensions import db
from meetbot.models import (
    ActionEventKind,
    ActionItem,
    ActionItemEvent,
    Attendance,
    AttendanceSource,
    Group,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Membership,
    MinuteItem,
    Person,
    PersonHandle,
    Role,
    SeriesSlot,
    WorkStream,
)
from meetbot.services.db import unit_of_work

DEMO_SLUG = "edge-computing"
DEMO_PASSWORD = "meetbot-demo"
DEMO_LOGINS = [
    ("admin", "admin@example.org"),
    ("organizer", "ilona.varga@example.org"),
    ("chair", "beth.morgan@example.org"),
    ("member", "kenji.sato@example.org"),
]

# (name, organization, irc nick) — 45 people from 22 organizations.
PEOPLE = [
    ("Ilona Varga", "OpenStack Foundation", "ildikov"),
    ("Beth Morgan", "Ericsson", "bmorgan"),
    ("Kenji Sato", "NTT", "ksato"),
    ("Priya Raman", "Intel", "praman"),
    ("Marcus Webb", "AT&T", "mwebb"),
    ("Elena Petrova", "Red Hat", "epetrova"),
    ("Wei Zhang", "Huawei", "wzhang"),
    ("Jukka Virtanen", "Nokia", "jvirtanen"),
    ("Adrien Lebre", "Inria", "alebre"),
    ("Sam Okafor", "Wind River", "sokafor"),
    ("Lucy Hart", "Canonical", "lhart"),
    ("Li Na", "China Mobile", "lina"),
    ("Hiro Tanaka", "NTT", "htanaka"),
    ("Katrin Schulz", "Deutsche Telekom", "kschulz"),
    ("Tomas Novak", "SUSE", "tnovak"),
    ("Dmitri Orlov", "Mirantis", "dorlov"),
    ("Claire Martin", "Orange", "cmartin"),
    ("Raj Patel", "Cisco", "rpatel"),
    ("Grace Kim", "VMware", "gkim"),
    ("Diego Alvarez", "Juniper", "dalvarez"),
    ("Anna Lindqvist", "Ericsson", "alindqvist"),
    ("Mark Chen", "Intel", "mchen"),
    ("Olivia Brown", "AT&T", "obrown"),
    ("Peter Gruber", "Red Hat", "pgruber"),
    ("Xiao Liu", "Huawei", "xliu"),
    ("Mikko Laine", "Nokia", "mlaine"),
    ("Ronan Le Gall", "Inria", "rlegall"),
    ("Nadia Haddad", "Wind River", "nhaddad"),
    ("James O'Neill", "Canonical", "joneill"),
    ("Zhou Min", "China Mobile", "zmin"),
    ("Sofia Rossi", "Verizon", "srossi"),
    ("Ahmed Saleh", "Verizon", "asaleh"),
    ("Frank Weber", "Deutsche Telekom", "fweber"),
    ("Eva Horak", "SUSE", "ehorak"),
    ("Ivan Petrov", "Mirantis", "ipetrov"),
    ("Julie Bernard", "Orange", "jbernard"),
    ("Neil Gupta", "Cisco", "ngupta"),
    ("Hannah Fischer", "VMware", "hfischer"),
    ("Carlos Mendes", "Juniper", "cmendes"),
    ("Yuki Mori", "Fujitsu", "ymori"),
    ("Paul Dubois", "Fujitsu", "pdubois"),
    ("Rachel Green", "Lenovo", "rgreen"),
    ("Tom Becker", "Lenovo", "tbecker"),
    ("Laura Costa", "Lenovo", "lcosta"),
    ("Victor Hugo", "Fujitsu", "vhugo"),
]

FIRST_MEETING_START = datetime(2017, 12, 5, 15, 0)  # UTC wall time == UTC instant


@dataclass(frozen=True)
class DemoResult:
    created: bool
    group_slug: str
    reason: str = ""


def _email(name: str) -> str:
    local = name.lower().replace("'", "").replace(" ", ".")
    return f"{local}@example.org"


def load_demo(*, only_if_empty: bool = False) -> DemoResult:
    """Load the demo in one transaction; a second run (or a non-empty database with
    ``only_if_empty``) changes nothing."""
    if db.session.scalar(select(Group.id).where(Group.slug == DEMO_SLUG)) is not None:
        return DemoResult(False, DEMO_SLUG, "the demo group is already there.")
    if only_if_empty and db.session.scalar(select(func.count(Group.id))):
        return DemoResult(False, DEMO_SLUG, "the database already holds other groups.")
    with unit_of_work():
        _build()
    return DemoResult(True, DEMO_SLUG)


def _build() -> None:
    password_hash = generate_password_hash(DEMO_PASSWORD)
    login_emails = {email for _, email in DEMO_LOGINS}

    admin = Person(display_name="Site Admin", email="admin@example.org", is_admin=True)
    admin.password_hash = password_hash
    db.session.add(admin)

    group = Group(
        slug=DEMO_SLUG,
        name="OpenStack Edge Computing Group",
        description=(
            "The Edge Computing Group defines infrastructure systems needed to support "
            "applications distributed over a broad geographic area, with potentially "
            "thousands of sites, located as close as possible to discrete data sources.\n\n"
            "Weekly calls alternate between an Americas/Europe-friendly and an "
            "APAC-friendly time. Agendas and notes live here; discussion happens on the "
            "mailing list."
        ),
        mailing_list="edge-computing@lists.openstack.org",
        website="https://wiki.openstack.org/wiki/Edge_Computing_Group",
        timezone="UTC",
        quorum=10,
    )
    db.session.add(group)

    people: dict[str, Person] = {}
    for name, org, nick in PEOPLE:
        email = _email(name)
        person = Person(display_name=name, email=email, organization=org)
        if email in login_emails:
            person.password_hash = password_hash
        person.handles.append(PersonHandle(handle=nick, kind="irc"))
        db.session.add(person)
        people[name] = person
    kenji = people["Kenji Sato"]
    kenji.timezone = "Asia/Tokyo"

    roles = {"Ilona Varga": Role.ORGANIZER, "Beth Morgan": Role.CHAIR, "Adrien Lebre": Role.CHAIR}
    for name, person in people.items():
        db.session.add(
            Membership(group=group, person=person, role=roles.get(name, Role.MEMBER).value)
        )

    streams = {
        "gap-analysis": WorkStream(
            group=group,
            slug="gap-analysis",
            name="OpenStack gap analysis",
            description="Which edge use cases OpenStack serves today, and what is missing.",
            leads=[people["Adrien Lebre"], people["Priya Raman"]],
        ),
        "cross-community": WorkStream(
            group=group,
            slug="cross-community",
            name="Cross-community collaboration",
            description="Work with OPNFV, ONAP, Akraino and other edge communities.",
            leads=[people["Beth Morgan"]],
        ),
        "new-projects": WorkStream(
            group=group,
            slug="new-projects",
            name="New project considerations",
            description="Whether edge needs call for new OpenStack projects.",
            status="proposed",
            leads=[people["Wei Zhang"]],
        ),
    }
    db.session.add_all(streams.values())

    series = MeetingSeries(
        group=group,
        title="Edge Computing Group weekly call",
        description="Weekly call of the Edge Computing Group. Agenda on the meeting page.",
        timezone="UTC",
        location_kind="video",
        location="https://meet.example.org/edge-computing",
        agenda_url="https://etherpad.example.org/p/edge-computing-agenda",
        chairs=[people["Beth Morgan"], people["Adrien Lebre"]],
        work_streams=list(streams.values()),
    )
    americas = SeriesSlot(
        key="americas-europe",
        label="Americas/Europe",
        position=0,
        timezone="UTC",
        start_local=FIRST_MEETING_START,
        duration_minutes=60,
        frequency="weekly",
        interval=2,
    )
    apac = SeriesSlot(
        key="apac",
        label="APAC",
        position=1,
        timezone="UTC",
        start_local=datetime(2017, 12, 13, 7, 0),
        duration_minutes=60,
        frequency="weekly",
        interval=2,
    )
    series.slots = [americas, apac]
    db.session.add(series)

    start = FIRST_MEETING_START.replace(tzinfo=UTC)
    meeting = Meeting(
        group=group,
        series=series,
        slot=americas,
        original_start_local=FIRST_MEETING_START,
        timezone="UTC",
        start_dt=start,
        end_dt=start + timedelta(minutes=60),
        status=MeetingStatus.HELD.value,
        agenda=(
            "1. Introductions: who is here and what brings you to edge\n"
            "2. Scope of the group and the OpenStack Summit edge sessions\n"
            "3. Work streams: gap analysis, cross-community, new projects\n"
            "4. Meeting time for APAC participants\n"
        ),
    )
    db.session.add(meeting)

    organizer = people["Ilona Varga"]
    for i, person in enumerate(people.values()):
        db.session.add(
            Attendance(
                meeting=meeting,
                person=person,
                source=AttendanceSource.DEMO.value,
                recorded_by=organizer,
                recorded_dt=start + timedelta(minutes=5 + i % 20),
            )
        )

    minutes = [
        ("topic", "Introductions", "Beth Morgan"),
        ("info", "45 people from 22 organizations joined the first call.", "Beth Morgan"),
        ("topic", "Scope of the group", "Adrien Lebre"),
        (
            "agreed",
            "The group works in three streams: OpenStack gap analysis, cross-community "
            "collaboration and new project considerations.",
            "Beth Morgan",
        ),
        ("topic", "Meeting time for APAC participants", "Kenji Sato"),
        (
            "agreed",
            "Alternate the weekly call between 15:00 UTC Tuesday and 07:00 UTC Wednesday.",
            "Beth Morgan",
        ),
        ("link", "https://wiki.openstack.org/wiki/Edge_Computing_Group", "Ilona Varga"),
        (
            "idea",
            "Collect edge use cases in a shared document before the gap analysis.",
            "Wei Zhang",
        ),
    ]
    for pos, (kind, text, author) in enumerate(minutes):
        db.session.add(
            MinuteItem(
                meeting=meeting,
                kind=kind,
                text=text,
                author=people[author],
                author_nick=people[author].handles[0].handle,
                said_dt=start + timedelta(minutes=3 * pos + 2),
                position=pos,
                work_stream=streams["gap-analysis"] if "gap" in text else None,
            )
        )

    actions = [
        (
            "Draft the use case template for the gap analysis",
            ["Adrien Lebre", "Priya Raman"],
            date(2017, 12, 19),
            "gap-analysis",
        ),
        (
            "Contact the OPNFV Edge Cloud project about a joint session",
            ["Beth Morgan"],
            date(2018, 1, 9),
            "cross-community",
        ),
        (
            "Set up the APAC-friendly slot and announce it on the mailing list",
            ["Ilona Varga"],
            date(2017, 12, 12),
            None,
        ),
        (
            "Summarize existing edge projects for the new project discussion",
            ["Wei Zhang", "Kenji Sato"],
            date(2018, 1, 16),
            "new-projects",
        ),
    ]
    for text, owners, due, stream in actions:
        item = ActionItem(
            group=group,
            work_stream=streams[stream] if stream else None,
            opened_in=meeting,
            text=text,
            due_date=due,
            owners=[people[o] for o in owners],
        )
        item.events.append(
            ActionItemEvent(meeting=meeting, kind=ActionEventKind.OPENED.value, actor=organizer)
        )
        db.session.add(item)
