"""Log in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from meetbot.extensions import limiter, login_manager
from meetbot.forms.auth import LoginForm
from meetbot.models import Person
from meetbot.services import accounts, join_requests, list_caps, logins
from meetbot.services import groups as group_service
from meetbot.services.errors import NotFound

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> Person | None:
    """The person of a live server-side login (services.logins), else anonymous."""
    return logins.person_for(user_id)


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site (no open redirect); without one,
    the person's home, "My meetings"."""
    if not target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    "10 per minute; 50 per hour",
    methods=["POST"],
    error_message=("Too many log-in attempts. Please wait a minute and try again."),
)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    password_login = current_app.config.get("MEETBOT_PASSWORD_LOGIN", True)
    if request.method == "POST" and not password_login:
        form.form_errors.append("Passwords do not log in on this site: use single sign-on.")
    elif form.validate_on_submit():
        person = accounts.authenticate(form.email.data, form.password.data)
        if person is None:
            # The same message for an unknown e-mail and a wrong password.
            form.form_errors.append("Wrong e-mail or password.")
        else:
            logins.start(person)
            login_user(person, remember=form.remember.data)
            flash(f"Welcome, {person.display_name}.", "success")
            joined = _join_after_login(person, request.args.get("join"))
            return redirect(joined or _safe_next(request.args.get("next")))
    page = render_template(
        "auth/login.html",
        form=form,
        join=request.args.get("join"),
        next=request.args.get("next"),
        password_login=password_login,
        providers=current_app.extensions["meetbot_oidc"][0].values(),
    )
    if not password_login and request.method == "POST":
        return page, 403
    return page, 200 if not form.errors else 422


def _join_after_login(person: Person, slug: str | None) -> str | None:
    """The "Log in to join" path: join the group named in the log-in link, then its page."""
    if not slug:
        return None
    try:
        group = group_service.get_group(slug)
    except NotFound:
        return None
    outcome = join_requests.join_or_request(person, group)
    if outcome == join_requests.JOINED:
        flash(f"You are a member of {group.name} now.", "success")
    elif outcome == join_requests.REQUESTED:
        flash(f"Asked: {group.name}'s organizers approve new members.", "info")
    elif outcome == join_requests.FULL:
        flash(f"{group.name} is full: {list_caps.members_message()}", "error")
    return url_for("groups.view", slug=group.slug)


@bp.post("/logout")
@login_required
def logout():
    """End this login on the server (a captured cookie of it stops working), then here."""
    logins.end(session.get("_user_id"))
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("groups.index"))
