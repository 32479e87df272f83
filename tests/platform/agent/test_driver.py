"""The agent driver on a real tmux server, with a small scripted agent."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import libtmux
import pytest

from tmux_builder.platform.agent.driver import INSTRUCTION, AgentDriver, AgentError
from tmux_builder.platform.core.settings import Settings

pytestmark = pytest.mark.slow

FAKE_AGENT = r'''
import os, re, sys
from pathlib import Path
print("fake-agent ready", flush=True)
for line in sys.stdin:
    if line.strip() != "Read and execute the prompt in prompts/current.txt":
        continue
    prompt = Path("prompts/current.txt").read_text()
    phase = re.search(r"PHASE: (\w+)", prompt).group(1)
    if phase == "hang":
        continue
    if phase == "env":
        Path("output/env.txt").write_text("\n".join(f"{k}={v}" for k, v in os.environ.items()))
    status = "PHASE_FAILED: broken on purpose" if phase == "fail" else f"PHASE_COMPLETE: {phase}"
    with open("output/status.txt", "a") as handle:
        handle.write(status + "\n")
'''


@pytest.fixture
def driver(settings: Settings, tmp_path: Path) -> Iterator[AgentDriver]:
    script = tmp_path / "fake_agent.py"
    script.write_text(FAKE_AGENT, encoding="utf-8")
    socket = f"tb-test-{tmp_path.name[-20:]}"
    configured = settings.model_copy(update={"tmux_socket": socket,
                                             "agent_start_timeout_seconds": 10})
    yield AgentDriver(configured, command=f"{sys.executable} -u {script}")
    server = libtmux.Server(socket_name=socket)
    if server.is_alive():
        server.kill()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    for sub in ("prompts", "output"):
        (tmp_path / "ws" / sub).mkdir(parents=True)
    return tmp_path / "ws"


EXECUTION = "11111111-1111-5111-8111-111111111111_sess_20261122_100000_abcd"


def test_phase_completes_and_session_is_reused(driver: AgentDriver, workspace: Path) -> None:
    result = driver.run_phase(EXECUTION, workspace, "plan", "PHASE: plan\n", timeout=20)
    assert result.status_line == "PHASE_COMPLETE: plan"
    first = driver.ensure_agent(EXECUTION, workspace).session_id
    driver.run_phase(EXECUTION, workspace, "code", "PHASE: code\n", timeout=20)
    assert driver.ensure_agent(EXECUTION, workspace).session_id == first
    assert driver.stop(EXECUTION) and not driver.is_running(EXECUTION)


def test_failure_and_timeout_capture_the_pane(driver: AgentDriver, workspace: Path) -> None:
    with pytest.raises(AgentError, match="broken on purpose"):
        driver.run_phase(EXECUTION, workspace, "fail", "PHASE: fail\n", timeout=20)
    secret_text = "USER TEXT drop table users; $(rm -rf /)"
    with pytest.raises(AgentError, match="did not finish hang within 2s") as timeout:
        driver.run_phase(EXECUTION, workspace, "hang", f"PHASE: hang\n{secret_text}\n",
                         timeout=2)
    assert "fake-agent ready" in timeout.value.pane
    assert INSTRUCTION in timeout.value.pane
    assert secret_text not in timeout.value.pane, "user text never goes through send-keys"
    assert (workspace / "prompts" / "current.txt").read_text().endswith(f"{secret_text}\n")


def test_agent_environment_holds_no_platform_secret(
    driver: AgentDriver, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMUX_BUILDER_ADMIN_TOKEN", "admin-secret-123")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-456")
    driver.run_phase(EXECUTION, workspace, "env", "PHASE: env\n", timeout=20)
    env = (workspace / "output" / "env.txt").read_text()
    assert "admin-secret-123" not in env and "aws-secret-456" not in env
    assert "PATH=" in env


def test_dead_agent_is_replaced(driver: AgentDriver, workspace: Path) -> None:
    session = driver.ensure_agent(EXECUTION, workspace)
    pane = session.active_pane
    assert pane is not None
    pane.send_keys("C-d", enter=False)  # EOF: the scripted agent exits
    import time

    for _ in range(50):
        pane.refresh()
        if pane.pane_dead == "1":
            break
        time.sleep(0.1)
    assert pane.pane_dead == "1"
    assert driver.run_phase(EXECUTION, workspace, "again", "PHASE: again\n", timeout=20)
