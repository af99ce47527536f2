"""The scoreboard's tables (SQLAlchemy Core): seasons, current scores and the score log in each studio's
schema (the ``tenant`` placeholder), and the outbox in the ``platform`` schema. Only the scoreboard
reads or writes them. Its Alembic migrations (``scoreboard/migrations``) create them; keep the two in
step. Player names come from core's API, never from core's tables."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

from playmesh.runtime.tables import TENANT

__all__ = ["leaderboard_scores", "leaderboard_seasons", "metadata", "score_log", "score_outbox"]

metadata = sa.MetaData()
_now = sa.text("now()")

# Scoreboard. The current scores are the source of truth that Redis sorted sets are rebuilt from;
# `version` orders the changes of one row so Redis never applies an older one over a newer one.
leaderboard_seasons = sa.Table(
    "leaderboard_seasons",
    metadata,
    sa.Column("game_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("leaderboard", sa.Text, primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("start_time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("end_time", sa.DateTime(timezone=True)),
    sa.Column("state", sa.SmallInteger, nullable=False),
    sa.Column("player_count", sa.BigInteger, nullable=False, server_default="0"),
    schema=TENANT,
)

leaderboard_scores = sa.Table(
    "leaderboard_scores",
    metadata,
    sa.Column("game_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("leaderboard", sa.Text, primary_key=True),
    sa.Column("season", sa.Integer, primary_key=True),
    sa.Column("player_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("score", sa.BigInteger, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("reach_time", sa.DateTime(timezone=True), nullable=False),  # when the score last changed: ties go to the earlier
    sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
    schema=TENANT,
)

# The audit trail: every attempted change, accepted or refused. An accepted change's request id is
# unique per player, which makes retries count once even after Redis lost its idempotency keys.
score_log = sa.Table(
    "score_log",
    metadata,
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
    sa.Index("score_log_request", "game_id", "player_id", "request_id", unique=True, postgresql_where=sa.text("accepted AND request_id <> ''")),
    sa.Index("score_log_board", "game_id", "leaderboard", "create_time", "id"),
    sa.Index("score_log_player", "game_id", "leaderboard", "player_id", "create_time", "id"),
    schema=TENANT,
)

# Score changes committed to PostgreSQL whose Redis update is not confirmed yet (a transactional
# outbox): written in the same transaction as the change, deleted once Redis has it, and re-applied
# by a relay if the writer died in between. Platform-wide so one query finds them for every studio.
score_outbox = sa.Table(
    "score_outbox",
    metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("studio_id", UUID(as_uuid=False), nullable=False),
    sa.Column("game_id", UUID(as_uuid=False), nullable=False),
    sa.Column("leaderboard", sa.Text, nullable=False),
    sa.Column("season", sa.Integer, nullable=False),
    sa.Column("player_id", UUID(as_uuid=False), nullable=False),
    sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    schema="platform",
)
