"""Each person's mail: the Settings section, the series page's follow button, and the
one-click unsubscribe link (RFC 8058) that works without logging in."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from meetbot.extensions import csrf
from meetbot.forms.fields import apply_service_errors
from meetbot.forms.mail import MailSettingsForm
from meetbot.mail import prefs
from meetbot.services import series as series_service
from meetbot.services.errors import ValidationError
from meetbot.web.account import render_settings
from meetbot.web.panels import panel

bp = Blueprint("mail_prefs", __name__)

KIND_WORDS = {prefs.REMINDERS: "meeting reminders", prefs.ACTIONS: "action item mail"}


def _form() -> MailSettingsForm:
    row = prefs.settings_of(current_user)
    return MailSettingsForm(
        formdata=None,
        data={
            "reminders": row.reminders,
            "reminder_minutes": row.reminder_minutes,
            "follow_member_series": row.follow_member_series,
            "actions": row.actions,
        },
    )


@panel("settings_main", order=50)
def settings_section(**_: object) -> str:
    """The mail section of the Settings page."""
    form = g.get("mail_form") or _form()
    return render_template("mail/_settings_section.html", mail_form=form)


@bp.post("/settings/mail")
@login_required
def save_settings():
    form = MailSettingsForm()
    if form.validate_on_submit():
        try:
            prefs.update_settings(
                current_user,
                reminders=form.reminders.data,
                reminder_minutes=form.reminder_minutes.data,
                follow_member_series=form.follow_member_series.data,
                actions=form.actions.data,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
        else:
            flash("Mail settings saved.", "success")
            return redirect(url_for("account.settings", _anchor="mail"))

    g.mail_form = form
    return render_settings(422)


@bp.post("/settings/mail/links")
@login_required
def new_links():
    prefs.new_links(current_user)
    flash("The unsubscribe links in mail sent so far no longer work.", "success")
    return redirect(url_for("account.settings", _anchor="mail"))


@panel("series_main", order=5)
def follow_button(series, **_: object) -> str:
    """Follow / unfollow (reminders), for people who are logged in."""
    if not current_user.is_authenticated:
        return ""
    return render_template(
        "mail/_follow.html",
        series=series,
        following=prefs.is_following(current_user, series),
        reminders=prefs.settings_of(current_user).reminders,
    )


@bp.post("/series/<int:series_id>/follow")
@login_required
def follow(series_id: int):
    series = series_service.get_series(series_id)
    following = request.form.get("follow") == "1"
    prefs.set_following(current_user, series, following)
    flash(
        f"You follow {series.title}." if following else f"You no longer follow {series.title}.",
        "success",
    )
    return redirect(url_for("series.view", series_id=series.id))


@bp.get("/mail/unsubscribe/<token>")
def unsubscribe_page(token: str):
    """The link in a mail: a confirm page (a GET changes nothing: link scanners)."""
    found = prefs.read_token(token)
    if found is None:
        abort(404)
    person, kind = found
    return render_template(
        "mail/unsubscribe.html", token=token, person=person, what=KIND_WORDS[kind], done=False
    )


@bp.post("/mail/unsubscribe/<token>")
@csrf.exempt  # mail clients post RFC 8058 one-click without a session: the token guards it
def unsubscribe(token: str):
    found = prefs.read_token(token)
    if found is None:
        abort(404)
    person, kind = found
    prefs.unsubscribe(person, kind)
    return render_template(
        "mail/unsubscribe.html", token=token, person=person, what=KIND_WORDS[kind], done=True
    )
