"""The Automation API layer: naming, workspace and backend, operations, locks, toolchain."""

from tmux_builder.stacks.config import PROJECT_NAME, EngineConfig
from tmux_builder.stacks.events import StackEvent
from tmux_builder.stacks.naming import stack_name_for, user_stack_prefix, validate_stack_name
from tmux_builder.stacks.operations import OperationResult, StackEngine, StackRecord
from tmux_builder.stacks.recovery import RecoveryReport

__all__ = [
    "PROJECT_NAME",
    "EngineConfig",
    "OperationResult",
    "RecoveryReport",
    "StackEngine",
    "StackEvent",
    "StackRecord",
    "stack_name_for",
    "user_stack_prefix",
    "validate_stack_name",
]
