"""Authorization matrix: every route of ``app.url_map`` x every kind of visitor.

``MATRIX`` is an explicit table keyed by (endpoint, method). Each row says what each of
six visitors gets: anonymous, a member, the chair of ANOTHER group, a chair of the
group, an organizer of the group and a site admin. A route that exists without a row,
or a row naming a route that no longer exists, fails ``test_matrix_covers_every_route``,
so a new route cannot ship unclassified.

Outcomes: ``OK`` (2xx, or a redirect anywhere but the login page), ``LOGIN`` (302 to
the login page), 401, 403, 404. Every request runs against a realistic world (a group
with a work stream, a series whose occurrence is under way, minutes, action items, an
attendance list, a webhook, an API token per person...), so URL parameters resolve
and POST bodies are plausible: an allowed write must succeed, not fail validation.
Refused requests must change nothing: every table is compared before and after.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import g, url_for
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from meetbot import create_app
from meetbot.extensions import db
from meetbot.mail import prefs as mail_prefs
from meetbot.models import (
    ActionItem,
    ActionStatus,
    ApiToken,
    Attendance,
    Group,
    Meeting,
    MeetingSeries,
    Membership,
    MinuteItem,
    OutboxMail,
    Person,
    PersonHandle,
    Role,
    SeriesSlot,
    WorkStream,
)
from meetbot.services import accounts, attendance_links, chat_settings, logins
from meetbot.services import polls as poll_service
from meetbot.services import webhooks as webhook_service
from meetbot.services.agenda import text_hash
from tests.conftest import _REQUIRE_PG as REQUIRE_PG
from tests.conftest import TEST_PASSWORD
from tests.conftest import _truncate_all as truncate_all

ROLES = ("anonymous", "member", "other_chair", "chair", "organizer", "admin")
LOGGED_IN = ROLES[1:]
OK, LOGIN = "ok", "login"
NEW_PASSWORD = "lantern otter quietly 42"  # passes the password policy

# ------------------------------------------------------------------ expectation rows


def _row(anonymous: Any, member: Any, other_chair: Any, chair: Any, organizer: Any, admin: Any):
    return dict(zip(ROLES, (anonymous, member, other_chair, chair, organizer, admin), strict=True))


def public() -> dict[str, Any]:
    """Anyone, logged in or not."""
    return _row(OK, OK, OK, OK, OK, OK)


def logged_in(anonymous: Any = LOGIN) -> dict[str, Any]:
    """Any account (``login_required``, or any API token)."""
    return _row(anonymous, OK, OK, OK, OK, OK)


def members(anonymous: Any) -> dict[str, Any]:
    """Members of the group and up (PARTICIPATE)."""
    return _row(anonymous, OK, 403, OK, OK, OK)


def chairs(anonymous: Any) -> dict[str, Any]:
    """Chairs and organizers of the group, and admins (CHAIR)."""
    return _row(anonymous, 403, 403, OK, OK, OK)


def organizers(anonymous: Any) -> dict[str, Any]:
    """Organizers of the group, and admins (EDIT_GROUP / MANAGE_SERIES / VIEW_AUDIT)."""
    return _row(anonymous, 403, 403, 403, OK, OK)


def admins(anonymous: Any = LOGIN) -> dict[str, Any]:
    """Site admins only."""
    return _row(anonymous, 403, 403, 403, 403, OK)


# ------------------------------------------------------------------ the world


@dataclass
class World:
    """Ids and keys of everything the routes' URL parameters and bodies refer to."""

    people: dict[str, int]  # role -> person id
    emails: dict[str, str]
    slug: str
    stream_slug: str
    stream_id: int
    series_id: int
    slot_key: str
    slot_start: datetime  # the first occurrence (local, UTC zone)
    meeting_id: int  # an occurrence under way (started 5 minutes ago)
    one_off_id: int
    other_meeting_id: int  # a meeting of the group ``other``
    next_local: datetime  # the series' next occurrence, which has no row yet
    later_local: datetime  # the one after
    regular_id: int  # a member with no attendance entry
    # One of each per role, so a delete by one role leaves the next role its own.
    items: dict[str, int] = field(default_factory=dict)
    actions: dict[str, int] = field(default_factory=dict)
    closed_actions: dict[str, int] = field(default_factory=dict)
    entries: dict[str, int] = field(default_factory=dict)
    handles: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # role -> plain API token
    token_ids: dict[str, int] = field(default_factory=dict)
    session_ids: dict[str, str] = field(default_factory=dict)  # role -> a live login
    targets: dict[str, int] = field(default_factory=dict)  # admin page targets
    duplicates: dict[str, int] = field(default_factory=dict)  # merged into the targets
    hooks: dict[str, int] = field(default_factory=dict)
    # Chat networks and channels, for the roles that may remove them (others are refused).
    chat_networks: dict[str, int] = field(default_factory=dict)
    chat_channels: dict[str, int] = field(default_factory=dict)
    mails: dict[str, int] = field(default_factory=dict)  # failed outbox rows, one per role
    extra_ids: dict[str, int] = field(default_factory=dict)  # members present, one per role
    cancelled_locals: dict[str, datetime] = field(default_factory=dict)  # cancelled occurrences
    cancelled_one_offs: dict[str, int] = field(default_factory=dict)
    checkin_token: str = ""
    polls: dict[str, int] = field(default_factory=dict)  # one availability poll per role
    poll_tokens: dict[str, str] = field(default_factory=dict)
    api_polls: dict[str, int] = field(default_factory=dict)  # closed by the API's row
    feed_token: str = ""
    links: dict[str, str] = field(default_factory=dict)  # "<purpose>-<role>" -> mailed token
    invitations: dict[str, int] = field(default_factory=dict)  # one pending per role
    join_requests: dict[str, int] = field(default_factory=dict)  # one per role
    unsubscribe_token: str = ""


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def _person(name: str, *, login: bool = False, admin: bool = False) -> Person:
    email = name.lower().replace(" ", ".") + "@example.org"
    person = Person(display_name=name, email=email, is_admin=admin)
    if login:
        person.password_hash = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1000")
    db.session.add(person)
    return person


def build_world() -> World:
    """The group ``wg`` (member, chair, organizer, a series chaired by the chair, an
    occurrence under way with minutes, attendance and action items, a one-off meeting,
    webhooks), the group ``other`` with its own chair, a site admin, API tokens."""
    people = {
        "member": _person("Mia Member", login=True),
        "other_chair": _person("Otto Otherchair", login=True),
        "chair": _person("Chloe Chair", login=True),
        "organizer": _person("Olga Organizer", login=True),
        "admin": _person("Ada Admin", login=True, admin=True),
    }
    regular = _person("Rita Regular")
    extras = [_person(f"Extra {role}") for role in ROLES]
    targets = {role: _person(f"Target {role}") for role in ROLES}
    duplicates = {role: _person(f"Duplicate {role}") for role in ROLES}
    group = Group(
        slug="wg", name="Working Group", timezone="UTC", mailing_list="wg@lists.example.org"
    )
    other = Group(slug="other", name="Other Group", timezone="UTC")
    db.session.add_all([group, other])
    roles = {"member": Role.MEMBER, "chair": Role.CHAIR, "organizer": Role.ORGANIZER}
    for role, value in roles.items():
        db.session.add(Membership(group=group, person=people[role], role=value.value))
    for person in [regular, *extras]:
        db.session.add(Membership(group=group, person=person, role=Role.MEMBER.value))
    db.session.add(Membership(group=other, person=people["other_chair"], role=Role.CHAIR.value))
    stream = WorkStream(group=group, slug="gaps", name="Gap analysis")
    now = datetime.now(UTC)
    start = _minute(now - timedelta(minutes=5)).replace(tzinfo=None)
    series = MeetingSeries(
        group=group, title="Weekly call", timezone="UTC", chairs=[people["chair"]]
    )
    series.work_streams.append(stream)
    slot = SeriesSlot(
        key="slot-0",
        position=0,
        timezone="UTC",
        start_local=start,
        duration_minutes=60,
        frequency="weekly",
        interval=1,
    )
    series.slots.append(slot)
    start_utc = start.replace(tzinfo=UTC)
    meeting = Meeting(
        group=group,
        series=series,
        slot=slot,
        original_start_local=start,
        timezone="UTC",
        start_dt=start_utc,
        end_dt=start_utc + timedelta(hours=1),
    )
    one_off_start = _minute(now) + timedelta(days=3)
    one_off = Meeting(
        group=group,
        title="Kick-off",
        timezone="UTC",
        start_dt=one_off_start,
        end_dt=one_off_start + timedelta(hours=1),
    )
    other_meeting = Meeting(
        group=other,
        title="Other call",
        timezone="UTC",
        start_dt=start_utc,
        end_dt=start_utc + timedelta(hours=1),
    )
    db.session.add_all([stream, series, meeting, one_off, other_meeting])
    db.session.flush()
    w = World(
        people={role: p.id for role, p in people.items()},
        emails={role: p.email for role, p in people.items()},
        slug=group.slug,
        stream_slug=stream.slug,
        stream_id=stream.id,
        series_id=series.id,
        slot_key=slot.key,
        slot_start=start,
        meeting_id=meeting.id,
        one_off_id=one_off.id,
        other_meeting_id=other_meeting.id,
        next_local=start + timedelta(days=7),
        later_local=start + timedelta(days=14),
        regular_id=regular.id,
        targets={role: p.id for role, p in targets.items()},
        duplicates={role: p.id for role, p in duplicates.items()},
    )
    for index, role in enumerate(ROLES):
        item = MinuteItem(meeting=meeting, kind="info", text=f"Item of {role}", position=index + 1)
        entry = Attendance(meeting=meeting, person=extras[index], kind="present", source="roster")
        action = ActionItem(group=group, text=f"Open item of {role}", opened_in=meeting)
        closed = ActionItem(
            group=group, text=f"Closed item of {role}", status=ActionStatus.DONE.value
        )
        db.session.add_all([item, entry, action, closed])
        db.session.flush()
        w.items[role], w.entries[role] = item.id, entry.id
        w.actions[role], w.closed_actions[role] = action.id, closed.id
        w.extra_ids[role] = extras[index].id
        local = start + timedelta(days=7 * (3 + index))
        cancelled = Meeting(
            group=group,
            series=series,
            slot=slot,
            original_start_local=local,
            timezone="UTC",
            start_dt=local.replace(tzinfo=UTC),
            end_dt=local.replace(tzinfo=UTC) + timedelta(hours=1),
            status="cancelled",
        )
        cancelled_one_off = Meeting(
            group=group,
            title=f"Cancelled one-off {role}",
            timezone="UTC",
            status="cancelled",
            start_dt=one_off_start + timedelta(days=1 + index),
            end_dt=one_off_start + timedelta(days=1 + index, hours=1),
        )
        db.session.add_all([cancelled, cancelled_one_off])
        db.session.flush()
        w.cancelled_locals[role] = local
        w.cancelled_one_offs[role] = cancelled_one_off.id
    for role in LOGGED_IN:
        handle = PersonHandle(person=people[role], handle=f"{role.replace('_', '')}-nick")
        db.session.add(handle)
        db.session.flush()
        w.handles[role] = handle.id
    db.session.commit()
    for role in LOGGED_IN:
        w.session_ids[role] = logins.start(people[role])
        w.tokens[role] = accounts.create_api_token(people[role], f"{role} token")
        w.token_ids[role] = db.session.scalar(
            select(ApiToken.id).where(ApiToken.person_id == people[role].id)
        )
    for role in ROLES:
        hook, _ = webhook_service.subscribe(
            people["organizer"], group, url=f"http://127.0.0.1:9/hook-{role}"
        )
        w.hooks[role] = hook.id
    for role in ("organizer", "admin"):
        network = chat_settings.add_network(
            people["organizer"], group, server=f"irc://{role}.example:6667", nick="meetbot"
        )
        w.chat_networks[role] = network.id
        w.chat_channels[role] = chat_settings.map_channel(
            people["organizer"], group, network_id=network.id, channel=f"#edge-{role}"
        ).id
    for role in ROLES:
        failed = OutboxMail(
            group=group,
            kind="test",
            ref=f"failed-{role}",
            recipient=f"{role}@example.org",
            subject="Failed",
            message_id=f"<failed-{role}@meetbot.test>",
            message="Subject: Failed\r\n\r\nbody\r\n",
            status="failed",
            last_error="550 no such user",
        )
        db.session.add(failed)
        db.session.flush()
        w.mails[role] = failed.id
    w.checkin_token = attendance_links.open_checkin_link(people["chair"], meeting)
    for role in ROLES:
        poll = poll_service.create_poll(
            people["organizer"],
            group,
            title=f"Poll {role}",
            timezone="UTC",
            duration_minutes=60,
            options=poll_service.parse_options("Tue 15:00\nMon 07:00 / Tue 15:00"),
            start=date(2027, 1, 4),
            weeks=4,
        )
        w.polls[role], w.poll_tokens[role] = poll.id, poll.token
        w.api_polls[role] = poll_service.create_poll(
            people["organizer"],
            group,
            title=f"API poll {role}",
            timezone="UTC",
            duration_minutes=60,
            options=poll_service.parse_options("Tue 15:00"),
            start=date(2027, 1, 4),
            weeks=4,
        ).id
    w.feed_token = accounts.feed_token(people["member"], SECRET_KEY)
    _mailed_links(w, group.id)
    w.unsubscribe_token = mail_prefs.unsubscribe_token(
        db.session.get(Person, w.regular_id), mail_prefs.REMINDERS
    )
    db.session.commit()
    return w


def _mailed_links(w: World, group_id: int) -> None:
    """One live sign-up and one reset link per role (each for its own address)."""
    from meetbot.models import JoinRequest, TokenPurpose
    from meetbot.services import account_tokens

    for role in ROLES:
        slug = role.replace("_", "")
        w.links[f"signup-{role}"], _ = account_tokens.issue(
            TokenPurpose.SIGNUP,
            f"signup-{slug}@example.org",
            display_name=f"Signup {slug}",
            password_hash=generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1000"),
        )
        person = _person(f"Reset {slug}", login=True)
        db.session.flush()
        w.links[f"reset-{role}"], _ = account_tokens.issue(
            TokenPurpose.RESET, person.email, person_id=person.id
        )
        w.links[f"invite-{role}"], row = account_tokens.issue(
            TokenPurpose.INVITE, f"invited-{slug}@example.org", group_id=group_id, role="member"
        )
        w.invitations[role] = row.id
        asker = _person(f"Asker {slug}", login=True)
        db.session.flush()
        request = JoinRequest(group_id=group_id, person_id=asker.id)
        db.session.add(request)
        db.session.flush()
        w.join_requests[role] = request.id


def _dump() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as Core dicts (the world is small)."""
    db.session.rollback()
    return {
        table.name: [dict(row._mapping) for row in db.session.execute(table.select())]
        for table in db.metadata.sorted_tables
    }


def _restore(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Put the database back to ``rows`` (ids included) in one transaction."""
    db.session.rollback()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        for table in db.metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])


SECRET_KEY = "test-secret-key"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def matrix_env(request: pytest.FixtureRequest, tmp_path_factory):
    """One app and one world per backend for the whole module; each test starts from a
    copy of the same rows (restoring ~20 tables is much cheaper than a new app)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('authz') / 'matrix.sqlite'}"
    else:
        url = request.getfixturevalue("pg_url")
        if url is None:
            if REQUIRE_PG:
                pytest.fail("MEETBOT_REQUIRE_POSTGRES=1 but the PostgreSQL server is unavailable")
            pytest.skip("PostgreSQL server binaries not found (install postgresql to run these)")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET_KEY,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MEETBOT_BASE_URL": "https://meetbot.test",
            "MEETBOT_UID_DOMAIN": "meetbot.test",
            # Webhook URLs on loopback are allowed here (nothing is delivered).
            "MEETBOT_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        }
    )
    with app.app_context():
        if request.param == "sqlite":
            db.create_all()
        else:
            truncate_all()
        world = build_world()
        baseline = _dump()
        db.session.remove()
    yield app, world, baseline
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def env(matrix_env):
    """(app, world) with the database as the world left it, inside an app context."""
    app, world, baseline = matrix_env
    with app.app_context():
        _restore(baseline)
        yield app, world
        db.session.remove()


# ------------------------------------------------------------------ params and bodies

MEETBOT_LOG = """\
[{hh}:00] <chloe> #startmeeting wg
[{hh}:01] <chloe> #topic Roadmap
[{hh}:02] <chloe> #agreed ship it on {role}
[{hh}:03] <chloe> #endmeeting
"""


def _fresh(model, row_id: int):
    """The row as it is now in the database (the requests commit in other sessions)."""
    db.session.rollback()
    return db.session.get(model, row_id)


def _version(w: World) -> int:
    return _fresh(Meeting, w.meeting_id).lock_version


def _series_form(w: World, title: str) -> dict[str, Any]:
    return {
        "title": title,
        "description": "Every week.",
        "timezone": "UTC",
        "location_kind": "video",
        "location": "https://video.example.org/wg",
        "slots-0-key": w.slot_key,
        "slots-0-timezone": "UTC",
        "slots-0-start_date": w.slot_start.date().isoformat(),
        "slots-0-start_time": w.slot_start.strftime("%H:%M"),
        "slots-0-duration_minutes": "60",
        "slots-0-frequency": "weekly",
        "slots-0-interval": "1",
    }


def _new_series_form(w: World, role: str) -> dict[str, Any]:
    form = _series_form(w, f"Series by {role}")
    form["slots-0-key"] = ""
    form["slots-0-start_date"] = (date.today() + timedelta(days=30)).isoformat()
    return form


def _csv_payload(w: World) -> str:
    from meetbot.domain.participants import ParsedParticipant
    from meetbot.web.attendance_lists import _encode_participants

    person = ParsedParticipant(
        name="Carla Csv",
        email="carla@example.org",
        handle=None,
        org=None,
        raw="Carla Csv",
        line=2,
        duration_minutes=40,
    )
    return _encode_participants(_fresh(Meeting, w.meeting_id), [person])


def _csv_upload(w: World, role: str) -> dict[str, Any]:
    data = b"Name (Original Name),User Email,Duration (Minutes)\nCarla Csv,carla@example.org,40\n"
    return {"csv-file": (io.BytesIO(data), "participants.csv")}


Params = Callable[[World, str], dict[str, Any]]
Body = Callable[[World, str], dict[str, Any]]


def _default_params(endpoint: str, arguments: set[str], w: World, role: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "slug": w.slug,
        "group": w.slug,
        "stream": w.stream_slug,
        "meeting_id": w.meeting_id,
        "series_id": w.series_id,
        "item_id": w.items[role],
        "action_id": w.actions[role],
        "entry_id": w.entries[role],
        "handle_id": w.handles.get(role, 1),
        "token_id": w.token_ids.get(role, 1),
        "person_id": w.targets[role],
        "webhook_id": w.hooks[role],
        "network_id": w.chat_networks.get(role, w.chat_networks["admin"]),
        "mapping_id": w.chat_channels.get(role, w.chat_channels["admin"]),
        "mail_id": w.mails[role],
        "direction": "down",
        "action": "retitle",
        "filename": "swagger-ui.css",
        "slot_key": w.slot_key,
        "stamp": w.next_local.strftime("%Y%m%dT%H%M"),
        "poll_id": w.polls.get(role),
        "token": w.poll_tokens.get(role),
    }
    return {name: values[name] for name in arguments if name in values}


@dataclass
class Case:
    """One row of the matrix: who gets what, and how to make the request."""

    expect: dict[str, Any]
    params: Params | None = None  # overrides of the default URL parameters
    data: Body | None = None  # form fields (web) or JSON (API)
    query: dict[str, str] | None = None
    raw: Callable[[World, str], tuple[str, bytes]] | None = None  # (content type, body)


def _api(expect: dict[str, Any], **kwargs: Any) -> Case:
    return Case(expect, **kwargs)


def _first_option(poll_id: int) -> int:
    from meetbot.models import PollOption

    return db.session.scalar(
        select(PollOption.id).where(PollOption.poll_id == poll_id).order_by(PollOption.position)
    )


def _version_body(w: World, role: str) -> dict[str, Any]:
    return {"version": _version(w)}


def _status_body(w: World, role: str) -> dict[str, Any]:
    return {"meeting_id": str(w.meeting_id)}


MATRIX: dict[tuple[str, str], Case] = {
    # --- account and admin --------------------------------------------------------
    ("account.settings", "GET"): Case(logged_in()),
    ("account.profile", "POST"): Case(
        logged_in(), data=lambda w, r: {"display_name": f"New {r}", "timezone": "Europe/Berlin"}
    ),
    ("account.password", "POST"): Case(
        logged_in(),
        data=lambda w, r: {
            "current_password": TEST_PASSWORD,
            "new_password": "a much longer new password",
            "confirm": "a much longer new password",
        },
    ),
    ("account.availability", "POST"): Case(
        logged_in(),
        data=lambda w, r: {"window_start": "07:00", "window_end": "19:00", "available_days": "1"},
    ),
    ("account.add_handle", "POST"): Case(
        logged_in(), data=lambda w, r: {"handle": f"new-{r.replace('_', '')}", "kind": "irc"}
    ),
    ("account.remove_handle", "POST"): Case(logged_in()),
    ("account.revoke_feed", "POST"): Case(logged_in()),
    ("account.create_token", "POST"): Case(logged_in(), data=lambda w, r: {"name": "laptop"}),
    ("account.revoke_token", "POST"): Case(logged_in()),
    ("account.admin_people", "GET"): Case(admins()),
    ("account.admin_merge_people", "POST"): Case(
        admins(), data=lambda w, r: {"keep": str(w.targets[r]), "drop": str(w.duplicates[r])}
    ),
    ("account.admin_reset_password", "POST"): Case(admins()),
    ("account.admin_set_active", "POST"): Case(admins(), data=lambda w, r: {"value": "0"}),
    ("account.admin_set_admin", "POST"): Case(admins(), data=lambda w, r: {"value": "1"}),
    # --- auth ---------------------------------------------------------------------
    ("auth.login", "GET"): Case(public()),
    ("auth.login", "POST"): Case(
        public(),
        data=lambda w, r: {"email": w.emails["member"], "password": TEST_PASSWORD},
    ),
    ("auth.logout", "POST"): Case(logged_in()),
    # --- sign-up and password reset (bearer links: whoever holds one may use it) ---
    ("signup.signup_page", "GET"): Case(public()),
    ("signup.signup_page", "POST"): Case(
        public(),
        data=lambda w, r: {
            "email": f"new-{r.replace('_', '')}@example.org",
            "display_name": "New Person",
            "password": NEW_PASSWORD,
        },
    ),
    ("signup.verify", "GET"): Case(public(), params=lambda w, r: {"token": w.links[f"signup-{r}"]}),
    ("signup.verify", "POST"): Case(
        public(), params=lambda w, r: {"token": w.links[f"signup-{r}"]}
    ),
    # --- leaving: one's own data and account only (the organizer is the last one of
    # the group, so is told to name another organizer first) --------------------------
    ("leaving.export", "GET"): Case(logged_in()),
    ("leaving.delete", "GET"): Case(logged_in()),
    ("leaving.delete", "POST"): Case(
        _row(LOGIN, OK, OK, OK, 422, OK), data=lambda w, r: {"password": TEST_PASSWORD}
    ),
    # --- single sign-on: no provider is configured here, so there is nothing to start,
    # no callback to take and no pending sign-in to decide, for anyone ---------------
    ("oidc.start", "GET"): Case(_row(*[404] * 6), params=lambda w, r: {"provider": "nope"}),
    ("oidc.callback", "GET"): Case(_row(*[404] * 6), params=lambda w, r: {"provider": "nope"}),
    ("oidc.pending", "GET"): Case(_row(*[404] * 6)),
    ("oidc.decide", "POST"): Case(_row(*[404] * 6), params=lambda w, r: {"choice": "link"}),
    # --- invitations --------------------------------------------------------------
    ("invitations.list_invitations", "GET"): Case(organizers(LOGIN)),
    ("invitations.create", "POST"): Case(
        organizers(401),
        data=lambda w, r: {"addresses": f"new-{r.replace('_', '')}@example.org", "role": "member"},
    ),
    ("invitations.change", "POST"): Case(
        organizers(401),
        params=lambda w, r: {"invitation_id": w.invitations[r], "action": "revoke"},
    ),
    ("invitations.join_approval", "POST"): Case(organizers(401), data=lambda w, r: {"value": "1"}),
    ("invitations.decide", "POST"): Case(
        organizers(401),
        params=lambda w, r: {"request_id": w.join_requests[r], "decision": "approve"},
    ),
    ("invitations.accept", "GET"): Case(
        public(), params=lambda w, r: {"token": w.links[f"invite-{r}"]}
    ),
    # Logged in as someone else, an invitation for an address without an account is
    # refused beside the form (log out first): it never makes a second account.
    ("invitations.accept", "POST"): Case(
        _row(OK, 422, 422, 422, 422, 422),
        params=lambda w, r: {"token": w.links[f"invite-{r}"]},
        data=lambda w, r: {"display_name": "Invited Person", "password": NEW_PASSWORD},
    ),
    ("signup.reset_request", "GET"): Case(public()),
    ("signup.reset_request", "POST"): Case(
        public(), data=lambda w, r: {"email": w.emails["member"]}
    ),
    ("signup.reset", "GET"): Case(public(), params=lambda w, r: {"token": w.links[f"reset-{r}"]}),
    ("signup.reset", "POST"): Case(
        public(),
        params=lambda w, r: {"token": w.links[f"reset-{r}"]},
        data=lambda w, r: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ),
    ("main.index", "GET"): Case(public()),
    ("main.healthz", "GET"): Case(public()),
    # --- groups and work streams --------------------------------------------------
    ("groups.index", "GET"): Case(public()),
    ("groups.view", "GET"): Case(public()),
    ("groups.view_stream", "GET"): Case(public()),
    ("groups.create", "GET"): Case(logged_in()),
    ("groups.create", "POST"): Case(
        logged_in(),
        data=lambda w, r: {"slug": f"new-{r.replace('_', '-')}", "name": "New", "timezone": "UTC"},
    ),
    ("groups.edit", "GET"): Case(organizers(LOGIN)),
    ("groups.edit", "POST"): Case(
        organizers(401),
        data=lambda w, r: {
            "slug": w.slug,
            "name": "Working Group",
            "description": f"Edited by {r}",
            "timezone": "UTC",
            "attendance_threshold": "25",
            "attendance_window": "10",
        },
    ),
    ("groups.create_stream", "GET"): Case(organizers(LOGIN)),
    ("groups.create_stream", "POST"): Case(
        organizers(401),
        data=lambda w, r: {"slug": f"s-{r.replace('_', '-')}", "name": "New", "status": "active"},
    ),
    ("groups.edit_stream", "GET"): Case(organizers(LOGIN)),
    ("groups.edit_stream", "POST"): Case(
        organizers(401),
        data=lambda w, r: {"slug": "gaps", "name": f"Gaps ({r})", "status": "active"},
    ),
    ("audit.group_audit", "GET"): Case(organizers(LOGIN)),
    ("mail.group_outbox", "GET"): Case(organizers(LOGIN)),
    ("mail.retry", "POST"): Case(organizers(401)),
    ("mail.send_minutes", "POST"): Case(chairs(401)),
    # --- mail to each person (the unsubscribe link needs no login: the signed token) --
    ("mail_prefs.save_settings", "POST"): Case(
        logged_in(),
        data=lambda w, r: {"reminder_minutes": "30", "actions": "digest", "reminders": "y"},
    ),
    ("mail_prefs.new_links", "POST"): Case(logged_in()),
    ("mail_prefs.follow", "POST"): Case(logged_in(), data=lambda w, r: {"follow": "1"}),
    ("mail_prefs.unsubscribe_page", "GET"): Case(
        public(), params=lambda w, r: {"token": w.unsubscribe_token}
    ),
    ("mail_prefs.unsubscribe", "POST"): Case(
        public(),
        params=lambda w, r: {"token": w.unsubscribe_token},
        data=lambda w, r: {"List-Unsubscribe": "One-Click"},
    ),
    # --- feeds (public, or a secret token in the URL) -------------------------------
    ("feeds.group_calendar", "GET"): Case(public()),
    ("feeds.stream_calendar", "GET"): Case(public()),
    ("feeds.series_calendar", "GET"): Case(public()),
    ("feeds.meeting_calendar", "GET"): Case(public()),
    ("feeds.personal_calendar", "GET"): Case(public(), params=lambda w, r: {"token": w.feed_token}),
    # --- series and occurrences ---------------------------------------------------
    ("series.view", "GET"): Case(public()),
    ("series.group_upcoming", "GET"): Case(public()),
    ("series.group_series", "GET"): Case(public()),
    ("series.time_zones", "GET"): Case(public()),  # the zone picker's list, the same for all
    ("slot_finder.page", "GET"): Case(members(LOGIN), query={"weeks": "2"}),
    ("polls.create", "GET"): Case(organizers(LOGIN)),
    ("polls.create", "POST"): Case(
        organizers(401),
        data=lambda w, r: {
            "title": f"Poll by {r}",
            "timezone": "UTC",
            "duration": "60",
            "weeks": "4",
            "options": "Tue 15:00",
        },
    ),
    ("polls.view", "GET"): Case(members(LOGIN)),
    ("polls.close", "POST"): Case(
        organizers(401),
        data=lambda w, r: {"option": str(_first_option(w.polls[r]))},
    ),
    ("polls.answer", "GET"): Case(public()),
    ("polls.answer", "POST"): Case(
        public(),
        data=lambda w, r: {"name": f"Guest {r}", "choice-0": "yes", "choice-1": "maybe"},
    ),
    ("series.create", "GET"): Case(organizers(LOGIN)),
    ("series.create", "POST"): Case(organizers(401), data=_new_series_form),
    ("series.edit", "GET"): Case(organizers(LOGIN)),
    ("series.edit", "POST"): Case(
        organizers(401), data=lambda w, r: _series_form(w, f"Weekly call ({r})")
    ),
    ("series.preview", "POST"): Case(
        logged_in(), data=lambda w, r: _series_form(w, "Preview only")
    ),
    ("series.end", "POST"): Case(
        organizers(401),
        data=lambda w, r: {"last_date": (date.today() + timedelta(days=400)).isoformat()},
    ),
    ("series.occurrence", "GET"): Case(
        public(),
        query=None,
        params=lambda w, r: {"series_id": w.series_id},
    ),
    ("series.occurrence_action", "POST"): Case(
        organizers(401),
        data=lambda w, r: {
            "slot": w.slot_key,
            "at": w.later_local.isoformat(timespec="minutes"),
            "title": f"Special ({r})",
            "location": "",
            "reason": "A guest speaker",
        },
    ),
    ("series.create_one_off", "GET"): Case(organizers(LOGIN)),
    ("series.create_one_off", "POST"): Case(
        organizers(401),
        data=lambda w, r: {
            "title": f"Workshop ({r})",
            "timezone": "UTC",
            "start_date": (date.today() + timedelta(days=20)).isoformat(),
            "start_time": "10:00",
            "duration_minutes": "90",
            "location": "Room 1",
            "work_stream": "",
            "agenda": "",
        },
    ),
    ("series.meeting_schedule", "GET"): Case(
        public(), params=lambda w, r: {"meeting_id": w.one_off_id}
    ),
    ("series.meeting_action", "POST"): Case(
        organizers(401),
        params=lambda w, r: {"meeting_id": w.one_off_id, "action": "retitle"},
        data=lambda w, r: {"title": f"Kick-off ({r})", "location": "", "reason": "typo"},
    ),
    # --- meetings, agenda, attendance -------------------------------------------------
    ("meetings.view", "GET"): Case(public()),
    ("meetings.occurrence", "GET"): Case(public()),
    ("meetings.occurrence", "POST"): Case(chairs(401)),
    ("meetings.occurrence_check_in", "POST"): Case(
        members(401), params=lambda w, r: {"stamp": w.slot_start.strftime("%Y%m%dT%H%M")}
    ),
    ("meetings.occurrence_regrets", "POST"): Case(members(401)),
    ("meetings.edit_agenda", "GET"): Case(chairs(LOGIN)),
    ("meetings.edit_agenda", "POST"): Case(
        chairs(401),
        data=lambda w, r: {
            "agenda": f"1. Roll call ({r})",
            "lock_version": str(_version(w)),
            "base_hash": text_hash(_fresh(Meeting, w.meeting_id).agenda),
        },
    ),
    ("attendance.take", "GET"): Case(chairs(LOGIN)),
    ("attendance.save_roster", "POST"): Case(
        chairs(401),
        data=lambda w, r: {
            "present": [str(w.regular_id)],
            "shown": [str(w.regular_id), str(w.people["member"])],
        },
    ),
    ("attendance.paste_preview", "POST"): Case(
        chairs(401), data=lambda w, r: {"paste-text": "Rita Regular\nNew Person <np@example.org>"}
    ),
    ("attendance.paste_confirm", "POST"): Case(
        chairs(401),
        data=lambda w, r: {
            "text": "Rita Regular\nNew Person <np@example.org>",
            "create_unmatched": "1",
        },
    ),
    ("attendance.csv_preview", "POST"): Case(chairs(401), data=_csv_upload),
    ("attendance.csv_confirm", "POST"): Case(
        chairs(401), data=lambda w, r: {"payload": _csv_payload(w), "create_unmatched": "1"}
    ),
    ("attendance.record_regrets", "POST"): Case(
        chairs(401), data=lambda w, r: {"regrets-person_id": str(w.regular_id)}
    ),
    ("attendance.remove", "POST"): Case(chairs(401)),
    ("attendance.open_link", "POST"): Case(chairs(401), data=lambda w, r: {"link-minutes": "60"}),
    ("attendance.close_link", "POST"): Case(chairs(401)),
    ("attendance.check_in", "POST"): Case(members(401)),
    ("attendance.send_regrets", "POST"): Case(members(401)),
    ("attendance.link_checkin", "GET"): Case(
        public(), params=lambda w, r: {"meeting_id": w.meeting_id, "token": w.checkin_token}
    ),
    ("attendance.link_checkin", "POST"): Case(
        public(),
        params=lambda w, r: {"meeting_id": w.meeting_id, "token": w.checkin_token},
        data=lambda w, r: {"name": f"Guest {r}", "email": f"guest-{r}@example.org"},
    ),
    ("attendance.group_report", "GET"): Case(public()),
    ("attendance.group_csv", "GET"): Case(chairs(LOGIN)),
    # --- minutes ------------------------------------------------------------------
    ("minutes.page", "GET"): Case(public()),
    ("minutes.items_json", "GET"): Case(public()),
    ("minutes.export_text", "GET"): Case(public()),
    ("chat.live", "GET"): Case(public()),
    ("chat.log_page", "GET"): Case(public()),
    ("chat.log_text", "GET"): Case(public()),
    ("chat.resolve_handles", "POST"): Case(chairs(401)),
    ("chat_settings.page", "GET"): Case(organizers(LOGIN)),
    ("chat_settings.add_network", "POST"): Case(
        organizers(401),
        data=lambda w, r: {
            "network-server": f"ircs://new-{r}.example:6697",
            "network-nick": "meetbot",
            "network-auth": "sasl",
            "network-password": "hunter2-secret",
        },
    ),
    ("chat_settings.update_network", "POST"): Case(
        organizers(401),
        data=lambda w, r: {
            f"net{w.chat_networks.get(r, w.chat_networks['admin'])}-nick": "edgebot",
            f"net{w.chat_networks.get(r, w.chat_networks['admin'])}-auth": "none",
        },
    ),
    ("chat_settings.remove_network", "POST"): Case(organizers(401)),
    ("chat_settings.map_channel", "POST"): Case(
        organizers(401),
        data=lambda w, r: {
            "channel-network_id": str(w.chat_networks["admin"]),
            "channel-channel": f"#new-{r}",
            "channel-series_id": "",
        },
    ),
    ("chat_settings.unmap_channel", "POST"): Case(organizers(401)),
    ("minutes.export_markdown", "GET"): Case(public()),
    ("minutes.export_html", "GET"): Case(public()),
    ("minutes.export_email", "GET"): Case(public()),
    ("minutes.add", "POST"): Case(
        chairs(401),
        data=lambda w, r: {
            "quick-kind": "agreed",
            "quick-text": f"Agreed by {r}",
            "quick-version": str(_version(w)),
            "quick-work_stream_id": "",
        },
    ),
    ("minutes.edit", "GET"): Case(chairs(LOGIN)),
    ("minutes.edit", "POST"): Case(
        chairs(401),
        data=lambda w, r: {
            "kind": "info",
            "text": f"Edited by {r}",
            "version": str(_version(w)),
            "work_stream_id": "",
        },
    ),
    ("minutes.delete", "POST"): Case(chairs(401), data=_version_body),
    ("minutes.move", "POST"): Case(chairs(401), data=_version_body),
    ("minutes.reorder", "POST"): Case(
        chairs(401),
        data=lambda w, r: {
            "version": _version(w),
            "order": ",".join(
                str(i)
                for i in reversed(
                    db.session.scalars(
                        select(MinuteItem.id)
                        .where(MinuteItem.meeting_id == w.meeting_id)
                        .order_by(MinuteItem.position)
                    ).all()
                )
            ),
        },
    ),
    ("minutes.import_log", "GET"): Case(chairs(LOGIN)),
    ("minutes.import_log", "POST"): Case(
        chairs(401),
        data=lambda w, r: {
            "log": MEETBOT_LOG.format(hh=w.slot_start.strftime("%H"), role=r),
            "version": str(_version(w)),
            "step": "confirm",
            # Each role imports its own log into the same meeting: add to the minutes.
            "existing": "append",
        },
    ),
    # --- action items -------------------------------------------------------------
    ("actions.view", "GET"): Case(public()),
    ("actions.group_list", "GET"): Case(public()),
    ("actions.mine", "GET"): Case(logged_in()),
    ("home.index", "GET"): Case(logged_in()),
    ("minutes.archive_page", "GET"): Case(public()),
    ("actions.new_in_group", "GET"): Case(chairs(LOGIN)),
    ("actions.new_in_group", "POST"): Case(
        chairs(401), data=lambda w, r: {"text": f"Write the report ({r})", "work_stream_id": ""}
    ),
    ("actions.new_in_meeting", "GET"): Case(chairs(LOGIN)),
    ("actions.new_in_meeting", "POST"): Case(
        chairs(401),
        data=lambda w, r: {
            "text": f"Review the draft ({r})",
            "owners": [str(w.regular_id)],
            "due_date": (date.today() + timedelta(days=7)).isoformat(),
            "work_stream_id": str(w.stream_id),
        },
    ),
    ("actions.edit", "GET"): Case(chairs(LOGIN)),
    ("actions.edit", "POST"): Case(
        chairs(401), data=lambda w, r: {"text": f"Edited by {r}", "work_stream_id": ""}
    ),
    ("actions.done", "POST"): Case(chairs(401), data=_status_body),
    ("actions.drop", "POST"): Case(chairs(401), data=_status_body),
    ("actions.carry", "POST"): Case(chairs(401), data=_status_body),
    ("actions.reopen", "POST"): Case(
        chairs(401), params=lambda w, r: {"action_id": w.closed_actions[r]}, data=_status_body
    ),
    # --- JSON API (bearer tokens only) ---------------------------------------------
    ("api-docs.openapi_json", "GET"): _api(public()),
    ("api_docs_ui.docs_page", "GET"): _api(public()),
    ("api_docs_ui.asset", "GET"): _api(public()),
    # --- group members (pages) ------------------------------------------------------
    ("members.list_members", "GET"): Case(public()),
    ("members.add_by_email", "POST"): Case(
        organizers(401),
        data=lambda w, r: {
            "add-email": f"new-{r}@example.org",
            "add-name": f"New {r}",
            "add-role": "member",
        },
    ),
    ("members.add_existing", "POST"): Case(
        organizers(401), data=lambda w, r: {"person_id": str(w.targets[r])}
    ),
    ("members.change_role", "POST"): Case(
        organizers(401),
        params=lambda w, r: {"person_id": w.people["member"]},
        data=lambda w, r: {"role": "member"},
    ),
    ("members.remove", "POST"): Case(
        organizers(401), params=lambda w, r: {"person_id": w.extra_ids[r]}
    ),
    ("members.join", "POST"): Case(logged_in(LOGIN)),
    ("members.leave", "POST"): Case(logged_in(LOGIN)),
    # --- group members (API) ----------------------------------------------------------
    ("api_members.list_members", "GET"): _api(public()),
    ("api_members.get_member", "GET"): _api(
        public(), params=lambda w, r: {"person_id": w.people["member"]}
    ),
    ("api_members.add_member", "POST"): _api(
        organizers(401), data=lambda w, r: {"person_id": w.targets[r]}
    ),
    ("api_members.change_role", "PATCH"): _api(
        organizers(401),
        params=lambda w, r: {"person_id": w.people["member"]},
        data=lambda w, r: {"role": "member"},
    ),
    ("api_members.remove_member", "DELETE"): _api(
        organizers(401), params=lambda w, r: {"person_id": w.extra_ids[r]}
    ),
    ("api_members.join", "POST"): _api(logged_in(401)),
    # The world's only organizer cannot leave (the group would have none): 409.
    ("api_members.leave", "POST"): _api(_row(401, OK, OK, OK, 409, OK)),
    # --- imports and minutes order (API) ------------------------------------------------
    ("api_minutes.import_log", "POST"): _api(
        chairs(401),
        query={"existing": "append"},  # each role imports its own log into one meeting
        raw=lambda w, r: (
            "text/plain",
            MEETBOT_LOG.format(hh=w.slot_start.strftime("%H"), role=r).encode(),
        ),
    ),
    ("api_attendance.import_csv", "POST"): _api(
        chairs(401),
        raw=lambda w, r: (
            "text/csv",
            b"Name (Original Name),User Email,Duration (Minutes)\nCarla Csv,carla@example.org,40\n",
        ),
    ),
    ("api_minutes.reorder_minutes", "PUT"): _api(
        chairs(401),
        data=lambda w, r: {
            "order": list(
                reversed(
                    db.session.scalars(
                        select(MinuteItem.id)
                        .where(MinuteItem.meeting_id == w.meeting_id)
                        .order_by(MinuteItem.position)
                    ).all()
                )
            ),
            "lock_version": _version(w),
        },
    ),
    ("api_minutes.move_minute", "POST"): _api(
        chairs(401), data=lambda w, r: {"direction": "down", "lock_version": _version(w)}
    ),
    ("api_attendance.open_checkin_link", "POST"): _api(chairs(401), data=lambda w, r: {}),
    ("api_attendance.close_checkin_link", "DELETE"): _api(chairs(401)),
    ("api_groups.list_groups", "GET"): _api(public()),
    ("api_groups.get_group", "GET"): _api(public()),
    ("api_groups.list_streams", "GET"): _api(public()),
    ("api_groups.get_stream", "GET"): _api(public()),
    ("api_groups.list_occurrences", "GET"): _api(public()),
    ("api_groups.create_group", "POST"): _api(
        logged_in(401),
        data=lambda w, r: {"slug": f"api-{r.replace('_', '-')}", "name": f"API {r}"},
    ),
    ("api_groups.update_group", "PATCH"): _api(
        organizers(401), data=lambda w, r: {"description": f"Patched by {r}"}
    ),
    ("api_groups.create_stream", "POST"): _api(
        organizers(401),
        data=lambda w, r: {"slug": f"api-{r.replace('_', '-')}", "name": f"Stream {r}"},
    ),
    ("api_groups.update_stream", "PATCH"): _api(
        organizers(401), data=lambda w, r: {"description": f"Patched by {r}"}
    ),
    ("api_slot_finder.find", "POST"): _api(
        public(),
        data=lambda w, r: {"participants": [{"timezone": "Asia/Kolkata"}], "weeks": 2},
    ),
    ("api_slot_finder.find_for_group", "GET"): _api(members(401), query={"weeks": "2"}),
    ("api_polls.create_poll", "POST"): _api(
        organizers(401),
        data=lambda w, r: {
            "title": f"Poll {r}",
            "options": [{"a": {"weekday": 1, "start": "15:00"}}],
        },
    ),
    ("api_polls.list_polls", "GET"): _api(members(401)),
    ("api_polls.get_poll", "GET"): _api(members(401)),
    ("api_polls.results", "GET"): _api(members(401)),
    ("api_polls.close_poll", "POST"): _api(
        organizers(401),
        params=lambda w, r: {"poll_id": w.api_polls[r]},
        data=lambda w, r: {"option": _first_option(w.api_polls[r])},
    ),
    ("api_poll_answers.read_by_link", "GET"): _api(public()),
    ("api_poll_answers.answer", "POST"): _api(
        public(), data=lambda w, r: {"choices": ["yes", "maybe"], "name": f"Guest {r}"}
    ),
    ("api_people.list_people", "GET"): _api(public()),
    ("api_people.get_person", "GET"): _api(
        public(), params=lambda w, r: {"person_id": w.people["member"]}
    ),
    ("api_people.get_me", "GET"): _api(logged_in(401)),
    ("api_people.list_tokens", "GET"): _api(logged_in(401)),
    ("api_people.get_token", "GET"): _api(logged_in(401)),
    ("api_people.revoke_token", "DELETE"): _api(logged_in(401)),
    ("api_series.list_series", "GET"): _api(public()),
    ("api_series.get_series", "GET"): _api(public()),
    ("api_meetings.list_meetings", "GET"): _api(public()),
    ("api_meetings.get_meeting", "GET"): _api(public()),
    ("api_series.materialize", "POST"): _api(
        chairs(401),
        data=lambda w, r: {
            "slot_key": w.slot_key,
            "original_start_local": w.next_local.isoformat(timespec="minutes"),
        },
    ),
    ("api_series.create_series", "POST"): _api(
        organizers(401),
        data=lambda w, r: {
            "title": f"API series {r}",
            "timezone": "Europe/Berlin",
            "slots": [
                {
                    "start_local": f"{date.today() + timedelta(days=10)}T15:00",
                    "duration_minutes": 60,
                    "frequency": "weekly",
                }
            ],
        },
    ),
    ("api_series.update_series", "PATCH"): _api(
        organizers(401), data=lambda w, r: {"description": f"Patched by {r}"}
    ),
    ("api_series.end_series", "POST"): _api(
        organizers(401),
        data=lambda w, r: {"last_date": (date.today() + timedelta(days=400)).isoformat()},
    ),
    ("api_series.cancel_occurrence", "POST"): _api(
        organizers(401),
        data=lambda w, r: {
            "slot_key": w.slot_key,
            "original_start_local": w.later_local.isoformat(timespec="minutes"),
            "reason": "Holiday",
        },
    ),
    # A site admin may act in any group but is no member: no regrets (422), no row made.
    ("api_series.send_occurrence_regrets", "POST"): _api(
        _row(401, OK, 403, OK, OK, 422),
        data=lambda w, r: {
            "slot_key": w.slot_key,
            "original_start_local": w.next_local.isoformat(timespec="minutes"),
        },
    ),
    ("api_series.uncancel_occurrence", "POST"): _api(
        organizers(401),
        data=lambda w, r: {
            "slot_key": w.slot_key,
            "original_start_local": w.cancelled_locals[r].isoformat(timespec="minutes"),
        },
    ),
    ("api_series.move_occurrence", "POST"): _api(
        organizers(401),
        data=lambda w, r: {
            "slot_key": w.slot_key,
            "original_start_local": w.later_local.isoformat(timespec="minutes"),
            "new_start_local": (w.later_local + timedelta(hours=2)).isoformat(timespec="minutes"),
            "reason": "Clash",
        },
    ),
    ("api_series.retitle_occurrence", "POST"): _api(
        organizers(401),
        data=lambda w, r: {
            "slot_key": w.slot_key,
            "original_start_local": w.later_local.isoformat(timespec="minutes"),
            "title": f"Special ({r})",
        },
    ),
    ("api_meetings.create_one_off", "POST"): _api(
        organizers(401),
        data=lambda w, r: {
            "title": f"API workshop {r}",
            "timezone": "UTC",
            "start_local": f"{date.today() + timedelta(days=12)}T09:00",
            "duration_minutes": 45,
        },
    ),
    ("api_meetings.cancel_meeting", "POST"): _api(
        organizers(401),
        params=lambda w, r: {"meeting_id": w.one_off_id},
        data=lambda w, r: {"reason": "Nobody can come"},
    ),
    ("api_meetings.uncancel_meeting", "POST"): _api(
        organizers(401), params=lambda w, r: {"meeting_id": w.cancelled_one_offs[r]}
    ),
    ("api_meetings.move_meeting", "POST"): _api(
        organizers(401),
        params=lambda w, r: {"meeting_id": w.one_off_id},
        data=lambda w, r: {
            "new_start_local": f"{date.today() + timedelta(days=5)}T11:00",
            "reason": "Room taken",
        },
    ),
    # Chairs edit the agenda; a new title or location needs an organizer (the
    # view checks that before writing anything).
    ("api_meetings.update_meeting", "PATCH"): _api(
        chairs(401),
        data=lambda w, r: {"agenda": f"1. Roll call ({r})", "lock_version": _version(w)},
    ),
    ("api_attendance.list_attendance", "GET"): _api(public()),
    ("api_attendance.put_attendance", "PUT"): _api(
        chairs(401),
        params=lambda w, r: {"person_id": w.regular_id},
        data=lambda w, r: {"kind": "present"},
    ),
    ("api_attendance.delete_attendance", "DELETE"): _api(
        chairs(401), params=lambda w, r: {"person_id": w.extra_ids[r]}
    ),
    ("api_attendance.import_attendance", "POST"): _api(
        chairs(401), data=lambda w, r: {"text": "Rita Regular\nNew Person <np@example.org>"}
    ),
    ("api_minutes.add_minute", "POST"): _api(
        chairs(401),
        data=lambda w, r: {"kind": "agreed", "text": f"Agreed by {r}", "lock_version": _version(w)},
    ),
    ("api_minutes.get_minute", "GET"): _api(public()),
    ("api_minutes.list_minutes", "GET"): _api(public()),
    ("api_minutes.list_meeting_actions", "GET"): _api(public()),
    ("api_minutes.update_minute", "PATCH"): _api(
        chairs(401), data=lambda w, r: {"text": f"Edited by {r}", "lock_version": _version(w)}
    ),
    ("api_minutes.delete_minute", "DELETE"): _api(
        chairs(401), data=lambda w, r: {"lock_version": _version(w)}
    ),
    ("api_actions.list_actions", "GET"): _api(public()),
    ("api_actions.get_action", "GET"): _api(public()),
    ("api_actions.create_action", "POST"): _api(
        chairs(401),
        data=lambda w, r: {"text": f"Write it up ({r})", "owners": [w.regular_id]},
    ),
    ("api_actions.update_action", "PATCH"): _api(
        chairs(401), data=lambda w, r: {"text": f"Edited by {r}"}
    ),
    ("api_actions.close_action", "POST"): _api(
        chairs(401), data=lambda w, r: {"status": "done", "meeting_id": w.meeting_id}
    ),
    ("api_actions.reopen_action", "POST"): _api(
        chairs(401), params=lambda w, r: {"action_id": w.closed_actions[r]}, data=lambda w, r: {}
    ),
    ("api_actions.carry_over", "POST"): _api(
        chairs(401), data=lambda w, r: {"meeting_id": w.meeting_id}
    ),
    ("api_attendance.attendance_stats", "GET"): _api(public()),
    ("api_mail.mail_minutes", "POST"): _api(chairs(401)),
    ("api_chat.list_chat_channels", "GET"): _api(organizers(401)),
    ("api_chat.create_chat_channel", "POST"): _api(
        organizers(401),
        data=lambda w, r: {"network": "irc://admin.example:6667", "channel": f"#api-{r}"},
    ),
    ("api_chat.delete_chat_channel", "DELETE"): _api(organizers(401)),
    ("api_webhooks.list_webhooks", "GET"): _api(organizers(401)),
    ("api_webhooks.get_webhook", "GET"): _api(organizers(401)),
    ("api_webhooks.list_deliveries", "GET"): _api(organizers(401)),
    ("api_webhooks.create_webhook", "POST"): _api(
        organizers(401), data=lambda w, r: {"url": f"http://127.0.0.1:9/new-{r}"}
    ),
    ("api_webhooks.update_webhook", "PATCH"): _api(
        organizers(401), data=lambda w, r: {"active": False}
    ),
    ("api_webhooks.delete_webhook", "DELETE"): _api(organizers(401)),
    ("api_webhooks.ping_webhook", "POST"): _api(organizers(401)),
}

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _routes(app) -> dict[tuple[str, str], Any]:
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - IGNORED_METHODS:
            found[(rule.endpoint, method)] = rule
    return found


# ------------------------------------------------------------------ requests


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of every table (the world is small), read fresh."""
    db.session.rollback()
    return {
        table.name: sorted(
            (tuple(map(repr, row)) for row in db.session.execute(table.select())),
        )
        for table in db.metadata.sorted_tables
    }


def _client_for(app, w: World, role: str):
    client = app.test_client()
    if role != "anonymous":
        with client.session_transaction() as session:
            session["_user_id"] = w.session_ids[role]
            session["_fresh"] = True
    return client


def _outcome(response) -> Any:
    status = response.status_code
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        return LOGIN if "/login" in location else OK
    if 200 <= status < 300:
        return OK
    return status


def _request(app, w: World, key: tuple[str, str], case: Case, role: str):
    endpoint, method = key
    rule = _routes(app)[key]
    params = _default_params(endpoint, set(rule.arguments), w, role)
    if case.params:
        params.update(case.params(w, role))
    with app.test_request_context():
        url = url_for(endpoint, **params, **(case.query or {}))
    if endpoint == "series.occurrence":
        url += f"?slot={w.slot_key}&at={w.later_local.isoformat(timespec='minutes')}"
    data = case.data(w, role) if case.data else {}
    client = _client_for(app, w, role)
    db.session.rollback()  # let go of the test's read transaction before the request
    # The test client runs requests inside the test's app context, so ``g`` (where
    # Flask-Login caches the current user, and views cache per-request data) would
    # carry over from the previous visitor's request.
    g.__dict__.clear()
    is_api = url.startswith("/api/")
    if is_api:
        headers = {"Authorization": f"Bearer {w.tokens[role]}"} if role in w.tokens else {}
        body = {"json": data} if case.data or method in ("POST", "PATCH", "PUT") else {}
        if case.raw:
            content_type, raw = case.raw(w, role)
            body = {"data": raw, "content_type": content_type}
        return client.open(url, method=method, headers=headers, **body)
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("key", sorted(MATRIX), ids=lambda k: f"{k[0]} {k[1]}")
def test_route_matrix(env, key: tuple[str, str]) -> None:
    app, world = env
    case = MATRIX[key]
    if key not in _routes(app):
        pytest.fail(f"{key} has a row but no route (see test_matrix_covers_every_route)")
    # Refused visitors first: the world must be unchanged for the allowed ones.
    order = sorted(ROLES, key=lambda r: case.expect[r] == OK)
    failures = []
    for role in order:
        expected = case.expect[role]
        before = _snapshot() if expected != OK else None
        response = _request(app, world, key, case, role)
        got = _outcome(response)
        if got != expected:
            body = response.get_data(as_text=True)[:300].replace("\n", " ")
            failures.append(f"{role}: expected {expected}, got {response.status_code} ({body})")
            continue
        if before is not None:
            after = _snapshot()
            changed = [name for name in before if before[name] != after[name]]
            if changed:
                failures.append(f"{role}: refused ({got}) but changed {changed}")
    assert not failures, "\n".join(failures)


def test_matrix_covers_every_route(env) -> None:
    """A new route must be classified here; a removed one must leave the table."""
    routes = set(_routes(env[0]))
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"routes without a row in MATRIX: {missing}"
    assert not stale, f"rows in MATRIX for routes that no longer exist: {stale}"


def test_rows_name_every_role() -> None:
    for key, case in MATRIX.items():
        assert set(case.expect) == set(ROLES), key


# ------------------------------------------------------------------ CSRF and the API


def _csrf_app(app):
    return create_app({**app.config, "WTF_CSRF_ENABLED": True})


def _body_for(w: World, case: Case) -> dict[str, Any]:
    return case.data(w, "admin") if case.data else {}


# Page routes that take a POST without a CSRF token on purpose, and what guards them.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail clients post with no session; the signed,
    # revocable token in the URL is the guard (tests/mail/test_person_mail.py).
    ("mail_prefs.unsubscribe", "POST"),
}


def test_every_form_post_needs_a_csrf_token(env) -> None:
    """With CSRF on, every state-changing page route refuses a body without the token
    (400), for a logged-in admin (who could do everything) and for anonymous visitors,
    and changes nothing. The API is exempt: it ignores cookies (next test)."""
    app, w = env
    strict = _csrf_app(app)
    failures = []
    before = _snapshot()
    for key, case in sorted(MATRIX.items()):
        endpoint, method = key
        if method == "GET" or endpoint.startswith("api") or key in CSRF_EXEMPT:
            continue
        rule = _routes(app)[key]
        params = _default_params(endpoint, set(rule.arguments), w, "admin")
        if case.params:
            params.update(case.params(w, "admin"))
        with app.test_request_context():
            url = url_for(endpoint, **params)
        for role in ("anonymous", "admin"):
            client = strict.test_client()
            if role == "admin":
                with client.session_transaction() as session:
                    session["_user_id"] = w.session_ids["admin"]
            body = _body_for(w, case)
            db.session.rollback()  # no transaction (SQLite write lock) held by the test
            response = client.open(
                url, method=method, data=body, content_type="multipart/form-data"
            )
            if response.status_code != 400:
                failures.append(f"{endpoint} {method} as {role}: {response.status_code}")
    assert not failures, "\n".join(failures)
    after = _snapshot()
    assert [n for n in before if before[n] != after[n]] == []


def test_the_api_ignores_the_session_cookie(env) -> None:
    """A logged-in browser session is no credential for /api/v1: writes are 401 and
    change nothing (so a hostile page cannot use a visitor's login against the API)."""
    app, w = env
    client = _client_for(app, w, "admin")  # a session cookie of a site admin
    before = _snapshot()
    g.__dict__.clear()
    attempts = [
        ("POST", "/api/v1/groups", {"slug": "by-cookie", "name": "By cookie"}),
        ("PATCH", f"/api/v1/groups/{w.slug}", {"description": "by cookie"}),
        ("POST", f"/api/v1/groups/{w.slug}/streams", {"slug": "cookie", "name": "Cookie"}),
        ("DELETE", f"/api/v1/groups/{w.slug}/webhooks/{w.hooks['admin']}", None),
        ("GET", "/api/v1/tokens", None),
    ]
    for method, url, body in attempts:
        response = client.open(url, method=method, json=body)
        assert response.status_code == 401, (method, url, response.status_code)
        assert response.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/people/me").status_code == 401
    after = _snapshot()
    assert [n for n in before if before[n] != after[n]] == []


# ------------------------------------------------------------------ other groups' ids


def test_a_chair_cannot_reach_another_groups_rows_through_their_own_meeting(env) -> None:
    """The chair of ``other`` uses ids of ``wg``'s rows under their own meeting or
    group: every such request is refused, each with its one right answer, and changes
    nothing. A row of another meeting is not found under this one (404); an action item
    of another group paired with this meeting is a bad request (400, "That meeting
    belongs to another group"); a reorder naming items this meeting lacks is a form
    error (422); the API refuses the other group's webhook for want of a role (403)."""
    app, w = env
    mine = w.other_meeting_id
    version = _fresh(Meeting, mine).lock_version
    attempts = [
        (
            "POST",
            f"/meetings/{mine}/minutes/items/{w.items['chair']}/delete",
            {"version": version},
            404,
        ),
        (
            "POST",
            f"/meetings/{mine}/minutes/items/{w.items['chair']}/edit",
            {"kind": "info", "text": "hijacked", "version": version},
            404,
        ),
        (
            "POST",
            f"/meetings/{mine}/minutes/items/{w.items['chair']}/move/up",
            {"version": version},
            404,
        ),
        ("POST", f"/meetings/{mine}/attendance/{w.entries['chair']}/remove", {}, 404),
        ("POST", f"/actions/{w.actions['chair']}/done", {"meeting_id": str(mine)}, 400),
        ("POST", f"/actions/{w.actions['chair']}/carry-over", {"meeting_id": str(mine)}, 400),
        (
            "POST",
            f"/meetings/{mine}/minutes/reorder",
            {"version": version, "order": ",".join(str(i) for i in w.items.values())},
            422,
        ),
    ]
    before = _snapshot()
    failures = []
    for method, url, body, expected in attempts:
        client = _client_for(app, w, "other_chair")
        db.session.rollback()
        g.__dict__.clear()
        response = client.open(url, method=method, data=body)
        if response.status_code != expected:
            failures.append(f"{url}: {response.status_code}, not {expected}")
    token = {"Authorization": f"Bearer {w.tokens['other_chair']}"}
    api = _client_for(app, w, "anonymous")
    for method in ("GET", "PATCH", "DELETE"):
        g.__dict__.clear()
        response = api.open(
            f"/api/v1/groups/other/webhooks/{w.hooks['chair']}",
            method=method,
            headers=token,
            json={"active": False} if method == "PATCH" else None,
        )
        if response.status_code != 403:
            failures.append(f"API webhook {method}: {response.status_code}")
    assert not failures, failures
    after = _snapshot()
    assert [n for n in before if before[n] != after[n]] == []
