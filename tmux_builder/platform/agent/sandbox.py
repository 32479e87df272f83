"""The bubblewrap sandbox of user-steered code: the agent (either profile), the E2E run and
local dynamic apps (SPEC section 7).

A sandboxed process sees the tools it needs read-only (``/usr``, ``/etc``, the platform's
Python environment and package, Claude Code), its own workspace read-write, a private
``/tmp``, a fresh ``/proc`` of its own pid namespace, and nothing else: not the database, the
secrets folder, the Pulumi state, other workspaces or the platform's processes.

The uid. ``bwrap --unshare-user --uid N`` started by root maps N to root outside, so a
root-owned 0600 file would be readable if it ever became visible. So when the platform runs
as root, bwrap runs as root only to build the mounts and the namespaces (it then holds no user
namespace), and ``setpriv`` switches to a real unprivileged system user (created by
``scripts/setup-system.sh``) with no capabilities and ``no_new_privs`` before the command
starts: the mount namespace hides the platform's files and the uid could not read them
anyway. A platform that does not run as root sandboxes as its own uid in a user namespace:
the mounts still hide everything, without that second wall (doctor says so).

The network is shared with the host: Claude Code must reach the model API, an app must listen
on the host's loopback for the health check and the E2E run must reach the site on loopback.
Only a process that needs no network at all (the offline agent) gets a network namespace of
its own. Abstract unix sockets and loopback services stay reachable; every platform service
on loopback asks for a token."""

from __future__ import annotations

import os
import pwd
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import tmux_builder
from tmux_builder.errors import TmuxBuilderError
from tmux_builder.platform.core.settings import Settings

BWRAP = "bwrap"
SETPRIV = "/usr/bin/setpriv"
SANDBOX_HOME = "/tmp"
_MERGED_USR_LINKS = ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
_SYSTEM_READ_ONLY = ("/usr", "/etc")


class SandboxError(TmuxBuilderError):
    """The sandbox cannot be set up here; the message says how to fix it."""


@dataclass(frozen=True)
class SandboxUser:
    name: str
    uid: int
    gid: int


def lookup_user(name: str) -> SandboxUser:
    try:
        entry = pwd.getpwnam(name)
    except KeyError as exc:
        raise SandboxError(
            f"the sandbox user {name!r} does not exist; run `make setup` "
            "(scripts/setup-system.sh creates it) or set TMUX_BUILDER_SANDBOX=false",
            field="sandbox_user") from exc
    if entry.pw_uid == 0:
        raise SandboxError(f"the sandbox user {name!r} is root", field="sandbox_user")
    return SandboxUser(name, entry.pw_uid, entry.pw_gid)


def package_dir() -> Path:
    return Path(tmux_builder.__file__).resolve().parent


def python_paths() -> list[Path]:
    """The interpreter's environment (the venv) and its base installation."""
    paths = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]
    return list(dict.fromkeys(paths))


def _covered(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


@dataclass(frozen=True)
class Sandbox:
    """How to wrap a command; ``enabled=False`` gives the command back unchanged."""

    enabled: bool
    user: SandboxUser | None = None
    tools: tuple[Path, ...] = ()
    hidden: tuple[Path, ...] = ()
    bwrap: str = BWRAP

    @classmethod
    def from_settings(cls, settings: Settings, extra_tools: Iterable[Path] = ()) -> Sandbox:
        if not settings.sandbox:
            return cls(enabled=False)
        bwrap = shutil.which(BWRAP)
        if bwrap is None:
            raise SandboxError("bubblewrap (bwrap) is not installed; run `make setup` or "
                               "`apt-get install -y bubblewrap`", field="sandbox")
        user = lookup_user(settings.sandbox_user) if os.geteuid() == 0 else None
        tools = [*python_paths(), package_dir(), *extra_tools]
        tools = [p for p in dict.fromkeys(p.resolve() for p in tools)
                 if p.exists() and not _covered(p, map(Path, _SYSTEM_READ_ONLY))]
        roots = [*map(Path, _SYSTEM_READ_ONLY), *tools]
        hidden = tuple(p for p in (settings.data_dir,) if _covered(p, roots))
        return cls(enabled=True, user=user, tools=tuple(tools), hidden=hidden, bwrap=bwrap)

    @property
    def runs_as(self) -> str:
        if not self.enabled:
            return "the platform's own user, unsandboxed"
        if self.user is not None:
            return f"{self.user.name} (uid {self.user.uid})"
        return f"the platform's own uid {os.geteuid()} in a user namespace"

    def wrap(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        writable: Sequence[Path] = (),
        readable: Sequence[Path] = (),
        network: bool = True,
        die_with_parent: bool = True,
        env: dict[str, str] | None = None,
        seed_files: Sequence[tuple[int, Path]] = (),
    ) -> list[str]:
        """``argv`` run in the sandbox with ``writable`` read-write and ``readable`` read-only
        (at their own paths), working directory ``cwd``. ``seed_files`` are written from an
        inherited descriptor into the private ``/tmp`` (writable by the sandboxed user)."""
        if not self.enabled:
            return list(argv)
        args = [self.bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-uts",
                "--unshare-cgroup-try"]
        if self.user is None:
            args.append("--unshare-user")
        if not network:
            args.append("--unshare-net")
        if die_with_parent:
            args.append("--die-with-parent")
        for system in _SYSTEM_READ_ONLY:
            args += ["--ro-bind", system, system]
        for link in _MERGED_USR_LINKS:
            if os.path.islink(link):
                args += ["--symlink", os.readlink(link), link]
            elif os.path.isdir(link):
                args += ["--ro-bind", link, link]
        args += ["--proc", "/proc", "--dev", "/dev",
                 "--perms", "1777", "--tmpfs", "/tmp",
                 "--perms", "1777", "--tmpfs", "/dev/shm",
                 "--tmpfs", "/run", "--tmpfs", "/var"]
        made: set[Path] = set()
        resolv = Path("/etc/resolv.conf")
        if resolv.is_symlink() and resolv.resolve().is_file():  # often a link into /run
            args += _mount("--ro-bind", resolv.resolve(), made)
        for path in self.tools:
            args += _mount("--ro-bind", path, made)
        for path in self.hidden:
            args += _mount("--tmpfs", path, made)
        binds = [(p.resolve(), "--bind") for p in writable]
        binds += [(p.resolve(), "--ro-bind") for p in readable]
        for path, option in sorted(binds, key=lambda item: len(item[0].parts)):
            args += _mount(option, path, made)  # a folder first, then what is inside it
        for folder in dict.fromkeys(path.parent for _, path in seed_files):
            args += ["--perms", "0777", "--dir", str(folder)]
        for fd, path in seed_files:
            args += ["--perms", "0666", "--file", str(fd), str(path)]
        for key, value in {"HOME": SANDBOX_HOME, **(env or {})}.items():
            args += ["--setenv", key, value]
        args += ["--chdir", os.path.abspath(cwd), "--"]  # a link (code/) resolves at start
        if self.user is not None:
            args += [SETPRIV, f"--reuid={self.user.uid}", f"--regid={self.user.gid}",
                     "--clear-groups", "--no-new-privs", "--inh-caps=-all",
                     "--bounding-set=-all", "--"]
        return args + list(argv)

    def hand_over(self, *paths: Path) -> None:
        """Make ``paths`` (recursively) the sandbox user's, so sandboxed code can write them."""
        if not self.enabled or self.user is None:
            return
        for root in paths:
            if not root.exists():
                continue
            os.chown(root, self.user.uid, self.user.gid, follow_symlinks=False)
            for folder, dirs, files in os.walk(root):
                for name in dirs + files:
                    os.chown(os.path.join(folder, name), self.user.uid, self.user.gid,
                             follow_symlinks=False)


def _mount(option: str, path: Path, made: set[Path]) -> list[str]:
    """Mount ``path`` at its own place, its parents made traversable first (bwrap would
    create them 0700, which the sandbox user could not pass); ``made`` skips repeats."""
    args: list[str] = []
    for parent in reversed(path.parents):
        if str(parent) not in ("/", "/tmp") and parent not in made:
            made.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
    target = [str(path)] if option == "--tmpfs" else [str(path), str(path)]
    return [*args, option, *target]
