"""How every command speaks: the console, the one error path (a domain error becomes one red
line and exit code 2), JSON, and tables that stay readable in an 80-column terminal."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, is_dataclass
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from typer.models import CommandFunctionType

from tmux_builder.errors import TmuxBuilderError

console = Console()
ERROR_EXIT = 2
P = ParamSpec("P")
R = TypeVar("R")


def print_error(error: TmuxBuilderError) -> None:
    console.print(f"[red]error:[/red] {error}", soft_wrap=True)


@contextmanager
def domain_errors() -> Iterator[None]:
    """A domain error ends the command with its message and exit code 2."""
    try:
        yield
    except TmuxBuilderError as error:
        print_error(error)
        raise typer.Exit(code=ERROR_EXIT) from error


def reporting_domain_errors(command: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with domain_errors():
            return command(*args, **kwargs)

    return run


class App(typer.Typer):
    """A Typer app whose every command goes through the one error path."""

    def command(self, *args: Any,
                **kwargs: Any) -> Callable[[CommandFunctionType], CommandFunctionType]:
        register = super().command(*args, **kwargs)

        def decorator(command: CommandFunctionType) -> CommandFunctionType:
            register(reporting_domain_errors(command))
            return command

        return decorator


def plain(value: Any) -> Any:
    """A value as JSON can hold it (dataclasses as objects, datetimes in ISO form)."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=plain))


def cell(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Column:
    """A table column: ``fold`` long values (ids) onto several lines instead of cutting
    them; ``keep`` a value whole on one line."""

    title: str
    key: str
    fold: bool = False
    keep: bool = False


def print_table(rows: Sequence[Any], columns: Sequence[Column]) -> None:
    """Rows (mappings or objects) as a table that fits the terminal (80 columns when not
    one): ids fold, nothing is cut to an ellipsis."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=False)
    for column in columns:
        table.add_column(column.title, overflow="fold", no_wrap=column.keep,
                         min_width=len(column.title))
    for row in rows:
        table.add_row(*(cell(row[c.key] if isinstance(row, dict) else getattr(row, c.key))
                        for c in columns))
    console.print(table)
