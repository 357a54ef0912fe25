"""API: availability polls (docs/slot-finder.md, "Availability polls").

The group's polls (``/groups/{group}/polls``): organizers create and close them,
members list them, read them and their results. The poll's link token
(``/polls/{token}``) is what members and guests answer with: anyone holding it may
answer, rate-limited; a guest's answer changes only with the secret it was given.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, url_for

from meetbot.domain.slot_finder import MAX_WEEKS, Slot
from meetbot.extensions import limiter
from meetbot.models import AvailabilityPoll, PollAnswer
from meetbot.services import groups as group_service
from meetbot.services import poll_close, polls
from meetbot.services import slot_finder as finder
from meetbot.services.permissions import Permission
from meetbot.web.api.common import (
    OPTIONAL_BEARER,
    api_abort,
    api_fields,
    api_person,
    guard,
    location,
    make_blueprint,
    read_docs,
    require_person,
    write_docs,
)
from meetbot.web.api.fields import DATES
from meetbot.web.api.pages import PageArgs, page_schema, paginate
from meetbot.web.api.schemas import ID, SLUG, Strict, ident, text
from meetbot.web.api.slot_finder import SlotOut
from meetbot.web.polls import ANSWER_RATE

blp = make_blueprint("api_polls", "Availability polls of a group: create, read, results, close.")
answers_blp = make_blueprint(
    "api_poll_answers",
    "Answering an availability poll with its link's token (members and guests).",
    anonymous_writes=True,
)

_START = ma.validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="A time is HH:MM.")
_CHOICES = {"y": "yes", "m": "maybe", "n": "no"}


class SlotIn(Strict):
    weekday = ma.fields.Integer(
        strict=True,
        required=True,
        validate=ma.validate.Range(0, 6),
        metadata={"description": "0 = Monday"},
    )
    start = ma.fields.String(
        required=True, validate=_START, metadata={"description": "HH:MM in the poll's zone"}
    )


class OptionIn(Strict):
    a = ma.fields.Nested(SlotIn, required=True)
    b = ma.fields.Nested(
        SlotIn,
        load_default=None,
        allow_none=True,
        metadata={"description": "For an alternating pair: held the week after A."},
    )


class PollIn(Strict):
    title = text(polls.MAX_TITLE, required=True)
    timezone = text(64, load_default=None, metadata={"description": "Default: the group's."})
    duration_minutes = ma.fields.Integer(
        strict=True,
        load_default=60,
        validate=ma.validate.Range(finder.MIN_DURATION, finder.MAX_DURATION),
    )
    start = ma.fields.Date(
        load_default=None, validate=DATES, metadata={"description": "Default: today in the zone."}
    )
    weeks = ma.fields.Integer(
        strict=True, load_default=52, validate=ma.validate.Range(1, MAX_WEEKS)
    )
    options = ma.fields.List(
        ma.fields.Nested(OptionIn),
        required=True,
        validate=ma.validate.Length(1, polls.MAX_OPTIONS),
    )


class OptionOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    a = ma.fields.Nested(SlotOut, required=True)
    b = ma.fields.Nested(SlotOut, allow_none=True, required=True)


class PublicPollOut(ma.Schema):
    """What the link shows anyone: the question, not the answers."""

    title = ma.fields.String(required=True)
    group = ma.fields.String(required=True, metadata={"description": "The group's slug."})
    timezone = ma.fields.String(required=True)
    duration_minutes = ma.fields.Integer(required=True)
    start = ma.fields.Date(required=True)
    weeks = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={"description": "open or closed"})
    options = ma.fields.List(ma.fields.Nested(OptionOut), required=True)


class PollOut(PublicPollOut):
    id = ma.fields.Integer(required=True)
    link = ma.fields.String(required=True, metadata={"description": "The answer page's URL."})
    token = ma.fields.String(required=True, metadata={"description": "What answers need."})
    answers = ma.fields.Integer(required=True, metadata={"description": "How many answers."})
    created = ma.fields.DateTime(required=True)
    closed = ma.fields.DateTime(required=True, allow_none=True)
    series_id = ma.fields.Integer(required=True, allow_none=True)
    change_note = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Closed into an existing series: the notice members got."},
    )


class ResultOut(OptionOut):
    yes = ma.fields.Integer(required=True)
    maybe = ma.fields.Integer(required=True)
    no = ma.fields.Integer(required=True)
    coverage = ma.fields.Float(required=True, metadata={"description": "of the group's members"})
    included = ma.fields.Integer(
        required=True,
        metadata={"description": "Members suited every week (slot) or every two weeks (pair)."},
    )


class ResultsOut(ma.Schema):
    options = ma.fields.List(ma.fields.Nested(ResultOut), required=True)
    best = ma.fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": 'Option id: most "yes" + half "maybe", then coverage.'},
    )


class CloseIn(Strict):
    option = ident(required=True, metadata={"description": "The chosen option's id."})
    series = ident(
        load_default=None,
        allow_none=True,
        metadata={"description": "An existing series of the group to change; omit for new."},
    )
    note = text(poll_close.MAX_NOTE, load_default="")


class AnswerIn(Strict):
    choices = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(["yes", "maybe", "no"])),
        required=True,
        validate=ma.validate.Length(1, polls.MAX_OPTIONS),
        metadata={"description": "One per option, in order."},
    )
    name = text(polls.MAX_NAME, load_default="", metadata={"description": "Guests: your name."})
    timezone = text(64, load_default=None, allow_none=True)
    secret = text(
        100,
        load_default=None,
        allow_none=True,
        metadata={"description": "Guests: the secret of your earlier answer, to change it."},
    )


class AnswerOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    timezone = ma.fields.String(required=True, allow_none=True)
    choices = ma.fields.List(ma.fields.String(), required=True)
    secret = ma.fields.String(
        metadata={"description": "A new guest answer only: keep it to change the answer."}
    )


def _slot(slot: Slot | None) -> dict[str, Any] | None:
    return None if slot is None else {"weekday": slot.weekday, "start": slot.start}


def _options(poll: AvailabilityPoll) -> list[dict[str, Any]]:
    out = []
    for option in poll.options:
        a, b = polls.option_slots(option)
        out.append({"id": option.id, "a": _slot(a), "b": _slot(b)})
    return out


def public_data(poll: AvailabilityPoll) -> dict[str, Any]:
    return {
        "title": poll.title,
        "group": poll.group.slug,
        "timezone": poll.timezone,
        "duration_minutes": poll.duration_minutes,
        "start": poll.start_date,
        "weeks": poll.weeks,
        "status": str(poll.status),
        "options": _options(poll),
    }


def poll_data(poll: AvailabilityPoll) -> dict[str, Any]:
    base = current_app.config["MEETBOT_BASE_URL"].rstrip("/")
    return {
        **public_data(poll),
        "id": poll.id,
        "link": base + url_for("polls.answer", token=poll.token),
        "token": poll.token,
        "answers": len(poll.answers),
        "created": poll.created_dt,
        "closed": poll.closed_dt,
        "series_id": poll.series_id,
        "change_note": poll.change_note,
    }


def _answer_data(row: PollAnswer, secret: str | None) -> dict[str, Any]:
    data = {
        "id": row.id,
        "name": row.name,
        "timezone": row.timezone,
        "choices": [_CHOICES[c] for c in row.choices],
    }
    if secret:
        data["secret"] = secret
    return data


def _parse_slot(data: dict[str, Any]) -> Slot:
    hh, mm = data["start"].split(":")
    return Slot(data["weekday"], int(hh) * 60 + int(mm))


@blp.route(f"/groups/<{SLUG}:group>/polls", methods=["POST"])
@guard(Permission.MANAGE_SERIES)
@blp.arguments(PollIn)
@blp.response(201, PollOut)
@write_docs(blp)
def create_poll(data: dict[str, Any], group: str):
    """Propose weekly times (or alternating pairs) to the group (organizers)."""
    row = group_service.get_group(group)
    zone = data["timezone"] or row.timezone
    with api_fields():
        poll = polls.create_poll(
            require_person(),
            row,
            title=data["title"],
            timezone=zone,
            duration_minutes=data["duration_minutes"],
            options=[
                (_parse_slot(o["a"]), _parse_slot(o["b"]) if o["b"] else None)
                for o in data["options"]
            ],
            start=data["start"] or finder.today_in(zone if finder._zone_ok(zone) else "UTC"),
            weeks=data["weeks"],
        )
    where = location("api_polls.get_poll", group=row.slug, poll_id=poll.id)
    return poll_data(poll), 201, where


@blp.route(f"/groups/<{SLUG}:group>/polls")
@guard(Permission.PARTICIPATE)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(PollOut, "PollPage"))
@blp.alt_response(403, response="FORBIDDEN")
@read_docs(blp)
def list_polls(args: dict[str, int], group: str) -> dict[str, Any]:
    """The group's polls, newest first (members)."""
    page = paginate(polls.polls_query(group_service.get_group(group)), args)
    page["items"] = [poll_data(p) for p in page["items"]]
    return page


@blp.route(f"/groups/<{SLUG}:group>/polls/<{ID}:poll_id>")
@guard(Permission.PARTICIPATE)
@blp.response(200, PollOut)
@blp.alt_response(403, response="FORBIDDEN")
@read_docs(blp)
def get_poll(group: str, poll_id: int) -> dict[str, Any]:
    """One poll with its link (members)."""
    return poll_data(polls.get_group_poll(group_service.get_group(group), poll_id))


@blp.route(f"/groups/<{SLUG}:group>/polls/<{ID}:poll_id>/results")
@guard(Permission.PARTICIPATE)
@blp.response(200, ResultsOut)
@blp.alt_response(403, response="FORBIDDEN")
@read_docs(blp)
def results(group: str, poll_id: int) -> dict[str, Any]:
    """Each option's yes / if need be / no counts with the members' coverage (members)."""
    poll = polls.get_group_poll(group_service.get_group(group), poll_id)
    rows = polls.results(poll)
    best = max(rows, key=lambda r: r.score) if rows else None
    return {
        "options": [
            {
                "id": r.option.id,
                "a": _slot(r.a),
                "b": _slot(r.b),
                "yes": r.yes,
                "maybe": r.maybe,
                "no": r.no,
                "coverage": round(r.coverage, 6),
                "included": r.included,
            }
            for r in rows
        ],
        "best": best.option.id if best else None,
    }


@blp.route(f"/groups/<{SLUG}:group>/polls/<{ID}:poll_id>/close", methods=["POST"])
@guard(Permission.MANAGE_SERIES)
@blp.arguments(CloseIn)
@blp.response(200, PollOut)
@write_docs(blp, conflict=True)
def close_poll(data: dict[str, Any], group: str, poll_id: int) -> dict[str, Any]:
    """Close the poll with one option: a new series, or ``series`` changed to it from
    tomorrow with a notice to its members (organizers). 409 if already closed."""
    row = group_service.get_group(group)
    poll = polls.get_group_poll(row, poll_id)
    with api_fields():
        series = poll_close.find_series(poll, data["series"])
        poll_close.close(require_person(), poll, data["option"], series=series, note=data["note"])
    return poll_data(poll)


@answers_blp.route("/polls/<string(maxlength=64):token>")
@answers_blp.response(200, PublicPollOut)
@read_docs(answers_blp)
def read_by_link(token: str) -> dict[str, Any]:
    """The poll its link names: title, zone and options (anyone with the token)."""
    return public_data(polls.get_poll(token))


@answers_blp.route("/polls/<string(maxlength=64):token>/answers", methods=["POST"])
@limiter.limit(ANSWER_RATE)
@answers_blp.arguments(AnswerIn)
@answers_blp.response(201, AnswerOut)
@answers_blp.alt_response(200, schema=AnswerOut, description="An earlier answer was changed.")
@answers_blp.alt_response(401, response="UNAUTHORIZED")
@answers_blp.alt_response(403, response="FORBIDDEN")
@answers_blp.alt_response(404, response="NOT_FOUND")
@answers_blp.alt_response(409, response="CONFLICT")
@answers_blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
@answers_blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@answers_blp.alt_response(429, description="Too many requests")
@answers_blp.doc(security=OPTIONAL_BEARER)
def answer(data: dict[str, Any], token: str):
    """Answer yes / maybe / no per option. With a token: your one answer (again to
    change it). A guest gets a ``secret`` with a new answer; only it changes that answer."""
    poll = polls.get_poll(token)
    person = api_person()
    secret = None if person else data["secret"]
    if secret and polls.own_answer(poll, None, secret) is None:
        api_abort(403, "forbidden", "This secret belongs to no answer of this poll.")
    existed = polls.own_answer(poll, person, secret) is not None
    with api_fields():
        row, new_secret = polls.answer(
            poll,
            choices=data["choices"],
            person=person,
            name=data["name"],
            timezone=data["timezone"],
            secret=secret,
        )
    return _answer_data(row, new_secret), 200 if existed else 201
