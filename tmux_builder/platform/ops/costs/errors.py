"""The one error of the actual-cost adapters."""

from __future__ import annotations

from tmux_builder.errors import TmuxBuilderError


class ActualCostUnavailable(TmuxBuilderError):
    """An adapter cannot run here (no credentials, no client library); the message says why."""
