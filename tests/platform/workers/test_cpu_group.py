"""The workers' CPU group: on this machine's real cgroup hierarchy (skipped, with the reason,
where it cannot be written), a process added to the group keeps everything it starts in it,
new sessions included (what autogroup scheduling would otherwise weigh like the API); the
group weighs what a task at the workers' niceness weighs; a release moves what is left back
to the parent and removes the group; a dead serve's group is released by the next. The
hierarchy is found from ``/proc`` files (v1 and v2, checked on written copies)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.waiting import wait_until
from tmux_builder.platform.workers.cpu_group import (
    GROUP_PREFIX,
    CpuGroup,
    CpuHierarchy,
    cgroup_weight,
    find_cpu_hierarchy,
    release_abandoned,
)

# Once told to, a child that opens a new session (like tmux panes, sandboxes and browsers).
NEW_SESSION_CHILD = ("import subprocess, sys, time\n"
                     "sys.stdin.readline()\n"
                     "child = subprocess.Popen(['sleep', '600'], start_new_session=True)\n"
                     "print(child.pid, flush=True)\n"
                     "time.sleep(600)\n")


def _writable_hierarchy() -> CpuHierarchy:
    hierarchy = find_cpu_hierarchy()
    if hierarchy is None:
        pytest.skip("no cgroup hierarchy with the cpu controller on this machine")
    if not os.access(hierarchy.directory, os.W_OK):
        pytest.skip(f"{hierarchy.directory} cannot be written here (no privilege)")
    return hierarchy


def _cgroup_of(pid: int, hierarchy: CpuHierarchy) -> Path:
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        hierarchy_id, controllers, path = line.split(":", 2)
        if (hierarchy.version == 2 and hierarchy_id == "0") or "cpu" in controllers.split(","):
            return Path(path)
    raise AssertionError(f"pid {pid} is in no cpu cgroup")


@pytest.fixture
def group() -> Iterator[CpuGroup]:
    hierarchy = _writable_hierarchy()
    made = CpuGroup.for_workers(10)
    if made is None:
        pytest.skip(f"no group can be created under {hierarchy.directory} here")
    yield made
    made.release()


def test_weights_follow_the_kernels_nice_table() -> None:
    assert [cgroup_weight(n, 1) for n in (0, 10, 19)] == [1024, 110, 15]
    assert [cgroup_weight(n, 2) for n in (0, 10, 19)] == [100, 11, 1]


def test_everything_a_member_starts_stays_in_the_group_new_sessions_included(
        group: CpuGroup) -> None:
    weight = (group.directory / group.hierarchy.weight_file).read_text().strip()
    assert weight == str(cgroup_weight(10, group.hierarchy.version))
    member = subprocess.Popen([sys.executable, "-c", NEW_SESSION_CHILD], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        group.add(member.pid)
        assert member.stdin is not None and member.stdout is not None
        member.stdin.write("go\n")
        member.stdin.flush()
        grandchild = int(member.stdout.readline())
        assert os.getsid(grandchild) == grandchild != os.getsid(member.pid)
        assert _cgroup_of(member.pid, group.hierarchy).name == group.directory.name
        assert _cgroup_of(grandchild, group.hierarchy).name == group.directory.name
        assert set(group.pids()) == {member.pid, grandchild}
        group.release()
        assert not group.directory.exists()
        own = _cgroup_of(os.getpid(), group.hierarchy)
        assert _cgroup_of(grandchild, group.hierarchy) == own
        assert _cgroup_of(member.pid, group.hierarchy) == own
    finally:
        os.killpg(member.pid, signal.SIGKILL)
        member.wait()
        with contextlib.suppress(ProcessLookupError, NameError):
            os.kill(grandchild, signal.SIGKILL)
            wait_until(lambda: not _running(grandchild), timeout=10, what="the sleeper to end")


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_dead_serves_group_is_released_by_the_next(group: CpuGroup) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    abandoned = group.hierarchy.directory / f"{GROUP_PREFIX}{gone.pid}-1"
    abandoned.mkdir()
    sleeper = subprocess.Popen(["sleep", "600"])
    try:
        (abandoned / "cgroup.procs").write_text(str(sleeper.pid))
        assert _cgroup_of(sleeper.pid, group.hierarchy).name == abandoned.name
        released = release_abandoned(group.hierarchy.directory)
        assert abandoned in released and group.directory not in released
        assert not abandoned.exists() and group.directory.exists()
        assert _cgroup_of(sleeper.pid, group.hierarchy) == _cgroup_of(os.getpid(),
                                                                       group.hierarchy)
    finally:
        sleeper.kill()
        sleeper.wait()


def _proc_files(tmp_path: Path, cgroup: str, mountinfo: str) -> Path:
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "cgroup").write_text(cgroup)
    (proc / "mountinfo").write_text(mountinfo)
    return proc


def test_the_v1_hierarchy_is_the_one_mounted_with_cpu(tmp_path: Path) -> None:
    root = tmp_path / "cpu,cpuacct"
    (root / "services" / "api").mkdir(parents=True)
    proc = _proc_files(
        tmp_path, "5:memory:/services/api\n3:cpu,cpuacct:/services/api\n0::/\n",
        f"31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
        f"33 31 0:30 / {tmp_path / 'memory'} rw - cgroup cgroup rw,memory\n"
        f"34 31 0:31 / {root} rw,relatime - cgroup cgroup rw,cpu,cpuacct\n")
    assert find_cpu_hierarchy(proc) == CpuHierarchy(root / "services" / "api", 1)


def test_v2_needs_the_cpu_controller_and_turns_it_on_for_the_group(tmp_path: Path) -> None:
    mount = tmp_path / "unified"
    own = mount / "tb.service"
    own.mkdir(parents=True)
    proc = _proc_files(tmp_path, "0::/tb.service\n",
                       f"40 31 0:40 / {mount} rw - cgroup2 cgroup2 rw,nsdelegate\n")
    (own / "cgroup.controllers").write_text("memory pids\n")
    assert find_cpu_hierarchy(proc) is None
    (own / "cgroup.controllers").write_text("cpu memory pids\n")
    (own / "cgroup.subtree_control").write_text("")
    made = CpuGroup.for_workers(19, proc=proc)
    assert made is not None and made.hierarchy == CpuHierarchy(own, 2)
    assert made.directory.parent == own and made.directory.name.startswith(GROUP_PREFIX)
    assert (own / "cgroup.subtree_control").read_text() == "+cpu"
    assert (made.directory / "cpu.weight").read_text() == "1"


def test_no_group_and_nothing_left_where_the_controller_cannot_be_turned_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A v2 cgroup holding processes refuses ``+cpu`` for its children (EBUSY); a folder
    stands in for the refusing file (a write to it fails even as root)."""
    mount = tmp_path / "unified"
    own = mount / "busy.service"
    (own / "cgroup.subtree_control").mkdir(parents=True)
    (own / "cgroup.controllers").write_text("cpu\n")
    proc = _proc_files(tmp_path, "0::/busy.service\n",
                       f"40 31 0:40 / {mount} rw - cgroup2 cgroup2 rw\n")
    with caplog.at_level("INFO"):
        assert CpuGroup.for_workers(10, proc=proc) is None
    assert not list(own.glob(f"{GROUP_PREFIX}*"))
    assert "workers are only niced" in caplog.text
