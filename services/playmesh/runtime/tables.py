"""Table definitions (SQLAlchemy Core). Platform tables live in the ``platform`` schema; studio data
lives in one schema per studio, written here as the placeholder schema ``tenant`` and translated per
connection (``Database.connect(schema=...)``). Alembic migrations create them; keep the two in step."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

__all__ = [
    "TENANT",
    "api_keys",
    "developers",
    "games",
    "leaderboard_scores",
    "leaderboard_seasons",
    "metadata",
    "player_identities",
    "players",
    "score_log",
    "score_outbox",
    "signing_keys",
    "studio_members",
    "studios",
    "tenant_schema",
]

TENANT = "tenant"
metadata = sa.MetaData()
_now = sa.text("now()")


def tenant_schema(studio_id: str) -> str:
    """The schema of a studio, derived from its id so no lookup is needed on the hot path."""
    return "studio_" + studio_id.replace("-", "")


developers = sa.Table(
    "developers",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("email", sa.Text, nullable=False, unique=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    schema="platform",
)

studios = sa.Table(
    "studios",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("owner_developer_id", UUID(as_uuid=False), sa.ForeignKey("platform.developers.id"), nullable=False),
    sa.Column("schema_name", sa.Text, nullable=False, unique=True),
    sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    schema="platform",
)

studio_members = sa.Table(
    "studio_members",
    metadata,
    sa.Column("studio_id", UUID(as_uuid=False), sa.ForeignKey("platform.studios.id"), primary_key=True),
    sa.Column("developer_id", UUID(as_uuid=False), sa.ForeignKey("platform.developers.id"), primary_key=True, index=True),
    sa.Column("role", sa.Text, nullable=False),
    schema="platform",
)

# The key index is platform-wide because a request names only its key; rows carry their studio.
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("studio_id", UUID(as_uuid=False), sa.ForeignKey("platform.studios.id"), nullable=False),
    sa.Column("game_id", UUID(as_uuid=False), nullable=False, index=True),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("prefix", sa.Text, nullable=False),
    sa.Column("key_hash", sa.LargeBinary, nullable=False, unique=True),
    sa.Column("kind", sa.SmallInteger, nullable=False),
    sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    sa.Column("revoke_time", sa.DateTime(timezone=True)),
    schema="platform",
)

signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("kid", sa.Text, primary_key=True),
    sa.Column("private_key", sa.LargeBinary, nullable=False),  # AES-GCM encrypted with the secret key
    sa.Column("public_x", sa.Text, nullable=False),
    sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    sa.Column("retire_time", sa.DateTime(timezone=True)),
    schema="platform",
)

games = sa.Table(
    "games",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("config", JSONB, nullable=False),
    sa.Column("etag", sa.Text, nullable=False),
    sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    sa.Column("update_time", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    schema=TENANT,
)

players = sa.Table(
    "players",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("game_id", UUID(as_uuid=False), sa.ForeignKey("tenant.games.id"), nullable=False),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("email", sa.Text),
    sa.Column("password_hash", sa.Text),
    sa.Column("ratings", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    sa.Column("update_time", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    sa.Column("last_login_time", sa.DateTime(timezone=True), nullable=False, server_default=_now),
    sa.Index("players_game_create", "game_id", "create_time", "id"),
    schema=TENANT,
)

player_identities = sa.Table(
    "player_identities",
    metadata,
    sa.Column("game_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),  # device | email | custom
    sa.Column("external_id", sa.Text, primary_key=True),
    sa.Column("player_id", UUID(as_uuid=False), sa.ForeignKey("tenant.players.id"), nullable=False, index=True),
    schema=TENANT,
)

# Scoreboard. The current scores are the source of truth that Redis sorted sets are rebuilt from;
# `version` orders the changes of one row so Redis never applies an older one over a newer one.
leaderboard_seasons = sa.Table(
    "leaderboard_seasons",
    metadata,
    sa.Column("game_id", UUID(as_uuid=False), sa.ForeignKey("tenant.games.id"), primary_key=True),
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
