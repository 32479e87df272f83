"""``make demo AGENT=claude``: the real Claude Code builds and deploys the demo site against the
scripted model on loopback (no internet, no vendor account). The model server runs on a
thread of this process and stops with it."""

from __future__ import annotations

import os
import secrets
import sys

import libtmux

from tests.support.model_server import RunningModel


def main() -> int:
    with RunningModel() as model:
        os.environ.update({
            "TMUX_BUILDER_AGENT_PROFILE": "claude",
            "TMUX_BUILDER_MODEL_BASE_URL": model.base_url,
            "TMUX_BUILDER_MODEL_CREDENTIAL": f"demo-{secrets.token_hex(12)}",
            "TMUX_BUILDER_MODEL_NAME": "scripted-model",
        })
        print(f"scripted model on {model.base_url}; agent profile: claude", flush=True)
        from tmux_builder.cli import app
        from tmux_builder.platform.core.settings import get_settings

        server = libtmux.Server(socket_name=get_settings().tmux_socket)
        before = _session_names(server)
        try:
            app(["demo"], standalone_mode=False)
            code = 0
        except SystemExit as stop:
            code = int(stop.code or 0)
        except Exception as error:  # typer's Exit and errors end the demo with a message
            print(f"demo failed: {error}", file=sys.stderr)
            code = getattr(error, "exit_code", 1)
        for session in server.sessions if server.is_alive() else []:
            if session.session_name not in before:  # Claude Code would outlive its model
                session.kill()
        calls = model.model.tool_requests()
        tools = [b["name"] for r in calls for b in _blocks(r.reply) if b.get("type") == "tool_use"]
        print(f"the model answered {len(model.model.requests)} requests; Claude Code ran "
              f"{len(tools)} tools: {', '.join(sorted(set(tools)))}")
    return code


def _session_names(server: libtmux.Server) -> set[str]:
    return {s.session_name or "" for s in server.sessions} if server.is_alive() else set()


def _blocks(reply: str) -> list[dict]:
    import json

    try:
        return list(json.loads(reply))
    except ValueError:
        return []


if __name__ == "__main__":
    sys.exit(main())
