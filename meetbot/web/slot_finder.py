"""The group's "Find a time" page: heatmap, best slots and pairs, their cost per region."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from meetbot.domain.slot_finder import FinderResult, Slot
from meetbot.domain.slot_heatmap import WEEKDAYS, bucket, coverage_heatmap
from meetbot.domain.slot_local import LocalRun
from meetbot.models import Group
from meetbot.services import groups as group_service
from meetbot.services import polls
from meetbot.services import slot_finder as finder
from meetbot.services.errors import ValidationError
from meetbot.services.permissions import Permission, may
from meetbot.web.guards import require
from meetbot.web.panels import panel

bp = Blueprint("slot_finder", __name__)
TOP = 5


@dataclass(frozen=True)
class Option:
    """One proposal on the page: a slot or a pair, its figures and where it lands."""

    label: str
    coverage: float
    detail: str
    regions: list[tuple[str, str]]  # (region, "Tue 09:00 from January to March; ...")
    create_url: str


def _date_range(first: date, last: date) -> str:
    if (first.year, first.month) == (last.year, last.month):
        return first.strftime("in %B %Y")
    return f"from {first.strftime('%-d %B %Y')} to {last.strftime('%-d %B %Y')}"


def _runs_text(runs: list[LocalRun]) -> str:
    if len(runs) == 1:
        return f"{WEEKDAYS[runs[0].weekday][:3]} {runs[0].start} all period"
    return "; ".join(
        f"{WEEKDAYS[r.weekday][:3]} {r.start} {_date_range(r.first, r.last)}" for r in runs
    )


def _region_name(zone: str) -> str:
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _first_date(result: FinderResult, slot: Slot, week: int) -> date:
    return result.start + timedelta(days=7 * week + (slot.weekday - result.start.weekday()) % 7)


def _slot_fields(n: int, result: FinderResult, slot: Slot, week: int, interval: int, label: str):
    return {
        f"slots-{n}-label": label,
        f"slots-{n}-timezone": result.timezone,
        f"slots-{n}-start_date": _first_date(result, slot, week).isoformat(),
        f"slots-{n}-start_time": slot.start,
        f"slots-{n}-duration_minutes": result.duration_minutes,
        f"slots-{n}-frequency": "weekly",
        f"slots-{n}-interval": interval,
    }


def _create_url(group: Group, result: FinderResult, a: Slot, b: Slot | None) -> str:
    args: dict[str, Any] = {"timezone": result.timezone}
    if b is None:
        args.update(_slot_fields(0, result, a, 0, 1, ""))
    else:
        args.update(_slot_fields(0, result, a, 0, 2, "A"))
        args.update(_slot_fields(1, result, b, 1, 2, "B"))
    return url_for("series.create", slug=group.slug) + "?" + urlencode(args)


def _slot_label(slot: Slot, zone: str) -> str:
    return f"{WEEKDAYS[slot.weekday]} {slot.start} ({zone})"


def _options(group: Group, result: FinderResult, zones) -> tuple[list[Option], list[Option]]:
    slots = [
        Option(
            _slot_label(s.slot, result.timezone),
            s.coverage,
            f"{s.suited_every_week} of {result.people} people suited every week",
            [
                (_region_name(c.zone), _runs_text(c.runs))
                for c in finder.region_costs(s.slot, result, zones)
            ],
            _create_url(group, result, s.slot, None),
        )
        for s in result.slots
    ]
    pairs = []
    for p in result.pairs:
        a_costs = finder.region_costs(p.a, result, zones, parity=0)
        b_costs = finder.region_costs(p.b, result, zones, parity=1)
        regions = [
            (_region_name(ca.zone), f"A: {_runs_text(ca.runs)} · B: {_runs_text(cb.runs)}")
            for ca, cb in zip(a_costs, b_costs, strict=True)
        ]
        pairs.append(
            Option(
                f"{_slot_label(p.a, result.timezone)} alternating with "
                f"{WEEKDAYS[p.b.weekday]} {p.b.start}",
                p.coverage,
                f"{p.included} of {result.people} people included every two weeks",
                regions,
                _create_url(group, result, p.a, p.b),
            )
        )
    return slots, pairs


def _poll_url(group: Group, result: FinderResult) -> str:
    """The new-poll form with the top three slots and pairs proposed."""

    def text(slot: Slot) -> str:
        return f"{WEEKDAYS[slot.weekday][:3]} {slot.start}"

    lines = [text(s.slot) for s in result.slots[:3]]
    lines += [f"{text(p.a)} / {text(p.b)}" for p in result.pairs[:3]]
    query = urlencode({"timezone": result.timezone, "options": "\n".join(lines)})
    return url_for("polls.create", slug=group.slug) + "?" + query


def _int_arg(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except ValueError:
        return -1  # the service names the field


@bp.get("/groups/<slug>/slot-finder")
def page(slug: str):
    group = group_service.get_group(slug)
    require(Permission.PARTICIPATE, group)
    zone = (request.args.get("tz") or current_user.timezone or group.timezone).strip()
    # Neither asked for nor in the profile: the page says so, and meetbot.js reloads it
    # with ?tz=<the browser's zone> (without JavaScript it stays in the group's zone).
    fallback_zone = not request.args.get("tz") and not current_user.timezone
    duration = _int_arg("duration", 60)
    weeks = _int_arg("weeks", 52)
    weight = "attendance" if request.args.get("weight") == "attendance" else "none"
    gathered = finder.group_participants(group, by_attendance=weight == "attendance")
    errors: dict[str, str] = {}
    result = None
    try:
        result = finder.find(
            gathered.participants, timezone=zone, duration_minutes=duration, weeks=weeks, top=TOP
        )
    except ValidationError as exc:
        errors = exc.fields
    context: dict[str, Any] = {}
    if result is not None:
        coverage = [s.coverage for s in result.by_slot]
        slots, pairs = _options(group, result, gathered.zone_counts)
        context = {
            "heatmap": Markup(
                coverage_heatmap(
                    coverage, title=f"Coverage by weekly start time ({zone})", zone=zone
                )
            ),
            "table": [
                (
                    f"{step // 2:02d}:{30 * (step % 2):02d}",
                    [coverage[d * 48 + step] for d in range(7)],
                )
                for step in range(48)
            ],
            "slots": slots,
            "pairs": pairs,
            "end": result.start + timedelta(weeks=result.weeks) - timedelta(days=1),
            "poll_url": _poll_url(group, result),
        }
    return render_template(
        "groups/slot_finder.html",
        group=group,
        result=result,
        zone=zone,
        fallback_zone=fallback_zone,
        duration=duration,
        weeks=weeks,
        weight=weight,
        errors=errors,
        gathered=gathered,
        weekdays=WEEKDAYS,
        bucket=bucket,
        region_min=finder.REGION_MIN_PEOPLE,
        can_manage=may(current_user, Permission.MANAGE_SERIES, group),
        **context,
    ), (422 if errors else 200)


@panel("group_side", order=40)
def slot_finder_panel(group: Group, **_: Any) -> str:
    if not may(current_user, Permission.PARTICIPATE, group):
        return ""
    return render_template(
        "groups/_slot_finder_panel.html", group=group, polls=polls.group_polls(group, 5)
    )
