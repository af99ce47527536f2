"""PostgreSQL access: one async engine per process (asyncpg), tenant schemas by schema translation,
and Alembic migrations for the platform schema and each studio schema."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import pathlib
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from playmesh.runtime.registry import SERVICES
from playmesh.runtime.tables import TENANT
from playmesh.runtime.validation import PageRequest

__all__ = ["Database", "async_url", "keyset_page"]

_MIGRATIONS = pathlib.Path(__file__).with_name("migrations")  # the Alembic environments (env.py, template)
_PACKAGE = pathlib.Path(__file__).parents[1]  # each service's revisions: playmesh/<service>/migrations/<kind>/
# Alembic keeps the running migration in a module-global ``context``. An async migration yields to the
# event loop at every statement, so two migrations in one process (two studios created at once)
# would overwrite each other's context. One at a time per process (a lock per event loop, as tests and
# tools may run several); across processes nothing is shared (the tenant env also takes an advisory
# lock per schema).
_ALEMBIC: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _alembic_slot() -> asyncio.Lock:
    return _ALEMBIC.setdefault(asyncio.get_running_loop(), asyncio.Lock())


def async_url(url: str) -> str:
    """`postgresql://…` as given by users → the asyncpg dialect URL SQLAlchemy needs."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    raise ValueError("the database URL must start with postgresql://")


class Database:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.engine: AsyncEngine = create_async_engine(
            # Parameter values (e-mails, hashes, tokens) stay out of error messages and logs.
            async_url(url),
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=False,
            hide_parameters=True,
        )

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def begin(self, schema: str | None = None) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction; with ``schema``, tables of the ``tenant`` placeholder map to it."""
        async with self.engine.begin() as conn:
            if schema is not None:
                await conn.execution_options(schema_translate_map={TENANT: schema})
            yield conn

    @asynccontextmanager
    async def driver(self) -> AsyncIterator[Any]:
        """The asyncpg connection under a pooled connection, for single-statement hot paths: one round
        trip in autocommit instead of BEGIN, statement, COMMIT and SQLAlchemy's per-call compilation.
        Use plain SQL with ``$n`` parameters; quote schema names (they come from ``tenant_schema``)."""
        async with self.engine.connect() as conn:  # returned to the pool by SQLAlchemy, in its greenlet
            raw = await conn.get_raw_connection()
            yield raw.driver_connection

    @asynccontextmanager
    async def begin_migrating(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that may migrate a studio schema (``migrate_tenant(schema, conn)``). The
        process's migration slot is taken before a connection: callers queued behind a migration hold
        no pooled connection while they wait."""
        async with _alembic_slot(), self.engine.begin() as conn:
            yield conn

    async def migrate_platform(self) -> None:
        async with _alembic_slot(), self.engine.begin() as conn:
            await conn.run_sync(_upgrade, "platform", None)

    async def migrate_tenant(self, schema: str, conn: AsyncConnection | None = None) -> None:
        """Creates (if needed) and migrates one studio schema, in ``conn``'s transaction when given
        (which must come from ``begin_migrating``)."""
        if conn is not None:
            if not _alembic_slot().locked():
                raise RuntimeError("migrate_tenant(schema, conn) needs a connection from begin_migrating()")
            await conn.run_sync(_upgrade, "tenant", schema)
            return
        async with _alembic_slot(), self.engine.begin() as own:
            await own.run_sync(_upgrade, "tenant", schema)

    async def migrate_all(self) -> list[str]:
        await self.migrate_platform()
        async with self.engine.connect() as conn:
            # From the catalog, not core's studios table: the runtime reads no service's tables. A studio
            # row and its schema are created in one transaction, so the two lists are the same.
            schemas = list(
                (await conn.execute(sa.text(r"SELECT nspname FROM pg_namespace WHERE nspname ~ '^studio_[0-9a-f]{32}$' ORDER BY nspname"))).scalars()
            )
        for schema in schemas:
            await self.migrate_tenant(schema)
        return schemas


def _version_locations(kind: str) -> list[pathlib.Path]:
    return [path for spec in SERVICES if (path := _PACKAGE / spec.name / "migrations" / kind).is_dir()]


def _upgrade(sync_conn: sa.Connection, kind: str, schema: str | None) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS / kind))
    # One history per schema kind, its revisions kept by the service that owns their tables.
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(str(p) for p in _version_locations(kind)))
    cfg.attributes["connection"] = sync_conn
    cfg.attributes["schema"] = schema
    command.upgrade(cfg, "head")


async def keyset_page(db: Database, schema: str | None, query: sa.Select[Any], time_col: Any, id_col: Any, page: PageRequest) -> tuple[list[Any], str]:
    """One page of ``query`` in (create time, id) order, oldest first, with the next page's token.
    Keyset, not offset: pages stay right while rows are added."""
    if page.cursor is not None:
        after = sa.tuple_(sa.literal(dt.datetime.fromisoformat(page.cursor[0])), sa.cast(sa.literal(page.cursor[1]), id_col.type))
        query = query.where(sa.tuple_(time_col, id_col) > after)
    query = query.order_by(time_col, id_col).limit(page.size + 1)
    async with db.begin(schema) as conn:
        rows = list((await conn.execute(query)).all())
    if len(rows) <= page.size:
        return rows, ""
    last = rows[page.size - 1]
    return rows[: page.size], page.next_token([getattr(last, time_col.name).isoformat(), str(getattr(last, id_col.name))])
