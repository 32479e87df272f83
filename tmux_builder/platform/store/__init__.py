"""The shared store of artifacts and workspace snapshots (a folder or an S3 bucket)."""

from tmux_builder.platform.store.artifacts import (
    Artifact,
    ArtifactStore,
    SnapshotInfo,
    StoreError,
    open_store,
)
from tmux_builder.platform.store.keys import ARTIFACT_KINDS

__all__ = ["ARTIFACT_KINDS", "Artifact", "ArtifactStore", "SnapshotInfo", "StoreError",
           "open_store"]
