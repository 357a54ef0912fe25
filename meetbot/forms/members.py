"""Forms of the group members page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from meetbot.models import Role

ROLE_CHOICES = [
    (Role.MEMBER, "Member"),
    (Role.CHAIR, "Chair"),
    (Role.ORGANIZER, "Organizer"),
]


class AddMemberForm(FlaskForm):
    """Add someone by e-mail: an existing person, or a new one with this name."""

    email = EmailField("E-mail", validators=[DataRequired(), Length(max=320)])
    name = StringField("Name", validators=[Optional(), Length(max=200)])
    organization = StringField(
        "Organization (only for someone new)", validators=[Optional(), Length(max=200)]
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.MEMBER)
