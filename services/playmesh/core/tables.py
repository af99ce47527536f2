"""Core's tables (SQLAlchemy Core): developers, studios and their members in the ``platform`` schema;
games and player accounts in each studio's schema (the ``tenant`` placeholder, see
``playmesh.runtime.tables``). Only core reads or writes them; other services ask core's API. Core's
Alembic migrations (``core/migrations``) create them; keep the two in step."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from playmesh.runtime.tables import TENANT

__all__ = ["developers", "games", "metadata", "player_identities", "players", "studio_members", "studios"]

metadata = sa.MetaData()
_now = sa.text("now()")

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
