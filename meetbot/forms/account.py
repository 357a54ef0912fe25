"""Settings and admin forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

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
