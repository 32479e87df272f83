"""From inside the agent's sandbox (a real bwrap, as the sandbox user, started through the
driver in tmux like every agent): the database, the passphrase, another session's workspace
and the server's environment cannot be read, and nothing outside the workspace can be
written. The E2E run and a local app are confined the same way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libtmux
import pytest
from sqlalchemy.engine import make_url

from tmux_builder.platform.agent.driver import AgentDriver
from tmux_builder.platform.agent.sandbox import Sandbox, SandboxError
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.core.workspaces import workspace_path
from tmux_builder.platform.db import Database
from tmux_builder.platform.verification.e2e import run_e2e_tests
from tmux_builder.stacks.secrets import ensure_passphrase

pytestmark = pytest.mark.slow

SERVER_SECRET = "server-admin-token-5f1e0c"
USER_A = "11111111-1111-5111-8111-111111111111"
USER_B = "22222222-2222-5222-8222-222222222222"
SESSION = "sess_20261130_100000_aaaa"

PROBE_AGENT = r'''
import json, os, sys
from pathlib import Path
print("probe-agent> ", end="", flush=True)
for line in sys.stdin:
    targets = json.loads(Path("prompts/current.txt").read_text())
    found = {"uid": os.getuid(), "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
             "environment": dict(os.environ)}
    for kind, paths in targets.items():
        for path in paths:
            try:
                if kind == "read":
                    Path(path).read_bytes() if not Path(path).is_dir() else os.listdir(path)
                elif kind == "connect":
                    import psycopg
                    psycopg.connect(path, connect_timeout=3).close()
                else:
                    Path(path).write_text("pwned")
                found[f"{kind} {path}"] = "ok"
            except Exception as error:
                found[f"{kind} {path}"] = type(error).__name__
    Path("output/probe.json").write_text(json.dumps(found))
    with open("output/status.txt", "a") as handle:
        handle.write("PHASE_COMPLETE: probe\n")
'''


def sandbox_settings(settings: Settings) -> Settings:
    if not settings.sandbox:
        pytest.skip("TMUX_BUILDER_SANDBOX is off")
    Sandbox.from_settings(settings)  # fails naming the fix when bwrap or the user is missing
    return settings


@pytest.fixture
def probe(settings: Settings, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Run the probe agent once, sandboxed, and give back what it could do. A stand-in
    server process holds the admin token in its environment, as `tmux-builder serve` does."""
    server_process = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"],
        env={**os.environ, "TMUX_BUILDER_ADMIN_TOKEN": SERVER_SECRET})
    configured = sandbox_settings(settings).model_copy(
        update={"tmux_socket": f"tb-sbx-{tmp_path.name[-14:]}"})
    Database(configured.db_url).dispose()
    passphrase = ensure_passphrase(configured.passphrase_file)
    mine = workspace_path(configured.users_dir, USER_A, SESSION)
    other = workspace_path(configured.users_dir, USER_B, SESSION)
    for folder in (mine / "prompts", mine / "output", other / "source"):
        folder.mkdir(parents=True)
    (other / "source" / "index.html").write_text("<p>private</p>")
    targets = {
        "database": configured.data_dir / "tmux-builder.db",
        "passphrase": passphrase,
        "other workspace": other / "source" / "index.html",
        "other workspace folder": other,
        "server environ": Path(f"/proc/{server_process.pid}/environ"),
    }
    writes = {"data folder": configured.data_dir / "pwned",
              "other workspace": other / "source" / "pwned.html",
              "package": Path(__file__).parent / "pwned.txt"}
    agent = tmp_path / "probe_agent.py"
    agent.write_text(PROBE_AGENT)
    driver = AgentDriver(configured, command=f"{sys.executable} -u {agent}")
    database = make_url(configured.db_url)
    without_password = (f"postgresql://{database.username}@{database.host}:{database.port}"
                        f"/{database.database}")
    connects = ({"database server": without_password}
                if database.get_backend_name() == "postgresql" else {})
    prompt = json.dumps({"read": [str(p) for p in targets.values()],
                         "write": [str(p) for p in writes.values()],
                         "connect": list(connects.values())})
    driver.run_phase(f"{USER_A}_{SESSION}", mine, "probe", prompt, timeout=30)
    found = json.loads((mine / "output" / "probe.json").read_text())
    yield {"found": found, "targets": targets, "writes": writes, "connects": connects,
           "settings": configured}
    server_process.kill()
    server_process.wait()
    driver.stop(f"{USER_A}_{SESSION}")
    server = libtmux.Server(socket_name=configured.tmux_socket)
    if server.is_alive():
        server.kill()


def _outcome(probe: dict[str, Any], kind: str, name: str) -> str:
    key = {"read": "targets", "write": "writes", "connect": "connects"}[kind]
    return str(probe["found"][f"{kind} {probe[key][name]}"])


def test_agent_runs_as_the_sandbox_user_in_its_own_pid_namespace(probe: dict[str, Any]) -> None:
    sandbox = Sandbox.from_settings(probe["settings"])
    expected = sandbox.user.uid if sandbox.user else os.geteuid()
    assert probe["found"]["uid"] == expected
    assert probe["found"]["uid"] != 0 or sandbox.user is None
    assert max(probe["found"]["pids"]) < 50, "the agent sees the host's processes"


def test_agent_cannot_read_the_database(probe: dict[str, Any]) -> None:
    if probe["connects"]:
        # PostgreSQL keeps its files elsewhere and its port is on the shared loopback: the
        # agent reaches it but holds no credential to sign in with.
        password = make_url(probe["settings"].db_url).password
        assert password and password not in json.dumps(probe["found"]["environment"])
        assert _outcome(probe, "connect", "database server") == "OperationalError"
        return
    assert probe["targets"]["database"].is_file()
    assert _outcome(probe, "read", "database") in ("FileNotFoundError", "PermissionError")


def test_agent_cannot_read_the_passphrase(probe: dict[str, Any]) -> None:
    assert _outcome(probe, "read", "passphrase") in ("FileNotFoundError", "PermissionError")


def test_agent_cannot_read_another_sessions_workspace(probe: dict[str, Any]) -> None:
    assert _outcome(probe, "read", "other workspace") == "FileNotFoundError"
    assert _outcome(probe, "read", "other workspace folder") == "FileNotFoundError"


def test_agent_cannot_read_the_servers_environment(probe: dict[str, Any]) -> None:
    assert SERVER_SECRET in probe["targets"]["server environ"].read_text(errors="replace")
    assert _outcome(probe, "read", "server environ") in ("FileNotFoundError", "PermissionError")


def test_agent_cannot_write_outside_its_workspace(probe: dict[str, Any]) -> None:
    for name, path in probe["writes"].items():
        assert _outcome(probe, "write", name) != "ok", name
        assert not path.exists(), f"the agent wrote {path}"


def test_e2e_run_is_confined(settings: Settings, tmp_path: Path, site_server: str) -> None:
    configured = sandbox_settings(settings)
    passphrase = ensure_passphrase(configured.passphrase_file)
    tests = configured.users_dir / USER_A / "sessions" / SESSION / "deployment" / "tests"
    tests.mkdir(parents=True)
    (tests / "e2e_test.py").write_text(
        "import os, pytest\n"
        f"def test_confined():\n"
        f"    assert os.getuid() != 0 or {Sandbox.from_settings(configured).user is None}\n"
        f"    with pytest.raises(OSError):\n"
        f"        open({str(passphrase)!r}).read()\n"
        f"    with pytest.raises(OSError):\n"
        f"        open('/proc/{os.getpid()}/environ').read()\n"
        f"    with pytest.raises(OSError):\n"
        f"        open({str(configured.data_dir / 'pwned')!r}, 'w')\n")
    result = run_e2e_tests(tests / "e2e_test.py", site_server, tests / "results", timeout=60,
                           sandbox=Sandbox.from_settings(configured))
    assert result.passed, (tests / "results" / "pytest.log").read_text()


def test_wrapped_command_fails_loudly_without_the_user(settings: Settings) -> None:
    if os.geteuid() != 0:
        pytest.skip("only a root platform switches users")
    missing = settings.model_copy(update={"sandbox_user": "tb-no-such-user"})
    with pytest.raises(SandboxError, match=r"tb-no-such-user.*does not exist"):
        Sandbox.from_settings(missing)
    off = Sandbox.from_settings(settings.model_copy(update={"sandbox": False}))
    assert off.wrap(["true"], cwd=Path("/")) == ["true"]
    assert subprocess.run(off.wrap(["true"], cwd=Path("/")), check=False).returncode == 0


PROBE_APP = '''import json, os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
TARGETS = json.loads(os.environ.get("PROBE", "[]")) or %s
def attempt(path):
    try:
        open(path).read()
        return "ok"
    except OSError as error:
        return type(error).__name__
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"uid": os.getuid(), "env": dict(os.environ),
                           "reads": {p: attempt(p) for p in TARGETS}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)
ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
'''


def test_local_app_is_confined(settings: Settings, engine: Any, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    from tests.conftest import make_facts
    from tmux_builder.platform.sites.deployments import deploy_site

    configured = sandbox_settings(settings)
    monkeypatch.setenv("TMUX_BUILDER_MODEL_CREDENTIAL", "model-credential-never-in-apps")
    Database(configured.db_url).dispose()
    passphrase = ensure_passphrase(configured.passphrase_file)
    targets = [str(passphrase), str(configured.data_dir / "tmux-builder.db")]
    source = tmp_path / "source"
    source.mkdir()
    (source / "requirements.txt").write_text("# no dependencies\n")
    (source / "app.py").write_text(PROBE_APP % json.dumps(targets))
    facts = make_facts(site_type="dynamic")
    result = deploy_site(configured, engine, facts, source)
    try:
        report = httpx.get(str(result.outputs["url"]), timeout=10).json()
    finally:
        engine.destroy(facts.stack_name)
    sandbox = Sandbox.from_settings(configured)
    assert report["uid"] == (sandbox.user.uid if sandbox.user else os.geteuid())
    assert all(outcome != "ok" for outcome in report["reads"].values()), report["reads"]
    assert not any("model-credential" in value for value in report["env"].values())
    assert "TMUX_BUILDER_MODEL_CREDENTIAL" not in report["env"]
