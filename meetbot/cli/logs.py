"""The import-log command: a MeetBot-style chat log into a meeting."""

from __future__ import annotations

from datetime import date
from typing import NoReturn

import click
from flask import current_app

from meetbot.services import log_import, log_write
from meetbot.services.errors import ServiceError
from meetbot.services.groups import get_group
from meetbot.services.meetings import get_meeting


def _bots() -> frozenset[str] | None:
    bots = current_app.config.get("MEETBOT_LOG_BOTS")
    if not bots:
        return None
    if isinstance(bots, str):
        bots = bots.replace(",", " ").split()
    return frozenset(bots)


def _fail(path: str, message: str, line: str | int | None = None) -> NoReturn:
    where = f"{path}:{line}" if line else path
    click.echo(f"Error: {where}: {message}", err=True)
    raise SystemExit(1)


@click.command("import-log")
@click.option("--meeting", "meeting_id", type=int, help="Import into this meeting (its id).")
@click.option("--group", "group_slug", help="…or into this group's meeting on --date.")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The meeting's date (YYYY-MM-DD, UTC) with --group.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="The meeting has minutes from a different log: replace its minutes items.",
)
@click.option(
    "--append",
    is_flag=True,
    help="The meeting has minutes from a different log: add this log's to them.",
)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
def import_log_command(
    meeting_id: int | None,
    group_slug: str | None,
    day,
    replace: bool,
    append: bool,
    file: str,
) -> None:
    """Import a MeetBot chat log (minutes, action items, attendance) and print the
    meeting id. Importing the same log again changes nothing; a different log into a
    meeting that already has imported minutes needs --replace or --append."""
    if replace and append:
        raise click.UsageError("Give --replace or --append, not both.")
    existing = log_write.REPLACE if replace else log_write.APPEND if append else log_write.REFUSE
    if (meeting_id is None) == (group_slug is None):
        raise click.UsageError("Give either --meeting ID or --group SLUG --date YYYY-MM-DD.")
    if group_slug is not None and day is None:
        raise click.UsageError("--group needs --date YYYY-MM-DD.")
    text = _read_log(file)
    try:
        if meeting_id is not None:
            meeting = get_meeting(meeting_id)
            result = log_import.import_log(None, meeting, text, bots=_bots(), existing=existing)
        else:
            group = get_group(group_slug)
            the_day: date = day.date()
            result = log_import.import_log_for_group(
                None, group, the_day, text, bots=_bots(), existing=existing
            )
    except ServiceError as exc:
        message = exc.fields.get("log") or exc.message
        if "existing" in exc.fields:
            message = (
                "the meeting already has minutes imported from a different log; nothing "
                "was imported. Give --replace (that log's minutes items are replaced) or "
                "--append."
            )
        _fail(file, message, exc.fields.get("line"))
    _report(file, result)
    click.echo(result.meeting.id)


def _read_log(file: str) -> str:
    """The log's text (at most 5 MB; undecodable bytes replaced)."""
    try:
        with click.open_file(file, "rb") as fh:
            raw = fh.read(5_000_001)
    except OSError as exc:
        _fail(file, f"cannot read the file ({exc.strerror or exc})")
    if len(raw) > 5_000_000:
        _fail(file, "the log is larger than 5 MB")
    return raw.decode("utf-8", errors="replace")


def _report(file: str, result: log_write.ImportResult) -> None:
    """What the import did, on stderr (stdout holds only the meeting id)."""
    for warning in result.warnings:
        click.echo(f"warning: {file}: {warning}", err=True)
    if result.already_imported:
        click.echo("This log was already imported into this meeting; nothing changed.", err=True)
        return
    if result.items_removed:
        click.echo(f"Replaced {result.items_removed} minutes items of the previous log.", err=True)
    if result.meeting_created:
        click.echo(f"Created meeting {result.meeting.id} for this log.", err=True)
    click.echo(
        f"Imported {result.items_added} minutes items, {result.actions_added} action items "
        f"({result.flagged_actions} without an owner), {result.attendance_added} attendees.",
        err=True,
    )
    for nick in result.people_created:
        click.echo(f"New person created for nick {nick!r}.", err=True)


COMMANDS = [import_log_command]
