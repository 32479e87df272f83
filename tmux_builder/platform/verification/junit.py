"""Read a pytest JUnit XML report into per-test outcomes and counts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False  # not a pytest test class

    name: str
    classname: str
    outcome: str
    """One of ``passed``, ``failed``, ``error``, ``skipped``."""
    seconds: float
    message: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Counts:
    total: int = 0
    passed: int = 0
    failed: int = 0
    """Failures plus errors."""
    skipped: int = 0


def read_report(path: Path) -> list[TestOutcome]:
    """Outcomes from ``path``; an absent or unreadable report gives none."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return []
    return [_outcome(case) for case in root.iter("testcase")]


def count(outcomes: list[TestOutcome]) -> Counts:
    def number(*kinds: str) -> int:
        return sum(1 for item in outcomes if item.outcome in kinds)

    return Counts(
        total=len(outcomes),
        passed=number("passed"),
        failed=number("failed", "error"),
        skipped=number("skipped"),
    )


def _outcome(case: ET.Element) -> TestOutcome:
    outcome, message = "passed", None
    for kind in ("failure", "error", "skipped"):
        found = case.find(kind)
        if found is not None:
            outcome = {"failure": "failed"}.get(kind, kind)
            message = found.get("message") or (found.text or "").strip()[:500] or None
            break
    return TestOutcome(
        name=case.get("name", ""),
        classname=case.get("classname", ""),
        outcome=outcome,
        seconds=float(case.get("time") or 0),
        message=message,
    )
