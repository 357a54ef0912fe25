"""The conflict check: ``flask --app meetbot check-conflicts``."""

from __future__ import annotations

import sys

import click
from flask import current_app
from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import Group
from meetbot.services import conflicts as conflict_service
from meetbot.services import groups as group_service
from meetbot.services.errors import ServiceError


@click.command("check-conflicts")
@click.option("--group", "slug", help="Only conflicts that involve this group's meetings.")
@click.option(
    "--days",
    type=click.IntRange(1, 5 * 366),
    default=365,
    show_default=True,
    help="How far ahead to look, from now.",
)
def check_conflicts_command(slug: str | None, days: int) -> None:
    """List every conflict (same location or same chair, overlapping); exit 1 if any."""
    group = None
    if slug:
        try:
            group = group_service.get_group(slug)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from None
    found = conflict_service.find_conflicts(
        group=group, days=days, domain=current_app.config.get("MEETBOT_UID_DOMAIN", "local")
    )
    names = {gid: gslug for gid, gslug in db.session.execute(select(Group.id, Group.slug))}
    for conflict in found:
        click.echo(conflict_service.describe_conflict(conflict, names))
    scope = f"group {slug}" if slug else "all groups"
    if found:
        click.echo(f"{len(found)} conflict(s) in the next {days} days ({scope}).", err=True)
        sys.exit(1)
    click.echo(f"No conflicts in the next {days} days ({scope}).")


COMMANDS = [check_conflicts_command]
