"""request rate limits counted in the database, shared by every API host; on PostgreSQL,
progress notifications (NOTIFY tb_progress, the execution id) from the tables a progress
stream reads

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# (table, the column holding the execution id, the events that change what a stream shows)
NOTIFYING_TABLES = (
    ("log_events", "execution_id", "INSERT"),
    ("step_records", "execution_id", "INSERT OR UPDATE"),
    ("executions", "id", "UPDATE"),
    ("jobs", "execution_id", "INSERT OR UPDATE OF status"),
)


def upgrade() -> None:
    op.create_table(
        "rate_limit_windows",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("window_start_ms", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", "window_start_ms"),
    )
    op.create_index("ix_rate_limit_windows_start", "rate_limit_windows",
                    ["scope", "window_start_ms"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION tb_notify_progress() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('tb_progress', to_jsonb(NEW) ->> TG_ARGV[0]);
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
    """)
    for table, column, events in NOTIFYING_TABLES:
        op.execute(f"CREATE TRIGGER tb_notify_progress AFTER {events} ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION tb_notify_progress('{column}')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _, _ in NOTIFYING_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS tb_notify_progress ON {table}")
        op.execute("DROP FUNCTION IF EXISTS tb_notify_progress()")
    op.drop_index("ix_rate_limit_windows_start", table_name="rate_limit_windows")
    op.drop_table("rate_limit_windows")
