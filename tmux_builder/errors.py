"""Domain exceptions shared by every layer.

This module imports nothing of ours so that every subpackage may raise these. The API maps
each class to one HTTP status in a single place; the CLI prints the message and exits non-zero.
"""

from __future__ import annotations


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


class ToolchainError(TmuxBuilderError):
    """A required tool is missing or at the wrong version; the message says how to fix it."""
