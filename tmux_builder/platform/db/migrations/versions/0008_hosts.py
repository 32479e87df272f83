"""worker hosts with heartbeats, their workers, and the host each session is pinned to

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hosts",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("sites_url", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "host_workers",
        sa.Column("worker_id", sa.String(length=80), nullable=False),
        sa.Column("host_name", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id"),
    )
    op.create_index("ix_host_workers_host_name", "host_workers", ["host_name"])
    op.create_table(
        "session_hosts",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("host_name", sa.String(length=255), nullable=False),
        sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moved_from", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"]),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_index("ix_session_hosts_host_name", "session_hosts", ["host_name"])


def downgrade() -> None:
    op.drop_index("ix_session_hosts_host_name", table_name="session_hosts")
    op.drop_table("session_hosts")
    op.drop_index("ix_host_workers_host_name", table_name="host_workers")
    op.drop_table("host_workers")
    op.drop_table("hosts")
