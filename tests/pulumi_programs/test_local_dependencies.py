"""The dependency install of a local dynamic site runs package scripts that the agent (steered
by the user's words) wrote, outside the sandbox: they must not see the state backend's keys,
cloud logins, the passphrase or the platform's settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tmux_builder.pulumi_programs.local.deps_provider import install_dependencies

pytestmark = pytest.mark.slow

SECRETS = {"AWS_SECRET_ACCESS_KEY": "state-bucket-secret", "AZURE_STORAGE_KEY": "azure-key",
           "PULUMI_CONFIG_PASSPHRASE": "passphrase", "ARM_CLIENT_SECRET": "arm-secret",
           "TMUX_BUILDER_MODEL_CREDENTIAL": "model-key"}


def test_package_scripts_see_no_credential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    app, deps = tmp_path / "app", tmp_path / "deps"
    app.mkdir()
    (deps / "local-dep").mkdir(parents=True)
    (deps / "local-dep" / "package.json").write_text('{"name": "local-dep", "version": "1.0.0"}')
    seen = tmp_path / "seen-env.json"
    (app / "package.json").write_text(json.dumps({
        "name": "site", "version": "1.0.0",
        "dependencies": {"local-dep": "file:./local-dep"},  # installs with no registry
        "scripts": {"preinstall": f"node -e \"require('fs').writeFileSync('{seen}', "
                                  "JSON.stringify(process.env))\""}}))
    install_dependencies("node", app, deps)
    env = json.loads(seen.read_text())
    assert env.get("PATH") and (deps / "node_modules" / "local-dep").exists()
    leaked = [name for name in SECRETS if name in env]
    assert not leaked and not any(v in json.dumps(env) for v in SECRETS.values()), leaked
