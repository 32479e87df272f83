"""Everything the stack layer needs to know, handed in by the platform (which owns settings)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_NAME = "tmux-builder"


@dataclass(frozen=True)
class PolicyPackRef:
    """A CrossGuard policy pack folder (``PulumiPolicy.yaml``) and its configuration (the
    ``--policy-pack-config`` document: policy name -> settings), run on every preview and up."""

    path: Path
    config: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class EngineConfig:
    backend_url: str
    work_dir: Path
    pulumi_home: Path
    passphrase_file: Path
    locks_dir: Path
    pulumi_root: Path
    plugin_dirs: tuple[Path, ...] = field(default_factory=tuple)
    lock_timeout_seconds: float = 0.0
    project_name: str = PROJECT_NAME
    # What the backend needs in the engine's environment (object-store credentials). Never
    # shown: not in this object's repr, not in any message.
    backend_env: Mapping[str, str] = field(default_factory=dict, repr=False)
    policy_packs: tuple[PolicyPackRef, ...] = ()

    @property
    def pulumi_binary(self) -> Path:
        return self.pulumi_root / "bin" / "pulumi"

    @property
    def file_state_dir(self) -> Path | None:
        """The state folder when the backend is a local ``file://`` one, else None."""
        if not self.backend_url.startswith("file://"):
            return None
        return Path(self.backend_url.removeprefix("file://")).expanduser()
