"""Settings (/settings): profile, password, handles, feed URL, API tokens; and the site
admins' people page (/admin/people)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from meetbot.forms.account import (
    AvailabilityForm,
    HandleForm,
    PasswordForm,
    ProfileForm,
    TokenForm,
)
from meetbot.forms.fields import apply_service_errors
from meetbot.models import Person
from meetbot.services import accounts, people_merge, people_reads
from meetbot.services import slot_finder as finder_service
from meetbot.services.errors import NotFound, ValidationError

bp = Blueprint("account", __name__)

ADMIN_PAGE_SIZE = 50


def personal_feed_urls(person: Person) -> tuple[str, str]:
    """The person's feed URL (https/http) and the same as webcal:// for one-click subscribe."""
    token = accounts.feed_token(person, current_app.config["SECRET_KEY"])
    base = current_app.config["MEETBOT_BASE_URL"].rstrip("/")
    url = f"{base}/feeds/{token}/calendar.ics"
    webcal = "webcal://" + url.split("://", 1)[1]
    return url, webcal


def render_settings(status: int = 200, **forms):
    """The Settings page with ``forms`` (by section name) in place of fresh ones: how a
    section's view shows its refused form beside the others (mail_prefs uses it too)."""
    person = current_user._get_current_object()
    profile = forms.get("profile") or ProfileForm(obj=person, formdata=None)
    feed_url, webcal_url = personal_feed_urls(person)
    return render_template(
        "account/settings.html",
        profile=profile,
        availability=forms.get("availability") or _availability_form(person),
        password=forms.get("password") or PasswordForm(formdata=None),
        handle_form=forms.get("handle_form") or HandleForm(formdata=None),
        token_form=forms.get("token_form") or TokenForm(formdata=None),
        new_token=forms.get("new_token"),
        handles=person.handles,
        tokens=accounts.api_tokens(person),
        feed_url=feed_url,
        webcal_url=webcal_url,
    ), status


@bp.get("/settings")
@login_required
def settings():
    return render_settings()


@bp.post("/settings/profile")
@login_required
def profile():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                current_user,
                display_name=form.display_name.data,
                organization=form.organization.data,
                timezone=form.timezone.data,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
        else:
            flash("Profile saved.", "success")
            return redirect(url_for("account.settings"))
    return render_settings(422, profile=form)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _availability_form(person: Person) -> AvailabilityForm:
    return AvailabilityForm(
        formdata=None,
        data={
            "window_start": _hhmm(person.window_start_minutes),
            "window_end": _hhmm(person.window_end_minutes),
            "available_days": sorted(person.available_weekdays),
        },
    )


@bp.post("/settings/availability")
@login_required
def availability():
    form = AvailabilityForm()
    if form.validate_on_submit():
        try:
            finder_service.set_window(
                current_user,
                start=finder_service.parse_hhmm(form.window_start.data),
                end=finder_service.parse_hhmm(form.window_end.data, allow_24=True),
                days=frozenset(form.available_days.data or []),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
        else:
            flash("Meeting times saved.", "success")
            return redirect(url_for("account.settings"))
    return render_settings(422, availability=form)


@bp.post("/settings/password")
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            revoked = accounts.change_password(
                current_user,
                form.current_password.data,
                form.new_password.data,
                keep_login=session.get("_user_id"),
                revoke_tokens=form.revoke_tokens.data,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
        else:
            message = "Password changed. Your other logins were logged out."
            if form.revoke_tokens.data:
                message += f" {revoked} API token{'s' if revoked != 1 else ''} revoked."
            flash(message, "success")
            return redirect(url_for("account.settings"))
    return render_settings(422, password=form)


@bp.post("/settings/handles")
@login_required
def add_handle():
    form = HandleForm()
    if form.validate_on_submit():
        try:
            row = accounts.add_person_handle(current_user, form.handle.data, form.kind.data)
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
        else:
            flash(f"Handle {row.handle} added.", "success")
            return redirect(url_for("account.settings"))
    return render_settings(422, handle_form=form)


@bp.post("/settings/handles/<int:handle_id>/delete")
@login_required
def remove_handle(handle_id: int):
    accounts.remove_person_handle(current_user, handle_id)
    flash("Handle removed.", "success")
    return redirect(url_for("account.settings"))


@bp.post("/settings/feed/revoke")
@login_required
def revoke_feed():
    accounts.revoke_feed_token(current_user)
    flash("Your old feed URL no longer works. Subscribe to the new one below.", "success")
    return redirect(url_for("account.settings"))


@bp.post("/settings/tokens")
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return render_settings(422, token_form=form)
    token = accounts.create_api_token(current_user, form.name.data)
    # Shown in this response only (not flashed: the session cookie is readable by its owner
    # and outlives the page); only the token's hash is kept.
    return render_settings(201, new_token=token)


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    row = accounts.own_api_token(current_user, token_id)
    if not row.is_revoked:
        accounts.revoke_api_token(row, current_user)
    flash(f"Token {row.name or row.id} revoked.", "success")
    return redirect(url_for("account.settings"))


# --- site admins ------------------------------------------------------------------------


def _require_admin() -> None:
    if not current_user.is_admin:
        abort(403)


def _person_or_404(person_id: int) -> Person:
    person = people_reads.find_person(person_id)
    if person is None:
        abort(404)
    return person


def _render_people(status: int = 200, *, reset_for: Person | None = None, password=None):
    query = request.args.get("q", "").strip()[:200]
    page = request.args.get("page", 1, type=int) or 1
    page = max(page, 1)
    people, total = accounts.search_people(query, page=page, per_page=ADMIN_PAGE_SIZE)
    pages = max((total + ADMIN_PAGE_SIZE - 1) // ADMIN_PAGE_SIZE, 1)
    return render_template(
        "account/admin_people.html",
        people=people,
        total=total,
        query=query,
        page=page,
        pages=pages,
        reset_for=reset_for,
        temporary_password=password,
    ), status


@bp.get("/admin/people")
@login_required
def admin_people():
    _require_admin()
    return _render_people()


def _admin_action(person_id: int, action) -> object:
    _require_admin()
    person = _person_or_404(person_id)
    try:
        action(person)
    except ValidationError as exc:
        flash(exc.message, "error")
    return redirect(url_for("account.admin_people", q=request.args.get("q") or None))


@bp.post("/admin/people/merge")
@login_required
def admin_merge_people():
    """Merge the ticked duplicates into the person chosen to keep."""
    _require_admin()
    try:
        keep_id = int(request.form.get("keep", ""))
        drop_ids = [int(v) for v in request.form.getlist("drop")]
    except ValueError:
        flash("Choose the person to keep (the round button) and tick the duplicates.", "error")
        return redirect(url_for("account.admin_people", q=request.args.get("q") or None))
    try:
        result = people_merge.merge_people(current_user, keep_id, drop_ids)
    except (ValidationError, NotFound) as exc:
        flash(exc.message, "error")
    else:
        kept = _person_or_404(result.kept)
        n = len(result.merged)
        flash(
            f"Merged {n} {'person' if n == 1 else 'people'} into {kept.display_name}: "
            "attendance, actions, memberships and handles moved.",
            "success",
        )
    return redirect(url_for("account.admin_people", q=request.args.get("q") or None))


@bp.post("/admin/people/<int:person_id>/reset-password")
@login_required
def admin_reset_password(person_id: int):
    _require_admin()
    person = _person_or_404(person_id)
    try:
        password = accounts.reset_password(current_user, person)
    except ValidationError as exc:
        flash(exc.message, "error")
        return redirect(url_for("account.admin_people"))
    # Shown once, in this response; it is not stored anywhere but as a hash.
    return _render_people(reset_for=person, password=password)


@bp.post("/admin/people/<int:person_id>/admin")
@login_required
def admin_set_admin(person_id: int):
    make = request.form.get("value") == "1"
    return _admin_action(person_id, lambda p: accounts.set_admin(current_user, p, make))


@bp.post("/admin/people/<int:person_id>/active")
@login_required
def admin_set_active(person_id: int):
    active = request.form.get("value") == "1"
    return _admin_action(person_id, lambda p: accounts.set_account_active(current_user, p, active))
