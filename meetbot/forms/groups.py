"""Group and work stream forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
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


class WorkStreamForm(FlaskForm):
    slug = StringField("Short name (in URLs)", validators=[DataRequired(), Length(max=64), Slug()])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description (Markdown)", validators=[Length(max=20000)])
    status = SelectField(
        "Status",
        choices=[(s.value, s.value.capitalize()) for s in WorkStreamStatus],
        default=WorkStreamStatus.ACTIVE.value,
    )
    leads = SelectMultipleField("Leads", coerce=int, validate_choice=True)
