"""``tmux-builder stacks``: the session stacks, as the stack index knows them (``ls``, one
query: no Pulumi import), compared with the backend (``reconcile``), those that drifted
(``drift``), and bringing back an earlier good build of a session (``rollback``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tmux_builder.cli.output import App, Column, console, echo_json, print_table
from tmux_builder.platform.core.settings import get_settings

if TYPE_CHECKING:
    from tmux_builder.platform.ops.stack_entries import IndexedStack

stacks_app = App(no_args_is_help=True, help="Audit the session stacks.")
USER = Column("user", "user_id", fold=True)
LS_COLUMNS = (Column("session", "session_id", keep=True), Column("target", "target"),
              Column("res", "resource_count"), Column("status", "status"))
EXPIRES = Column("expires", "expires")


def _rows_for_table(rows: list[IndexedStack],
                    one_user: bool) -> tuple[list[dict[str, object]], list[Column]]:
    table = [{"user_id": r.user_id, "session_id": r.session_id,
              "target": f"{r.host_provider}/{r.site_type}", "resource_count": r.resource_count,
              "status": r.status,
              "expires": r.expires_at.date().isoformat() if r.expires_at else "never"}
             for r in rows]
    return table, ([*LS_COLUMNS, EXPIRES] if one_user else [USER, *LS_COLUMNS])


@stacks_app.command("ls")
def stacks_ls(
    user: Annotated[str | None, typer.Option(help="Only this user's stacks.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (every field).")] = False,
) -> None:
    """List the session stacks from the stack index (optionally one user's). The table shows
    user (without --user), session, target, resources, status (and expiry with --user);
    --json has every field, the URL included."""
    from tmux_builder.platform.ops.read_only import read_stack_index

    rows = read_stack_index(get_settings(), user)
    if as_json:
        echo_json(rows)
        return
    table, columns = _rows_for_table(rows, user is not None)
    print_table(table, columns)


@stacks_app.command("reconcile")
def stacks_reconcile(
    repair: Annotated[bool, typer.Option(help="Make the index match the backend.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Compare the stack index with the backend's own list (`pulumi stack ls`); exit 1 when
    they differ and nothing was repaired."""
    from tmux_builder.cli.services import database, engine
    from tmux_builder.platform.ops.reconcile import reconcile

    report = reconcile(database(), engine(), repair=repair)
    if as_json:
        echo_json(report.to_dict())
    else:
        for name in report.missing_from_backend:
            console.print(f"in the index, not in the backend: {name}")
        for name in report.missing_from_index:
            console.print(f"in the backend, not in the index: {name}")
        for mismatch in report.count_mismatches:
            console.print(f"resource count of {mismatch['name']}: index {mismatch['index']}, "
                          f"backend {mismatch['backend']}")
        console.print("in step" if report.in_step else
                      ("repaired" if report.repaired else "differences found"))
    if not report.in_step and not report.repaired:
        raise typer.Exit(code=1)


@stacks_app.command("rollback")
def stacks_rollback(
    session_id: Annotated[str, typer.Argument(help="The session (sess_YYYYMMDD_HHMMSS_xxxx).")],
    build: Annotated[int, typer.Argument(help="The good build to bring back (1 = build_v1).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Queue the deploy of an earlier good build of a session (a worker runs it; the
    session's status then says `rolled back to build_vK`)."""
    from tmux_builder.cli.services import database
    from tmux_builder.domain import validate_session_id
    from tmux_builder.platform.sessions.rollbacks import request_rollback

    queued = request_rollback(database(), validate_session_id(session_id), build)
    if as_json:
        echo_json(queued)
    else:
        console.print(f"rollback of {queued.session_id} to {queued.build} queued as job "
                      f"{queued.job_id}")


@stacks_app.command("drift")
def stacks_drift(
    check: Annotated[bool, typer.Option(
        "--check", help="Check every active session stack now (in this process) first.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the stacks whose newest drift check found a change made outside Pulumi (the
    server checks every TMUX_BUILDER_DRIFT_CHECK_INTERVAL_SECONDS); exit 1 when any did.
    A redeploy of the session repairs its stack."""
    from tmux_builder.cli.services import database, engine
    from tmux_builder.platform.ops.drift import check_stack_drift, drift_sentence, drifted_stacks

    db = database()
    if check:
        from tmux_builder.platform.ops.drift import stacks_to_check

        stack_engine = engine()
        for name in stacks_to_check(db):
            check_stack_drift(db, stack_engine, name)
    drifted = drifted_stacks(db)
    if as_json:
        echo_json(drifted)
    elif not drifted:
        console.print("no drift found by the newest checks")
    else:
        print_table([{"session_id": d.session_id, "target": f"{d.host_provider}/{d.site_type}",
                      "changed": drift_sentence(d.drift)} for d in drifted],
                    [Column("session", "session_id", keep=True), Column("target", "target"),
                     Column("changed", "changed")])
    if drifted:
        raise typer.Exit(code=1)
