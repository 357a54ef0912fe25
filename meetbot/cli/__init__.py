"""`flask --app meetbot ...` commands. Each area keeps its commands in its own module."""

from __future__ import annotations

from flask import Flask

from meetbot.cli import accounts, backup, chat, conflicts, demo, imports, logs, mail, webhooks


def register_commands(app: Flask) -> None:
    """Attach every command group to the app's CLI."""
    for module in (accounts, backup, chat, conflicts, demo, imports, logs, mail, webhooks):
        for command in module.COMMANDS:
            app.cli.add_command(command)
