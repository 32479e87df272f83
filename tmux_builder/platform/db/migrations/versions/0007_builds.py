"""builds keep their plan, artifact, outcome and summary; executions know their live build
and last rollback; the stack index records drift

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("builds") as table:
        table.add_column(sa.Column("outcome", sa.String(length=16), nullable=False,
                                   server_default="deployed"))
        table.add_column(sa.Column("plan", sa.JSON(), nullable=True))
        table.add_column(sa.Column("artifact", sa.Text(), nullable=True))
        table.add_column(sa.Column("failure", sa.Text(), nullable=True))
        table.add_column(sa.Column("summary", sa.JSON(), nullable=True))
    with op.batch_alter_table("executions") as table:
        table.add_column(sa.Column("live_build", sa.Integer(), nullable=True))
        table.add_column(sa.Column("rollback", sa.JSON(), nullable=True))
    with op.batch_alter_table("stack_index") as table:
        table.add_column(sa.Column("drift", sa.JSON(), nullable=True))
        table.add_column(sa.Column("drift_checked_at", sa.DateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stack_index") as table:
        table.drop_column("drift_checked_at")
        table.drop_column("drift")
    with op.batch_alter_table("executions") as table:
        table.drop_column("rollback")
        table.drop_column("live_build")
    with op.batch_alter_table("builds") as table:
        for column in ("summary", "failure", "artifact", "plan", "outcome"):
            table.drop_column(column)
