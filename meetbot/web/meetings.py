"""The meeting page: one occurrence with its agenda, attendance and the other areas'
panels (minutes, action items); and the page of an occurrence that has no row yet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from meetbot.domain.recurrence import to_utc
from meetbot.forms.attendance import AgendaForm
from meetbot.models import Meeting, MeetingStatus, utcnow
from meetbot.services import attendance_lines, attendance_links, attendance_roster
from meetbot.services import meetings as meeting_service
from meetbot.services.agenda import AgendaConflict, text_hash, update_agenda
from meetbot.services.errors import NotFound, ValidationError
from meetbot.services.occurrence_cache import cached_series_window
from meetbot.services.occurrence_records import (
    check_in_to_occurrence,
    open_occurrence,
    send_regrets_to_occurrence,
)
from meetbot.services.occurrences import OccurrenceView
from meetbot.services.permissions import Permission, may
from meetbot.services.series_reads import find_series
from meetbot.web.guards import back_to, require
from meetbot.web.paging import page_from_args

bp = Blueprint("meetings", __name__)

STAMP_FORMAT = "%Y%m%dT%H%M"
ATTENDANCE_PAGE_SIZE = 100  # present (and regrets) listed on one page of a meeting


def occurrence_url(o: OccurrenceView) -> str:
    """The page of an occurrence: its meeting page, or the on-demand page if no row."""
    if o.meeting_id is not None:
        return url_for("meetings.view", meeting_id=o.meeting_id)
    assert o.series_id is not None and o.original_start_local is not None
    return url_for(
        "meetings.occurrence",
        series_id=o.series_id,
        slot_key=o.slot_key,
        stamp=o.original_start_local.strftime(STAMP_FORMAT),
    )


@bp.app_context_processor
def _helpers() -> dict:
    def series_url(series_id: int) -> str | None:
        # The series pages belong to another area; link only when they exist.
        if "series.view" in current_app.view_functions:
            return url_for("series.view", series_id=series_id)
        return None

    return {"meeting_page_url": occurrence_url, "series_page_url": series_url}


def _domain() -> str:
    return current_app.config["MEETBOT_UID_DOMAIN"]


def _upcoming_in_series(meeting: Meeting, limit: int = 5) -> list[OccurrenceView]:
    if meeting.series is None:
        return []
    start = max(meeting.end_dt, utcnow())
    found = cached_series_window(meeting.series, start, 120, _domain())
    return [o for o in found if o.meeting_id != meeting.id][:limit]


@bp.get("/meetings/<int:meeting_id>/")
def view(meeting_id: int):
    meeting = meeting_service.get_meeting_for_page(meeting_id)
    group = meeting.group
    is_chair = may(current_user, Permission.CHAIR, group, meeting=meeting)
    is_member = may(current_user, Permission.PARTICIPATE, group)
    entries = attendance_lines.entry_lines(meeting)  # at most the cap (services.list_caps)
    present = [e for e in entries if e.kind == "present"]
    regrets = [e for e in entries if e.kind == "regrets"]
    size = ATTENDANCE_PAGE_SIZE
    page, pages = page_from_args(max(len(present), len(regrets)), size, "attendance_page")
    now = utcnow()
    opens, closes = attendance_roster.checkin_window(meeting)
    mine = None
    if current_user.is_authenticated:
        mine = next((e for e in entries if e.person_id == current_user.id), None)
    return render_template(
        "meetings/view.html",
        meeting=meeting,
        group=group,
        series=meeting.series,
        is_chair=is_chair,
        is_member=is_member,
        present=present[(page - 1) * size : page * size],
        regrets=regrets[(page - 1) * size : page * size],
        present_total=len(present),
        regrets_total=len(regrets),
        attendance_page=page,
        attendance_pages=pages,
        mine=mine,
        checkin_open=opens <= now <= closes and meeting.status != MeetingStatus.CANCELLED,
        checkin_opens=opens,
        regrets_open=now < meeting.start_dt and meeting.status != MeetingStatus.CANCELLED,
        link_open=attendance_links.checkin_link_open(meeting, now),
        upcoming=_upcoming_in_series(meeting),
        work_streams=(meeting.series.work_streams if meeting.series else [])
        + ([meeting.work_stream] if meeting.work_stream else []),
    )


@bp.route("/meetings/<int:meeting_id>/agenda", methods=["GET", "POST"])
def edit_agenda(meeting_id: int):
    meeting = meeting_service.get_meeting(meeting_id)
    require(Permission.CHAIR, meeting.group, meeting=meeting)
    form = AgendaForm()
    conflict: AgendaConflict | None = None
    if not form.is_submitted():
        form.agenda.data = meeting.agenda
        form.lock_version.data = str(meeting.lock_version)
        form.base_hash.data = text_hash(meeting.agenda)
    elif form.validate():
        try:
            version = int(form.lock_version.data)
        except (TypeError, ValueError):
            version = -1
        try:
            update_agenda(
                current_user,
                meeting,
                form.agenda.data or "",
                expected_version=version,
                base_hash=form.base_hash.data or None,
            )
        except AgendaConflict as exc:
            conflict = exc
            # The editor keeps their own text in the box; the form now refers to the
            # current version, so saving again is a deliberate choice after reading it.
            form.lock_version.data = str(exc.version)
            form.base_hash.data = text_hash(exc.current)
        except ValidationError as exc:
            form.agenda.errors = [*form.agenda.errors, *exc.fields.values()]
        else:
            return redirect(url_for("meetings.view", meeting_id=meeting.id))
    status = 409 if conflict else (422 if form.errors else 200)
    return render_template(
        "meetings/agenda.html", meeting=meeting, form=form, conflict=conflict
    ), status


def _parse_stamp(stamp: str) -> datetime:
    try:
        return datetime.strptime(stamp, STAMP_FORMAT)
    except ValueError:
        raise NotFound("That is not an occurrence time (expected YYYYMMDDTHHMM).") from None


@bp.route("/series/<int:series_id>/occurrences/<slot_key>/<stamp>/", methods=["GET", "POST"])
def occurrence(series_id: int, slot_key: str, stamp: str):
    """An occurrence by its key. With a row: redirect to its page. Without: GET shows
    it read-only; POST (chairs) creates the row and goes to its page."""
    series = find_series(series_id)
    slot = next((s for s in series.slots if s.key == slot_key), None)
    if slot is None:
        raise NotFound(f"Series {series_id} has no slot {slot_key!r}.")
    local = _parse_stamp(stamp)
    existing = meeting_service.find_occurrence(slot, local)
    if existing is not None:
        return redirect(url_for("meetings.view", meeting_id=existing.id))
    if not meeting_service.is_generated(slot, local):
        raise NotFound("The series has no occurrence at that time.")
    if request.method == "POST":
        require(Permission.CHAIR, series.group, series=series)
        meeting = open_occurrence(series, slot_key, local)
        return redirect(url_for("meetings.view", meeting_id=meeting.id))
    start = to_utc(local, slot.timezone)
    end = start + timedelta(minutes=slot.duration_minutes)
    now = utcnow()
    opens, closes = (
        start - attendance_roster.CHECKIN_OPENS_BEFORE,
        end + (attendance_roster.CHECKIN_CLOSES_AFTER),
    )
    return render_template(
        "meetings/occurrence.html",
        series=series,
        group=series.group,
        slot=slot,
        start=start.astimezone(UTC),
        end=end.astimezone(UTC),
        is_chair=may(current_user, Permission.CHAIR, series.group, series=series),
        is_member=may(current_user, Permission.PARTICIPATE, series.group),
        checkin_open=opens <= now <= closes,
        checkin_opens=opens,
        regrets_open=now < start,
    )


@bp.post("/series/<int:series_id>/occurrences/<slot_key>/<stamp>/checkin")
def occurrence_check_in(series_id: int, slot_key: str, stamp: str):
    """ "I'm here" on an occurrence nobody has opened yet: the member's check-in creates
    the meeting row (the check-in window is checked by the attendance service)."""
    series = find_series(series_id)
    require(Permission.PARTICIPATE, series.group)
    local = _parse_stamp(stamp)
    try:
        meeting = check_in_to_occurrence(current_user, series, slot_key, local)
    except ValidationError as exc:
        flash(exc.message, "error")
        return redirect(
            url_for("meetings.occurrence", series_id=series.id, slot_key=slot_key, stamp=stamp)
        )
    flash("You are checked in.", "success")
    return redirect(url_for("meetings.view", meeting_id=meeting.id))


@bp.post("/series/<int:series_id>/occurrences/<slot_key>/<stamp>/regrets")
def occurrence_regrets(series_id: int, slot_key: str, stamp: str):
    """A member's regrets for a future occurrence nobody has opened yet: they create the
    meeting row (refused, and nothing created, once it has started)."""
    series = find_series(series_id)
    require(Permission.PARTICIPATE, series.group)
    local = _parse_stamp(stamp)
    here = url_for("meetings.occurrence", series_id=series.id, slot_key=slot_key, stamp=stamp)
    try:
        meeting = send_regrets_to_occurrence(current_user, series, slot_key, local)
    except ValidationError as exc:
        flash(exc.message, "error")
        return redirect(back_to(here))
    flash("Your regrets are recorded.", "success")
    return redirect(back_to(url_for("meetings.view", meeting_id=meeting.id)))
