"""operations: stack index and cost snapshots

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stack_index",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("host_provider", sa.String(length=16), nullable=False),
        sa.Column("site_type", sa.String(length=16), nullable=False),
        sa.Column("resource_count", sa.Integer(), nullable=False),
        sa.Column("last_update", sa.DateTime(timezone=True), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("stack_index", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stack_index_user_id"), ["user_id"], unique=False)

    op.create_table(
        "cost_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("group_by", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("price_table_version", sa.String(length=32), nullable=False),
        sa.Column("monthly_usd", sa.Float(), nullable=False),
        sa.Column("to_date_usd", sa.Float(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cost_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cost_snapshots_taken_at"), ["taken_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cost_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cost_snapshots_taken_at"))

    op.drop_table("cost_snapshots")
    with op.batch_alter_table("stack_index", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stack_index_user_id"))

    op.drop_table("stack_index")
