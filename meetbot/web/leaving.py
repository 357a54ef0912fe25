"""Leaving cleanly: download one's data (/settings/export) and delete one's account
(/settings/delete)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, logout_user

from meetbot.extensions import limiter
from meetbot.forms.fields import apply_service_errors
from meetbot.forms.leaving import DeleteAccountForm
from meetbot.services import leaving, logins
from meetbot.services.errors import ServiceError

bp = Blueprint("leaving", __name__)


@bp.get("/settings/export")
@login_required
@limiter.limit("10 per hour", error_message="Too many downloads: try again later.")
def export():
    data = leaving.export(current_user._get_current_object())
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="meetbot-my-data.json"'},
    )


@bp.route("/settings/delete", methods=["GET", "POST"])
@login_required
@limiter.limit("5 per minute", methods=["POST"], error_message="Too many attempts.")
def delete():
    form = DeleteAccountForm()
    person = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            leaving.delete_account(
                person, password=form.password.data or "", confirm=form.confirm.data or ""
            )
        except ServiceError as exc:
            apply_service_errors(form, exc.fields or {"confirm": exc.message})
            if not exc.fields:
                form.form_errors.append(exc.message)
        else:
            logins.end(session.get("_user_id"))
            logout_user()
            flash("Your account is deleted. Thank you for your work.", "info")
            return redirect(url_for("groups.index"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "account/delete.html", form=form, has_password=person.password_hash is not None
    ), status
