"""Operator commands (stacks audit, cost, reaping, orphans), registered on the main CLI."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tmux_builder.errors import TmuxBuilderError
from tmux_builder.platform.core.settings import get_settings

console = Console()
LS_COLUMNS = ("name", "user_id", "session_id", "host_provider", "site_type", "resource_count",
              "last_update", "url", "expires_at", "status")


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@contextmanager
def domain_errors() -> Iterator[None]:
    """A domain error ends the command with its message and exit code 2."""
    try:
        yield
    except TmuxBuilderError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(code=2) from error


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return "" if value is None else str(value)


def echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=_text))


def print_rows(rows: list[dict[str, Any]], columns: tuple[str, ...] | list[str]) -> None:
    table = Table(*columns)
    for row in rows:
        table.add_row(*(_text(row.get(column)) for column in columns))
    console.print(table)


def _db() -> Any:
    from tmux_builder.platform.db import Database

    return Database(get_settings().db_url)


def _engine() -> Any:
    from tmux_builder.platform.core.engine import stack_engine

    return stack_engine(get_settings())


def stacks_ls(
    user: Annotated[str | None, typer.Option(help="Only this user's stacks.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the session stacks from the stack index (optionally one user's)."""
    from tmux_builder.platform.ops.stack_index import list_stack_index

    with domain_errors():
        rows = list_stack_index(_db(), user)
    if as_json:
        echo_json(rows)
    else:
        print_rows(rows, LS_COLUMNS)


def stacks_reconcile(
    repair: Annotated[bool, typer.Option(help="Make the index match the backend.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Compare the stack index with the backend's own list (`pulumi stack ls`); exit 1 when
    they differ and nothing was repaired."""
    from tmux_builder.platform.ops.reconcile import reconcile

    with domain_errors():
        report = reconcile(_db(), _engine(), repair=repair)
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


def cost(
    by: Annotated[list[str] | None, typer.Option(
        help="Group by UserGUID, SessionID, HostProvider, SiteType (repeat or comma list).")
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
    chart: Annotated[Path | None, typer.Option(help="Also write a PNG bar chart here.")] = None,
    history: Annotated[bool, typer.Option(
        help="Show the stored reports (cost over time) instead of a new one.")] = False,
    refresh: Annotated[bool, typer.Option(
        help="Ask the billing APIs now instead of using cached actual costs.")] = False,
) -> None:
    """Estimated (and, with credentials, actual) cost of every stack, grouped by tag."""
    from tmux_builder.platform.ops.costs.report import cost_report, cost_snapshots

    if history:
        snapshots = cost_snapshots(_db())
        columns = ["taken_at", "by", "source", "monthly_usd", "to_date_usd"]
        flat = [{**s, "by": ",".join(s["by"])} for s in snapshots]
        if output is Format.json:
            echo_json(snapshots)
        elif output is Format.csv:
            writer = csv.DictWriter(sys.stdout, columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(flat)
        else:
            print_rows(flat, columns)
        return
    with domain_errors():
        report = cost_report(_db(), get_settings(), _engine(), by or ["UserGUID"],
                             refresh_actual=refresh)
    if chart is not None:
        from tmux_builder.platform.ops.costs.chart import render_chart

        render_chart(report, chart)
    if output is Format.json:
        echo_json(report.to_json())
    elif output is Format.csv:
        typer.echo(report.to_csv(), nl=False)
    else:
        print_rows(report.rows, [*report.by, "resources", "monthly_usd", "to_date_usd"])
        console.print(f"total {report.monthly_usd:.2f} {report.currency}/month, "
                      f"{report.to_date_usd:.2f} to date (prices {report.price_table_version})")
        for note in report.notes:
            console.print(f"[yellow]note:[/yellow] {note}")


def reap(
    dry_run: Annotated[bool, typer.Option(help="Only list what would be torn down.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Tear down every expired session; exit 1 when one of them failed."""
    from tmux_builder.platform.agent.driver import AgentDriver
    from tmux_builder.platform.ops.reaper import reap_expired

    settings = get_settings()
    with domain_errors():
        reports = reap_expired(_db(), settings, _engine(), AgentDriver(settings),
                               dry_run=dry_run)
    rows = [report.to_dict() for report in reports]
    if as_json:
        echo_json(rows)
    else:
        print_rows(rows, ("session_id", "stack_name", "dry_run", "torn_down", "stack",
                          "destroy_attempts", "archive", "errors"))
    if any(report.errors for report in reports):
        raise typer.Exit(code=1)


def orphans(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Stacks with no live session, sessions whose stack is gone, and local site folders,
    app folders and processes that no stack owns."""
    from tmux_builder.platform.ops.orphans import find_orphans

    with domain_errors():
        report = find_orphans(_db(), get_settings(), _engine())
    if as_json:
        echo_json(report.to_dict())
        return
    for kind, items in report.to_dict().items():
        for item in items:
            console.print(f"{kind}: {item}")
    if report.empty:
        console.print("no orphans")


def register(app: typer.Typer, stacks_app: typer.Typer) -> None:
    """Add the operator commands to ``app`` and ``stacks_app``."""
    stacks_app.command("ls")(stacks_ls)
    stacks_app.command("reconcile")(stacks_reconcile)
    app.command("cost")(cost)
    app.command("reap")(reap)
    app.command("orphans")(orphans)
