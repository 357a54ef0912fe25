"""Minutes, action item and log import forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from meetbot.services.actions import MAX_TEXT as MAX_ACTION_TEXT
from meetbot.services.minutes import KIND_LABELS, MAX_TEXT


def _kind_choices() -> list[tuple[str, str]]:
    return list(KIND_LABELS.items())


class MinuteItemForm(FlaskForm):
    """Add or edit one minutes item; ``version`` is the meeting's lock_version."""

    kind = SelectField("Kind", choices=_kind_choices(), default="info")
    text = TextAreaField(
        "Text",
        validators=[DataRequired(message="Write something for this item."), Length(max=MAX_TEXT)],
    )
    work_stream_id = SelectField("Work stream", coerce=str, validate_choice=False, default="")
    version = IntegerField("version", validators=[InputRequired()])


class VersionForm(FlaskForm):
    """Delete / move / reorder: only the version (and the new order) travel."""

    version = IntegerField("version", validators=[InputRequired()])
    order = HiddenField("order")


class ActionItemForm(FlaskForm):
    """Create or edit an action item. Owners are people's ids; an id that is not a
    person is refused by the service (shown beside the field)."""

    text = TextAreaField(
        "What needs doing",
        validators=[DataRequired(message="Say what needs doing."), Length(max=MAX_ACTION_TEXT)],
    )
    owners = SelectMultipleField("Owners", coerce=str, validate_choice=False)
    due_date = DateField("Due date", validators=[Optional()])
    work_stream_id = SelectField("Work stream", coerce=str, validate_choice=False, default="")
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)])


class ActionStatusForm(FlaskForm):
    """One-click status changes; ``meeting_id`` names the reviewing meeting."""

    meeting_id = HiddenField("meeting_id")
    note = HiddenField("note")
    next = HiddenField("next")


class LogImportForm(FlaskForm):
    """Paste or upload a chat log; ``version`` guards the minutes like any edit."""

    log = TextAreaField("Paste the chat log", validators=[Optional()])
    upload = FileField("…or upload the log file")
    version = IntegerField("version", validators=[InputRequired()])
    step = HiddenField("step", default="preview")
    existing = RadioField(
        "If this meeting already has minutes imported from a different log",
        choices=[
            ("refuse", "Stop: import nothing"),
            ("replace", "Replace the minutes items of that log with this log's"),
            ("append", "Add this log's items to them"),
        ],
        default="refuse",
    )
