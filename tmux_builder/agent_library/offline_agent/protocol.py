"""The file protocol seen from the agent's side: prompt file, status markers, log, config."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

INSTRUCTION = "Read and execute the prompt in prompts/current.txt"
BEGIN_USER_TEXT = "--- BEGIN USER TEXT ---"
END_USER_TEXT = "--- END USER TEXT ---"
_HEADER = re.compile(r"^([A-Z][A-Z_]*):\s*(.*?)\s*$")


class PhaseError(Exception):
    """A phase could not be done; the message becomes `PHASE_FAILED: <reason>`."""


@dataclass
class Prompt:
    phase: str | None
    headers: dict[str, str] = field(default_factory=dict)
    user_blocks: list[str] = field(default_factory=list)


def parse_prompt(text: str) -> Prompt:
    """Header lines (`PHASE: x`) count only outside USER TEXT blocks."""
    headers: dict[str, str] = {}
    blocks: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if current is None and stripped == BEGIN_USER_TEXT:
            current = []
        elif current is not None and stripped == END_USER_TEXT:
            blocks.append("\n".join(current).strip())
            current = None
        elif current is not None:
            current.append(line)
        else:
            match = _HEADER.match(stripped)
            if match and match.group(1) not in headers:
                headers[match.group(1)] = match.group(2)
    return Prompt(phase=headers.get("PHASE") or None, headers=headers, user_blocks=blocks)


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def prompt_file(self) -> Path:
        return self.root / "prompts" / "current.txt"

    @property
    def status_file(self) -> Path:
        return self.root / "output" / "status.txt"

    @property
    def log_file(self) -> Path:
        return self.root / "logs" / "offline_agent.log"

    @property
    def spec_file(self) -> Path:
        return self.root / "state" / "site_spec.json"

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def tests_file(self) -> Path:
        return self.root / "deployment" / "tests" / "e2e_test.py"

    def output(self, name: str) -> Path:
        return self.root / "output" / name

    def config(self) -> dict[str, object]:
        path = self.root / "deployment" / "config.json"
        if not path.is_file():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise PhaseError(f"deployment/config.json is not valid JSON: {exc}") from exc
        return data if isinstance(data, dict) else {}

    def append_status(self, line: str) -> None:
        self.status_file.parent.mkdir(parents=True, exist_ok=True)
        with self.status_file.open("a", encoding="utf-8") as handle:
            handle.write(line.replace("\n", " ").strip() + "\n")

    def log(self, message: str) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self.log_file.open("a", encoding="utf-8") as handle:
            handle.write(f"{stamp} [offline-agent, template-based, not an AI] {message}\n")
