"""Deleting one's account."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import Length


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[Length(max=200)])
    confirm = StringField('Type "delete"', validators=[Length(max=20)])
