"""Invitations: organizers invite by e-mail (/groups/<slug>/invitations); the invited
accept at /invitations/<token>."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from meetbot.extensions import limiter
from meetbot.forms.fields import apply_service_errors
from meetbot.forms.invitations import AcceptForm, InviteForm
from meetbot.forms.signup import PASSWORD_HELP
from meetbot.models import utcnow
from meetbot.services import groups as group_service
from meetbot.services import invitations, join_requests, logins
from meetbot.services.errors import Forbidden, ServiceError
from meetbot.services.permissions import Permission
from meetbot.web.guards import require
from meetbot.web.signup import LINK_RATE, TOO_MANY, _no_referrer

bp = Blueprint("invitations", __name__)

INVITE_RATE = "10 per minute; 100 per hour"


def _page(group, form: InviteForm, status: int = 200):
    return render_template(
        "invitations/list.html",
        group=group,
        form=form,
        rows=invitations.invitations(group),
        requests=join_requests.pending(group),
        now=utcnow(),
    ), status


@bp.post("/groups/<slug>/join-approval")
def join_approval(slug: str):
    group = group_service.get_group(slug)
    require(Permission.EDIT_GROUP, group)
    needed = request.form.get("value") == "1"
    join_requests.set_approval(current_user, group, needed)
    flash(
        "New members now need an organizer's approval." if needed else "Anyone may join.", "success"
    )
    return redirect(url_for("invitations.list_invitations", slug=group.slug))


@bp.post("/groups/<slug>/join-requests/<int:request_id>/<any(approve, decline):decision>")
def decide(slug: str, request_id: int, decision: str):
    group = group_service.get_group(slug)
    require(Permission.EDIT_GROUP, group)
    try:
        person = join_requests.decide(
            current_user, group, request_id, approve=decision == "approve"
        )
    except ServiceError as exc:
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
    else:
        verb = "is a member now" if decision == "approve" else "was declined"
        flash(f"{person.display_name} {verb}.", "success")
    return redirect(url_for("invitations.list_invitations", slug=group.slug))


@bp.get("/groups/<slug>/invitations")
def list_invitations(slug: str):
    group = group_service.get_group(slug)
    require(Permission.EDIT_GROUP, group)
    return _page(group, InviteForm(formdata=None))


@bp.post("/groups/<slug>/invitations")
@limiter.limit(INVITE_RATE, error_message=TOO_MANY)
def create(slug: str):
    group = group_service.get_group(slug)
    require(Permission.EDIT_GROUP, group)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            rows = invitations.invite(current_user, group, form.addresses.data, form.role.data)
        except ServiceError as exc:
            apply_service_errors(form, exc.fields or {"addresses": exc.message})
        else:
            flash(f"{len(rows)} invitation(s) sent.", "success")
            return redirect(url_for("invitations.list_invitations", slug=group.slug))
    return _page(group, form, 422)


@bp.post("/groups/<slug>/invitations/<int:invitation_id>/<any(resend, revoke):action>")
@limiter.limit(INVITE_RATE, error_message=TOO_MANY)
def change(slug: str, invitation_id: int, action: str):
    group = group_service.get_group(slug)
    require(Permission.EDIT_GROUP, group)
    try:
        if action == "resend":
            invitations.resend(current_user, group, invitation_id)
        else:
            invitations.revoke(current_user, group, invitation_id)
    except ServiceError as exc:
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
    else:
        flash("Invitation sent again." if action == "resend" else "Invitation revoked.", "success")
    return redirect(url_for("invitations.list_invitations", slug=group.slug))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(LINK_RATE, methods=["POST"], error_message=TOO_MANY)
def accept(token: str):
    try:
        row = invitations.live_invitation(token)
    except ServiceError as exc:
        return _no_referrer(render_template("auth/link_invalid.html", message=exc.message), 400)
    account = invitations.needs_login(row)
    form = AcceptForm()
    if form.validate_on_submit():
        current = current_user if current_user.is_authenticated else None
        try:
            person, group = invitations.accept(
                token,
                current=current,
                display_name=form.display_name.data or "",
                password=form.password.data or "",
            )
        except Forbidden as exc:
            form.form_errors.append(exc.message)
        except ServiceError as exc:
            apply_service_errors(form, exc.fields or {"display_name": exc.message})
        else:
            if current is None:
                logins.start(person)
                login_user(person)
            flash(f"Welcome to {group.name}.", "success")
            return redirect(url_for("groups.view", slug=group.slug))
    elif not form.is_submitted():
        form.display_name.data = row.display_name
    body = render_template(
        "invitations/accept.html",
        row=row,
        form=form,
        account=account,
        password_help=PASSWORD_HELP,
    )
    return _no_referrer(body, 422 if form.errors or form.form_errors else 200)
