"""Account commands: create-user, create-token, set-password."""

from __future__ import annotations

import click

from meetbot.services import accounts
from meetbot.services.errors import ServiceError


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Display name.")
@click.option("--password", help="Password (prompted for when omitted).")
@click.option("--admin", is_flag=True, help="Make the account a site admin.")
def create_user_command(email: str, name: str, password: str | None, admin: bool) -> None:
    """Create an account that can log in."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        person = accounts.create_user(email, name, password, is_admin=admin)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Created {'admin ' if admin else ''}account {person.email} (id {person.id}).")


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="cli", help="A label to recognise the token by.")
def create_token_command(email: str, name: str) -> None:
    """Print a new API token for the account with EMAIL."""
    person = accounts.find_person_by_email(email)
    if person is None:
        raise click.ClickException(f"No account with e-mail {email}.")
    click.echo(accounts.create_api_token(person, name))


@click.command("set-password")
@click.argument("email")
@click.option("--password", help="New password (prompted for when omitted).")
def set_password_command(email: str, password: str | None) -> None:
    """Reset the password of an account (the admin reset path).

    Every login of the account ends and every API token of it is revoked.
    """
    person = accounts.find_person_by_email(email)
    if person is None:
        raise click.ClickException(f"No account with e-mail {email}.")
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        revoked = accounts.set_password(person, password, revoke_tokens=True)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"Password changed for {person.email}; every login ended, "
        f"{revoked} API token{'s' if revoked != 1 else ''} revoked."
    )


COMMANDS = [create_user_command, create_token_command, set_password_command]
