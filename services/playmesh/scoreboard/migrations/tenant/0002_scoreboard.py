"""Scoreboard tables: seasons, current scores (the source Redis is rebuilt from) and the score log.

Revision ID: t0002
Revises: t0001
"""

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects.postgresql import UUID

revision = "t0002"
down_revision = "t0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = context.config.attributes["schema"]
    op.create_table(
        "leaderboard_seasons",
        sa.Column("game_id", UUID(as_uuid=False), sa.ForeignKey(f"{s}.games.id"), primary_key=True),
        sa.Column("leaderboard", sa.Text, primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_time", sa.DateTime(timezone=True)),
        sa.Column("state", sa.SmallInteger, nullable=False),
        sa.Column("player_count", sa.BigInteger, nullable=False, server_default="0"),
        schema=s,
    )
    op.create_table(
        "leaderboard_scores",
        sa.Column("game_id", UUID(as_uuid=False), primary_key=True),
        sa.Column("leaderboard", sa.Text, primary_key=True),
        sa.Column("season", sa.Integer, primary_key=True),
        sa.Column("player_id", UUID(as_uuid=False), primary_key=True),
        sa.Column("score", sa.BigInteger, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("reach_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        schema=s,
    )
    op.create_table(
        "score_log",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("game_id", UUID(as_uuid=False), nullable=False),
        sa.Column("leaderboard", sa.Text, nullable=False),
        sa.Column("season", sa.Integer, nullable=False),
        sa.Column("player_id", UUID(as_uuid=False), nullable=False),
        sa.Column("source", sa.SmallInteger, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("points", sa.BigInteger, nullable=False),
        sa.Column("accepted", sa.Boolean, nullable=False),
        sa.Column("flag_reason", sa.Text, nullable=False),
        sa.Column("ip", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        schema=s,
    )
    op.create_index(
        "score_log_request",
        "score_log",
        ["game_id", "player_id", "request_id"],
        unique=True,
        schema=s,
        postgresql_where=sa.text("accepted AND request_id <> ''"),
    )
    op.create_index("score_log_board", "score_log", ["game_id", "leaderboard", "create_time", "id"], schema=s)
    op.create_index("score_log_player", "score_log", ["game_id", "leaderboard", "player_id", "create_time", "id"], schema=s)


def downgrade() -> None:
    s = context.config.attributes["schema"]
    op.drop_table("score_log", schema=s)
    op.drop_table("leaderboard_scores", schema=s)
    op.drop_table("leaderboard_seasons", schema=s)
