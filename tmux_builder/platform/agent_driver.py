"""The agent in tmux (libtmux): one tmux session per execution, working directory = the
workspace, and the file protocol of SPEC section 7. User text never travels through
send-keys: the prompt is written to ``prompts/current.txt`` and only the fixed instruction is
typed. The agent answers by appending ``PHASE_COMPLETE: <phase>`` or ``PHASE_FAILED: <reason>``
to ``output/status.txt``."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import libtmux

from tmux_builder.errors import TmuxBuilderError
from tmux_builder.platform.settings import Settings
from tmux_builder.platform.workspaces import inside, write_text_atomic

INSTRUCTION = "Read and execute the prompt in prompts/current.txt"
MAX_SESSION_AGE = timedelta(days=5)
# The agent's environment is built from nothing: only these pass through, never a secret.
_AGENT_ENV_KEYS = ("PATH", "HOME", "LANG", "LC_ALL", "TERM", "TMPDIR")
_POLL_SECONDS = 0.2


class AgentError(TmuxBuilderError):
    """The agent failed a phase, timed out or could not start; ``pane`` holds its screen."""

    def __init__(self, message: str, *, pane: str = "") -> None:
        super().__init__(message, field="agent")
        self.pane = pane


class AgentCancelled(TmuxBuilderError):
    """The execution was cancelled while the agent worked."""


@dataclass(frozen=True)
class PhaseResult:
    phase: str
    seconds: float
    status_line: str


def default_agent_command(settings: Settings) -> str:
    if settings.agent_command:
        return settings.agent_command
    if settings.use_claude and shutil.which("claude"):
        return "claude"
    return f"{shlex.quote(sys.executable)} -m tmux_builder.agent_library.offline_agent"


def agent_environment() -> dict[str, str]:
    env = {key: os.environ[key] for key in _AGENT_ENV_KEYS if key in os.environ}
    env.setdefault("TERM", "xterm-256color")
    return env


def tmux_session_name(execution_id: str) -> str:
    return f"tb_{execution_id}"


class AgentDriver:
    def __init__(self, settings: Settings, command: str | None = None) -> None:
        self.settings = settings
        self.command = command or default_agent_command(settings)
        self.server = libtmux.Server(socket_name=settings.tmux_socket)

    def _find(self, execution_id: str) -> libtmux.Session | None:
        name = tmux_session_name(execution_id)
        if not self.server.is_alive() or not self.server.has_session(name):
            return None
        return self.server.sessions.get(session_name=name, default=None)

    def is_running(self, execution_id: str) -> bool:
        return self._find(execution_id) is not None

    def ensure_agent(self, execution_id: str, workspace: Path) -> libtmux.Session:
        """Reuse a live, responsive session younger than 5 days; otherwise start afresh."""
        session = self._find(execution_id)
        if session is not None:
            if self._reusable(session):
                return session
            session.kill()
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in agent_environment().items())
        session = self.server.new_session(
            session_name=tmux_session_name(execution_id),
            start_directory=str(workspace),
            window_command=f"env -i {env} {self.command}",
            attach=False, x=200, y=50,
        )
        session.set_option("remain-on-exit", "on")
        self._probe(session)
        return session

    def _reusable(self, session: libtmux.Session) -> bool:
        created = datetime.fromtimestamp(int(session.session_created or 0), UTC)
        if datetime.now(UTC) - created > MAX_SESSION_AGE:
            return False
        pane = session.active_pane
        return pane is not None and pane.pane_dead != "1" and bool(self._screen(session).strip())

    def _probe(self, session: libtmux.Session) -> None:
        deadline = time.monotonic() + self.settings.agent_start_timeout_seconds
        while time.monotonic() < deadline:
            pane = session.active_pane
            if pane is not None:
                pane.refresh()
                if pane.pane_dead == "1":
                    raise AgentError("the agent exited at start", pane=self._screen(session))
            if self._screen(session).strip():
                return
            time.sleep(_POLL_SECONDS)
        raise AgentError("the agent did not answer its start probe", pane=self._screen(session))

    @staticmethod
    def _screen(session: libtmux.Session) -> str:
        pane = session.active_pane
        if pane is None:
            return ""
        return "\n".join(pane.capture_pane(start=-200) or [])

    def capture(self, execution_id: str) -> str:
        session = self._find(execution_id)
        return self._screen(session) if session is not None else ""

    def run_phase(
        self,
        execution_id: str,
        workspace: Path,
        phase: str,
        prompt: str,
        *,
        timeout: float | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> PhaseResult:
        """Write the prompt, type the fixed instruction, wait for this phase's marker."""
        session = self.ensure_agent(execution_id, workspace)
        status = inside(workspace, "output/status.txt")
        offset = status.stat().st_size if status.exists() else 0
        write_text_atomic(inside(workspace, "prompts/current.txt"), prompt)
        pane = session.active_pane
        assert pane is not None
        pane.send_keys(INSTRUCTION, enter=True)
        started = time.monotonic()
        limit = timeout or self.settings.agent_phase_timeout_seconds
        while time.monotonic() - started < limit:
            if cancelled():
                pane.send_keys("C-c", enter=False)
                raise AgentCancelled("the execution was cancelled")
            for line in _new_lines(status, offset):
                if line.startswith(f"PHASE_COMPLETE: {phase}"):
                    return PhaseResult(phase, time.monotonic() - started, line)
                if line.startswith("PHASE_FAILED:"):
                    raise AgentError(f"the agent failed {phase}: {line.split(':', 1)[1].strip()}",
                                     pane=self._screen(session))
            pane.refresh()
            if pane.pane_dead == "1":
                raise AgentError(f"the agent exited during {phase}", pane=self._screen(session))
            time.sleep(_POLL_SECONDS)
        raise AgentError(f"the agent did not finish {phase} within {limit:.0f}s",
                         pane=self._screen(session))

    def interrupt(self, execution_id: str) -> None:
        session = self._find(execution_id)
        if session is not None and session.active_pane is not None:
            session.active_pane.send_keys("C-c", enter=False)

    def stop(self, execution_id: str) -> bool:
        session = self._find(execution_id)
        if session is None:
            return False
        session.kill()
        return True


def _new_lines(status: Path, offset: int) -> list[str]:
    if not status.exists():
        return []
    with status.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode("utf-8", errors="replace").splitlines()
