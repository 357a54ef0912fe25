"""The Edge Computing Group demo: a living year of the group, relative to today.

Three work streams, a weekly call alternating between an Americas/Europe-friendly and
an APAC-friendly slot (both in UTC), 45 people from 22 organizations (each in their
own city's time zone) at the first call a year ago, a core of about 20 since, and a
newcomer most months; every held call has attendance, minutes and action items
(done, dropped, open, overdue); the holiday break and one Summit week are cancelled
and two calls were moved (``demo_history``). Seeded, so the same day gives the same
year; loaded once (a second run changes nothing).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from meetbot.extensions import db
from meetbot.models import (
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
from meetbot.services import demo_history as history
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

# People who joined during the year, one a month: (name, organization, nick, zone).
NEWCOMERS = [
    ("Aisha Bello", "Orange", "abello", "Africa/Lagos"),
    ("Minjun Park", "Ericsson", "mpark", "Asia/Seoul"),
    ("Lucas Silva", "Red Hat", "lsilva", "America/Sao_Paulo"),
    ("Chloe Tremblay", "Ericsson", "ctremblay", "America/Toronto"),
    ("Arjun Nair", "Juniper", "anair", "Asia/Kolkata"),
    ("Emma Wilson", "Canonical", "ewilson", "Australia/Sydney"),
    ("Omar Farouk", "Nokia", "ofarouk", "Africa/Cairo"),
    ("Sara Lindgren", "Ericsson", "slindgren", "Europe/Stockholm"),
    ("Daniel Cohen", "Intel", "dcohen", "Asia/Jerusalem"),
    ("Mei Tanaka", "Fujitsu", "mtanaka", "Asia/Tokyo"),
    ("Pablo Ruiz", "Orange", "pruiz", "Europe/Madrid"),
    ("Grace Otieno", "Canonical", "gotieno", "Africa/Nairobi"),
]

# The organizer and chair logins saved no zone: pages follow their browser's zone
# (Kenji, the member login, saved Asia/Tokyo).
FOLLOW_BROWSER_ZONE = {"Ilona Varga", "Beth Morgan"}

# Where each organization's people work (the slot finder reads members' zones).
ORG_ZONES = {
    "OpenStack Foundation": "America/Chicago",
    "Ericsson": "Europe/Stockholm",
    "NTT": "Asia/Tokyo",
    "Intel": "America/Los_Angeles",
    "AT&T": "America/New_York",
    "Red Hat": "Europe/Prague",
    "Huawei": "Asia/Shanghai",
    "Nokia": "Europe/Helsinki",
    "Inria": "Europe/Paris",
    "Wind River": "America/Denver",
    "Canonical": "Europe/London",
    "China Mobile": "Asia/Shanghai",
    "Deutsche Telekom": "Europe/Berlin",
    "SUSE": "Europe/Berlin",
    "Mirantis": "Europe/Warsaw",
    "Orange": "Europe/Paris",
    "Cisco": "America/Los_Angeles",
    "VMware": "Asia/Kolkata",
    "Juniper": "America/Los_Angeles",
    "Verizon": "America/New_York",
    "Fujitsu": "Asia/Tokyo",
    "Lenovo": "Asia/Singapore",
}


@dataclass(frozen=True)
class DemoResult:
    created: bool
    group_slug: str
    reason: str = ""


def _email(name: str) -> str:
    local = name.lower().replace("'", "").replace(" ", ".")
    return f"{local}@example.org"


def load_demo(*, only_if_empty: bool = False, today: date | None = None) -> DemoResult:
    """Load the demo in one transaction; a second run (or a non-empty database with
    ``only_if_empty``) changes nothing. ``today`` (default: today in UTC) is the end
    of the demo's year of calls."""
    if db.session.scalar(select(Group.id).where(Group.slug == DEMO_SLUG)) is not None:
        return DemoResult(False, DEMO_SLUG, "the demo group is already there.")
    if only_if_empty and db.session.scalar(select(func.count(Group.id))):
        return DemoResult(False, DEMO_SLUG, "the database already holds other groups.")
    with unit_of_work():
        _build(today or datetime.now(UTC).date())
    return DemoResult(True, DEMO_SLUG)


FIRST_AGENDA = (
    "1. Introductions: who is here and what brings you to edge\n"
    "2. Scope of the group and the OpenStack Summit edge sessions\n"
    "3. Work streams: gap analysis, cross-community, new projects\n"
    "4. Meeting time for APAC participants\n"
)

FIRST_MINUTES = [
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


def _build(today: date) -> None:
    password_hash = generate_password_hash(DEMO_PASSWORD)
    admin = Person(display_name="Site Admin", email="admin@example.org", is_admin=True)
    admin.password_hash = password_hash
    db.session.add(admin)
    group = _group()
    people = _people(password_hash)
    _memberships(group, people)
    streams = _streams(group, people)
    first = history.anchor(today)
    series = _series(group, people, streams, first)
    _year(group, series, people, streams, today)


def _group() -> Group:
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
    return group


def _people(password_hash: str) -> dict[str, Person]:
    login_emails = {email for _, email in DEMO_LOGINS}
    rows = [(n, o, h, ORG_ZONES[o]) for n, o, h in PEOPLE] + NEWCOMERS
    people: dict[str, Person] = {}
    for name, org, nick, zone in rows:
        email = _email(name)
        zone = None if name in FOLLOW_BROWSER_ZONE else zone
        person = Person(display_name=name, email=email, organization=org, timezone=zone)
        if email in login_emails:
            person.password_hash = password_hash
        person.handles.append(PersonHandle(handle=nick, kind="irc"))
        db.session.add(person)
        people[name] = person
    return people


def _memberships(group: Group, people: dict[str, Person]) -> None:
    roles = {"Ilona Varga": Role.ORGANIZER, "Beth Morgan": Role.CHAIR, "Adrien Lebre": Role.CHAIR}
    for name, person in people.items():
        db.session.add(Membership(group=group, person=person, role=roles.get(name, Role.MEMBER)))


def _streams(group: Group, people: dict[str, Person]) -> dict[str, WorkStream]:
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

    db.session.add_all(streams.values())
    return streams


def _series(
    group: Group, people: dict[str, Person], streams: dict[str, WorkStream], first: date
) -> MeetingSeries:
    apac_day = first + timedelta(days=8)
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
        start_local=datetime(first.year, first.month, first.day, 15, 0),
        duration_minutes=60,
        frequency="weekly",
        interval=2,
    )
    apac = SeriesSlot(
        key="apac",
        label="APAC",
        position=1,
        timezone="UTC",
        start_local=datetime(apac_day.year, apac_day.month, apac_day.day, 7, 0),
        duration_minutes=60,
        frequency="weekly",
        interval=2,
    )
    series.slots = [americas, apac]
    db.session.add(series)
    return series


def _year(
    group: Group,
    series: MeetingSeries,
    people: dict[str, Person],
    streams: dict[str, WorkStream],
    today: date,
) -> None:
    """The calls of the past year with attendance, minutes and action items."""
    rng = random.Random(history.SEED)
    americas, apac = series.slots
    now = datetime(today.year, today.month, today.day, tzinfo=UTC)
    calls = history.calls(americas, apac, history.anchor(today), now)
    held = [c for c in calls if c.status == MeetingStatus.HELD]
    db.session.flush()  # ids for the newcomers' join table
    everyone = list(people.values())
    joined = _join_calls(held, [people[n] for n, *_ in NEWCOMERS])
    chairs = [people["Beth Morgan"], people["Adrien Lebre"]]
    meetings: list[tuple[int, Meeting, list[Person]]] = []
    for call in calls:
        if call.status != MeetingStatus.HELD:
            history.record_call(group, series, call, [], people["Ilona Varga"])
            continue
        index = len(meetings)
        present = history.attendees(rng, index, call, everyone, joined)
        meeting = history.record_call(group, series, call, present, people["Ilona Varga"])
        history.add_regrets(rng, meeting, [p for p in everyone if p not in present][:20])
        meetings.append((index, meeting, present))
    if meetings:
        _first_call(meetings[0][1], people, streams)
    for index, meeting, present in meetings:
        if index:
            history.add_minutes(index, meeting, chairs, streams, present)
        later = [m for i, m, _ in meetings if i > index]
        history.add_action(rng, index, meeting, later, present, streams, today)


def _join_calls(held: list[history.Call], newcomers: list[Person]) -> dict[int, int]:
    """Newcomer number k joins at the first held call of month k+1 of the year."""
    joined: dict[int, int] = {}
    if not held:
        return joined
    start = held[0].start
    for k, person in enumerate(newcomers):
        when = start + timedelta(days=30 * (k + 1))
        index = next((i for i, c in enumerate(held) if c.start >= when), len(held))
        joined[person.id] = index
    return joined


def _first_call(meeting: Meeting, people: dict[str, Person], streams: dict[str, WorkStream]):
    """The first call's agenda and minutes, as the group wrote them."""
    meeting.agenda = FIRST_AGENDA
    for pos, (kind, text, author) in enumerate(FIRST_MINUTES):
        db.session.add(
            MinuteItem(
                meeting=meeting,
                kind=kind,
                text=text,
                author=people[author],
                author_nick=people[author].handles[0].handle,
                said_dt=meeting.start_dt + timedelta(minutes=3 * pos + 2),
                position=pos,
                work_stream=streams["gap-analysis"] if "gap" in text else None,
            )
        )
