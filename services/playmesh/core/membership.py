"""Who may reach a studio's data: a developer only as a member, and anything of another studio is
NOT_FOUND (ids of other tenants cannot be probed). Core's own checks, on core's tables; other services
ask through ``CheckGameAccess`` (``playmesh.runtime.access``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from playmesh.core.tables import games, studio_members, studios
from playmesh.runtime.db import Database
from playmesh.runtime.errors import NotFound
from playmesh.runtime.tables import tenant_schema
from playmesh.runtime.validation import is_uuid

__all__ = ["game_row", "member_studio", "require_developer_game"]


async def member_studio(conn: AsyncConnection, developer_id: str, studio_id: str) -> Any:
    """The studio row, if the developer is a member; NOT_FOUND otherwise."""
    if not is_uuid(studio_id) or not is_uuid(developer_id):
        raise NotFound("studio not found", reason="STUDIO_NOT_FOUND")
    row = (
        await conn.execute(
            sa.select(studios)
            .join(studio_members, studio_members.c.studio_id == studios.c.id)
            .where(studios.c.id == studio_id, studio_members.c.developer_id == developer_id)
        )
    ).first()
    if row is None:
        raise NotFound("studio not found", reason="STUDIO_NOT_FOUND", metadata={"studio_id": studio_id})
    return row


async def game_row(conn: AsyncConnection, schema: str, game_id: str, *, for_update: bool = False) -> Any:
    """The game row in a studio's schema (switches ``conn`` to that schema); NOT_FOUND otherwise."""
    if not is_uuid(game_id):
        raise NotFound("game not found", reason="GAME_NOT_FOUND")
    await conn.execution_options(schema_translate_map={"tenant": schema})
    query = sa.select(games).where(games.c.id == game_id)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound("game not found", reason="GAME_NOT_FOUND", metadata={"game_id": game_id})
    return row


async def require_developer_game(db: Database, developer_id: str, studio_id: str, game_id: str) -> None:
    """Proves the developer's studio owns the game."""
    async with db.begin() as conn:
        await member_studio(conn, developer_id, studio_id)
        await game_row(conn, tenant_schema(studio_id), game_id)
