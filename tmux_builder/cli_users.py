"""Account commands for the operator (``tmux-builder users ...``), registered on the main CLI:
issuing a token to a user who lost theirs when recovery by email is not configured."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from tmux_builder.cli_ops import console, domain_errors, echo_json
from tmux_builder.platform.core.settings import get_settings

users_app = typer.Typer(no_args_is_help=True, help="Accounts: tokens for users.")


class Scope(StrEnum):
    read = "read"
    write = "write"


@users_app.command("token")
def users_token(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    phone: Annotated[str | None, typer.Option(
        help="The account's phone number, when several accounts share the email.")] = None,
    name: Annotated[str | None, typer.Option(
        help="The token's name (default: issued by the operator).")] = None,
    scope: Annotated[Scope, typer.Option(help="read or write.")] = Scope.write,
    expires_in_days: Annotated[float | None, typer.Option(
        help="Lifetime in days (default: TMUX_BUILDER_TOKEN_TTL_DAYS, else none).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Mint a new token for the account of EMAIL and print it once (only its hash is kept).
    Give it to the user over a channel you trust."""
    from tmux_builder.platform.accounts.operator import OPERATOR_TOKEN_NAME, issue_token
    from tmux_builder.platform.db import Database

    settings = get_settings()
    with domain_errors():
        issued = issue_token(Database(settings.db_url), settings, email, phone,
                             name=name or OPERATOR_TOKEN_NAME, scope=scope.value,
                             expires_in_days=expires_in_days)
    if as_json:
        echo_json(issued.to_dict())
        return
    expiry = issued.expires_at.isoformat(timespec="seconds") if issued.expires_at else "never"
    console.print(f"user: {issued.user_id}")
    console.print(f"token ({issued.scope}, {issued.name!r}, expires {expiry}):")
    typer.echo(issued.secret)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
