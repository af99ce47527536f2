"""Studio tables: games (with their configuration), players, player identities.

Revision ID: t0001
Revises:
"""

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "t0001"
down_revision = None
branch_labels = None
depends_on = None

NOW = sa.text("now()")


def upgrade() -> None:
    s = context.config.attributes["schema"]
    op.create_table(
        "games",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("config", JSONB, nullable=False),
        sa.Column("etag", sa.Text, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        schema=s,
    )
    op.create_table(
        "players",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("game_id", UUID(as_uuid=False), sa.ForeignKey(f"{s}.games.id"), nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("email", sa.Text),
        sa.Column("password_hash", sa.Text),
        sa.Column("ratings", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("last_login_time", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        schema=s,
    )
    op.create_index("players_game_create", "players", ["game_id", "create_time", "id"], schema=s)
    op.create_table(
        "player_identities",
        sa.Column("game_id", UUID(as_uuid=False), primary_key=True),
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("external_id", sa.Text, primary_key=True),
        sa.Column("player_id", UUID(as_uuid=False), sa.ForeignKey(f"{s}.players.id"), nullable=False),
        schema=s,
    )
    op.create_index("ix_player_identities_player_id", "player_identities", ["player_id"], schema=s)


def downgrade() -> None:
    s = context.config.attributes["schema"]
    for table in ("player_identities", "players", "games"):
        op.drop_table(table, schema=s)
