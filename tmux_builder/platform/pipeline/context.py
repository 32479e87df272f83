"""What a step is given: the execution's facts, its workspace and log file, and the services
it may use (database, settings, stack engine, agent driver); and the errors a step raises."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tmux_builder.agent_library import render_prompt
from tmux_builder.errors import TmuxBuilderError
from tmux_builder.platform.agent.driver import AgentDriver
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.core.workspaces import workspace_path
from tmux_builder.platform.db import Database, Execution
from tmux_builder.platform.pipeline.event_log import log_event
from tmux_builder.platform.sites.deployments import SessionFacts
from tmux_builder.platform.store import ArtifactStore
from tmux_builder.stacks import StackEngine

_log = logging.getLogger(__name__)


class StepFailed(TmuxBuilderError):
    """A step did not reach its goal; ``message`` is what the user sees."""

    def __init__(self, message: str, *, log: str = "") -> None:
        super().__init__(message)
        self.log = log


class Cancelled(TmuxBuilderError):
    """The user cancelled the execution."""


class LeaseLost(TmuxBuilderError):
    """Another worker owns the job now; stop without writing anything more."""


@dataclass(frozen=True)
class Services:
    db: Database
    settings: Settings
    engine: StackEngine
    driver: AgentDriver
    store: ArtifactStore


@dataclass(frozen=True)
class StepContext:
    execution_id: str
    run: int
    facts: SessionFacts
    workspace: Path
    requirements: str
    log_file: Path
    services: Services

    def log(self, source: str, message: str, **extra: Any) -> None:
        log_event(self.services.db, self.execution_id, source, message,
                  log_file=self.log_file, **extra)

    def cancel_requested(self) -> bool:
        return cancel_requested(self.services.db, self.execution_id)

    def agent_phase(self, phase: str, prompt: str) -> float:
        """Run one agent phase in the session's tmux; its duration in seconds."""
        result = self.services.driver.run_phase(
            self.execution_id, self.workspace, phase, prompt, cancelled=self.cancel_requested)
        return round(result.seconds, 2)

    def snapshot(self, phase: str) -> str:
        """Store the workspace as it is after the agent phase ``phase`` (another host resumes
        from it); its snapshot id."""
        try:
            return self.services.store.snapshot(
                self.facts.user_id, self.facts.session_id, self.workspace, phase=phase,
                host=self.services.settings.host_name).snapshot_id
        except TmuxBuilderError as error:
            raise StepFailed(str(error)) from error

    def keep_artifact(self, kind: str, name: str, path: Path) -> str:
        """Put a file the step made into the shared store (any API host serves it)."""
        try:
            return self.services.store.put_artifact(self.facts.user_id, self.facts.session_id,
                                                    kind, name, path)
        except TmuxBuilderError as error:
            raise StepFailed(str(error)) from error

    def publish_log(self) -> None:
        """Copy the pipeline log to the store; a failure is logged, never fatal."""
        if not self.log_file.is_file():
            return
        try:
            self.keep_artifact("logs", self.log_file.name, self.log_file)
        except StepFailed as error:
            _log.warning("%s: %s", self.execution_id, error.message)

    def autonomous_prompt(self, phase: str) -> str:
        return render_prompt("autonomous_agent", phase=phase, requirements=self.requirements,
                             site_type=self.facts.site_type, host_provider=self.facts.provider,
                             session_id=self.facts.session_id, workspace=str(self.workspace))


def load_context(services: Services, execution_id: str, run: int) -> StepContext:
    with services.db.transaction() as tx:
        execution = tx.get(Execution, execution_id)
        if execution is None:
            raise StepFailed(f"execution {execution_id} does not exist")
        session = execution.session
        facts = SessionFacts(session.user_id, session.id, session.host_provider,
                             session.site_type, session.created_at,
                             session.expires_at - session.created_at)
        # this host's copy of the workspace (another host may have made the session)
        workspace = workspace_path(services.settings.users_dir, session.user_id, session.id)
        return StepContext(execution_id, run, facts, workspace, session.requirements,
                           workspace / "logs" / "pipeline.log", services)


def cancel_requested(db: Database, execution_id: str) -> bool:
    with db.transaction() as tx:
        execution = tx.get(Execution, execution_id)
        return bool(execution and execution.cancel_requested)
