"""Domain exceptions shared by every layer.

This module imports nothing of ours so that every subpackage may raise these. The API maps
each class to one HTTP status in a single place; the CLI prints the message and exits non-zero.
"""

from __future__ import annotations

from collections.abc import Sequence


class TmuxBuilderError(Exception):
    """Base of every error the platform raises on purpose."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        if self.field:
            return f"{self.field}: {self.message}"
        return self.message


class InvalidInputError(TmuxBuilderError):
    """A value given by a caller breaks a rule; ``field`` names it."""


class NotFoundError(TmuxBuilderError):
    """The thing asked for does not exist (or belongs to someone else)."""


class ConflictError(TmuxBuilderError):
    """The request is well formed but the thing is not in a state that allows it."""


class StackBusyError(ConflictError):
    """Another operation holds the stack; the caller may retry later."""


class StackOperationError(TmuxBuilderError):
    """The Pulumi engine reported a failed operation."""


class PolicyViolationError(StackOperationError):
    """A policy pack refused a preview or an update; ``violations`` holds each finding (its
    pack, policy, message and resource), the message names them all."""

    def __init__(self, message: str, *, violations: Sequence[object] = ()) -> None:
        super().__init__(message, field="policy")
        self.violations = tuple(violations)


class ToolchainError(TmuxBuilderError):
    """A required tool is missing or at the wrong version; the message says how to fix it."""


class AuthenticationError(TmuxBuilderError):
    """No valid credential: a missing, unknown, revoked or expired token, or a bad code."""


class PermissionDeniedError(TmuxBuilderError):
    """A valid credential that may not do this (a read-scoped token asked to change things)."""


class IdentityTakenError(ConflictError):
    """The identity already has an account and the caller did not prove it is theirs."""


class NotConfiguredError(TmuxBuilderError):
    """A feature needs settings that are not present (the message names them)."""
