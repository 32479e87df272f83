"""SQLAlchemy 2.0 typed models (``Mapped[...]``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tmux_builder.domain import (
    ExecutionStatus,
    JobStatus,
    SessionStatus,
    StepStatus,
    TokenScope,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    sessions: Mapped[list[SessionRow]] = relationship(back_populates="user")


class Token(Base):
    """A user's bearer token, stored only as its SHA-256 hash. ``scope`` is ``read`` or
    ``write``; a revoked or expired token authenticates nothing."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64), default="token")
    scope: Mapped[str] = mapped_column(String(8), default=TokenScope.write.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class RecoveryCode(Base):
    """A one-time sign-in code sent by email: only its salted scrypt hash is kept; it works
    once, before ``expires_at``, and dies after too many wrong guesses."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)


class SessionRow(Base):
    """A user's session: one workspace, one tmux session per execution, one stack.

    Status, provider and site type hold the values of the ``tmux_builder.domain`` enums.
    ``stack_name`` is always the session's execution id (``domain.execution_id_for``); the
    column stays (indexed, unique, joined by the stack index) so that no migration is needed."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    host_provider: Mapped[str] = mapped_column(String(16))
    site_type: Mapped[str] = mapped_column(String(16))
    requirements: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=SessionStatus.active.value)
    workspace: Mapped[str] = mapped_column(Text)
    stack_name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    torn_down_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(back_populates="sessions")
    executions: Mapped[list[Execution]] = relationship(back_populates="session")


class Execution(Base):
    __tablename__ = "executions"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ExecutionStatus.queued.value)
    current_step: Mapped[int] = mapped_column(Integer, default=0)
    current_step_name: Mapped[str | None] = mapped_column(String(32), default=None)
    deployed_url: Mapped[str | None] = mapped_column(Text, default=None)
    error_message: Mapped[str | None] = mapped_column(Text, default=None)
    debug_id: Mapped[str | None] = mapped_column(String(40), default=None)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    # The build the stack serves (the newest, or the one a rollback brought back).
    live_build: Mapped[int | None] = mapped_column(Integer, default=None)
    # The newest rollback: to, from, step, reason, automatic, at.
    rollback: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    session: Mapped[SessionRow] = relationship(back_populates="executions")
    steps: Mapped[list[StepRecord]] = relationship(order_by="StepRecord.id")
    builds: Mapped[list[Build]] = relationship(order_by="Build.number")


class StepRecord(Base):
    __tablename__ = "step_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id"), index=True)
    run: Mapped[int] = mapped_column(Integer, default=1)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=StepStatus.running.value)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    duration_seconds: Mapped[float | None] = mapped_column(default=None)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Build(Base):
    __tablename__ = "builds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(16))
    pulumi_update: Mapped[int | None] = mapped_column(Integer, default=None)
    url: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # deploying, deployed (checks pending), good (every check passed) or failed
    outcome: Mapped[str] = mapped_column(String(16), default="deploying",
                                         server_default="deployed")
    # What the preview before a redeploy planned: each change and the engine's counts.
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # The kept copy of what was deployed, relative to the workspace (output/build_vN/site).
    artifact: Mapped[str | None] = mapped_column(Text, default=None)
    failure: Mapped[str | None] = mapped_column(Text, default=None)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    __table_args__ = (Index("uq_builds_execution_number", "execution_id", "number", unique=True),)


class LogEvent(Base):
    __tablename__ = "log_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    level: Mapped[str] = mapped_column(String(8), default="info")
    source: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    debug_id: Mapped[str | None] = mapped_column(String(40), default=None, index=True)


class Job(Base):
    """A durable unit of work claimed by one worker at a time under a lease."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.queued.value, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(80), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class ChatMessage(Base):
    __tablename__ = "chat_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StackIndexRow(Base):
    """The platform's own list of session stacks, kept in step with every stack operation
    (served by ``stacks ls``; ``stacks reconcile`` compares it with the backend)."""

    __tablename__ = "stack_index"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    session_id: Mapped[str] = mapped_column(String(32))
    host_provider: Mapped[str] = mapped_column(String(16))
    site_type: Mapped[str] = mapped_column(String(16))
    resource_count: Mapped[int] = mapped_column(Integer, default=0)
    last_update: Mapped[datetime | None] = mapped_column(default=None)
    url: Mapped[str | None] = mapped_column(Text, default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the newest drift check found changed outside Pulumi (None: nothing drifted).
    drift: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    drift_checked_at: Mapped[datetime | None] = mapped_column(default=None)


class CostSnapshot(Base):
    """One stored cost report (cost over time)."""

    __tablename__ = "cost_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    group_by: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(16))
    price_table_version: Mapped[str] = mapped_column(String(32))
    monthly_usd: Mapped[float] = mapped_column(default=0.0)
    to_date_usd: Mapped[float] = mapped_column(default=0.0)
    rows: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SharedStackRow(Base):
    """A platform stack shared by the sessions of one provider and region (Front Door
    profiles, optionally a VPC): how many shards it has and how many are deployed."""

    __tablename__ = "shared_stacks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    region: Mapped[str] = mapped_column(String(40))
    shards: Mapped[int] = mapped_column(Integer, default=1)
    deployed_shards: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SharedSlot(Base):
    """One session stack's place in a shared stack (its Front Door shard)."""

    __tablename__ = "shared_slots"

    stack_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    shared_stack: Mapped[str] = mapped_column(String(100), index=True)
    shard: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
