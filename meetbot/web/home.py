"""A person's home after login, "My meetings": next meetings with Join and regrets
buttons, open and overdue action items (done in one click), their calendar feed."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from meetbot.models import utcnow
from meetbot.services import accounts, home
from meetbot.services.subscribe import subscribe_links
from meetbot.web.meetings import STAMP_FORMAT
from meetbot.web.series_links import feed_base_url, uid_domain

bp = Blueprint("home", __name__)


@bp.get("/me/")
@login_required
def index():
    person = current_user._get_current_object()
    now = utcnow()
    token = accounts.feed_token(person, current_app.config["SECRET_KEY"])
    return render_template(
        "home/index.html",
        home=home.my_home(person, now, uid_domain()),
        today=now.date(),
        zone=person.timezone,
        stamp_format=STAMP_FORMAT,
        links=subscribe_links(feed_base_url(), f"/feeds/{token}/calendar.ics", "My meetings"),
    )
