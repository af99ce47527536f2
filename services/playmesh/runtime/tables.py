"""Platform table definitions every service shares (SQLAlchemy Core), and the tenant schema convention.

Each service owns its own tables, defined in its package (``core.tables``, ``scoreboard.tables``) and
created by its own migrations (``<service>/migrations``); no service reads another's. What lives here is
the runtime's: the signing keys (``tokens.KeyRing``) and the API key index that authenticates every
call (``auth.Authenticator``; core issues and revokes the keys). Studio data lives in one schema per
studio, written in table definitions as the placeholder schema ``tenant`` and translated per connection
(``Database.begin(schema)``)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

from playmesh.runtime.errors import NotFound

__all__ = ["TENANT", "api_keys", "metadata", "signing_keys", "tenant_schema"]

TENANT = "tenant"
metadata = sa.MetaData()
_now = sa.text("now()")


def tenant_schema(studio_id: str) -> str:
    """The schema of a studio, derived from its id so no lookup is needed on the hot path. The name is
    quoted into SQL in places (``Database.driver``), so only a real UUID makes one: anything else is
    a studio that cannot exist."""
    try:
        return "studio_" + uuid.UUID(studio_id).hex
    except (ValueError, AttributeError, TypeError):
        raise NotFound("studio not found", reason="STUDIO_NOT_FOUND") from None


# The key index is platform-wide because a request names only its key; rows carry their studio.
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("studio_id", UUID(as_uuid=False), nullable=False),
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
