"""Settings and admin forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from meetbot.forms.fields import TimeZone
from meetbot.services.accounts import HANDLE_KINDS, MAX_HANDLE_LENGTH, MIN_PASSWORD_LENGTH


class ProfileForm(FlaskForm):
    display_name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    organization = StringField("Organization", validators=[Optional(), Length(max=200)])
    timezone = StringField("Time zone", validators=[Optional(), TimeZone()])


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=200)]
    )
    new_password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new_password", message="The two do not match.")],
    )
    revoke_tokens = BooleanField(
        "Also revoke all my API tokens",
        description="Do this if someone else may have known your password.",
    )


class HandleForm(FlaskForm):
    handle = StringField(
        "Chat handle or alias", validators=[DataRequired(), Length(max=MAX_HANDLE_LENGTH)]
    )
    kind = SelectField("Kind", choices=[(k, k) for k in HANDLE_KINDS], default="irc")


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=100)])


_HHMM = Regexp(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$", message="A time such as 08:00.")
DAY_CHOICES = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class AvailabilityForm(FlaskForm):
    """When meetings suit you, in your own zone (read by the slot finder)."""

    window_start = StringField(
        "Meetings may start at", default="08:00", validators=[DataRequired(), _HHMM]
    )
    window_end = StringField("and must end by", default="20:00", validators=[DataRequired(), _HHMM])
    available_days = SelectMultipleField(
        "On these days",
        choices=DAY_CHOICES,
        coerce=int,
        default=[0, 1, 2, 3, 4],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
