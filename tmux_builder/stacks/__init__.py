"""The Automation API layer: naming, workspace and backend, operations, locks, toolchain."""

from tmux_builder.stacks.config import PROJECT_NAME, EngineConfig, PolicyPackRef
from tmux_builder.stacks.events import StackEvent
from tmux_builder.stacks.naming import stack_name_for, user_stack_prefix, validate_stack_name
from tmux_builder.stacks.operations import StackEngine
from tmux_builder.stacks.recovery import RecoveryReport
from tmux_builder.stacks.results import (
    ChangePlan,
    HistoryEntry,
    OperationResult,
    PolicyViolation,
    PreviewResult,
    ResourceChange,
    ResourceState,
    StackExport,
    StackRecord,
)

__all__ = [
    "PROJECT_NAME",
    "ChangePlan",
    "EngineConfig",
    "HistoryEntry",
    "OperationResult",
    "PolicyPackRef",
    "PolicyViolation",
    "PreviewResult",
    "RecoveryReport",
    "ResourceChange",
    "ResourceState",
    "StackEngine",
    "StackEvent",
    "StackExport",
    "StackRecord",
    "stack_name_for",
    "user_stack_prefix",
    "validate_stack_name",
]
