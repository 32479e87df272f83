"""The agent in tmux (libtmux): one tmux session per execution, working directory = the
workspace, and the file protocol of SPEC section 7. User text never travels through
send-keys: the prompt is written to ``prompts/current.txt`` and only the fixed instruction is
typed, once the agent's prompt is drawn. The agent answers by appending
``PHASE_COMPLETE: <phase>`` or ``PHASE_FAILED: <reason>`` to ``output/status.txt``.

A phase also fails, with the pane captured and the agent stopped, when a known dialog or an
API error banner is on the screen, when the agent is idle (screen unchanged, no marker) for
``agent_idle_timeout_seconds``, when it exits, or at the phase timeout.

The pane starts with a placeholder; the model credential is put into the tmux session's
environment through ``source-file -`` (stdin, never an argv), and the pane is then respawned
with the launcher, which keeps only the profile's variables."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn

import libtmux
import psutil

from tmux_builder.errors import InvalidInputError, TmuxBuilderError
from tmux_builder.platform.agent.profiles import AgentProfile, agent_profile, launch_command
from tmux_builder.platform.agent.sandbox import Sandbox
from tmux_builder.platform.agent.screen import find_api_error, find_dialog, idle_signature
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.core.workspaces import inside, write_text_atomic

INSTRUCTION = "Read and execute the prompt in prompts/current.txt"
MAX_SESSION_AGE = timedelta(days=5)
PLACEHOLDER = "cat"
_POLL_SECONDS = 0.2
_HISTORY_LINES = 200
_TYPE_PAUSE = 0.15
_KILL_GRACE = 3.0
_RESEND_AFTER = 2.0


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


def tmux_session_name(execution_id: str) -> str:
    return f"tb_{execution_id}"


def _tmux_literal(value: str, name: str) -> str:
    """``value`` single-quoted for tmux's command parser (no escapes exist inside quotes)."""
    if "'" in value or any(ord(c) < 32 for c in value):
        raise InvalidInputError(f"{name} holds a quote or a control character", field=name)
    return f"'{value}'"


class AgentDriver:
    def __init__(self, settings: Settings, command: str | None = None) -> None:
        self.settings = settings
        self.command = command
        self.server = libtmux.Server(socket_name=settings.tmux_socket)
        self._sandbox: Sandbox | None = None

    @property
    def sandbox(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = Sandbox.from_settings(self.settings)
        return self._sandbox

    def profile(self, workspace: Path) -> AgentProfile:
        return agent_profile(self.settings, self.sandbox, workspace, self.command)

    def _find(self, execution_id: str) -> libtmux.Session | None:
        name = tmux_session_name(execution_id)
        if not self.server.is_alive() or not self.server.has_session(name):
            return None
        return self.server.sessions.get(session_name=name, default=None)

    def is_running(self, execution_id: str) -> bool:
        return self._find(execution_id) is not None

    def ensure_agent(self, execution_id: str, workspace: Path,
                     profile: AgentProfile | None = None) -> libtmux.Session:
        """Reuse a live, responsive session younger than 5 days; otherwise start afresh."""
        session = self._find(execution_id)
        if session is not None:
            if self._reusable(session):
                return session
            _kill(session)
        profile = profile or self.profile(workspace)
        self.sandbox.hand_over(workspace)
        name = tmux_session_name(execution_id)
        session = self.server.new_session(session_name=name, start_directory=str(workspace),
                                          window_command=PLACEHOLDER, attach=False, x=200, y=50)
        try:
            session.set_option("remain-on-exit", "on")
            self._set_secrets(name, profile.secrets)
            self.server.cmd("respawn-pane", "-k", "-t", f"={name}:",
                            launch_command(profile, self.sandbox, workspace))
        except Exception:
            _kill(session)  # never leave a half-started session behind
            raise
        self._wait_ready(session, profile, "start")
        return session

    def _set_secrets(self, name: str, secrets: dict[str, str]) -> None:
        if not secrets:
            return
        tmux = shutil.which("tmux") or "tmux"
        lines = "".join(f"set-environment -t ={name} {key} {_tmux_literal(value, key)}\n"
                        for key, value in secrets.items())
        result = subprocess.run([tmux, "-L", self.settings.tmux_socket, "source-file", "-"],
                                input=lines, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise AgentError(f"tmux refused the agent's environment: {result.stderr.strip()}")

    def _reusable(self, session: libtmux.Session) -> bool:
        created = datetime.fromtimestamp(int(session.session_created or 0), UTC)
        if datetime.now(UTC) - created > MAX_SESSION_AGE:
            return False
        pane = session.active_pane
        return pane is not None and pane.pane_dead != "1" and bool(self._screen(session).strip())

    def _wait_ready(self, session: libtmux.Session, profile: AgentProfile, phase: str) -> None:
        """Until the agent's prompt is drawn and it is not busy; a dialog or an exit fails."""
        deadline = time.monotonic() + self.settings.agent_start_timeout_seconds
        while time.monotonic() < deadline:
            pane = session.active_pane
            if pane is not None:
                pane.refresh()
                if pane.pane_dead == "1":
                    self._fail(session, f"the agent exited before {phase}")
            screen = self._screen(session).rstrip()
            if profile.watches_dialogs and (blocker := find_dialog(screen)):
                self._fail(session, f"the agent is stuck at {blocker.reason} ({phase})")
            if _ready(profile, screen):
                return
            time.sleep(_POLL_SECONDS)
        self._fail(session, f"the agent did not draw its prompt within "
                            f"{self.settings.agent_start_timeout_seconds:.0f}s ({phase})")

    @staticmethod
    def _screen(session: libtmux.Session, history: bool = False) -> str:
        pane = session.active_pane
        if pane is None:
            return ""
        lines = pane.capture_pane(start=-_HISTORY_LINES) if history else pane.capture_pane()
        return "\n".join(lines or [])

    def capture(self, execution_id: str) -> str:
        session = self._find(execution_id)
        return self._screen(session, history=True) if session is not None else ""

    def _fail(self, session: libtmux.Session, reason: str) -> NoReturn:
        """Capture the pane, stop the agent (nothing is left running) and raise."""
        pane = self._screen(session, history=True)
        _kill(session)
        raise AgentError(reason, pane=pane)

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
        """Write the prompt, type the fixed instruction once the agent is ready, wait for this
        phase's marker while watching the screen."""
        profile = self.profile(workspace)
        session = self.ensure_agent(execution_id, workspace, profile)
        self._wait_ready(session, profile, phase)
        status = inside(workspace, "output/status.txt")
        offset = status.stat().st_size if status.exists() else 0
        write_text_atomic(inside(workspace, "prompts/current.txt"), prompt)
        pane = session.active_pane
        assert pane is not None
        pane.send_keys(INSTRUCTION, enter=False, literal=True)
        time.sleep(_TYPE_PAUSE)
        pane.send_keys("Enter", enter=False)
        started = last_change = last_enter = time.monotonic()
        limit = timeout or self.settings.agent_phase_timeout_seconds
        idle_limit = self.settings.agent_idle_timeout_seconds
        signature = ""
        while (now := time.monotonic()) - started < limit:
            if cancelled():
                pane.send_keys("C-c", enter=False)
                raise AgentCancelled("the execution was cancelled")
            for line in _new_lines(status, offset):
                if line.startswith(f"PHASE_COMPLETE: {phase}"):
                    return PhaseResult(phase, time.monotonic() - started, line)
                if line.startswith("PHASE_FAILED:"):
                    raise AgentError(f"the agent failed {phase}: {line.split(':', 1)[1].strip()}",
                                     pane=self._screen(session, history=True))
            pane.refresh()
            if pane.pane_dead == "1":
                self._fail(session, f"the agent exited during {phase}")
            screen = self._screen(session)
            if (profile.unsent is not None and profile.unsent.search(screen)
                    and now - last_enter > _RESEND_AFTER):
                pane.send_keys("Enter", enter=False)  # a busy TUI dropped it; the text is there
                last_enter = now
            if profile.watches_dialogs:
                blocker = find_dialog(screen) or find_api_error(_after_instruction(screen))
                if blocker is not None:
                    self._fail(session, f"the agent stopped during {phase} at {blocker.reason}")
            current = idle_signature(screen)
            if current != signature:
                signature, last_change = current, now
            elif now - last_change > idle_limit:
                self._fail(session, f"agent idle: no screen change and no status marker for "
                                    f"{idle_limit:.0f}s during {phase}")
            time.sleep(_POLL_SECONDS)
        self._fail(session, f"the agent did not finish {phase} within {limit:.0f}s")

    def interrupt(self, execution_id: str) -> None:
        session = self._find(execution_id)
        if session is not None and session.active_pane is not None:
            session.active_pane.send_keys("C-c", enter=False)

    def stop(self, execution_id: str) -> bool:
        session = self._find(execution_id)
        if session is None:
            return False
        _kill(session)
        return True


def _kill(session: libtmux.Session) -> None:
    """Kill the tmux session and wait until the agent's processes are gone (SIGHUP first;
    whatever outlives it gets SIGKILL), so nothing is left running when this returns."""
    processes: list[psutil.Process] = []
    for pane in session.panes:
        with suppress(psutil.Error, ValueError, TypeError):
            root = psutil.Process(int(pane.pane_pid or ""))
            processes += [root, *root.children(recursive=True)]
    session.kill()
    _, alive = psutil.wait_procs(processes, timeout=_KILL_GRACE)
    for process in alive:
        with suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(alive, timeout=_KILL_GRACE)


def _ready(profile: AgentProfile, screen: str) -> bool:
    if profile.ready is None:
        return bool(screen.strip())
    busy = profile.busy is not None and profile.busy.search(screen) is not None
    return profile.ready.search(screen) is not None and not busy


def _after_instruction(screen: str) -> str:
    index = screen.rfind(INSTRUCTION)
    return screen if index < 0 else screen[index + len(INSTRUCTION):]


def _new_lines(status: Path, offset: int) -> list[str]:
    if not status.exists():
        return []
    with status.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode("utf-8", errors="replace").splitlines()
