"""The mail worker: ``flask --app meetbot send-mail [--once] [--dry-run]``."""

from __future__ import annotations

import time

import click

from meetbot.extensions import db
from meetbot.mail import action_mail, group_mail, outbox, reminders, transport


@click.command("send-mail")
@click.option("--once", is_flag=True, help="Send what is due now, then exit (for cron).")
@click.option("--dry-run", is_flag=True, help="Print what is due now; send nothing.")
@click.option(
    "--interval",
    default=30.0,
    show_default=True,
    help="Seconds to wait between rounds when nothing was due.",
)
@click.option("--limit", default=100, show_default=True, help="Messages per round at most.")
def send_mail_command(once: bool, dry_run: bool, interval: float, limit: int) -> None:
    """Send the outbox's due mail (retried with backoff). Runs until stopped."""
    try:
        where = transport.describe(outbox.settings())
    except transport.ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if dry_run:
        for group, view in group_mail.due_agendas():
            when = f"{view.start:%Y-%m-%d %H:%MZ}"
            click.echo(f"new\tagenda\t{group.mailing_list}\t{view.title} {when}")
        for person_id, view in reminders.due_reminders():
            when = f"{view.start:%Y-%m-%d %H:%MZ}"
            click.echo(f"new\treminder\tperson {person_id}\t{view.title} {when}")
        rows = outbox.due(limit=limit)
        for row in rows:
            click.echo(f"{row.id}\t{row.kind}\t{row.recipient}\t{row.subject}")
        click.echo(f"{len(rows)} due; would send to {where}.")
        return
    while True:
        queued = group_mail.queue_due_agendas()
        if queued:
            click.echo(f"mail: {queued} agenda mail(s) queued")
        personal = reminders.queue_due_reminders() + action_mail.queue_due_actions()
        if personal:
            click.echo(f"mail: {personal} reminder(s) and action item mail(s) queued")
        report = outbox.send_due(limit=limit)
        if report.attempted:
            click.echo(
                f"mail: {len(report.sent)} sent, {len(report.retrying)} to retry, "
                f"{len(report.failed)} failed, {len(report.dropped)} dropped ({where})"
            )
        if once:
            return
        db.session.remove()  # a fresh session per round: nothing stale is kept
        if report.attempted < limit:
            time.sleep(interval)


COMMANDS = [send_mail_command]
