"""API: the DST-aware slot finder (docs/slot-finder.md).

``POST /slot-finder`` is stateless and open to anyone (rate-limited); the group's
variant scores the group's members, aggregated, for its members only.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from meetbot.domain.slot_finder import MAX_WEEKS, FinderResult
from meetbot.extensions import limiter
from meetbot.services import groups as group_service
from meetbot.services import slot_finder as finder
from meetbot.services.permissions import Permission
from meetbot.web.api.common import OPTIONAL_BEARER, api_fields, guard, make_blueprint, read_docs
from meetbot.web.api.schemas import SLUG, Strict

blp = make_blueprint(
    "api_slot_finder",
    "The DST-aware slot finder: the best weekly slots and alternating pairs.",
    anonymous_writes=True,
)

HHMM = ma.validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$", error="A time is HH:MM.")
RATE = "30 per minute; 300 per hour"


class ParticipantIn(Strict):
    timezone = ma.fields.String(required=True, validate=ma.validate.Length(max=64))
    count = ma.fields.Integer(
        load_default=1, strict=True, validate=ma.validate.Range(0, finder.MAX_PARTICIPANT_COUNT)
    )
    window = ma.fields.List(
        ma.fields.String(validate=HHMM),
        validate=ma.validate.Length(equal=2),
        load_default=None,
        metadata={"description": 'Local daily window, e.g. ["08:00", "20:00"] (the default).'},
    )
    days = ma.fields.List(
        ma.fields.Integer(strict=True, validate=ma.validate.Range(0, 6)),
        validate=ma.validate.Length(min=1, max=7),
        load_default=None,
        metadata={"description": "Acceptable local weekdays, 0 = Monday (default 0-4)."},
    )


class _Options(ma.Schema):
    duration_minutes = ma.fields.Integer(
        load_default=60, validate=ma.validate.Range(finder.MIN_DURATION, finder.MAX_DURATION)
    )
    start = ma.fields.Date(
        load_default=None,
        # maxLength: every query string the spec allows fits the server's URL limit
        metadata={"description": "First day (default: today in the zone).", "maxLength": 10},
    )
    weeks = ma.fields.Integer(load_default=52, validate=ma.validate.Range(1, MAX_WEEKS))
    top = ma.fields.Integer(load_default=10, validate=ma.validate.Range(1, finder.MAX_TOP))


class FinderRequest(Strict, _Options):
    participants = ma.fields.List(
        ma.fields.Nested(ParticipantIn),
        required=True,
        validate=ma.validate.Length(min=1, max=finder.MAX_PARTICIPANT_ENTRIES),
    )
    timezone = ma.fields.String(load_default="UTC", validate=ma.validate.Length(max=64))


class GroupFinderArgs(_Options):
    timezone = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=64),
        metadata={"description": "Zone of the slots (default: the group's)."},
    )
    weight = ma.fields.String(
        load_default="none",
        validate=ma.validate.OneOf(["none", "attendance"]),
        metadata={"description": "attendance: weigh members by their attendance rate."},
    )


class SlotOut(ma.Schema):
    weekday = ma.fields.Integer(required=True, metadata={"description": "0 = Monday"})
    start = ma.fields.String(required=True, metadata={"description": "HH:MM in the zone"})


class ScoredSlotOut(SlotOut):
    coverage = ma.fields.Float(required=True)
    suited_every_week = ma.fields.Integer(required=True)


class PairOut(ma.Schema):
    a = ma.fields.Nested(SlotOut, required=True)
    b = ma.fields.Nested(SlotOut, required=True)
    coverage = ma.fields.Float(required=True)
    included = ma.fields.Integer(required=True)


class FinderOut(ma.Schema):
    timezone = ma.fields.String(required=True)
    start = ma.fields.Date(required=True)
    weeks = ma.fields.Integer(required=True)
    duration_minutes = ma.fields.Integer(required=True)
    participants = ma.fields.Integer(required=True, metadata={"description": "people counted"})
    slots = ma.fields.List(ma.fields.Nested(ScoredSlotOut), required=True)
    pairs = ma.fields.List(ma.fields.Nested(PairOut), required=True)


def _slot(slot) -> dict[str, Any]:
    return {"weekday": slot.weekday, "start": slot.start}


def dump(result: FinderResult) -> dict[str, Any]:
    return {
        "timezone": result.timezone,
        "start": result.start,
        "weeks": result.weeks,
        "duration_minutes": result.duration_minutes,
        "participants": result.people,
        "slots": [
            {
                **_slot(s.slot),
                "coverage": round(s.coverage, 6),
                "suited_every_week": s.suited_every_week,
            }
            for s in result.slots
        ],
        "pairs": [
            {
                "a": _slot(p.a),
                "b": _slot(p.b),
                "coverage": round(p.coverage, 6),
                "included": p.included,
            }
            for p in result.pairs
        ],
    }


@blp.route("/slot-finder", methods=["POST"])
@limiter.limit(RATE)
@blp.arguments(FinderRequest)
@blp.response(200, FinderOut)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@blp.alt_response(429, description="Too many requests")
@blp.doc(security=OPTIONAL_BEARER)
def find(data: dict[str, Any]) -> dict[str, Any]:
    """Score every weekly slot and alternating pair for the participants given (anyone)."""
    with api_fields():
        people = [
            finder.participant_from_input(entry, i) for i, entry in enumerate(data["participants"])
        ]
        result = finder.find(
            people,
            timezone=data["timezone"],
            duration_minutes=data["duration_minutes"],
            start=data["start"],
            weeks=data["weeks"],
            top=data["top"],
        )
    return dump(result)


@blp.route(f"/groups/<{SLUG}:group>/slot-finder")
@limiter.limit(RATE)
@guard(Permission.PARTICIPATE)
@blp.arguments(GroupFinderArgs, location="query")
@blp.response(200, FinderOut)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(429, description="Too many requests")
@read_docs(blp)
def find_for_group(args: dict[str, Any], group: str) -> dict[str, Any]:
    """The same for the group's members (aggregated; members of the group only)."""
    row = group_service.get_group(group)
    gathered = finder.group_participants(row, by_attendance=args["weight"] == "attendance")
    with api_fields():
        result = finder.find(
            gathered.participants or [],
            timezone=args["timezone"] or row.timezone,
            duration_minutes=args["duration_minutes"],
            start=args["start"],
            weeks=args["weeks"],
            top=args["top"],
        )
    return dump(result)
