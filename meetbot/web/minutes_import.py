"""The MeetBot chat log import into a meeting's minutes, with its preview."""

from flask import (
    flash,
    redirect,
    render_template,
    request,
)
from flask_login import current_user

from meetbot.forms.fields import apply_service_errors
from meetbot.forms.minutes import LogImportForm
from meetbot.models import Meeting
from meetbot.services import log_import, log_plan, log_write
from meetbot.services.errors import Conflict, ValidationError
from meetbot.services.meetings import get_meeting
from meetbot.services.members import members
from meetbot.services.permissions import Permission
from meetbot.web.guards import require
from meetbot.web.minutes_common import (
    MAX_LOG_BYTES,
    bp,
    log_bots,
    meeting_url,
)


def _read_log(form: LogImportForm) -> str | None:
    upload = form.upload.data
    if upload is not None and getattr(upload, "filename", ""):
        data = upload.read(MAX_LOG_BYTES + 1)
        if len(data) > MAX_LOG_BYTES:
            form.upload.errors = [f"The log is larger than {MAX_LOG_BYTES // 1_000_000} MB."]
            return None
        return data.decode("utf-8", errors="replace")
    text = form.log.data or ""
    if not text.strip():
        form.log.errors = ["Paste a log or choose a file."]
        return None
    return text


def _log_errors(fields: dict[str, str]) -> dict[str, str]:
    """The service's errors for the form: the log's line number goes into its message."""
    errors = {k: v for k, v in fields.items() if k != "line"}
    if "line" in fields and "log" in errors:
        errors["log"] = f"line {fields['line']}: {errors['log']}"
    return errors


def _overrides(plan: log_plan.ImportPlan) -> dict[int, list[str]]:
    """The owners the chair confirmed: field ``owners-<index>`` (multi), present
    only when the preview was shown."""
    return {a.index: request.form.getlist(f"owners-{a.index}") for a in plan.actions}


def _owner_choices(meeting: Meeting, plan: log_plan.ImportPlan) -> list[tuple[str, str]]:
    choices: dict[str, str] = {}
    for a in plan.attendees:
        label = a.person_name or f"{a.nick} (new person)"
        choices.setdefault(a.token, label if a.person_name is None else f"{label} ({a.nick})")
    for person, _ in members(meeting.group):
        choices.setdefault(f"p:{person.id}", person.display_name)
    return sorted(choices.items(), key=lambda kv: kv[1].casefold())


@bp.route("/meetings/<int:meeting_id>/minutes/import", methods=["GET", "POST"])
def import_log(meeting_id: int):
    """Paste or upload a MeetBot log, see the preview, confirm the owners, save."""
    meeting = get_meeting(meeting_id)
    require(Permission.CHAIR, meeting.group, meeting=meeting)
    form = LogImportForm()
    if request.method == "GET":
        form.version.data = meeting.lock_version
        return render_template("minutes/import.html", meeting=meeting, form=form, plan=None)
    plan = None
    status = 422
    if form.validate_on_submit():
        text = _read_log(form)
        if text is not None:
            day = meeting.start_dt.date()
            try:
                plan = log_plan.plan_import(text, default_date=day, bots=log_bots())
                log_write.check_existing(meeting, plan.sha256, form.existing.data)
                if form.step.data == "confirm":
                    result = log_import.import_log(
                        current_user,
                        meeting,
                        text,
                        bots=log_bots(),
                        owner_overrides=_overrides(plan),
                        version=form.version.data,
                        existing=form.existing.data,
                    )
                    flash(_result_message(result), "success")
                    return redirect(meeting_url(meeting))
                form.log.data = text
                status = 200
            except Conflict as exc:
                form.form_errors.append(exc.message)
                form.version.data = meeting.lock_version
                status = 409
            except ValidationError as exc:
                apply_service_errors(form, _log_errors(exc.fields))
                plan = None
    return render_template(
        "minutes/import.html",
        meeting=meeting,
        form=form,
        plan=plan,
        owner_choices=_owner_choices(meeting, plan) if plan else [],
    ), status


def _result_message(result: log_write.ImportResult) -> str:
    if result.already_imported:
        return "This log was already imported; nothing changed."
    parts = [
        f"Imported {result.items_added} minutes items, {result.actions_added} action items "
        f"and {result.attendance_added} attendees."
    ]
    if result.flagged_actions:
        parts.append(f"{result.flagged_actions} action items have no owner: assign them.")
    if result.people_created:
        parts.append("New people created for: " + ", ".join(result.people_created) + ".")
    return " ".join(parts)
