"""A group's chat settings: a network the bot connects to, a channel mapped to the
group. The rules (names, limits, one group per channel) are the service's
(``services.chat_settings``); these forms only read the fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from meetbot.models import ChatAuth

AUTH_CHOICES = [
    (ChatAuth.NONE, "None"),
    (ChatAuth.SASL, "SASL (most networks)"),
    (ChatAuth.NICKSERV, "NickServ IDENTIFY"),
]


class NetworkForm(FlaskForm):
    server = StringField(
        "Server", validators=[DataRequired(), Length(max=200)], description="ircs://host:6697"
    )
    nick = StringField("Bot's nick", default="meetbot", validators=[DataRequired(), Length(max=30)])
    auth = SelectField("Log in with", choices=AUTH_CHOICES, default=ChatAuth.NONE)
    password = PasswordField("Password of the nick", validators=[Optional(), Length(max=200)])


class NetworkEditForm(FlaskForm):
    nick = StringField("Bot's nick", validators=[DataRequired(), Length(max=30)])
    auth = SelectField("Log in with", choices=AUTH_CHOICES)
    password = PasswordField("Replace the password", validators=[Optional(), Length(max=200)])


class ChannelForm(FlaskForm):
    network_id = SelectField("Network", coerce=int, validators=[DataRequired()])
    channel = StringField("Channel", validators=[DataRequired(), Length(max=50)])
    series_id = SelectField("Meetings attach to", coerce=str, default="")
