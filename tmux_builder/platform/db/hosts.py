"""Rows of the worker hosts (migration 0008): each host's heartbeat and lease, its workers'
heartbeats, and the host each session is pinned to (the one holding its workspace and tmux
session). Kept apart from ``models`` like ``stack_locks``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tmux_builder.platform.db.models import Base


class HostRow(Base):
    """A worker host: alive while ``expires_at`` (last heartbeat + its lease) is ahead."""

    __tablename__ = "hosts"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    sites_url: Mapped[str | None] = mapped_column(Text, default=None)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class HostWorkerRow(Base):
    """One worker (thread) of a host and the job it runs, if any."""

    __tablename__ = "host_workers"

    worker_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    host_name: Mapped[str] = mapped_column(String(255), index=True)
    pid: Mapped[int] = mapped_column(Integer)
    job_id: Mapped[int | None] = mapped_column(Integer, default=None)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]


class SessionHostRow(Base):
    """The host a session is pinned to; ``moved_from`` names the host it was taken from."""

    __tablename__ = "session_hosts"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), primary_key=True)
    host_name: Mapped[str] = mapped_column(String(255), index=True)
    pinned_at: Mapped[datetime]
    moved_from: Mapped[str | None] = mapped_column(String(255), default=None)
