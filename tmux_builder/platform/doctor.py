"""``tmux-builder doctor``: every tool with version, path and status, and the fix."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tmux_builder.errors import TmuxBuilderError
from tmux_builder.platform.agent.claude_code import (
    CLAUDE_CODE_VERSION,
    claude_binary,
    claude_version,
)
from tmux_builder.platform.agent.sandbox import Sandbox
from tmux_builder.platform.core.settings import Settings
from tmux_builder.stacks.toolchain import (
    LAUNCHER_NAME,
    POLICY_LAUNCHER_NAME,
    binary_version,
    find_pulumi_root,
    go_version,
    launcher_script,
    pulumi_root,
    sdk_version,
)


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok", "missing", "wrong", "optional", "warning"
    version: str
    path: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        return self.status in ("missing", "wrong")


def _command_version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else ""


def _tool(name: str, version_args: list[str], fix: str, required: bool = True) -> Check:
    path = shutil.which(name)
    if path is None:
        return Check(name, "missing" if required else "optional", "", "", fix)
    return Check(name, "ok", _command_version([path, *version_args]), path)


def check_pulumi(settings: Settings) -> list[Check]:
    checks: list[Check] = []
    version = sdk_version()
    checks.append(Check("pulumi (python sdk)", "ok", version, str(Path(sys.prefix))))
    root = find_pulumi_root(settings.toolchain_dir, version)
    expected = pulumi_root(settings.toolchain_dir, version) / "bin" / "pulumi"
    if root is None:
        found = binary_version(expected)
        status = "wrong" if found else "missing"
        checks.append(Check("pulumi (cli)", status, found or "", str(expected),
                            f"run `make setup` to build v{version} with Go"))
    else:
        checks.append(Check("pulumi (cli)", "ok", version, str(root / "bin" / "pulumi")))
    for name, module in ((LAUNCHER_NAME, "pulumi.dynamic"),
                         (POLICY_LAUNCHER_NAME, "pulumi.policy")):
        launcher = Path(sys.executable).parent / name
        ok = launcher.is_file() and launcher.read_text(encoding="utf-8") == launcher_script(
            Path(sys.executable), module)
        checks.append(Check(name, "ok" if ok else "missing", "", str(launcher),
                            "" if ok else "run `make setup`"))
    checks.append(Check("cloud provider plugins", "optional", "", str(settings.pulumi_home),
                        "only for real AWS/Azure deploys: `tmux-builder plugins install` "
                        "(--from FOLDER without internet); `tmux-builder plugins ls` shows "
                        "what the engine will load"))
    return checks


def check_claude_code(settings: Settings) -> Check:
    binary = claude_binary(settings.toolchain_dir)
    found = claude_version(binary)
    if found == CLAUDE_CODE_VERSION:
        return Check("claude code", "ok", found, str(binary))
    required = settings.resolved_agent_profile == "claude" and not settings.agent_command
    status = ("wrong" if found else "missing") if required else "optional"
    return Check("claude code", status, found or "", str(binary),
                 f"run `make setup` (npm installs @anthropic-ai/claude-code@{CLAUDE_CODE_VERSION})")


def check_sandbox(settings: Settings) -> Check:
    if not settings.sandbox:
        return Check("sandbox", "warning", "off", "",
                     "TMUX_BUILDER_SANDBOX=false: the agent, E2E runs and apps run unconfined "
                     "as the platform's user; turn it on outside development")
    try:
        sandbox = Sandbox.from_settings(settings)
    except TmuxBuilderError as error:
        return Check("sandbox", "missing", "", "", error.message)
    version = _command_version([sandbox.bwrap, "--version"])
    if sandbox.user is None:
        return Check("sandbox", "warning", version, sandbox.bwrap,
                     f"runs as {sandbox.runs_as}: run the platform as root to switch to "
                     f"{settings.sandbox_user} as well")
    return Check("sandbox", "ok", version, sandbox.bwrap, f"runs as {sandbox.runs_as}")


def run_checks(settings: Settings) -> list[Check]:
    go = go_version()
    checks = [
        Check("python", "ok", sys.version.split()[0], sys.executable),
        *check_pulumi(settings),
        Check("go", "ok" if go and go >= (1, 25) else "missing",
              f"{go[0]}.{go[1]}" if go else "", shutil.which("go") or "",
              "" if go and go >= (1, 25) else "install Go >= 1.25 (builds the Pulumi CLI)"),
        _tool("tmux", ["-V"], "apt-get install -y tmux"),
        _tool("chromium", ["--version"], "apt-get install -y chromium"),
        _tool("node", ["--version"], "apt-get install -y nodejs npm (local node sites)"),
        _tool("npm", ["--version"], "apt-get install -y npm (local node sites)"),
        check_claude_code(settings),
        check_sandbox(settings),
    ]
    return checks
