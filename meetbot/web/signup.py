"""Sign-up (/signup) and password reset (/password-reset): the mailed-link journeys.

Links are used by a POST from the page they open (a mail scanner fetching the link
spends nothing); pages carrying a token in their URL send no Referer.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_user

from meetbot.extensions import limiter
from meetbot.forms.fields import apply_service_errors
from meetbot.forms.signup import (
    PASSWORD_HELP,
    ConfirmForm,
    NewPasswordForm,
    ResetRequestForm,
    SignupForm,
)
from meetbot.services import groups as group_service
from meetbot.services import list_caps, logins, password_reset, signup
from meetbot.services.errors import NotFound, ServiceError

bp = Blueprint("signup", __name__)

MAIL_RATE = "5 per minute; 20 per hour"
LINK_RATE = "10 per minute; 60 per hour"
TOO_MANY = "Too many attempts. Please wait a minute and try again."


def _no_referrer(body: str, status: int = 200) -> Response:
    """A page whose URL holds a token: links on it must not send that URL anywhere."""
    response = make_response(body, status)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _group_or_none(slug: str | None):
    if not slug:
        return None
    try:
        return group_service.get_group(slug)
    except NotFound:
        return None


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(MAIL_RATE, methods=["POST"], error_message=TOO_MANY)
def signup_page():
    if current_user.is_authenticated:
        return redirect(url_for("groups.index"))
    form = SignupForm()
    if request.method == "GET":
        form.join.data = request.args.get("join", "")
    group = _group_or_none(form.join.data)
    status = 200
    if signup.mode() == "invite" or not signup.passwords_enabled():
        return render_template(
            "auth/signup.html", form=None, group=group, sso=signup.passwords_enabled() is False
        ), 403
    if form.validate_on_submit():
        try:
            signup.request_signup(
                form.email.data, form.display_name.data, form.password.data, group=group
            )
        except ServiceError as exc:
            apply_service_errors(form, exc.fields or {"email": exc.message})
        else:
            return render_template("auth/check_mail.html", email=form.email.data.strip())
    if form.errors or form.form_errors:
        status = 422
    return render_template(
        "auth/signup.html", form=form, group=group, password_help=PASSWORD_HELP
    ), status


@bp.route("/signup/verify/<token>", methods=["GET", "POST"])
@limiter.limit(LINK_RATE, methods=["POST"], error_message=TOO_MANY)
def verify(token: str):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            done = signup.verify_signup(token)
        except ServiceError as exc:
            return _no_referrer(render_template("auth/link_invalid.html", message=exc.message), 400)
        if not done.active:
            return _no_referrer(render_template("auth/awaiting_approval.html"))
        logins.start(done.person)
        login_user(done.person)
        if done.group is not None and done.joined == "requested":
            flash(f"Welcome: {done.group.name}'s organizers approve new members.", "info")
            return redirect(url_for("groups.view", slug=done.group.slug))
        if done.group is not None and done.joined == "full":
            flash(
                f"Welcome, {done.person.display_name}: your account is ready, but "
                f"{done.group.name} is full: {list_caps.members_message()}",
                "error",
            )
            return redirect(url_for("groups.view", slug=done.group.slug))
        if done.group is not None:
            flash(
                f"Welcome, {done.person.display_name}: you are a member of {done.group.name}.",
                "success",
            )
            return redirect(url_for("groups.view", slug=done.group.slug))
        flash(f"Welcome, {done.person.display_name}: your account is ready.", "success")
        return redirect(url_for("groups.index"))
    return _no_referrer(render_template("auth/verify.html", form=form))


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit(MAIL_RATE, methods=["POST"], error_message=TOO_MANY)
def reset_request():
    form = ResetRequestForm()
    status = 200
    if form.validate_on_submit():
        try:
            password_reset.request_reset(form.email.data)
        except ServiceError as exc:
            apply_service_errors(form, exc.fields or {"email": exc.message})
            status = exc.status
        else:
            return render_template(
                "auth/check_mail.html", email=form.email.data.strip(), reset=True
            )
    elif form.errors:
        status = 422
    return render_template("auth/reset_request.html", form=form), status


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@limiter.limit(LINK_RATE, methods=["POST"], error_message=TOO_MANY)
def reset(token: str):
    try:
        person = password_reset.person_for_link(token)
    except ServiceError as exc:
        return _no_referrer(render_template("auth/link_invalid.html", message=exc.message), 400)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.reset_password(token, form.password.data)
        except ServiceError as exc:
            apply_service_errors(form, exc.fields or {"password": exc.message})
        else:
            logins.start(person)
            login_user(person)
            flash(
                "Your new password is set; every other login of your account has ended.", "success"
            )
            return redirect(url_for("home.index"))
    page = render_template("auth/reset.html", form=form, person=person, password_help=PASSWORD_HELP)
    return _no_referrer(page, 422 if form.errors else 200)
