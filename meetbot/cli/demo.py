"""The demo command."""

from __future__ import annotations

import click

from meetbot.services import demo


@click.command("demo")
@click.option(
    "--if-empty", is_flag=True, help="Only load the demo when the database has no group at all."
)
def demo_command(if_empty: bool) -> None:
    """Load the Edge Computing Group demo (December 2017). Running it again changes nothing."""
    result = demo.load_demo(only_if_empty=if_empty)
    if result.created:
        click.echo(f"Loaded the demo group '{result.group_slug}'.")
    else:
        click.echo(f"Demo not loaded: {result.reason}")
    click.echo("Demo logins (password for each: " + demo.DEMO_PASSWORD + "):")
    for role, email in demo.DEMO_LOGINS:
        click.echo(f"  {role:<10} {email}")


COMMANDS = [demo_command]
