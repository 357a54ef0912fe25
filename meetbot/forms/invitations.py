"""Invitation forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from meetbot.domain.passwords import MAX_LENGTH


class InviteForm(FlaskForm):
    addresses = TextAreaField(
        "E-mail addresses, one per line",
        validators=[DataRequired(), Length(max=20_000)],
        description='"ann@example.org" or "Ann Lee <ann@example.org>"',
    )
    role = SelectField(
        "Role",
        choices=[("member", "Member"), ("chair", "Chair"), ("organizer", "Organizer")],
        default="member",
    )


class AcceptForm(FlaskForm):
    display_name = StringField("Your name", validators=[Optional(), Length(max=200)])
    password = PasswordField("Choose a password", validators=[Optional(), Length(max=MAX_LENGTH)])
