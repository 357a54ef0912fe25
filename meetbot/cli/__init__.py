"""`flask --app meetbot ...` commands. Each area keeps its commands in its own module.

The modules are imported when one of their commands is looked up, not when the app
is built: a web worker never loads the IRC client or Alembic (start-up time, issue
19). ``COMMAND_MODULES`` names each command's module; tests/test_cli_lazy.py checks
it against the modules' ``COMMANDS``.
"""

from __future__ import annotations

import importlib

import click
from flask import Flask
from flask.cli import AppGroup

COMMAND_MODULES: dict[str, str] = {
    "create-user": "accounts",
    "create-token": "accounts",
    "set-password": "accounts",
    "backup": "backup",
    "restore": "backup",
    "chat-bot": "chat",
    "check-conflicts": "conflicts",
    "db": "migrations",
    "demo": "demo",
    "import-irc-meetings": "imports",
    "import-log": "logs",
    "send-mail": "mail",
    "deliver-webhooks": "webhooks",
}


class LazyCommands(AppGroup):
    """The app's command group, importing a command's module at its first look-up.

    A module may define ``bind(app)``, called once when it is loaded (the Alembic
    commands bind Flask-Migrate to the app there)."""

    def __init__(self, app: Flask, modules: dict[str, str]) -> None:
        super().__init__()
        self._app = app
        self._modules = dict(modules)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._modules))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = self._modules.pop(cmd_name, None)
        if module_name is not None:
            self.load(module_name)
        return super().get_command(ctx, cmd_name)

    def load(self, module_name: str) -> None:
        """Import ``meetbot.cli.<module_name>`` and add its commands."""
        module = importlib.import_module(f"meetbot.cli.{module_name}")
        for name, owner in list(self._modules.items()):
            if owner == module_name:
                del self._modules[name]
        bind = getattr(module, "bind", None)
        if bind is not None:
            bind(self._app)
        for command in module.COMMANDS:
            self.add_command(command)


def register_commands(app: Flask) -> None:
    """Attach every command (lazily) to the app's CLI, keeping any already added."""
    group = LazyCommands(app, COMMAND_MODULES)
    for name, command in app.cli.commands.items():
        group.add_command(command, name)
    app.cli = group
