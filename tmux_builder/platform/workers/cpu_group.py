"""A CPU control group for ``serve``'s worker processes, so that the API is served first on a
busy host (SPEC section 15).

Niceness alone does not do it where the kernel groups tasks by session (Linux's autogroup,
on by default for processes in the root cgroup): every new session is scheduled as one
group, weighed like the API's whatever its members' nice values, and pipelines open many (a
worker process, each tmux pane, each sandbox, Playwright's browser). Measured with 4
pipelines on 2 cores: status polls had a p99 of 70-90 ms with the workers at nice 10 or 19,
and 17-22 ms once the sessions stopped counting as groups. A cgroup is inherited by
everything a worker starts, new sessions and daemons included, so all of it shares the
group's one low weight.

The group is a child of this process's own cgroup in the hierarchy that has the ``cpu``
controller (cgroup v1: ``cpu.shares``; v2: ``cpu.weight``), named
``tmux-builder-workers-<pid>-<n>``, and weighs what one task at ``worker_nice`` weighs. Where
that hierarchy cannot be written (no privilege or delegation; a v2 cgroup that holds
processes cannot enable controllers for children), the workers keep their niceness only and
the log says why: under systemd, give the workers a unit of their own with ``CPUWeight=``.
At release, what is still in the group (the host's tmux server outlives the worker that
started it) moves back to the parent and the group is removed; the groups of a ``serve``
that died are released the same way when the next one starts."""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

GROUP_PREFIX = "tmux-builder-workers-"
_GROUP_NAME = re.compile(rf"^{GROUP_PREFIX}(\d+)-\d+$")
_RELEASE_ROUNDS = 5  # a process may fork while the group is emptied: list it again
_sequence = itertools.count(1)

# The kernel's weight of a task at nice 0..19 (kernel/sched/core.c, sched_prio_to_weight).
_NICE_WEIGHTS = (1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
                 110, 87, 70, 56, 45, 36, 29, 23, 18, 15)


def cgroup_weight(nice: int, version: int) -> int:
    """The group weight of one task at ``nice``: cgroup v1 ``cpu.shares`` (1024 is nice 0,
    at least 2) or v2 ``cpu.weight`` (100 is nice 0, at least 1)."""
    weight = _NICE_WEIGHTS[min(max(nice, 0), 19)]
    return max(2, weight) if version == 1 else max(1, round(weight * 100 / 1024))


@dataclass(frozen=True)
class CpuHierarchy:
    """This process's cgroup directory in the hierarchy that has the cpu controller."""

    directory: Path
    version: int

    @property
    def weight_file(self) -> str:
        return "cpu.shares" if self.version == 1 else "cpu.weight"


def find_cpu_hierarchy(proc: Path = Path("/proc/self")) -> CpuHierarchy | None:
    """Where this process sits in the cpu controller's hierarchy, from ``proc``'s
    ``cgroup`` and ``mountinfo``; None when no mounted hierarchy has the cpu controller."""
    try:
        memberships = (proc / "cgroup").read_text().splitlines()
        mounts = (proc / "mountinfo").read_text().splitlines()
    except OSError:
        return None
    for line in memberships:
        hierarchy_id, controllers, path = line.split(":", 2)
        version = 2 if hierarchy_id == "0" and not controllers else 1
        if version == 1 and "cpu" not in controllers.split(","):
            continue
        mount = _mount_of(mounts, version)
        if mount is None:
            continue
        mount_point, mount_root = mount
        directory = mount_point / os.path.relpath(path, mount_root)
        if version == 2 and "cpu" not in _words(directory / "cgroup.controllers"):
            continue
        return CpuHierarchy(directory.resolve(), version)
    return None


def _mount_of(mounts: list[str], version: int) -> tuple[Path, str] | None:
    for line in mounts:
        fields, _, after = line.partition(" - ")
        parts, extra = fields.split(), after.split()
        if len(parts) < 5 or len(extra) < 3:
            continue
        fstype, options = extra[0], extra[2].split(",")
        if (version == 2 and fstype == "cgroup2") or (
                version == 1 and fstype == "cgroup" and "cpu" in options):
            return Path(parts[4]), parts[3]
    return None


def _words(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except OSError:
        return []


class CpuGroup:
    """One worker group: created with the weight of ``nice``, processes added by pid,
    released (emptied into the parent and removed) at the end."""

    def __init__(self, hierarchy: CpuHierarchy, directory: Path) -> None:
        self.hierarchy = hierarchy
        self.directory = directory

    @classmethod
    def for_workers(cls, nice: int, proc: Path = Path("/proc/self")) -> CpuGroup | None:
        """A new group under this process's cgroup, or None (logged) when there is none to
        be had here."""
        hierarchy = find_cpu_hierarchy(proc)
        if hierarchy is None:
            log.info("no cgroup hierarchy with the cpu controller: workers are only niced")
            return None
        release_abandoned(hierarchy.directory)
        directory = hierarchy.directory / f"{GROUP_PREFIX}{os.getpid()}-{next(_sequence)}"
        try:
            if hierarchy.version == 2:
                _enable_cpu_for_children(hierarchy.directory)
            directory.mkdir()
            (directory / hierarchy.weight_file).write_text(
                str(cgroup_weight(nice, hierarchy.version)))
        except OSError as error:
            with contextlib.suppress(OSError):
                directory.rmdir()
            log.info("cannot create a cpu cgroup for the workers in %s (%s): workers are "
                     "only niced", hierarchy.directory, error.strerror or error)
            return None
        log.info("worker processes run in cgroup %s (%s %d)", directory,
                 hierarchy.weight_file, cgroup_weight(nice, hierarchy.version))
        return cls(hierarchy, directory)

    def add(self, pid: int) -> None:
        """Move ``pid`` (all its threads) into the group; what it starts later stays in it."""
        (self.directory / "cgroup.procs").write_text(str(pid))

    def pids(self) -> list[int]:
        return [int(pid) for pid in _words(self.directory / "cgroup.procs")]

    def release(self) -> None:
        release_group(self.directory)


def _enable_cpu_for_children(directory: Path) -> None:
    if "cpu" not in _words(directory / "cgroup.subtree_control"):
        (directory / "cgroup.subtree_control").write_text("+cpu")


def release_group(directory: Path) -> None:
    """Move what is left in the group at ``directory`` to its parent and remove it."""
    parent_procs = directory.parent / "cgroup.procs"
    for _ in range(_RELEASE_ROUNDS):
        left = _words(directory / "cgroup.procs")
        if not left:
            break
        for pid in left:
            with contextlib.suppress(ProcessLookupError, FileNotFoundError):
                parent_procs.write_text(pid)
    try:
        directory.rmdir()
    except FileNotFoundError:
        return
    except OSError as error:
        log.warning("cannot remove the worker cgroup %s: %s", directory, error)


def release_abandoned(parent: Path) -> list[Path]:
    """Release the worker groups under ``parent`` whose ``serve`` is gone."""
    released = []
    for directory in parent.glob(f"{GROUP_PREFIX}*"):
        match = _GROUP_NAME.match(directory.name)
        if match and directory.is_dir() and not psutil.pid_exists(int(match.group(1))):
            release_group(directory)
            released.append(directory)
    return released
