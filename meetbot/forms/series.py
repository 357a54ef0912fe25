"""Series, slot, occurrence and one-off meeting forms.

Only the shape of the input is checked here (numbers are numbers, dates are dates);
every rule about what makes a valid schedule lives in meetbot.services.scheduling, so
the pages, the live preview and the API give the same answers.
"""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, Optional

from meetbot.models import LocationKind
from meetbot.services.series_input import SlotInput

WEEKDAYS = [
    ("", "—"),
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]
SETPOS = [
    ("", "—"),
    ("1", "first"),
    ("2", "second"),
    ("3", "third"),
    ("4", "fourth"),
    ("-1", "last"),
]
FREQUENCIES = [
    ("weekly", "Weekly / every N weeks"),
    ("monthly", "Monthly (nth weekday)"),
    ("once", "Once"),
]
LOCATION_KINDS = [
    (LocationKind.VIDEO, "Video call (link)"),
    (LocationKind.CHAT, "Chat channel"),
    (LocationKind.ROOM, "Room"),
    (LocationKind.OTHER, "Other"),
]
# Rows shown without JavaScript: enough for the common "two alternating times" case.
MIN_SLOT_ROWS = 3


def _int_or_none(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


class SlotForm(Form):
    """One time slot (a sub-form: CSRF comes from the parent form)."""

    key = HiddenField()
    label = StringField("Label", validators=[Optional(), Length(max=100)])
    timezone = StringField("Time zone", validators=[Optional(), Length(max=64)])
    start_date = DateField("First date", validators=[Optional()])
    start_time = TimeField("Local time", validators=[Optional()])
    duration_minutes = IntegerField("Minutes", default=60, validators=[Optional()])
    frequency = SelectField("Repeats", choices=FREQUENCIES, default="weekly")
    interval = IntegerField("Every N", default=1, validators=[Optional()])
    weekday = SelectField("Weekday (monthly)", choices=WEEKDAYS, default="", coerce=_int_or_none)
    setpos = SelectField("Which (monthly)", choices=SETPOS, default="", coerce=_int_or_none)
    until = DateField("Last date", validators=[Optional()])
    count = IntegerField("Or: times", validators=[Optional()])

    def is_blank(self) -> bool:
        """A row left empty (no key, no date, no label) is ignored."""
        raw = self.start_date.raw_data or [""]
        return not self.key.data and not (raw[0] or "").strip() and not self.label.data

    def to_input(self) -> SlotInput:
        start = None
        if self.start_date.data is not None and self.start_time.data is not None:
            start = datetime.combine(self.start_date.data, self.start_time.data)
        return SlotInput(
            key=self.key.data or None,
            label=self.label.data or "",
            timezone=(self.timezone.data or "").strip() or None,
            start=start,
            duration_minutes=self.duration_minutes.data,
            frequency=self.frequency.data,
            interval=self.interval.data,
            weekday=self.weekday.data,
            setpos=self.setpos.data,
            until=self.until.data,
            count=self.count.data,
        )


class SeriesForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description (Markdown)", validators=[Length(max=20000)])
    timezone = StringField("Series time zone", default="UTC", validators=[DataRequired()])
    location_kind = SelectField("Where", choices=LOCATION_KINDS, default="video")
    location = StringField("Link, channel or room", validators=[Length(max=500)])
    agenda_url = StringField("Agenda link", validators=[Optional(), Length(max=500)])
    chairs = SelectMultipleField("Chairs", coerce=int, validate_choice=True)
    work_streams = SelectMultipleField("Work streams", coerce=int, validate_choice=True)
    slots = FieldList(FormField(SlotForm), min_entries=MIN_SLOT_ROWS, max_entries=20)


class OccurrenceReasonForm(FlaskForm):
    reason = TextAreaField("Reason shown to participants", validators=[Length(max=2000)])


class MoveForm(FlaskForm):
    start_date = DateField("New date", validators=[DataRequired()])
    start_time = TimeField("New local time", validators=[DataRequired()])
    duration_minutes = IntegerField("Minutes", validators=[Optional()])
    reason = TextAreaField("Reason shown to participants", validators=[Length(max=2000)])


class RetitleForm(FlaskForm):
    title = StringField("Title (empty: the series' title)", validators=[Length(max=200)])
    location = StringField("Location (empty: the series' location)", validators=[Length(max=500)])
    reason = TextAreaField("Reason shown to participants", validators=[Length(max=2000)])


class EndSeriesForm(FlaskForm):
    last_date = DateField("Last meeting on or before", validators=[DataRequired()])


class OneOffForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    timezone = StringField("Time zone", default="UTC", validators=[DataRequired()])
    start_date = DateField("Date", validators=[DataRequired()])
    start_time = TimeField("Local time", validators=[DataRequired()])
    duration_minutes = IntegerField("Minutes", default=60, validators=[Optional()])
    location = StringField("Link, channel or room", validators=[Length(max=500)])
    work_stream = SelectField("Work stream", coerce=_int_or_none, default="")
    agenda = TextAreaField("Agenda (Markdown)", validators=[Length(max=20000)])
