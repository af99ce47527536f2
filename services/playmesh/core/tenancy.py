"""Tenancy: developers, studios (each with its own PostgreSQL schema), games with their configuration,
and API keys. Every read and write of studio data first proves the developer is a member of the studio;
anything else is NOT_FOUND, so one studio cannot even learn another's ids exist."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import time
import uuid
from typing import Any

import sqlalchemy as sa
from google.protobuf import json_format
from sqlalchemy.exc import IntegrityError

from playmesh.core.membership import game_row, member_studio
from playmesh.core.passwords import DUMMY_HASH, hash_password, verify_password
from playmesh.core.tables import developers, games, studio_members, studios
from playmesh.core.v1 import core_pb2
from playmesh.runtime.auth import hash_api_key
from playmesh.runtime.db import Database, keyset_page
from playmesh.runtime.errors import Aborted, AlreadyExists, NotFound, Unauthenticated
from playmesh.runtime.tables import api_keys, tenant_schema
from playmesh.runtime.tokens import AUD_DEVELOPER, KeyRing
from playmesh.runtime.validation import PageRequest

__all__ = ["IssuedToken", "Tenancy"]


@dataclasses.dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expire_time: dt.datetime


class Tenancy:
    def __init__(self, db: Database, keyring: KeyRing, *, developer_token_ttl_seconds: int) -> None:
        self.db = db
        self._keyring = keyring
        self._dev_ttl = developer_token_ttl_seconds

    # Developers ---------------------------------------------------------------------------------

    async def register_developer(self, email: str, password: str, display_name: str) -> Any:
        password_hash = await hash_password(password)
        try:
            async with self.db.begin() as conn:
                row = (
                    await conn.execute(
                        sa.insert(developers)
                        .values(id=str(uuid.uuid4()), email=email.lower(), password_hash=password_hash, display_name=display_name)
                        .returning(developers)
                    )
                ).one()
        except IntegrityError:
            raise AlreadyExists("a developer with this email is already registered", reason="EMAIL_TAKEN") from None
        return row

    async def login_developer(self, email: str, password: str) -> tuple[Any, IssuedToken]:
        async with self.db.begin() as conn:
            row = (await conn.execute(sa.select(developers).where(developers.c.email == email.lower()))).first()
        ok = await verify_password(row.password_hash if row else DUMMY_HASH, password)
        if row is None or not ok:
            raise Unauthenticated("email or password is wrong", reason="INVALID_CREDENTIALS")
        return row, self.developer_token(row.id)

    async def get_developer(self, developer_id: str) -> Any:
        async with self.db.begin() as conn:
            row = (await conn.execute(sa.select(developers).where(developers.c.id == developer_id))).first()
        if row is None:
            raise Unauthenticated("the developer account no longer exists", reason="DEVELOPER_GONE")
        return row

    def developer_token(self, developer_id: str) -> IssuedToken:
        now = int(time.time())
        token = self._keyring.sign({"sub": developer_id, "aud": AUD_DEVELOPER, "iat": now, "exp": now + self._dev_ttl, "jti": uuid.uuid4().hex})
        return IssuedToken(token, dt.datetime.fromtimestamp(now + self._dev_ttl, dt.UTC))

    # Studios ------------------------------------------------------------------------------------

    async def create_studio(self, developer_id: str, display_name: str) -> Any:
        studio_id = str(uuid.uuid4())
        schema = tenant_schema(studio_id)
        async with self.db.begin_migrating() as conn:
            row = (
                await conn.execute(
                    sa.insert(studios).values(id=studio_id, display_name=display_name, owner_developer_id=developer_id, schema_name=schema).returning(studios)
                )
            ).one()
            await conn.execute(sa.insert(studio_members).values(studio_id=studio_id, developer_id=developer_id, role="owner"))
            # The schema is created and migrated in the same transaction: a studio row never exists
            # without its tables.
            await self.db.migrate_tenant(schema, conn)
        return row

    async def get_studio(self, developer_id: str, studio_id: str) -> Any:
        async with self.db.begin() as conn:
            return await member_studio(conn, developer_id, studio_id)

    async def list_studios(self, developer_id: str, page: PageRequest) -> tuple[list[Any], str]:
        query = sa.select(studios).join(studio_members, studio_members.c.studio_id == studios.c.id).where(studio_members.c.developer_id == developer_id)
        return await keyset_page(self.db, None, query, studios.c.create_time, studios.c.id, page)

    # Games --------------------------------------------------------------------------------------

    async def create_game(self, developer_id: str, studio_id: str, display_name: str, config: core_pb2.GameConfig) -> Any:
        async with self.db.begin() as conn:
            studio = await member_studio(conn, developer_id, studio_id)
            await conn.execution_options(schema_translate_map={"tenant": studio.schema_name})
            return (
                await conn.execute(
                    sa.insert(games).values(id=str(uuid.uuid4()), display_name=display_name, config=_config_json(config), etag=_etag()).returning(games)
                )
            ).one()

    async def get_game(self, developer_id: str, studio_id: str, game_id: str) -> Any:
        async with self.db.begin() as conn:
            studio = await member_studio(conn, developer_id, studio_id)
            return await game_row(conn, studio.schema_name, game_id)

    async def list_games(self, developer_id: str, studio_id: str, page: PageRequest) -> tuple[list[Any], str]:
        async with self.db.begin() as conn:
            studio = await member_studio(conn, developer_id, studio_id)
        return await keyset_page(self.db, studio.schema_name, sa.select(games), games.c.create_time, games.c.id, page)

    async def update_game(
        self, developer_id: str, studio_id: str, game_id: str, *, display_name: str | None, config: core_pb2.GameConfig | None, etag: str
    ) -> Any:
        async with self.db.begin() as conn:
            studio = await member_studio(conn, developer_id, studio_id)
            current = await game_row(conn, studio.schema_name, game_id, for_update=True)
            if etag and etag != current.etag:
                raise Aborted("the game changed since you read it; read it again and retry", reason="ETAG_MISMATCH", metadata={"etag": current.etag})
            values: dict[str, Any] = {"etag": _etag(), "update_time": sa.func.now()}
            if display_name is not None:
                values["display_name"] = display_name
            if config is not None:
                values["config"] = _config_json(config)
            return (await conn.execute(sa.update(games).where(games.c.id == game_id).values(**values).returning(games))).one()

    async def game_for_key(self, studio_id: str, game_id: str) -> Any:
        async with self.db.begin(tenant_schema(studio_id)) as conn:
            return await game_row(conn, tenant_schema(studio_id), game_id)

    # API keys -----------------------------------------------------------------------------------

    async def create_api_key(self, developer_id: str, studio_id: str, game_id: str, display_name: str, kind: int) -> tuple[Any, str]:
        secret = "pm_" + secrets.token_urlsafe(32)
        async with self.db.begin() as conn:
            studio = await member_studio(conn, developer_id, studio_id)
            await game_row(conn, studio.schema_name, game_id)
            row = (
                await conn.execute(
                    sa.insert(api_keys)
                    .values(
                        id=str(uuid.uuid4()),
                        studio_id=studio_id,
                        game_id=game_id,
                        display_name=display_name,
                        prefix=secret[:10],
                        key_hash=hash_api_key(secret),
                        kind=kind or core_pb2.API_KEY_KIND_CLIENT,
                    )
                    .returning(api_keys)
                )
            ).one()
        return row, secret

    async def list_api_keys(self, developer_id: str, studio_id: str, game_id: str, page: PageRequest) -> tuple[list[Any], str]:
        async with self.db.begin() as conn:
            studio = await member_studio(conn, developer_id, studio_id)
            await game_row(conn, studio.schema_name, game_id)
        query = sa.select(api_keys).where(api_keys.c.studio_id == studio_id, api_keys.c.game_id == game_id)
        return await keyset_page(self.db, None, query, api_keys.c.create_time, api_keys.c.id, page)

    async def revoke_api_key(self, developer_id: str, studio_id: str, game_id: str, api_key_id: str) -> Any:
        async with self.db.begin() as conn:
            await member_studio(conn, developer_id, studio_id)
            try:
                uuid.UUID(api_key_id)
            except ValueError:
                raise NotFound("API key not found", reason="API_KEY_NOT_FOUND") from None
            where = sa.and_(api_keys.c.id == api_key_id, api_keys.c.studio_id == studio_id, api_keys.c.game_id == game_id)
            row = (
                await conn.execute(
                    sa.update(api_keys).where(where).values(revoke_time=sa.func.coalesce(api_keys.c.revoke_time, sa.func.now())).returning(api_keys)
                )
            ).first()
        if row is None:
            raise NotFound("API key not found", reason="API_KEY_NOT_FOUND", metadata={"api_key_id": api_key_id})
        return row


def _config_json(config: core_pb2.GameConfig) -> dict[str, Any]:
    return json_format.MessageToDict(config, preserving_proto_field_name=True)


def _etag() -> str:
    return uuid.uuid4().hex[:16]
