"""The import-irc-meetings command."""

from __future__ import annotations

import click

from meetbot.services import imports
from meetbot.services.errors import ServiceError

BAR_WIDTH = 20


@click.command("import-irc-meetings")
@click.option(
    "--group", "group_slug", required=True, help="Slug of the group (created if missing)."
)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def import_irc_meetings_command(group_slug: str, paths: tuple[str, ...]) -> None:
    """Import yaml2ical (irc-meetings) files or folders of them into a group.

    Running it again updates the same series in place. Each file is imported on its
    own: a malformed file is reported (file, line, problem), nothing from it is
    written, and the exit status is 1.
    """

    def progress(position: int, total: int, outcome: imports.FileOutcome) -> None:
        # One line per file (readable in CI logs too), led by a progress bar.
        width = len(str(total))
        done = round(BAR_WIDTH * position / total) if total else BAR_WIDTH
        bar = "#" * done + "." * (BAR_WIDTH - done)
        line = f"[{bar}] {position:>{width}}/{total} {outcome.path}: {outcome.status}"
        if outcome.series_id is not None:
            line += f" (series {outcome.series_id})"
        click.echo(line)
        for warning in outcome.warnings:
            click.echo(f"  warning: {warning}", err=True)
        if outcome.error:
            click.echo(f"  error: {outcome.error}", err=True)

    try:
        report = imports.import_paths(group_slug, paths, on_file=progress)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    counts: dict[str, int] = {}
    for outcome in report.files:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no files"
    created = " (group created)" if report.group_created else ""
    click.echo(f"Group {report.group_slug}{created}: {summary}.")
    if report.failed:
        click.echo(f"{len(report.failed)} file(s) failed:", err=True)
        for outcome in report.failed:
            click.echo(f"  {outcome.error}", err=True)
        raise SystemExit(1)


COMMANDS = [import_irc_meetings_command]
