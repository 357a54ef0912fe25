"""Group and work stream forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional

from meetbot.forms.fields import Slug, TimeZone
from meetbot.models import WorkStreamStatus


class GroupForm(FlaskForm):
    slug = StringField("Short name (in URLs)", validators=[DataRequired(), Length(max=64), Slug()])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description (Markdown)", validators=[Length(max=20000)])
    mailing_list = StringField("Mailing list address", validators=[Optional(), Email()])
    website = StringField("Website or wiki page", validators=[Optional(), URL(), Length(max=500)])
    timezone = StringField(
        "Default time zone", default="UTC", validators=[DataRequired(), TimeZone()]
    )
    quorum = IntegerField("Quorum (people)", validators=[Optional(), NumberRange(min=1)])
    attendance_threshold = IntegerField(
        "Flag members below this attendance (%)", default=25, validators=[NumberRange(0, 100)]
    )
    attendance_window = IntegerField(
        "…over the last N meetings", default=10, validators=[NumberRange(1, 1000)]
    )
    mail_tag = StringField("Subject tag of list mail, e.g. [edge]", validators=[Length(max=40)])
    mail_agenda = BooleanField("Mail the agenda to the list before each meeting", default=True)
    mail_agenda_hours = IntegerField(
        "…this many hours before", default=24, validators=[NumberRange(1, 168)]
    )
    mail_minutes = BooleanField("Mail the minutes when a chair sends them", default=True)
    mail_changes = BooleanField("Mail cancellations and moves", default=True)


class WorkStreamForm(FlaskForm):
    slug = StringField("Short name (in URLs)", validators=[DataRequired(), Length(max=64), Slug()])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description (Markdown)", validators=[Length(max=20000)])
    status = SelectField(
        "Status",
        choices=[(s.value, s.value.capitalize()) for s in WorkStreamStatus],
        default=WorkStreamStatus.ACTIVE,
    )
    leads = SelectMultipleField("Leads", coerce=int, validate_choice=True)
