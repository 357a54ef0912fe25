"""The webhook worker: ``flask --app meetbot deliver-webhooks [--once]``."""

from __future__ import annotations

import time

import click

from meetbot.extensions import db
from meetbot.services import webhook_delivery


@click.command("deliver-webhooks")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit (for cron).")
@click.option(
    "--interval",
    default=10.0,
    show_default=True,
    help="Seconds to wait between rounds when nothing was due.",
)
@click.option("--limit", default=100, show_default=True, help="Deliveries per round at most.")
def deliver_webhooks_command(once: bool, interval: float, limit: int) -> None:
    """Send due webhook deliveries (signed, retried with backoff). Runs until stopped."""
    while True:
        report = webhook_delivery.deliver_due(limit=limit)
        if report.attempted:
            click.echo(
                f"webhooks: {len(report.delivered)} delivered, {len(report.retrying)} to retry, "
                f"{len(report.failed)} failed"
            )
        if once:
            return
        db.session.remove()  # a fresh session per round: nothing stale is kept
        if report.attempted < limit:
            time.sleep(interval)


COMMANDS = [deliver_webhooks_command]
