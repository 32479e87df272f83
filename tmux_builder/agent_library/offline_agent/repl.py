"""The interactive loop: a prompt on stdout, one instruction per line on stdin."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from tmux_builder.agent_library.offline_agent.phases import PHASES
from tmux_builder.agent_library.offline_agent.protocol import (
    INSTRUCTION,
    PhaseError,
    Workspace,
    parse_prompt,
)

PROMPT = "offline-agent> "
BANNER = """\
tmux-builder offline agent
This is the built-in TEMPLATE-BASED offline agent, not an AI.
It reads requirements with rules (spaCy's tokenizer and rule-based
matchers, no language model) and builds the site from fixed
templates, following the same file protocol as Claude Code.
Workspace: {workspace}
"""
HELP = f"""\
I only understand one instruction:
  {INSTRUCTION}
Phases handled: {", ".join(PHASES)}. Press Ctrl-D to exit.
"""


def run_instruction(workspace: Workspace) -> str:
    """Execute `prompts/current.txt`; return the status line appended to `output/status.txt`."""
    phase = "unknown"
    try:
        if not workspace.prompt_file.is_file():
            raise PhaseError("prompts/current.txt does not exist")
        prompt = parse_prompt(workspace.prompt_file.read_text(encoding="utf-8"))
        if prompt.phase is None:
            raise PhaseError("no PHASE line in prompts/current.txt")
        phase = prompt.phase
        handler = PHASES.get(phase)
        if handler is None:
            raise PhaseError(f"unknown phase {phase!r}")
        workspace.log(f"phase {phase}: started")
        for line in handler(workspace, prompt):
            workspace.log(f"phase {phase}: {line}")
        status = f"PHASE_COMPLETE: {phase}"
    except PhaseError as exc:
        status = f"PHASE_FAILED: {exc}"
    except Exception as exc:  # the agent must always answer with a marker
        status = f"PHASE_FAILED: internal error in the offline agent: {type(exc).__name__}: {exc}"
    workspace.log(f"phase {phase}: {status}")
    workspace.append_status(status)
    return status


def serve(workspace: Workspace, stdin: TextIO, stdout: TextIO) -> int:
    stdout.write(BANNER.format(workspace=workspace.root))
    while True:
        stdout.write(PROMPT)
        stdout.flush()
        line = stdin.readline()
        if not line:
            stdout.write("\nbye\n")
            stdout.flush()
            return 0
        text = line.strip()
        if not text:
            continue
        if text == INSTRUCTION:
            stdout.write(f"working on {workspace.prompt_file.relative_to(workspace.root)} ...\n")
            stdout.flush()
            stdout.write(run_instruction(workspace) + "\n")
        else:
            stdout.write(HELP)


def main() -> int:
    workspace = Workspace(Path.cwd())
    workspace.log("started (template-based offline agent, not an AI)")
    return serve(workspace, sys.stdin, sys.stdout)
