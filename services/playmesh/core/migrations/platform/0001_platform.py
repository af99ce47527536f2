"""Platform tables: developers, studios, members, the API key index, signing keys.

Revision ID: p0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "p0001"
down_revision = None
branch_labels = None
depends_on = None

S = "platform"
NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "developers",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("email", sa.Text, nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        schema=S,
    )
    op.create_table(
        "studios",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("owner_developer_id", UUID(as_uuid=False), sa.ForeignKey("platform.developers.id"), nullable=False),
        sa.Column("schema_name", sa.Text, nullable=False, unique=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        schema=S,
    )
    op.create_table(
        "studio_members",
        sa.Column("studio_id", UUID(as_uuid=False), sa.ForeignKey("platform.studios.id"), primary_key=True),
        sa.Column("developer_id", UUID(as_uuid=False), sa.ForeignKey("platform.developers.id"), primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
        schema=S,
    )
    op.create_index("ix_platform_studio_members_developer_id", "studio_members", ["developer_id"], schema=S)
    op.create_table(
        "api_keys",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("studio_id", UUID(as_uuid=False), sa.ForeignKey("platform.studios.id"), nullable=False),
        sa.Column("game_id", UUID(as_uuid=False), nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("prefix", sa.Text, nullable=False),
        sa.Column("key_hash", sa.LargeBinary, nullable=False, unique=True),
        sa.Column("kind", sa.SmallInteger, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("revoke_time", sa.DateTime(timezone=True)),
        schema=S,
    )
    op.create_index("ix_platform_api_keys_game_id", "api_keys", ["game_id"], schema=S)
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.Text, primary_key=True),
        sa.Column("private_key", sa.LargeBinary, nullable=False),
        sa.Column("public_x", sa.Text, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("retire_time", sa.DateTime(timezone=True)),
        schema=S,
    )


def downgrade() -> None:
    for table in ("signing_keys", "api_keys", "studio_members", "studios", "developers"):
        op.drop_table(table, schema=S)
