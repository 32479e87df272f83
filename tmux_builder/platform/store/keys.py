"""Where each thing lives in the store. Every key is built here from validated parts:

``users/<user_id>/sessions/<session_id>/artifacts/<kind>/<name>``
``users/<user_id>/sessions/<session_id>/snapshots/<snapshot_id>.tar.gz`` (+ ``.json``)

so one user's ids can never name another user's objects, and a name cannot climb out."""

from __future__ import annotations

import re

from tmux_builder.domain import validate_session_id, validate_user_id
from tmux_builder.errors import InvalidInputError

ARTIFACT_KINDS = ("screenshots", "thumbnails", "e2e", "health", "logs")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_SNAPSHOT_ID = re.compile(r"^[0-9]{8}T[0-9]{12}-[a-z][a-z0-9_]{0,39}$")
PHASE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def session_prefix(user_id: str, session_id: str) -> str:
    return f"users/{validate_user_id(user_id)}/sessions/{validate_session_id(session_id)}/"


def validate_kind(kind: str) -> str:
    if kind not in ARTIFACT_KINDS:
        raise InvalidInputError(f"must be one of {', '.join(ARTIFACT_KINDS)}", field="kind")
    return kind


def validate_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        raise InvalidInputError("must be 1-128 letters, digits, '.', '_' or '-', starting with "
                                "a letter or digit, without '..'", field="name")
    return name


def validate_phase(phase: str) -> str:
    if not isinstance(phase, str) or not PHASE.fullmatch(phase):
        raise InvalidInputError("must be a lowercase step name", field="phase")
    return phase


def validate_snapshot_id(snapshot_id: str) -> str:
    if not isinstance(snapshot_id, str) or not _SNAPSHOT_ID.fullmatch(snapshot_id):
        raise InvalidInputError("must look like YYYYMMDDTHHMMSSffffff-<phase>",
                                field="snapshot_id")
    return snapshot_id


def artifact_key(user_id: str, session_id: str, kind: str, name: str) -> str:
    return (f"{session_prefix(user_id, session_id)}artifacts/{validate_kind(kind)}/"
            f"{validate_name(name)}")


def snapshot_key(user_id: str, session_id: str, snapshot_id: str, suffix: str) -> str:
    return (f"{session_prefix(user_id, session_id)}snapshots/"
            f"{validate_snapshot_id(snapshot_id)}{suffix}")
