"""Forms of the meeting page and the attendance pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from meetbot.services.agenda import MAX_AGENDA_CHARS


class AgendaForm(FlaskForm):
    agenda = TextAreaField(
        "Agenda (Markdown)", validators=[Length(max=MAX_AGENDA_CHARS)], render_kw={"rows": 14}
    )
    # The version and text the editor started from (optimistic locking).
    lock_version = HiddenField(validators=[DataRequired()])
    base_hash = HiddenField()


class PasteForm(FlaskForm):
    # Size and line limits are checked by the service, with a message beside the field.
    text = TextAreaField(
        "Paste a list of people",
        render_kw={
            "rows": 10,
            "placeholder": "One per line or comma-separated:\nAlice Smith\nbob@example.org\n"
            "Carol Jones (cjones)\nDan Brown <dan@example.org>",
        },
    )


class CsvForm(FlaskForm):
    file = FileField("Video-call participant export (CSV)")


class CheckinLinkForm(FlaskForm):
    minutes = IntegerField(
        "Open for (minutes)", default=180, validators=[NumberRange(min=5, max=2880)]
    )


class LinkCheckinForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail (optional)", validators=[Optional(), Length(max=320)])
    handle = StringField("Chat handle (optional)", validators=[Optional(), Length(max=100)])


class RegretsForm(FlaskForm):
    person_id = SelectField("Member", coerce=int, validate_choice=True)
