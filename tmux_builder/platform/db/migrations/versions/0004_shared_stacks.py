"""shared platform stacks and the session slots in them

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shared_stacks",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("shards", sa.Integer(), nullable=False),
        sa.Column("deployed_shards", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "shared_slots",
        sa.Column("stack_name", sa.String(length=100), nullable=False),
        sa.Column("shared_stack", sa.String(length=100), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stack_name"),
    )
    with op.batch_alter_table("shared_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shared_slots_shared_stack"), ["shared_stack"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shared_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_slots_shared_stack"))
    op.drop_table("shared_slots")
    op.drop_table("shared_stacks")
