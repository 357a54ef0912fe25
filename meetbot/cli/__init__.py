"""`flask --app meetbot ...` commands. Each area keeps its commands in its own module."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    """Attach every command group to the app's CLI."""
    from meetbot.cli import accounts, backup, chat, demo, imports, logs, schedule, webhooks

    for module in (accounts, backup, chat, demo, imports, logs, schedule, webhooks):
        for command in module.COMMANDS:
            app.cli.add_command(command)
