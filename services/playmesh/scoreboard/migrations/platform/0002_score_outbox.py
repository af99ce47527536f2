"""The scoreboard's outbox: score changes committed to PostgreSQL whose Redis update is unconfirmed.

Revision ID: p0002
Revises: p0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "p0002"
down_revision = "p0001"
branch_labels = None
depends_on = None

S = "platform"


def upgrade() -> None:
    op.create_table(
        "score_outbox",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("studio_id", UUID(as_uuid=False), nullable=False),
        sa.Column("game_id", UUID(as_uuid=False), nullable=False),
        sa.Column("leaderboard", sa.Text, nullable=False),
        sa.Column("season", sa.Integer, nullable=False),
        sa.Column("player_id", UUID(as_uuid=False), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("score_outbox", schema=S)
