"""Operator commands: the cost report, reaping expired sessions, orphans, the queue."""

from __future__ import annotations

import csv
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tmux_builder.cli.output import Column, console, echo_json, print_table
from tmux_builder.platform.core.settings import get_settings

REAP_COLUMNS = (Column("session", "session_id", keep=True), Column("torn down", "torn_down"),
                Column("stack", "stack"), Column("tries", "destroy_attempts"),
                Column("errors", "errors"))


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


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
    from tmux_builder.cli.services import database, engine
    from tmux_builder.platform.ops.costs.report import cost_report, cost_snapshots

    if history:
        snapshots = cost_snapshots(database())
        columns = ["taken_at", "by", "source", "monthly_usd", "to_date_usd"]
        flat = [{**s, "by": ",".join(s["by"])} for s in snapshots]
        if output is Format.json:
            echo_json(snapshots)
        elif output is Format.csv:
            writer = csv.DictWriter(sys.stdout, columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(flat)
        else:
            print_table(flat, [Column(name, name) for name in columns])
        return
    report = cost_report(database(), get_settings(), engine(), by or ["UserGUID"],
                         refresh_actual=refresh)
    if chart is not None:
        from tmux_builder.platform.ops.costs.chart import render_chart

        render_chart(report, chart)
    if output is Format.json:
        echo_json(report.to_json())
    elif output is Format.csv:
        typer.echo(report.to_csv(), nl=False)
    else:
        print_table(report.rows, [*(Column(tag, tag, fold=True) for tag in report.by),
                                  Column("resources", "resources"),
                                  Column("monthly_usd", "monthly_usd"),
                                  Column("to_date_usd", "to_date_usd")])
        console.print(f"total {report.monthly_usd:.2f} {report.currency}/month, "
                      f"{report.to_date_usd:.2f} to date (prices {report.price_table_version})")
        for note in report.notes:
            console.print(f"[yellow]note:[/yellow] {note}")


def reap(
    dry_run: Annotated[bool, typer.Option(help="Only list what would be torn down.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Tear down every expired session now, in this process (the server's reaper and the
    admin route queue the same work for the workers); exit 1 when one of them failed."""
    from tmux_builder.cli.services import database, engine
    from tmux_builder.platform.agent.driver import AgentDriver
    from tmux_builder.platform.ops.reaper import reap_expired

    settings = get_settings()
    reports = reap_expired(database(), settings, engine(), AgentDriver(settings),
                           dry_run=dry_run)
    if as_json:
        echo_json([report.to_dict() for report in reports])
    else:
        print_table(reports, REAP_COLUMNS)
    if any(report.errors for report in reports):
        raise typer.Exit(code=1)


def orphans(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Stacks with no live session, sessions whose stack is gone, and local site folders,
    app folders and processes that no stack owns."""
    from tmux_builder.cli.services import database, engine
    from tmux_builder.platform.ops.orphans import find_orphans

    report = find_orphans(database(), get_settings(), engine())
    if as_json:
        echo_json(report.to_dict())
        return
    for kind, items in report.to_dict().items():
        for item in items:
            console.print(f"{kind}: {item}")
    if report.empty:
        console.print("no orphans")


HOST_COLUMNS = (Column("host", "name", fold=True), Column("alive", "alive"),
                Column("beat (s ago)", "seconds_since_heartbeat"), Column("workers", "workers"),
                Column("pinned", "pinned"))
WORKER_COLUMNS = (Column("worker", "worker_id", fold=True), Column("job", "job_id"),
                  Column("beat (s ago)", "seconds_since_heartbeat"))
LEASE_COLUMNS = (Column("kind", "kind"), Column("what", "what", fold=True),
                 Column("holder", "holder", fold=True), Column("s left", "seconds_left"))


def queue(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Worker hosts and their workers (last heartbeat), jobs by state, the oldest waiting
    job's age, leases held and by whom, and the sessions pinned to each host."""
    from tmux_builder.cli.services import database
    from tmux_builder.platform.ops.queue_view import queue_view

    view = queue_view(database())
    if as_json:
        echo_json(view)
        return
    print_table([{"name": h.name, "alive": "yes" if h.alive else "NO",
                  "seconds_since_heartbeat": h.seconds_since_heartbeat,
                  "workers": len(h.workers), "pinned": len(h.pinned_sessions)}
                 for h in view.hosts], HOST_COLUMNS)
    for host in view.hosts:
        if host.workers:
            console.print(f"workers of {host.name}:")
            print_table(host.workers, WORKER_COLUMNS)
        if host.pinned_sessions:
            console.print(f"sessions pinned to {host.name}: {', '.join(host.pinned_sessions)}")
    for name, sessions in view.pinned_to_unknown_hosts.items():
        console.print(f"sessions pinned to {name} (no heartbeat ever seen): "
                      f"{', '.join(sessions)}")
    console.print("jobs: " + ", ".join(f"{state} {count}"
                                       for state, count in view.jobs_by_state.items()))
    if view.oldest_waiting_seconds is not None:
        console.print(f"oldest waiting job: {view.oldest_waiting_job_id}, queued "
                      f"{view.oldest_waiting_seconds:.0f}s ago")
    else:
        console.print("no job is waiting")
    if view.leases:
        print_table(view.leases, LEASE_COLUMNS)
    else:
        console.print("no lease is held")
