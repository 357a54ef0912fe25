"""The Settings page's mail section."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import InputRequired

ACTION_CHOICES = [
    ("each", "A note for each item assigned to me, before it is due and when overdue"),
    ("digest", "One weekly list of my open items (Mondays)"),
    ("off", "No action item mail"),
]


class MailSettingsForm(FlaskForm):
    reminders = BooleanField("Remind me before meetings of the series I follow")
    reminder_minutes = IntegerField(
        "Minutes before the meeting", validators=[InputRequired(message="A number of minutes.")]
    )
    follow_member_series = BooleanField("Follow every series of my groups (unless I unfollow one)")
    actions = SelectField("Action items", choices=ACTION_CHOICES)
