"""What a test session left running: every process that carries this session's mark in its
environment (the pytest process sets it; children, detached servers and tmux servers
inherit it) or works inside the session's temporary folder, and the ports they listen on.
Other test sessions on the same machine carry other marks, so only ours count."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import psutil

from tmux_builder.platform.workers.cpu_group import (
    GROUP_PREFIX,
    find_cpu_hierarchy,
    release_group,
)

MARK = "TMUX_BUILDER_TEST_SESSION"


@dataclass(frozen=True)
class Leftover:
    pid: int
    name: str
    cmdline: str
    ports: tuple[int, ...]

    def __str__(self) -> str:
        ports = f" listening on {', '.join(map(str, self.ports))}" if self.ports else ""
        return f"pid {self.pid} ({self.name}){ports}: {self.cmdline[:200]}"


def _ours(process: psutil.Process, mark: str, basetemp: str) -> bool:
    try:
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        if process.environ().get(MARK) == mark:
            return True
        cwd = process.cwd()
    except (psutil.Error, OSError):
        return False
    return cwd == basetemp or cwd.startswith(basetemp + os.sep)


def _ports(process: psutil.Process) -> tuple[int, ...]:
    try:
        connections = process.net_connections(kind="inet")
    except (psutil.Error, OSError):
        return ()
    return tuple(sorted({c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN}))


def find_leftovers(mark: str, basetemp: Path) -> list[psutil.Process]:
    me = os.getpid()
    return [p for p in psutil.process_iter() if p.pid != me and _ours(p, mark, str(basetemp))]


def describe(processes: list[psutil.Process]) -> list[Leftover]:
    found = []
    for process in processes:
        try:
            found.append(Leftover(process.pid, process.name(), " ".join(process.cmdline()),
                                  _ports(process)))
        except psutil.Error:
            continue
    return found


def stop(processes: list[psutil.Process]) -> None:
    """Terminate what was left (then kill what does not go), so one run does not leak into
    the next."""
    for process in processes:
        try:
            process.terminate()
        except psutil.Error:
            continue
    _, alive = psutil.wait_procs(processes, timeout=5)
    for process in alive:
        try:
            process.kill()
        except psutil.Error:
            continue


def worker_cpu_groups() -> set[Path]:
    """The workers' CPU groups (``platform.workers.cpu_group``) beside this process's cgroup."""
    hierarchy = find_cpu_hierarchy()
    return set(hierarchy.directory.glob(f"{GROUP_PREFIX}*")) if hierarchy else set()


def release_groups(groups: set[Path]) -> None:
    for group in groups:
        release_group(group)
