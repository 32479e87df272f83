"""``tmux-builder users``: issuing a token to a user who lost theirs when recovery by email
is not configured."""

from __future__ import annotations

from typing import Annotated

import typer

from tmux_builder.cli.output import App, console, echo_json
from tmux_builder.domain import TokenScope
from tmux_builder.platform.core.settings import get_settings

users_app = App(no_args_is_help=True, help="Accounts: tokens for users.")


@users_app.command("token")
def users_token(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    phone: Annotated[str | None, typer.Option(
        help="The account's phone number, when several accounts share the email.")] = None,
    name: Annotated[str | None, typer.Option(
        help="The token's name (default: issued by the operator).")] = None,
    scope: Annotated[TokenScope, typer.Option(help="read or write.")] = TokenScope.write,
    expires_in_days: Annotated[float | None, typer.Option(
        help="Lifetime in days (default: TMUX_BUILDER_TOKEN_TTL_DAYS, else none).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Mint a new token for the account of EMAIL and print it once (only its hash is kept).
    Give it to the user over a channel you trust."""
    from tmux_builder.cli.services import database
    from tmux_builder.platform.accounts.operator import OPERATOR_TOKEN_NAME, issue_token

    issued = issue_token(database(), get_settings(), email, phone,
                         name=name or OPERATOR_TOKEN_NAME, scope=scope.value,
                         expires_in_days=expires_in_days)
    if as_json:
        echo_json(issued.to_dict())
        return
    expiry = issued.expires_at.isoformat(timespec="seconds") if issued.expires_at else "never"
    console.print(f"user: {issued.user_id}")
    console.print(f"token ({issued.scope}, {issued.name!r}, expires {expiry}):")
    typer.echo(issued.secret)
