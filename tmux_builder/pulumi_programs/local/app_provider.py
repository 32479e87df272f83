"""``AppProcess``: a dynamic site running as a supervised process on a free 127.0.0.1 port.

``read`` reports a dead process as gone, so ``refresh`` notices it and the next ``up``
starts it again; ``update`` (new code or dependencies) restarts it on the same port."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from tmux_builder.pulumi_programs.local.files import prune_empty_dirs
from tmux_builder.pulumi_programs.local.processes import (
    RunningApp,
    app_is_alive,
    start_app,
    stop_app,
)

_UPDATE_KEYS = ("command", "digest", "deps_digest", "app_dir", "deps_dir", "tags")


def _start(props: dict[str, Any], port: int | None = None) -> dict[str, Any]:
    running: RunningApp = start_app(
        list(props["command"]),
        Path(props["app_dir"]),
        Path(props["deps_dir"]),
        Path(props["log_file"]),
        float(props["start_timeout"]),
        port=port,
    )
    return {
        **props,
        "pid": running.pid,
        "port": running.port,
        "started_at": running.started_at,
        "url": f"http://127.0.0.1:{running.port}/",
    }


def _port(props: dict[str, Any]) -> int | None:
    return int(props["port"]) if props.get("port") else None


class AppProcessProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        outs = _start(props)
        return CreateResult(id_=f"{props['app_dir']}#{outs['pid']}", outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in _UPDATE_KEYS if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=[])

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Restart on the same port: the old tree is stopped and its port free first."""
        old_port = _port(olds)
        if olds.get("pid"):
            stop_app(int(olds["pid"]), float(olds["started_at"]), old_port)
        return UpdateResult(outs=_start(news, port=old_port))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        if not props.get("pid") or not app_is_alive(int(props["pid"]), float(props["started_at"])):
            return ReadResult(id_="", outs={})
        return ReadResult(id_=id_, outs=props)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        if props.get("pid"):
            stop_app(int(props["pid"]), float(props["started_at"]), _port(props))
        log_file = Path(props["log_file"])
        log_file.unlink(missing_ok=True)
        prune_empty_dirs(log_file.parent, levels=2)


class AppProcess(Resource):
    pid: pulumi.Output[int]
    port: pulumi.Output[int]
    url: pulumi.Output[str]
    tags: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        *,
        command: list[str],
        app_dir: str,
        deps_dir: str,
        log_file: str,
        digest: pulumi.Input[str],
        deps_digest: str,
        start_timeout: float,
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "command": command,
            "app_dir": app_dir,
            "deps_dir": deps_dir,
            "log_file": log_file,
            "digest": digest,
            "deps_digest": deps_digest,
            "start_timeout": start_timeout,
            "tags": tags,
            "pid": None,
            "port": None,
            "started_at": None,
            "url": None,
        }
        super().__init__(AppProcessProvider(), name, props, opts)
