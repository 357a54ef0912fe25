"""Sign-up and password reset forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from meetbot.domain.passwords import MAX_LENGTH, MIN_LENGTH

PASSWORD_HELP = (
    f"At least {MIN_LENGTH} characters and not easy to guess: a few uncommon words work well."
)


class SignupForm(FlaskForm):
    display_name = StringField("Your name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    join = HiddenField()


class ConfirmForm(FlaskForm):
    """Only the CSRF token: a mailed link is used by a click, never by a GET."""


class ResetRequestForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=320)])


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("password", message="The two do not match.")],
    )
