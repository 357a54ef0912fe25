"""Backup commands: backup FILE, restore FILE [--force]."""

from __future__ import annotations

import click

from meetbot.services import backup


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def backup_command(file: str) -> None:
    """Write every table of the database to FILE as lossless JSON."""
    try:
        counts = backup.write_backup(file)
    except backup.BackupError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Backed up {sum(counts.values())} rows from {len(counts)} tables to {file}.")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--force",
    is_flag=True,
    help="Delete everything in the database first (otherwise it must be empty).",
)
def restore_command(file: str, force: bool) -> None:
    """Load a backup FILE into an empty database (create it with `db upgrade` first)."""
    try:
        result = backup.restore_file(file, force=force)
    except backup.BackupError as exc:
        raise click.ClickException(exc.message) from None
    wiped = " (after deleting the previous contents)" if result.wiped else ""
    click.echo(f"Restored {result.rows} rows into {result.tables} tables from {file}{wiped}.")


COMMANDS = [backup_command, restore_command]
