"""Small SQL helpers shared by the services."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Delete, Update
from sqlalchemy.orm import Session


def rows_changed(tx: Session, statement: Update | Delete) -> int:
    """How many rows an UPDATE or DELETE changed (a DML statement's result is a cursor
    result, which the ORM's ``execute`` types only as a ``Result``)."""
    return cast("CursorResult[Any]", tx.execute(statement)).rowcount
