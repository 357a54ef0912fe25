"""Data generator for a large meetbot instance, written with bulk inserts.

At ``scale=1.0`` it writes 200 groups, 2,000 series (one group holds 1,000 of them),
20,000 people and five years of history: about 100,000 held meetings, 1,000,000
attendance rows, 50,000 action items and 200,000 minute items. Smaller scales shrink
every count (at least a handful of groups is kept).

Rows are plain tuples/dicts built in Python and written per table in chunks: SQLAlchemy
Core ``insert()`` with a list of dicts on SQLite, ``COPY ... FROM STDIN`` on PostgreSQL.
The same seed gives the same data. Occurrences come from the app's own recurrence
engine, so every Meeting row is an occurrence its slot really generates.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, text

from meetbot.domain.recurrence import (
    Frequency,
    Rule,
    Slot,
    expand,
    first_matching_start,
    validate_slot,
)
from meetbot.extensions import db

GENERATOR_VERSION = 4  # bump when the data or the schema changes
BIG_GROUP_SLUG = "big-group"
BENCH_PASSWORD = "bench password 8"
CHUNK = 50_000

ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Europe/London",
    "Asia/Shanghai",
)
COMPANIES = tuple(f"Company {c}" for c in "ABCDEFGHIJKLMNOPQRSTUV")  # 22, like the Edge WG
FIRST = ("Ana", "Bo", "Chen", "Dana", "Eli", "Femi", "Gita", "Hugo", "Ines", "Jon", "Kai", "Lea")
LAST = ("Smith", "Garcia", "Wang", "Okafor", "Müller", "Kim", "Rossi", "Silva", "Nair", "Berg")
MINUTE_KINDS = ("topic", "info", "agreed", "idea", "help", "link", "action", "info", "topic")
SOURCES = ("roster", "paste", "csv", "self", "link", "log", "roster", "roster")


@dataclass(frozen=True)
class Sizes:
    """Target row counts for one scale."""

    groups: int
    people: int
    series: int
    big_group_series: int
    meetings: int
    attendance: int
    action_items: int
    minute_items: int

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        """The counts of the issue (200 groups, 2,000 series, ...) times ``scale``."""

        def n(full: int, floor: int = 1) -> int:
            return max(floor, round(full * scale))

        series = n(2_000, 20)
        return cls(
            groups=n(200, 5),
            people=n(20_000, 200),
            series=series,
            big_group_series=series // 2,
            meetings=n(100_000, 200),
            attendance=n(1_000_000, 2_000),
            action_items=n(50_000, 100),
            minute_items=n(200_000, 400),
        )


@dataclass
class _SeriesInfo:
    id: int
    group_id: int
    status: str
    slots: list[tuple[int, Slot]] = field(default_factory=list)
    stream_id: int | None = None


@dataclass
class Generated:
    """What was written: counts per table, the reference 'now' and the seconds taken."""

    counts: dict[str, int]
    now: datetime
    seconds: float
    big_group_slug: str = BIG_GROUP_SLUG
    bench_emails: list[str] = field(default_factory=list)


class _Writer:
    """Writes row dicts per table: Core executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.counts: dict[str, int] = {}
        if self.postgres:
            # The generator writes consistent data; skipping the per-row foreign-key
            # triggers during the load makes COPY several times faster (superuser only,
            # as on the bench's throwaway cluster; this transaction only).
            conn.execute(text("SET LOCAL session_replication_role = replica"))

    def write(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
        if not self.postgres:
            for i in range(0, len(rows), CHUNK):
                self.conn.execute(table.insert(), list(rows[i : i + CHUNK]))
            return
        columns = list(rows[0])
        names = ", ".join(f'"{c}"' for c in columns)
        cursor = self.conn.connection.dbapi_connection.cursor()
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        cursor.close()

    def fix_sequences(self, tables: Iterable[Table]) -> None:
        """After COPY with explicit ids, move PostgreSQL's id sequences past them."""
        if not self.postgres:
            return
        for table in tables:
            if "id" in table.c and table.c.id.autoincrement and table.name in self.counts:
                self.conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f'(SELECT max(id) FROM "{table.name}"))'
                    )
                )


def _uid(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def generate(conn: Connection, scale: float = 1.0, *, seed: int = 8) -> Generated:
    """Fill an empty, migrated database through ``conn`` (committed by the caller)."""
    from werkzeug.security import generate_password_hash

    started = time.perf_counter()
    sizes = Sizes.for_scale(scale)
    rng = random.Random(seed)
    t = db.metadata.tables
    w = _Writer(conn)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    history_start = now - timedelta(days=5 * 365)
    created = history_start - timedelta(days=30)

    # People: a few can log in (bench users for check-ins and logged-in pages).
    password_hash = generate_password_hash(BENCH_PASSWORD, method="pbkdf2:sha256:1000")
    bench_users = min(100, sizes.people)
    people = []
    handles = []
    for pid in range(1, sizes.people + 1):
        people.append(
            {
                "id": pid,
                "display_name": f"{rng.choice(FIRST)} {rng.choice(LAST)} {pid}",
                "email": f"person{pid}@example.org",
                "organization": rng.choice(COMPANIES),
                "timezone": rng.choice(ZONES),
                "password_hash": password_hash if pid <= bench_users else None,
                "is_admin": False,
                "is_active_account": True,
                "feed_nonce": _uid(rng),
                "created_dt": created,
                "updated_dt": created,
            }
        )
        if pid % 2 == 0:
            handles.append(
                {"id": pid // 2, "person_id": pid, "handle": f"nick{pid}", "kind": "irc"}
            )
    w.write(t["people"], people)
    w.write(t["person_handles"], handles)
    del people, handles

    # Groups, members and work streams. Group 1 is the big one.
    groups, memberships, streams, leads = [], [], [], []
    members_of: dict[int, list[int]] = {}
    streams_of: dict[int, list[int]] = {}
    stream_id = 0
    for gid in range(1, sizes.groups + 1):
        big = gid == 1
        slug = BIG_GROUP_SLUG if big else f"group-{gid:03d}"
        groups.append(
            {
                "id": gid,
                "slug": slug,
                "name": "Big Group" if big else f"Working Group {gid}",
                "description": f"Group **{gid}**: gap analysis, collaboration and new projects.",
                "mailing_list": f"{slug}@lists.example.org",
                "website": None,
                "timezone": rng.choice(ZONES),
                "quorum": None,
                "attendance_threshold": 25,
                "attendance_window": 10,
                "revision": 1,
                "created_dt": created,
                "updated_dt": created,
            }
        )
        count = max(20, sizes.people // 10) if big else rng.randint(20, 150)
        chosen = rng.sample(range(1, sizes.people + 1), min(count, sizes.people))
        members_of[gid] = chosen
        for i, pid in enumerate(chosen):
            role = "organizer" if i < 2 else "chair" if i < 5 else "member"
            memberships.append(
                {
                    "id": len(memberships) + 1,
                    "group_id": gid,
                    "person_id": pid,
                    "role": role,
                    "created_dt": created,
                }
            )
        streams_of[gid] = []
        for s in range(12 if big else 4):
            stream_id += 1
            streams_of[gid].append(stream_id)
            streams.append(
                {
                    "id": stream_id,
                    "group_id": gid,
                    "slug": f"stream-{s + 1}",
                    "name": f"Stream {s + 1}",
                    "description": "A strand of the group's work.",
                    "status": "active",
                    "created_dt": created,
                    "updated_dt": created,
                }
            )
            leads.append({"work_stream_id": stream_id, "person_id": chosen[s % len(chosen)]})
    w.write(t["groups"], groups)
    w.write(t["memberships"], memberships)
    w.write(t["work_streams"], streams)
    w.write(t["work_stream_leads"], leads)
    del memberships, streams, leads

    # Series with mixed rules and zones; half of them in the big group.
    series_rows, slot_rows, chairs, tags = [], [], [], []
    infos: list[_SeriesInfo] = []
    slot_id = 0
    for sid in range(1, sizes.series + 1):
        gid = 1 if sid <= sizes.big_group_series else rng.randint(2, max(2, sizes.groups))
        ended = rng.random() < 0.1
        zone = rng.choice(ZONES)
        info = _SeriesInfo(sid, gid, "ended" if ended else "active")
        if rng.random() < 0.5:
            info.stream_id = rng.choice(streams_of[gid])
            tags.append({"series_id": sid, "work_stream_id": info.stream_id})
        series_rows.append(
            {
                "id": sid,
                "group_id": gid,
                "title": f"Series {sid} weekly sync",
                "description": "Agenda in the etherpad; everyone welcome.",
                "timezone": zone,
                "location_kind": "video",
                "location": f"https://meet.example.org/series-{sid}",
                "agenda_url": None,
                "status": info.status,
                "uid_token": _uid(rng),
                "external_id": None,
                "revision": rng.randint(0, 5),
                "created_dt": created,
                "updated_dt": created,
            }
        )
        for pid in rng.sample(members_of[gid][:5], rng.randint(1, 2)):
            chairs.append({"series_id": sid, "person_id": pid})
        for position in range(2 if rng.random() < 0.1 else 1):
            slot_id += 1
            slot = _random_slot(rng, f"slot-{position}", zone, history_start, now, ended)
            info.slots.append((slot_id, slot))
            r = slot.rule
            slot_rows.append(
                {
                    "id": slot_id,
                    "series_id": sid,
                    "key": slot.key,
                    "label": "",
                    "position": position,
                    "timezone": slot.timezone,
                    "start_local": slot.start,
                    "duration_minutes": int(slot.duration.total_seconds() // 60),
                    "frequency": r.frequency.value,
                    "interval": r.interval,
                    "weekday": r.weekday,
                    "setpos": r.setpos,
                    "until": r.until,
                    "count": r.count,
                }
            )
        infos.append(info)
    w.write(t["meeting_series"], series_rows)
    w.write(t["series_slots"], slot_rows)
    w.write(t["series_chairs"], chairs)
    w.write(t["series_work_streams"], tags)
    del series_rows, slot_rows, chairs, tags

    # Past occurrences of every slot; a share of them were held (Meeting rows).
    past: list[tuple[_SeriesInfo, int, Any]] = []
    future: list[tuple[_SeriesInfo, int, Any]] = []
    for info in infos:
        for sl_id, slot in info.slots:
            for occ in expand(slot, history_start, now):
                past.append((info, sl_id, occ))
            if info.status == "active" and rng.random() < 0.08:
                upcoming = expand(slot, now, now + timedelta(days=120))[:3]
                future.extend((info, sl_id, occ) for occ in upcoming)
    one_off_count = max(1, sizes.meetings // 100)
    share = min(1.0, (sizes.meetings - one_off_count) / max(1, len(past)))
    held = [p for p in past if rng.random() < share]
    del past

    meetings: list[dict[str, Any]] = []
    held_meta: list[tuple[int, int, datetime, int | None]] = []  # id, group, end, stream
    for info, sl_id, occ in held:
        mid = len(meetings) + 1
        meetings.append(
            _meeting_row(rng, mid, info.group_id, info.id, sl_id, occ.original_start, occ.slot_key)
            | {
                "timezone": next(s.timezone for i, s in info.slots if i == sl_id),
                "start_dt": occ.start_utc,
                "end_dt": occ.end_utc,
                "status": "held",
            }
        )
        held_meta.append((mid, info.group_id, occ.end_utc, info.stream_id))
    for _ in range(one_off_count):
        mid = len(meetings) + 1
        gid = rng.randint(1, sizes.groups)
        start = history_start + timedelta(hours=rng.randrange(5 * 365 * 24))
        meetings.append(
            _meeting_row(rng, mid, gid, None, None, None, None)
            | {
                "timezone": "UTC",
                "start_dt": start,
                "end_dt": start + timedelta(hours=1),
                "status": "held",
                "title": f"Workshop {mid}",
            }
        )
        held_meta.append((mid, gid, start + timedelta(hours=1), None))
    # Future overrides: cancelled and moved occurrences (they show in feeds).
    for info, sl_id, occ in future:
        mid = len(meetings) + 1
        moved = rng.random() < 0.4
        shift = timedelta(hours=1) if moved else timedelta(0)
        meetings.append(
            _meeting_row(rng, mid, info.group_id, info.id, sl_id, occ.original_start, occ.slot_key)
            | {
                "timezone": next(s.timezone for i, s in info.slots if i == sl_id),
                "start_dt": occ.start_utc + shift,
                "end_dt": occ.end_utc + shift,
                "status": "scheduled" if moved else "cancelled",
                "is_moved": moved,
                "sequence": 1,
                "change_reason": "Moved for a conference." if moved else "Holiday.",
            }
        )
    del held, future
    w.write(t["meetings"], meetings)
    del meetings

    # Attendance, minutes and action items of held meetings, streamed in chunks.
    per_meeting = sizes.attendance / max(1, len(held_meta))
    minutes_per = sizes.minute_items / max(1, len(held_meta))
    actions_per = sizes.action_items / max(1, len(held_meta))
    att, minutes, actions, owners, events = [], [], [], [], []
    ids = {"att": 0, "min": 0, "act": 0, "evt": 0}
    for mid, gid, end, stream in held_meta:
        pool = members_of[gid]
        k = min(len(pool), max(1, round(rng.uniform(0.3, 1.7) * per_meeting)))
        present = rng.sample(pool, k)
        for pid in present:
            ids["att"] += 1
            source = rng.choice(SOURCES)
            att.append(
                {
                    "id": ids["att"],
                    "meeting_id": mid,
                    "person_id": pid,
                    "kind": "regrets" if rng.random() < 0.08 else "present",
                    "source": source,
                    "recorded_by_id": pool[0],
                    "recorded_dt": end,
                    "duration_minutes": rng.randint(5, 60) if source == "csv" else None,
                    "lines_said": rng.randint(0, 80) if source == "log" else None,
                }
            )
        for pos in range(_poisson_ish(rng, minutes_per)):
            ids["min"] += 1
            minutes.append(
                {
                    "id": ids["min"],
                    "meeting_id": mid,
                    "kind": rng.choice(MINUTE_KINDS),
                    "text": f"Discussed item {pos + 1}: see https://example.org/{mid}/{pos}",
                    "author_id": present[pos % len(present)],
                    "author_nick": None,
                    "work_stream_id": stream,
                    "said_dt": end - timedelta(minutes=30 - pos),
                    "position": pos,
                    "created_dt": end,
                    "updated_dt": end,
                }
            )
        for _ in range(_poisson_ish(rng, actions_per)):
            ids["act"] += 1
            aid = ids["act"]
            old = (now - end).days > 60
            roll = rng.random()
            status = "open" if not old or roll < 0.2 else "done" if roll < 0.9 else "dropped"
            closed = end + timedelta(days=rng.randint(3, 50)) if status != "open" else None
            actions.append(
                {
                    "id": aid,
                    "group_id": gid,
                    "work_stream_id": stream,
                    "opened_in_id": mid,
                    "closed_in_id": None,
                    "text": f"Follow up on topic {aid} with the upstream project",
                    "due_date": (end + timedelta(days=14)).date(),
                    "status": status,
                    "needs_owner_review": False,
                    "uid_token": _uid(rng),
                    "sequence": 0 if status == "open" else 1,
                    "created_by_id": pool[0],
                    "created_dt": end,
                    "updated_dt": closed or end,
                    "closed_dt": closed,
                }
            )
            for pid in set(rng.sample(present, min(len(present), rng.choice((1, 1, 2))))):
                owners.append({"action_item_id": aid, "person_id": pid})
            ids["evt"] += 1
            events.append(_event(ids["evt"], aid, mid, "opened", pool[0], end))
            if closed is not None:
                ids["evt"] += 1
                events.append(_event(ids["evt"], aid, None, status, pool[0], closed))
        if len(att) >= CHUNK * 2:
            w.write(t["attendance"], att)
            att = []
    w.write(t["attendance"], att)
    w.write(t["minute_items"], minutes)
    w.write(t["action_items"], actions)
    w.write(t["action_item_owners"], owners)
    w.write(t["action_item_events"], events)
    w.fix_sequences(db.metadata.sorted_tables)
    conn.execute(text("ANALYZE"))  # PostgreSQL also gets VACUUM (dataset.build), outside
    return Generated(
        counts=dict(w.counts),
        now=now,
        seconds=time.perf_counter() - started,
        bench_emails=[f"person{i}@example.org" for i in range(1, bench_users + 1)],
    )


def _poisson_ish(rng: random.Random, mean: float) -> int:
    """A small non-negative count whose average is ``mean``."""
    base = int(mean)
    return rng.randint(0, 2 * base) + (rng.random() < mean - base)


def _event(eid: int, aid: int, mid: int | None, kind: str, actor: int, at: datetime) -> dict:
    return {
        "id": eid,
        "action_item_id": aid,
        "meeting_id": mid,
        "kind": kind,
        "actor_id": actor,
        "note": "",
        "created_dt": at,
    }


def _meeting_row(
    rng: random.Random,
    mid: int,
    gid: int,
    sid: int | None,
    slot_id: int | None,
    original: datetime | None,
    slot_key: str | None,
) -> dict[str, Any]:
    return {
        "id": mid,
        "group_id": gid,
        "series_id": sid,
        "slot_id": slot_id,
        "original_start_local": original,
        "work_stream_id": None,
        "title": None,
        "location": None,
        "is_moved": False,
        "change_reason": "",
        "agenda": "1. Roll call\n2. Action items review\n3. Open floor",
        "uid_token": _uid(rng),
        "sequence": 0,
        "lock_version": 1,
        "checkin_token_hash": None,
        "checkin_open_until_dt": None,
        "imported_log_sha256": None,
        "created_dt": datetime(2020, 1, 1, tzinfo=UTC),
        "updated_dt": datetime(2020, 1, 1, tzinfo=UTC),
    }


def _random_slot(
    rng: random.Random, key: str, zone: str, history_start: datetime, now: datetime, ended: bool
) -> Slot:
    """A slot with a realistic rule: weekly, every other week, monthly nth weekday, once."""
    span = (now - history_start).days
    first = history_start.date() + timedelta(days=rng.randrange(int(span * 0.8)))
    start = datetime.combine(first, datetime.min.time()).replace(
        hour=rng.randint(6, 20), minute=rng.choice((0, 30))
    )
    duration = timedelta(minutes=rng.choice((30, 60, 60, 90)))
    roll = rng.random()
    until: date | None = None
    if ended:
        until = first + timedelta(days=rng.randint(60, 700))
        until = min(until, (now - timedelta(days=1)).date())
    if roll < 0.5:
        rule = Rule(Frequency.WEEKLY, 1, until=until)
    elif roll < 0.72:
        rule = Rule(Frequency.WEEKLY, 2, until=until)  # odd or even ISO weeks
    elif roll < 0.95:
        rule = Rule(
            Frequency.MONTHLY,
            rng.choice((1, 1, 1, 3)),
            weekday=rng.randrange(5),
            setpos=rng.choice((1, 2, 3, 4, -1)),
            until=until,
        )
        start = first_matching_start(rule, start)
    else:
        rule = Rule(Frequency.ONCE)
    slot = Slot(key=key, timezone=zone, start=start, duration=duration, rule=rule)
    if rule.until is not None and rule.until < start.date():
        slot = Slot(
            key,
            zone,
            start,
            duration,
            Rule(rule.frequency, rule.interval, rule.weekday, rule.setpos, until=start.date()),
        )
    validate_slot(slot)
    return slot
