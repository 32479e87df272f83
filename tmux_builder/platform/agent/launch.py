"""The first process in an agent's tmux pane: ``python -I -m tmux_builder.platform.agent.launch
'<spec>'``. It builds the agent's environment from nothing (the fixed variables of the spec
plus the named ones taken from its own environment, where tmux put the model credential),
writes the Claude Code config seed, then execs the sandboxed command.

The spec on the command line holds no secret; the credential never appears in an argv or a
file in the data folder. With the sandbox, the config seed reaches the agent's private
``/tmp`` through pipes (``bwrap --file FD``) and never touches a disk. Imports only the
standard library, so it starts fast."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

KEY_SUFFIX = 20  # Claude Code remembers an approved API key by its last 20 characters


def seed_documents(seed: dict[str, Any], env: dict[str, str]) -> dict[str, bytes]:
    """File name -> content of the config seed; an API key in ``env`` is marked approved."""
    documents = {name: dict(body) for name, body in seed["files"].items()}
    key = env.get(seed.get("approve_key_env") or "")
    if key:
        documents[".claude.json"]["customApiKeyResponses"] = {
            "approved": [key[-KEY_SUFFIX:]], "rejected": []}
    return {name: json.dumps(body, indent=2).encode() for name, body in documents.items()}


def place_seed(seed: dict[str, Any], env: dict[str, str]) -> None:
    documents = seed_documents(seed, env)
    fds: dict[str, int] = seed.get("fds") or {}
    if fds:
        for name, fd in fds.items():
            read_end, write_end = os.pipe()
            os.write(write_end, documents[name])
            os.close(write_end)
            os.dup2(read_end, fd)
            os.close(read_end)
        return
    folder = Path(seed["dir"])
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name, data in documents.items():
        path = folder / name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)


def agent_environment(spec: dict[str, Any], inherited: dict[str, str]) -> dict[str, str]:
    env = dict(spec.get("env") or {})
    for name in spec.get("pass_env") or []:
        if name in inherited:
            env[name] = inherited[name]
    return env


def main(argv: list[str]) -> None:
    spec = json.loads(argv[1])
    env = agent_environment(spec, dict(os.environ))
    if spec.get("seed"):
        place_seed(spec["seed"], env)
    command = spec["argv"]
    os.execvpe(command[0], command, env)


if __name__ == "__main__":
    main(sys.argv)
