"""The database: typed models, migrations applied at start-up, transactional sessions."""

from tmux_builder.platform.db.database import Database
from tmux_builder.platform.db.models import (
    Base,
    Build,
    ChatMessage,
    CostSnapshot,
    Execution,
    Job,
    LogEvent,
    RecoveryCode,
    SessionRow,
    SharedSlot,
    SharedStackRow,
    StackIndexRow,
    StepRecord,
    Token,
    User,
)

__all__ = [
    "Base",
    "Build",
    "ChatMessage",
    "CostSnapshot",
    "Database",
    "Execution",
    "Job",
    "LogEvent",
    "RecoveryCode",
    "SessionRow",
    "SharedSlot",
    "SharedStackRow",
    "StackIndexRow",
    "StepRecord",
    "Token",
    "User",
]
