"""Player identity of one game: sign-in by device id, email + password or custom id, player tokens
(access JWT + rotating refresh token), logout, and the player account."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from playmesh.core.passwords import DUMMY_HASH, hash_password, verify_password
from playmesh.core.refresh_tokens import Grant, RefreshTokens, RotationRefused
from playmesh.core.tables import player_identities, players
from playmesh.runtime.db import Database, keyset_page
from playmesh.runtime.errors import NotFound, Unauthenticated
from playmesh.runtime.tables import tenant_schema
from playmesh.runtime.tokens import AUD_PLAYER, KeyRing
from playmesh.runtime.validation import PageRequest, is_uuid

__all__ = ["GameRef", "PlayerTokens", "Players"]


class _Row:
    """An asyncpg record read like a SQLAlchemy row (attribute access, UUIDs as strings, JSON decoded),
    so callers need not know which path loaded it."""

    __slots__ = ("_record",)

    def __init__(self, record: Any) -> None:
        self._record = record

    @classmethod
    def of(cls, record: Any) -> _Row | None:
        return None if record is None else cls(record)

    def __getattr__(self, name: str) -> Any:
        value = self._record[name]
        if isinstance(value, uuid.UUID):
            return str(value)
        if name == "ratings" and isinstance(value, str):
            return json.loads(value)
        return value


@dataclasses.dataclass(frozen=True, slots=True)
class GameRef:
    studio_id: str
    game_id: str

    @property
    def schema(self) -> str:
        return tenant_schema(self.studio_id)


@dataclasses.dataclass(frozen=True, slots=True)
class PlayerTokens:
    access_token: str
    access_expire_time: dt.datetime
    refresh_token: str
    refresh_expire_time: dt.datetime


class Players:
    def __init__(self, db: Database, keyring: KeyRing, refresh: RefreshTokens, *, access_ttl_seconds: int, refresh_ttl_seconds: int) -> None:
        self._db = db
        self._keyring = keyring
        self._refresh = refresh
        self._access_ttl = access_ttl_seconds
        self._refresh_ttl = refresh_ttl_seconds

    async def sign_in(self, game: GameRef, kind: str, external_id: str, *, create: bool, display_name: str) -> tuple[Any, bool]:
        """Finds the player with this identity (device or custom), creating it when asked.
        Returns (player row, created)."""
        row = await _touch_by_identity(self._db, game.schema, game.game_id, kind, external_id)
        if row is not None:
            return _Row(row), False
        if not create:
            raise NotFound("no player has this identity; pass create=true to make one", reason="PLAYER_NOT_FOUND")
        return await self._create(game, kind, external_id, display_name, password_hash=None)

    async def sign_in_email(self, game: GameRef, email: str, password: str, *, create: bool, display_name: str) -> tuple[Any, bool]:
        email = email.lower()
        row = _Row.of(await _touch_by_identity(self._db, game.schema, game.game_id, "email", email))
        if row is not None:
            if not await verify_password(row.password_hash or DUMMY_HASH, password):
                raise Unauthenticated("email or password is wrong", reason="INVALID_CREDENTIALS")
            return row, False
        if not create:
            await verify_password(DUMMY_HASH, password)  # same timing as a wrong password
            raise Unauthenticated("email or password is wrong", reason="INVALID_CREDENTIALS")
        row, created = await self._create(game, "email", email, display_name, password_hash=await hash_password(password), email=email)
        if not created and not await verify_password(row.password_hash or DUMMY_HASH, password):
            raise Unauthenticated("email or password is wrong", reason="INVALID_CREDENTIALS")
        return row, created

    async def _create(
        self, game: GameRef, kind: str, external_id: str, display_name: str, *, password_hash: str | None, email: str | None = None
    ) -> tuple[Any, bool]:
        player_id = str(uuid.uuid4())
        name = display_name or f"Player-{player_id[:8]}"
        async with self._db.begin(game.schema) as conn:
            row = (
                await conn.execute(
                    sa.insert(players)
                    .values(id=player_id, game_id=game.game_id, display_name=name, email=email, password_hash=password_hash)
                    .returning(players)
                )
            ).one()
            claimed = (
                await conn.execute(
                    sa.dialects.postgresql.insert(player_identities)
                    .values(game_id=game.game_id, kind=kind, external_id=external_id, player_id=player_id)
                    .on_conflict_do_nothing()
                    .returning(player_identities.c.player_id)
                )
            ).first()
            if claimed is None:
                # A concurrent sign-in created this identity first: drop ours, use theirs.
                await conn.rollback()
        if claimed is None:
            found = await _touch_by_identity(self._db, game.schema, game.game_id, kind, external_id)
            assert found is not None
            return _Row(found), False
        return row, True

    async def issue(self, game: GameRef, player_id: str) -> PlayerTokens:
        grant = await self._refresh.start_family(player_id=player_id, studio_id=game.studio_id, game_id=game.game_id)
        return self._tokens(grant)

    async def refresh(self, game: GameRef, refresh_token: str) -> PlayerTokens:
        try:
            grant = await self._refresh.rotate(refresh_token, game_id=game.game_id)
        except RotationRefused as refused:
            messages = {
                "unknown": ("the refresh token is not valid", "REFRESH_TOKEN_INVALID"),
                "revoked": ("this sign-in has ended; sign in again", "REFRESH_TOKEN_REVOKED"),
                "reused": ("the refresh token was already used; the sign-in is revoked", "REFRESH_TOKEN_REUSED"),
            }
            message, reason = messages[refused.why]
            raise Unauthenticated(message, reason=reason) from None
        return self._tokens(grant)

    async def logout(self, game: GameRef, refresh_token: str) -> None:
        found = await self._refresh.family_of(refresh_token)
        if found is None or found[1] != game.game_id:
            return  # unknown or expired: already logged out, as far as anyone can tell
        await self._refresh.revoke_family(found[0])

    def _tokens(self, grant: Grant) -> PlayerTokens:
        now = int(time.time())
        access = self._keyring.sign(
            {
                "sub": grant.player_id,
                "aud": AUD_PLAYER,
                "tid": grant.studio_id,
                "gid": grant.game_id,
                "sid": grant.family,
                "iat": now,
                "exp": now + self._access_ttl,
            }
        )
        return PlayerTokens(
            access,
            dt.datetime.fromtimestamp(now + self._access_ttl, dt.UTC),
            grant.token,
            dt.datetime.fromtimestamp(now + self._refresh_ttl, dt.UTC),
        )

    async def get(self, game: GameRef, player_id: str) -> Any:
        try:
            uuid.UUID(player_id)
        except ValueError:
            raise NotFound("player not found", reason="PLAYER_NOT_FOUND") from None
        async with self._db.begin(game.schema) as conn:
            row = (await conn.execute(sa.select(players).where(players.c.id == player_id, players.c.game_id == game.game_id))).first()
        if row is None:
            raise NotFound("player not found", reason="PLAYER_NOT_FOUND", metadata={"player_id": player_id})
        return row

    async def update(self, game: GameRef, player_id: str, *, display_name: str | None) -> Any:
        if display_name is None:
            return await self.get(game, player_id)
        async with self._db.begin(game.schema) as conn:
            row = (
                await conn.execute(
                    sa.update(players)
                    .where(players.c.id == player_id, players.c.game_id == game.game_id)
                    .values(display_name=display_name, update_time=sa.func.now())
                    .returning(players)
                )
            ).first()
        if row is None:
            raise NotFound("player not found", reason="PLAYER_NOT_FOUND")
        return row

    async def batch_get(self, game: GameRef, player_ids: Sequence[str]) -> list[Any]:
        """The players of the game among ``player_ids``; other ids are left out."""
        ids = [p for p in dict.fromkeys(player_ids) if is_uuid(p)]
        if not ids:
            return []
        async with self._db.begin(game.schema) as conn:
            return list((await conn.execute(sa.select(players).where(players.c.game_id == game.game_id, players.c.id.in_(ids)))).all())

    async def list(self, game: GameRef, page: PageRequest) -> tuple[list[Any], str]:
        query = sa.select(players).where(players.c.game_id == game.game_id)
        return await keyset_page(self._db, game.schema, query, players.c.create_time, players.c.id, page)


async def _touch_by_identity(db: Database, schema: str, game_id: str, kind: str, external_id: str) -> Any:
    """The sign-in hot path, one round trip: finds the player by identity and stamps the sign-in time.
    Plain SQL on the driver (``Database.driver``); the schema name is derived from a UUID, never input."""
    async with db.driver() as conn:
        return await conn.fetchrow(
            f"""UPDATE "{schema}".players AS p SET last_login_time = now()
                FROM "{schema}".player_identities AS i
                WHERE i.player_id = p.id AND i.game_id = $1 AND i.kind = $2 AND i.external_id = $3
                RETURNING p.*""",
            uuid.UUID(game_id),
            kind,
            external_id,
        )
