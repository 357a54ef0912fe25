"""Check iCalendar feeds with two independent real client parsers.

* :func:`occurrences_recurring_ical_events` -- the Python ``recurring-ical-events``
  package (on top of ``icalendar``; it also applies X-WR-TIMEZONE the way
  Google Calendar does, via ``x-wr-timezone``).
* :func:`occurrences_icaljs` -- ``ical.js`` (the parser Thunderbird uses) run by
  node on ``tests/js/expand.mjs``; it only knows the VTIMEZONEs in the file.
  Needs ``npm ci --prefix tests/js``. Without node or node_modules the tests
  using it are skipped, or fail when MEETBOT_REQUIRE_ICALJS=1.

Both return, for every VEVENT occurrence whose (possibly moved) start lies in
[start, end) -- the same window rule as ``recurrence.expand`` -- a dict::

    {"uid": str, "start": UTC datetime, "end": UTC datetime, "summary": str,
     "status": str | None, "recurrence_id": UTC datetime | None}

``recurrence_id`` is the original start of an occurrence of a recurring event
and None for an event without RRULE. :func:`compare` lists the differences
between an expected list and what each parser found; :func:`check_feed` runs
both parsers and compares, for web tests that assert ``== []``.
:func:`expected_occurrences` derives the expected list from the builder's input
dataclasses with ``recurrence.expand`` (no iCalendar involved).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
import recurring_ical_events

from meetbot.domain import recurrence
from meetbot.domain.ical import SeriesEvent, SingleEvent

JS_DIR = Path(__file__).resolve().parent / "js"
EXPAND_SCRIPT = JS_DIR / "expand.mjs"
ICALJS_PACKAGE = JS_DIR / "node_modules" / "ical.js" / "package.json"
INSTALL_HINT = "run `npm ci --prefix tests/js` (or `make test`, which does it)"
FIELDS = ("start", "end", "summary", "status", "recurrence_id")

Occ = dict[str, Any]


# --------------------------------------------------------------------------
# recurring-ical-events
# --------------------------------------------------------------------------


def occurrences_recurring_ical_events(ics: bytes, start: datetime, end: datetime) -> list[Occ]:
    """Occurrences in [start, end) as expanded by the ``recurring-ical-events`` package."""
    _check_window(start, end)
    cal = icalendar.Calendar.from_ical(ics)
    recurring_uids = {
        str(ev["UID"])
        for ev in cal.walk("VEVENT")
        if "RECURRENCE-ID" not in ev and ("RRULE" in ev or "RDATE" in ev)
    }
    out: list[Occ] = []
    for ev in recurring_ical_events.of(cal).between(start, end):
        occ_start = _utc(ev["DTSTART"].dt)
        if not start <= occ_start < end:
            continue  # overlaps the window but starts before it
        uid = str(ev["UID"])
        rid = ev.get("RECURRENCE-ID")
        out.append(
            {
                "uid": uid,
                "start": occ_start,
                "end": _utc(ev["DTEND"].dt),
                "summary": str(ev.get("SUMMARY", "")),
                "status": str(ev["STATUS"]) if "STATUS" in ev else None,
                "recurrence_id": _utc(rid.dt)
                if rid is not None and uid in recurring_uids
                else None,
            }
        )
    return _sorted(out)


# --------------------------------------------------------------------------
# ical.js
# --------------------------------------------------------------------------


def icaljs_unavailable_reason() -> str | None:
    """Why ical.js cannot run here (node or node_modules missing), or None if it can."""
    if shutil.which("node") is None:
        return f"node is not installed; install Node.js and {INSTALL_HINT}"
    if not ICALJS_PACKAGE.is_file():
        return f"ical.js is not installed in {JS_DIR / 'node_modules'}; {INSTALL_HINT}"
    return None


def icaljs_available() -> bool:
    """True if node and tests/js/node_modules/ical.js are present."""
    return icaljs_unavailable_reason() is None


def require_icaljs() -> None:
    """Skip the calling test if ical.js cannot run; fail instead if MEETBOT_REQUIRE_ICALJS=1."""
    reason = icaljs_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("MEETBOT_REQUIRE_ICALJS") == "1":
        pytest.fail(f"ical.js is required (MEETBOT_REQUIRE_ICALJS=1): {reason}")
    pytest.skip(f"ical.js feed check skipped: {reason}")


def occurrences_icaljs(ics: bytes, start: datetime, end: datetime) -> list[Occ]:
    """Occurrences in [start, end) as expanded by ical.js (node tests/js/expand.mjs).

    Skips (or fails, see :func:`require_icaljs`) when ical.js is not installed;
    raises AssertionError with node's message if the script rejects the feed.
    """
    _check_window(start, end)
    require_icaljs()
    proc = subprocess.run(
        ["node", str(EXPAND_SCRIPT), _iso(start), _iso(end)],
        input=ics,
        capture_output=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"ical.js rejected the feed (exit {proc.returncode}): "
            f"{proc.stderr.decode('utf-8', 'replace').strip()}"
        )
    out: list[Occ] = []
    for row in json.loads(proc.stdout):
        out.append(
            {
                "uid": row["uid"],
                "start": _parse_iso(row["start"]),
                "end": _parse_iso(row["end"]),
                "summary": row["summary"] if row["summary"] is not None else "",
                "status": row["status"],
                "recurrence_id": _parse_iso(row["recurrence_id"]) if row["recurrence_id"] else None,
            }
        )
    return _sorted(out)


def parse_icaljs_summaries(ics: bytes) -> list[dict[str, Any]]:
    """Every VEVENT/VTODO's property names and SUMMARY as ical.js parses them.

    Used to prove that escaped text cannot inject a property. Skips like
    :func:`require_icaljs`.
    """
    require_icaljs()
    script = (
        "import ICAL from 'ical.js';"
        "let t='';process.stdin.on('data',c=>t+=c).on('end',()=>{"
        "const root=new ICAL.Component(ICAL.parse(t));"
        "const out=[];"
        "for(const c of root.getAllSubcomponents()){if(c.name==='vtimezone')continue;"
        "out.push({component:c.name,properties:c.getAllProperties().map(p=>p.name),"
        "summary:c.getFirstPropertyValue('summary'),"
        "location:c.getFirstPropertyValue('location'),"
        "description:c.getFirstPropertyValue('description')});}"
        "process.stdout.write(JSON.stringify({calendar:root.getAllProperties().map(p=>p.name),"
        "components:out}));});"
    )
    proc = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input=ics,
        capture_output=True,
        timeout=60,
        cwd=JS_DIR,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"ical.js could not parse the feed: {proc.stderr.decode()}")
    return json.loads(proc.stdout)


# --------------------------------------------------------------------------
# Expected occurrences and comparison
# --------------------------------------------------------------------------


def expected_occurrences(
    events: Iterable[SeriesEvent | SingleEvent],
    start: datetime,
    end: datetime,
    *,
    max_move: timedelta = timedelta(days=60),
) -> list[Occ]:
    """What a client should show in [start, end), from the builder's input.

    Series: ``recurrence.expand`` with each override applied (moved start/end,
    new title), cancelled occurrences removed; overrides may move an occurrence
    by at most ``max_move``. Single events: as given. Same dict shape as the
    parsers' output.
    """
    _check_window(start, end)
    out: list[Occ] = []
    for item in events:
        if isinstance(item, SingleEvent):
            if start <= _utc(item.start_utc) < end:
                out.append(
                    {
                        "uid": item.uid,
                        "start": _utc(item.start_utc),
                        "end": _utc(item.end_utc),
                        "summary": item.title,
                        "status": item.status,
                        "recurrence_id": None,
                    }
                )
            continue
        slot = item.slot
        overrides = {ov.original_start: ov for ov in item.overrides}
        recurring = recurrence.to_rrule(slot) is not None
        for occ in recurrence.expand(slot, start - max_move, end + max_move):
            ov = overrides.get(occ.original_start)
            if ov is not None and ov.cancelled:
                continue
            occ_start, occ_end, title = occ.start_utc, occ.end_utc, item.title
            if ov is not None:
                if ov.start_utc is not None:
                    occ_start = _utc(ov.start_utc)
                    occ_end = occ_start + slot.duration
                if ov.end_utc is not None:
                    occ_end = _utc(ov.end_utc)
                if ov.title is not None:
                    title = ov.title
                assert abs(occ_start - occ.start_utc) <= max_move, "override moved too far"
            if start <= occ_start < end:
                out.append(
                    {
                        "uid": item.uid,
                        "start": occ_start,
                        "end": occ_end,
                        "summary": title,
                        "status": item.status,
                        "recurrence_id": occ.start_utc if recurring else None,
                    }
                )
    return _sorted(out)


def compare(
    expected: Sequence[Mapping[str, Any]],
    actual_by_parser: Mapping[str, Sequence[Mapping[str, Any]]],
    fields: Sequence[str] = FIELDS,
    match_on: str = "recurrence_id",
) -> list[str]:
    """Human-readable differences between ``expected`` and each parser's occurrences.

    Occurrences are matched by (uid, recurrence_id or start), or by (uid, start)
    with ``match_on="start"``; ``fields`` are compared for each match. Returns
    [] when every parser agrees with expected.

    Note: a RECURRENCE-ID at a nonexistent or repeated local time (DST gap or
    fold) is read as a different UTC instant by ical.js than by RFC 5545; the
    occurrence itself is shown right. Compare such feeds with
    ``match_on="start"`` and without "recurrence_id" in ``fields``.
    """
    if match_on not in ("recurrence_id", "start"):
        raise ValueError("match_on must be 'recurrence_id' or 'start'")
    diffs: list[str] = []
    want = _index(expected, "expected", diffs, match_on)
    for parser, actual in actual_by_parser.items():
        got = _index(actual, parser, diffs, match_on)
        for key in sorted(want.keys() - got.keys(), key=str):
            diffs.append(f"{parser}: missing {_describe(want[key])}")
        for key in sorted(got.keys() - want.keys(), key=str):
            diffs.append(f"{parser}: unexpected {_describe(got[key])}")
        for key in sorted(want.keys() & got.keys(), key=str):
            for field in fields:
                if want[key].get(field) != got[key].get(field):
                    diffs.append(
                        f"{parser}: {key[0]} {_fmt(key[1])}: {field} is "
                        f"{_fmt(got[key].get(field))}, expected {_fmt(want[key].get(field))}"
                    )
    return diffs


def check_feed(
    ics: bytes, expected: Sequence[Mapping[str, Any]], start: datetime, end: datetime
) -> list[str]:
    """Expand ``ics`` with both parsers over [start, end) and compare with ``expected``.

    Without ical.js the recurring-ical-events differences are still returned
    when there are any; otherwise the test is skipped (or fails) as in
    :func:`require_icaljs`.
    """
    found = {"recurring-ical-events": occurrences_recurring_ical_events(ics, start, end)}
    if not icaljs_available():
        diffs = compare(expected, found)
        if diffs:
            return diffs
    found["ical.js"] = occurrences_icaljs(ics, start, end)
    return compare(expected, found)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _index(
    rows: Sequence[Mapping[str, Any]], who: str, diffs: list[str], match_on: str
) -> dict[tuple[str, datetime], Mapping[str, Any]]:
    index: dict[tuple[str, datetime], Mapping[str, Any]] = {}
    for row in rows:
        key = (row["uid"], row[match_on] or row["start"])
        if key in index:
            diffs.append(f"{who}: duplicate {_describe(row)}")
        index[key] = row
    return index


def _describe(row: Mapping[str, Any]) -> str:
    rid = row.get("recurrence_id")
    return f"{row['uid']} {_fmt(row['start'])}-{_fmt(row['end'])} {row.get('summary')!r}" + (
        f" (recurrence-id {_fmt(rid)})" if rid else ""
    )


def _fmt(value: Any) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(value, datetime) else repr(value)


def _sorted(rows: list[Occ]) -> list[Occ]:
    return sorted(rows, key=lambda r: (r["start"], r["uid"]))


def _utc(value: datetime) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise AssertionError(f"expected an aware date-time, got {value!r}")
    return value.astimezone(UTC)


def _check_window(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("window bounds must be aware datetimes")


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
