"""The scoreboard's tables stand alone: seasons no longer reference core's games table by foreign key
(a service's tables never reference another's; game ids are checked through core's API).

Revision ID: t0003
Revises: t0002
"""

from alembic import context, op

revision = "t0003"
down_revision = "t0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("leaderboard_seasons_game_id_fkey", "leaderboard_seasons", schema=context.config.attributes["schema"], type_="foreignkey")


def downgrade() -> None:
    s = context.config.attributes["schema"]
    op.create_foreign_key("leaderboard_seasons_game_id_fkey", "leaderboard_seasons", "games", ["game_id"], ["id"], source_schema=s, referent_schema=s)
