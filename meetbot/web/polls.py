"""Availability poll pages: propose (organizers), answer (anyone with the link),
results and closing (members see, organizers close)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from meetbot.domain.slot_finder import Slot
from meetbot.domain.slot_heatmap import WEEKDAYS
from meetbot.domain.slot_local import local_runs
from meetbot.extensions import limiter
from meetbot.forms.fields import apply_service_errors
from meetbot.models import AvailabilityPoll
from meetbot.services import groups as group_service
from meetbot.services import poll_close, polls
from meetbot.services import series as series_service
from meetbot.services import slot_finder as finder
from meetbot.services.errors import Conflict, ValidationError
from meetbot.services.permissions import Permission, may
from meetbot.web.guards import require

bp = Blueprint("polls", __name__)
ANSWER_RATE = "20 per minute; 200 per hour"


class PollForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    timezone = StringField("Time zone of the times", default="UTC", validators=[DataRequired()])
    duration = IntegerField("Minutes", default=60)
    weeks = IntegerField("Weeks the series should suit", default=52)
    options = TextAreaField(
        "Times, one a line", validators=[DataRequired(message="Propose at least one time.")]
    )


class AnswerForm(FlaskForm):
    name = StringField("Your name", validators=[Length(max=200)])
    timezone = StringField("Your time zone", validators=[Length(max=64)])


def _cookie(poll: AvailabilityPoll) -> str:
    return f"meetbot_poll_{poll.id}"


def _label(slot: Slot) -> str:
    return f"{WEEKDAYS[slot.weekday]} {slot.start}"


def _where(poll: AvailabilityPoll, slot: Slot, zone: str, parity: int | None) -> str:
    runs = local_runs(
        slot,
        timezone=poll.timezone,
        start=poll.start_date,
        weeks=poll.weeks,
        zone=zone,
        parity=parity,
    )
    return "; ".join(
        f"{WEEKDAYS[r.weekday][:3]} {r.start}"
        + ("" if len(runs) == 1 else f" ({r.first:%-d %b %Y} – {r.last:%-d %b %Y})")
        for r in runs
    )


def _options_view(poll: AvailabilityPoll, zone: str) -> list[dict[str, Any]]:
    out = []
    for option in poll.options:
        a, b = polls.option_slots(option)
        text = f"{_label(a)} ({poll.timezone})"
        local = _where(poll, a, zone, 0 if b else None)
        if b:
            text += f", alternating with {_label(b)}"
            local = f"A: {local} · B: {_where(poll, b, zone, 1)}"
        out.append({"option": option, "text": text, "local": local})
    return out


@bp.route("/groups/<slug>/polls/new", methods=["GET", "POST"])
def create(slug: str):
    group = group_service.get_group(slug)
    require(Permission.MANAGE_SERIES, group)
    form = PollForm()
    if request.method == "GET":
        form.timezone.data = request.args.get("timezone") or group.timezone
        form.options.data = request.args.get("options", "")
    if form.validate_on_submit():
        try:
            poll = polls.create_poll(
                current_user,
                group,
                title=form.title.data,
                timezone=form.timezone.data.strip(),
                duration_minutes=form.duration.data or 0,
                options=polls.parse_options(form.options.data),
                start=finder.today_in(form.timezone.data.strip())
                if finder._zone_ok(form.timezone.data.strip())
                else finder.today_in("UTC"),
                weeks=form.weeks.data or 0,
            )
        except ValidationError as exc:
            apply_service_errors(
                form,
                {{"duration_minutes": "duration"}.get(k, k): v for k, v in exc.fields.items()},
            )
        else:
            flash("Poll created: share its link.", "success")
            return redirect(url_for("polls.view", slug=slug, poll_id=poll.id))
    status = 422 if form.is_submitted() else 200
    return render_template("polls/new.html", group=group, form=form), status


@bp.get("/groups/<slug>/polls/<int:poll_id>")
def view(slug: str, poll_id: int):
    group = group_service.get_group(slug)
    require(Permission.PARTICIPATE, group)
    poll = polls.get_group_poll(group, poll_id)
    zone = current_user.timezone or poll.timezone
    rows = polls.results(poll)
    views = {v["option"].id: v for v in _options_view(poll, zone)}
    best = max(rows, key=lambda r: r.score) if rows else None
    return render_template(
        "polls/view.html",
        group=group,
        poll=poll,
        zone=zone,
        rows=rows,
        views=views,
        best=best,
        link=current_app.config["MEETBOT_BASE_URL"].rstrip("/")
        + url_for("polls.answer", token=poll.token),
        can_manage=may(current_user, Permission.MANAGE_SERIES, group),
        series_titles=series_service.series_titles(group),
    )


@bp.post("/groups/<slug>/polls/<int:poll_id>/close")
def close(slug: str, poll_id: int):
    group = group_service.get_group(slug)
    require(Permission.MANAGE_SERIES, group)
    poll = polls.get_group_poll(group, poll_id)
    FlaskForm().validate_on_submit()  # CSRF only
    back = redirect(url_for("polls.view", slug=slug, poll_id=poll.id))
    try:
        option_id = int(request.form.get("option", ""))
        series_id = request.form.get("series", "")
        series = poll_close.find_series(poll, int(series_id) if series_id else None)
        poll_close.close(
            current_user, poll, option_id, series=series, note=request.form.get("note", "")
        )
    except ValueError:
        flash("Choose one of the poll's times.", "error")
        return back
    except (ValidationError, Conflict) as exc:
        flash(" ".join(exc.fields.values()) or exc.message, "error")
        return back
    done = "series changed; its members are told" if series else "series created"
    flash(f"Poll closed and {done}.", "success")
    return redirect(url_for("series.view", series_id=poll.series_id))


def _viewer_zone(poll: AvailabilityPoll, mine) -> str:
    wanted = (request.values.get("tz") or "").strip()
    if finder._zone_ok(wanted):
        return wanted
    if current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    if mine is not None and mine.timezone:
        return mine.timezone
    return poll.timezone


@bp.route("/polls/<token>", methods=["GET", "POST"])
@limiter.limit(ANSWER_RATE, methods=["POST"])
def answer(token: str):
    poll = polls.get_poll(token)
    person = current_user if current_user.is_authenticated else None
    secret = request.cookies.get(_cookie(poll))
    mine = polls.own_answer(poll, person, secret)
    form = AnswerForm()
    errors: dict[str, str] = {}
    chosen = (
        [request.form.get(f"choice-{i}", "") for i in range(len(poll.options))]
        if request.method == "POST"
        else [{"y": "yes", "m": "maybe", "n": "no"}[c] for c in (mine.choices if mine else "")]
    )
    if request.method == "GET" and mine is not None:
        form.name.data, form.timezone.data = mine.name, mine.timezone
    if form.validate_on_submit():
        try:
            _, new_secret = polls.answer(
                poll,
                choices=chosen,
                person=person,
                name=form.name.data or "",
                timezone=(form.timezone.data or "").strip() or None,
                secret=secret,
            )
        except ValidationError as exc:
            errors = exc.fields
            apply_service_errors(form, exc.fields)
        except Conflict as exc:
            errors = {"poll": exc.message}
        else:
            flash("Thank you: your answer is saved. You can change it here.", "success")
            response = make_response(redirect(url_for("polls.answer", token=token)))
            if new_secret:
                response.set_cookie(
                    _cookie(poll),
                    new_secret,
                    max_age=int(timedelta(days=365).total_seconds()),
                    path=url_for("polls.answer", token=token),
                    httponly=True,
                    samesite="Lax",
                    secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
                )
            return response
    zone = _viewer_zone(poll, mine)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "polls/answer.html",
        poll=poll,
        form=form,
        zone=zone,
        options=_options_view(poll, zone),
        chosen=chosen,
        errors=errors,
        mine=mine,
        answers=poll.answers,
        person=person,
    ), status
